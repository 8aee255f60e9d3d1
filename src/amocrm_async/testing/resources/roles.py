"""Roles: ``/api/v4/roles`` — list (with ``_total_items``), get one, create, update, delete.

A role is a ``name`` (required on create) and the full ``rights`` (validated like a user's, but
without ``role_id``/``group_id``/``is_free``); a scope left out of a create is denied, left out
of an update is kept. Users with the role get its new rights when it changes, and lose the role
(keeping its rights) when it is deleted. ``with=users`` lists the ids of its users.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import delete_one
from amocrm_async.testing._http import FakeResponse
from amocrm_async.testing._issues import required
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import Changes, Draft, string
from amocrm_async.testing.resources._seeding import Dice
from amocrm_async.testing.resources.users import (
    ROLES,
    deny_all,
    list_with_total,
    rights_rule,
    users_of,
)

__all__ = ["RESOURCE", "Roles"]

_PER_USER = ("group_id", "role_id", "is_admin", "is_free", "is_active")


class Roles(EntityResource):
    name = ROLES
    path = "/api/v4/roles"
    id_base = 7_000_001
    rules = {"name": string, "rights": rights_rule(per_user=False)}
    with_allowed = frozenset({"users"})
    sortable = ()
    update_echoes_request_id = True
    answers_in_full = True

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"GET": self.list_page}),
            (rf"{self.path}/(\d+)", {"DELETE": partial(delete_one, self)}),
        ]

    def list_page(self, call: Call) -> FakeResponse:
        return list_with_total(self, call)

    def check(self, draft: Draft) -> None:
        if draft.mode != "update" and draft.item.get("name", "") == "":
            draft.issues.append(required(draft.path("name")))

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        rights = {**deny_all(), **fields.get("rights", {})}
        return {"id": entity_id, "name": fields["name"], "rights": rights}

    def before_update(self, call: Call, entity: Entity, fields: dict[str, Any]) -> None:
        if "rights" in fields:
            fields["rights"] = {**entity.data["rights"], **fields["rights"]}

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        for user in users_of(call.account).values():
            if user.rights["role_id"] == entity.id:
                user.rights.update(entity.data["rights"])

    def trash(self, account: Account, entity: Entity, now: int) -> None:
        """Deleted for good; its users keep the rights it gave them, without the role."""
        self.store(account).pop(entity.id, None)
        for user in users_of(account).values():
            if user.rights["role_id"] == entity.id:
                user.rights["role_id"] = None

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        href = f"{base}{self.path}/"
        holders: dict[int, list[dict[str, int]]] = {}
        if "users" in with_:
            for user in users_of(account).values():
                role_id = user.rights["role_id"]
                if role_id is not None:
                    holders.setdefault(role_id, []).append({"id": user.id})

        def render(role: Entity) -> dict[str, Any]:
            rights = {k: v for k, v in role.data["rights"].items() if k not in _PER_USER}
            out: dict[str, Any] = {"id": role.id, "name": role.data["name"], "rights": rights}
            out["_links"] = {"self": {"href": f"{href}{role.id}"}}
            if "users" in with_:
                out["_embedded"] = {"users": holders.get(role.id, [])}
            return out

        return render

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        dice, store, created = Dice(ctx.rng), self.store(ctx.account), []
        for n in range(count):
            role_id = ctx.ids.next(self.name)
            level = dice.pick(("A", "G", "M"))
            entity = {"view": level, "edit": level, "add": "A", "delete": "D", "export": "D"}
            rights = {
                **deny_all(),
                **{scope: dict(entity) for scope in ("leads", "contacts", "companies")},
                "tasks": {"edit": level, "delete": "D"},
                "mail_access": dice.chance(0.5),
            }
            name = _NAMES[n % len(_NAMES)] + (
                f" {n // len(_NAMES) + 1}" if n >= len(_NAMES) else ""
            )
            store[role_id] = Entity(role_id, {"id": role_id, "name": name, "rights": rights})
            created.append(role_id)
        return created


_NAMES = ["Менеджер", "Старший менеджер", "Руководитель отдела", "Стажёр"]

RESOURCE = Roles()
