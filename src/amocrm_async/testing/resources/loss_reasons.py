"""Loss reasons: ``/api/v4/leads/loss_reasons[/{id}]`` — list (unpaged, with ``_total_items``),
get one, batch create, update one, delete one; and ``loss_reason_id`` on leads.

Every account starts with three reasons. A new reason needs a ``name``; deleting one clears
``loss_reason_id`` of the leads lost for it. There is no batch update (``PATCH`` of the list:
405).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import delete_one, not_allowed
from amocrm_async.testing._issues import required
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity, IdAllocator
from amocrm_async.testing._writes import Changes, Draft, member_of, nullable, string, whole_number

__all__ = ["RESOURCE", "LossReasons", "loss_reason_ref", "loss_reasons_of"]

_NAMES = ["Дорого", "Выбрали конкурента", "Нет бюджета"]
_SEEDED = [
    "Не дозвонились",  # noqa: RUF001
    "Пропала потребность",
    "Не устроили сроки",  # noqa: RUF001
    "Ушли без ответа",
]


def loss_reasons_of(account: Account) -> dict[int, Entity]:
    return RESOURCE.store(account)


loss_reason_ref = nullable(member_of(loss_reasons_of))
"""A loss reason of the account, or null."""


class LossReasons(EntityResource):
    name = "loss_reasons"
    path = "/api/v4/leads/loss_reasons"
    id_base = 8_000_001
    paged = False
    answers_in_full = True
    read_only = frozenset({"id", "created_at", "updated_at", "_links"})
    rules = {"name": string, "sort": whole_number}
    sortable = ("id",)
    rendered = ("id", "name", "sort", "created_at", "updated_at")

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"PATCH": not_allowed}),
            (rf"{self.path}/(\d+)", {"DELETE": partial(delete_one, self)}),
        ]

    def _add(self, account: Account, reason_id: int, name: str, sort: int, at: int) -> Entity:
        data = {"id": reason_id, "name": name, "sort": sort, "created_at": at, "updated_at": at}
        reason = self.store(account)[reason_id] = Entity(reason_id, data)
        return reason

    def _next_sort(self, account: Account) -> int:
        return max((r.data["sort"] for r in self.store(account).values()), default=0) + 10

    def setup(self, account: Account, ids: IdAllocator) -> None:
        for reason_name in _NAMES:
            sort = self._next_sort(account)
            self._add(account, ids.next(self.name), reason_name, sort, account.created_at)

    def check(self, draft: Draft) -> None:
        if draft.mode == "create" and not draft.item.get("name"):
            draft.issues.append(required(draft.path("name")))

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        sort = fields.get("sort", self._next_sort(call.account))
        at = call.now
        return {
            "id": entity_id,
            "name": fields["name"],
            "sort": sort,
            "created_at": at,
            "updated_at": at,
        }

    def trash(self, account: Account, entity: Entity, now: int) -> None:
        """Deleted for good; leads lost for this reason keep no reason."""
        super().trash(account, entity, now)
        for lead in account.stores["leads"].values():
            if lead.data.get("loss_reason_id") == entity.id:
                lead.data["loss_reason_id"] = None

    def _sorted(self, rows: list[Entity], order: object) -> None:
        rows.sort(key=lambda reason: (reason.data["sort"], reason.id))

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        created = []
        for n in range(count):
            name = _SEEDED[n % len(_SEEDED)] + (
                f" ({n // len(_SEEDED) + 1})" if n >= len(_SEEDED) else ""
            )
            sort = self._next_sort(ctx.account)
            created.append(self._add(ctx.account, ctx.ids.next(self.name), name, sort, ctx.now).id)
        return created


RESOURCE = LossReasons()
