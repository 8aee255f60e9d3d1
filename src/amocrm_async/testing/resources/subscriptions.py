"""Subscribers of an entity: ``GET /api/v4/{leads|customers}/{id}/subscriptions``.

Who follows a lead or customer: its responsible user and its creator (users, deduplicated, the
robot left out), as amoCRM subscribes them. The list is paged with ``_total_items``; a missing
entity answers 204.
"""

from __future__ import annotations

from collections.abc import Sequence

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse
from amocrm_async.testing._listing import paged
from amocrm_async.testing._resource import Resource, Route

__all__ = ["RESOURCE", "Subscriptions"]

ENTITY_TYPES = ("leads", "customers")


class Subscriptions(Resource):
    name = "subscriptions"
    path = "/api/v4/{entity}/{id}/subscriptions"

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        pattern = rf"/api/v4/({'|'.join(ENTITY_TYPES)})/(\d+)/subscriptions"
        return [(pattern, {"GET": self.list_items})]

    def list_items(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        owner = int(entity_id)
        store = call.account.stores.get(entity_type, {})
        entity = store.get(owner)
        if entity is None or entity.deleted:
            return call.missing()
        users = [entity.data.get("responsible_user_id"), entity.data.get("created_by")]
        rows = [
            {"subscriber_id": user, "type": "user"}
            for user in dict.fromkeys(users)
            if isinstance(user, int) and user > 0
        ]
        return paged(call.req, self.name, rows, dict, total=True)


RESOURCE = Subscriptions()
