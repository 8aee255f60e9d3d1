"""Custom-field definitions: ``GET /api/v4/{entity}/custom_fields[/{id}]``.

Served for every registered entity that declares ``custom_field_specs``; the definitions
themselves are created by the entity when an account is set up (see ``EntityResource.setup``).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import render_definition
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._listing import filters_of, ints, paged
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Resource, Route

__all__ = ["RESOURCE"]


class CustomFields(Resource):
    name = "custom_fields"
    path = "/api/v4/{entity}/custom_fields"
    id_bases = {"fields": 500_001, "enums": 800_001}

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        routes: list[Route] = []
        for peer in peers:
            if isinstance(peer, EntityResource) and peer.custom_field_specs:
                path = self.path.format(entity=peer.name)
                routes.append((path, {"GET": partial(self.list, peer.name)}))
                routes.append((rf"{path}/(\d+)", {"GET": partial(self.one, peer.name)}))
        return routes

    def list(self, entity_type: str, call: Call) -> FakeResponse:
        filters = filters_of(call.req.query)
        wanted_ids = ints(as_list(filters.get("id")))
        types = {str(v) for v in as_list(filters.get("type")) if v}
        rows = [
            d
            for d in call.account.fields[entity_type].values()
            if (not wanted_ids or d.id in wanted_ids) and (not types or d.type in types)
        ]
        account_id, base = call.account.id, call.base
        return paged(
            call.req,
            self.name,
            rows,
            lambda d: render_definition(d, account_id, base),
            total=True,
        )

    def one(self, entity_type: str, call: Call, field_id: str) -> FakeResponse:
        definition = call.account.fields[entity_type].get(int(field_id))
        if definition is None:
            return call.missing()
        return json_response(200, render_definition(definition, call.account.id, call.base))


RESOURCE = CustomFields()
