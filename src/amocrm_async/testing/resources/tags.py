"""Tag lists: ``GET /api/v4/{entity}/tags`` for every registered entity with ``tagged = True``."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse
from amocrm_async.testing._listing import filters_of, ints, paged
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Resource, Route

__all__ = ["RESOURCE"]


def _matches(tag: dict[str, Any], wanted_ids: set[int], name: object, text: object) -> bool:
    if wanted_ids and tag["id"] not in wanted_ids:
        return False
    if isinstance(name, str) and name and tag["name"].casefold() != name.casefold():
        return False
    return not (isinstance(text, str) and text and text.casefold() not in tag["name"].casefold())


class Tags(Resource):
    name = "tags"
    path = "/api/v4/{entity}/tags"
    id_bases = {"tags": 100_001}

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path.format(entity=peer.name), {"GET": partial(self.list, peer.name)})
            for peer in peers
            if isinstance(peer, EntityResource) and peer.tagged
        ]

    def list(self, entity_type: str, call: Call) -> FakeResponse:
        query = call.req.query
        filters = filters_of(query)
        wanted_ids = ints(as_list(filters.get("id")))
        name, text = filters.get("name"), query.get("query")
        tags = call.account.tags_by_id[entity_type].values()
        return paged(call.req, self.name, [t for t in tags if _matches(t, wanted_ids, name, text)])


RESOURCE = Tags()
