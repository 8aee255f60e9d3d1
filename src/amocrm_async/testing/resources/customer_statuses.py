"""Customer statuses: ``/api/v4/customers/statuses`` — list, get one, batch create, update one,
delete one; served in periodicity mode only (422 otherwise, as amoCRM documents).

Every account starts with amoCRM's statuses: "recently purchased" first and the three final
system statuses (expected purchase, did not purchase, closed), with one regular status between;
system statuses (``is_default``) cannot be deleted. Customers of a deleted status move to the
first one. amoCRM has no batch update of statuses, so ``PATCH`` of the list answers 405.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import crud_routes, not_allowed
from amocrm_async.testing._http import FakeResponse, no_content, problem
from amocrm_async.testing._issues import required
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity, IdAllocator
from amocrm_async.testing._writes import Changes, Draft, one_of, string, whole_number
from amocrm_async.testing.resources._customers import only_in_mode

__all__ = ["PALETTE", "RESOURCE", "CustomerStatuses", "first_status", "statuses_of"]

PALETTE = (
    "#fffeb2",
    "#fffd7f",
    "#fff000",
    "#ffeab2",
    "#ffdc7f",
    "#ffce5a",
    "#ffdbdb",
    "#ffc8c8",
    "#ff8f92",
    "#d6eaff",
    "#c1e0ff",
    "#98cbff",
    "#ebffb1",
    "#deff81",
    "#87f2c0",
    "#f9deff",
    "#f3beff",
    "#ccc8f9",
    "#eb93ff",
    "#f2f3f4",
    "#e6e8ea",
)
"""The colours of lead and customer statuses."""

REGULAR, EXPECTED, NOT_PURCHASED, CLOSED, RECENT = range(5)
_SYSTEM = (
    ("Недавно купили", RECENT, "#87f2c0", 10),
    ("Постоянные покупатели", REGULAR, "#98cbff", 20),
    ("Ожидается покупка", EXPECTED, "#fffd7f", 10_000),
    ("Не купили", NOT_PURCHASED, "#ff8f92", 10_010),  # noqa: RUF001
    ("Закрытые", CLOSED, "#f2f3f4", 10_020),
)
_NOT_SENT = ("updated_at", "updated_by")
"""Kept by the generic update path, not part of a status."""


def statuses_of(account: Account) -> dict[int, Entity]:
    return RESOURCE.store(account)


def first_status(account: Account) -> int:
    """The status new customers get: the first one by ``sort``."""
    return min(statuses_of(account).values(), key=lambda s: (s.data["sort"], s.id)).id


class CustomerStatuses(EntityResource):
    name = "customer_statuses"
    embedded_key = "statuses"
    path = "/api/v4/customers/statuses"
    id_base = 58_000_001
    read_only = frozenset({"id", "type", "is_default", "conditions", "account_id", "_links"})
    rules = {
        "name": string,
        "sort": whole_number,
        "color": one_of(PALETTE, str, "string"),
    }
    sortable = ("id",)
    detail = "Customers periodicity mode is off: statuses are only available in periodicity mode"

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        own: list[Route] = [
            *crud_routes(self),
            (self.path, {"PATCH": not_allowed}),
            (rf"{self.path}/(\d+)", {"DELETE": self.delete}),
        ]
        return only_in_mode("periodicity", self.detail, own)

    def setup(self, account: Account, ids: IdAllocator) -> None:
        store = self.store(account)
        for name, kind, color, sort in _SYSTEM:
            status_id = ids.next(self.name)
            data = self._data(account, status_id, name, sort, color)
            data.update(type=kind, is_default=kind != REGULAR)
            store[status_id] = Entity(status_id, data)

    def _data(
        self, account: Account, status_id: int, name: str, sort: int, color: str
    ) -> dict[str, Any]:
        return {
            "id": status_id,
            "name": name,
            "sort": sort,
            "is_default": False,
            "color": color,
            "type": REGULAR,
            "conditions": [],
            "account_id": account.id,
        }

    def check(self, draft: Draft) -> None:
        if draft.mode == "create" and not draft.item.get("name"):
            draft.issues.append(required(draft.path("name")))

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields, store = changes.fields, self.store(call.account)
        regular = [s.data["sort"] for s in store.values() if s.data["type"] in (REGULAR, RECENT)]
        sort = fields.get("sort", max(regular, default=0) + 10)
        return self._data(
            call.account, entity_id, fields["name"], sort, fields.get("color", "#c1e0ff")
        )

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        render = super().renderer(account, base, with_)

        def without_audit(status: Entity) -> dict[str, Any]:
            out = render(status)
            for key in _NOT_SENT:
                out.pop(key, None)
            return out

        return without_audit

    def _sorted(self, rows: list[Entity], order: object) -> None:
        """In ``sort`` order, as amoCRM lists them, unless ``order[...]`` asks otherwise."""
        rows.sort(key=lambda status: (status.data["sort"], status.id))
        super()._sorted(rows, order)

    def delete(self, call: Call, status_id: str) -> FakeResponse:
        account = call.account
        status = self.store(account).get(int(status_id))
        if status is None:
            return problem(404, "Status not found")
        if status.data["is_default"]:
            return problem(400, "A system status cannot be deleted")
        self.trash(account, status, call.now)
        fallback = first_status(account)
        for customer in account.stores["customers"].values():
            if customer.data.get("status_id") == status.id:
                customer.data["status_id"] = fallback
        account.touch()
        return no_content()

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """``count`` more regular statuses (amoCRM allows 30 in all)."""
        store, created = self.store(ctx.account), []
        top = max(s.data["sort"] for s in store.values() if s.data["type"] == REGULAR)
        for n in range(1, count + 1):
            status_id = ctx.ids.next(self.name)
            color = PALETTE[ctx.rng.randrange(len(PALETTE))]
            store[status_id] = Entity(
                status_id, self._data(ctx.account, status_id, f"Этап {n}", top + 10 * n, color)
            )
            created.append(status_id)
        return created


RESOURCE = CustomerStatuses()
