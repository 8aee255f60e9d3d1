"""Talks: ``GET /api/v4/talks/{id}`` and ``POST /api/v4/talks/{id}/close``.

Talks start when a client writes in a chat, so the fake has them only from ``fake.seed(talks=N)``
(about seeded contacts). Closing takes ``{"force_close": bool}``: forced, the talk ends at once;
otherwise the NPS bot would ask for a rating first — the fake has no bot, so it ends too. A
closed talk cannot be closed again (400). amoCRM accepts a close with 202 and no body.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import not_allowed
from amocrm_async.testing._http import FakeResponse, problem
from amocrm_async.testing._issues import invalid_type, not_expected, validation_failed
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing.resources._seeding import Dice, live_ids

__all__ = ["RESOURCE", "Talks"]

_ORIGINS = ("telegram", "whatsapp", "viber", "instagram", "vk")


class Talks(EntityResource):
    name = "talks"
    path = "/api/v4/talks"
    id_base = 501
    rules = {}

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"GET": not_allowed, "POST": not_allowed, "PATCH": not_allowed}),
            (rf"{self.path}/(\d+)", {"PATCH": not_allowed}),
            (rf"{self.path}/(\d+)/close", {"POST": self.close}),
        ]

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        def render(talk: Entity) -> dict[str, Any]:
            out = {"talk_id": talk.id, **talk.data}
            contact = out["contact_id"]
            out["_links"] = {"self": {"href": f"{base}{self.path}/{talk.id}"}}
            out["_embedded"] = {"contacts": [{"id": contact}]}
            return out

        return render

    def close(self, call: Call, talk_id: str) -> FakeResponse:
        talk = self.store(call.account).get(int(talk_id))
        if talk is None:
            return problem(404, f"Talk {talk_id} not found")
        body = call.req.json() if call.req.body.strip() else {}
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        issues = [not_expected(key) for key in body if key != "force_close"]
        if not isinstance(body.get("force_close", False), bool):
            issues.append(invalid_type("force_close", "bool"))
        if issues:
            return validation_failed([("0", issues)])
        if not talk.data["is_in_work"]:
            return problem(400, f"Talk {talk_id} is already closed")
        talk.data.update(is_in_work=False, updated_at=call.now)
        call.account.touch()
        return FakeResponse(202, [], b"")

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """Open talks with seeded contacts (none without contacts); a third already read."""
        contacts = live_ids(ctx.account, "contacts")
        dice, store, created = Dice(ctx.rng), self.store(ctx.account), []
        for _ in range(count if contacts else 0):
            talk_id = ctx.ids.next(self.name)
            at = ctx.now - dice.between(60, 7 * 86_400)
            contact_id = dice.pick(contacts)
            store[talk_id] = Entity(
                talk_id,
                {
                    "created_at": at,
                    "updated_at": at,
                    "rate": 0,
                    "contact_id": contact_id,
                    "chat_id": f"{talk_id:08x}-5c1e-4a00-9b1d-{contact_id:012x}",
                    "entity_id": contact_id,
                    "entity_type": "contact",
                    "is_in_work": True,
                    "is_read": dice.chance(0.33),
                    "origin": dice.pick(_ORIGINS),
                    "missed_at": None,
                    "account_id": ctx.account.id,
                },
            )
            created.append(talk_id)
        return created


RESOURCE = Talks()
