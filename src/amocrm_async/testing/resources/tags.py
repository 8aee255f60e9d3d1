"""Tags: ``/api/v4/{entity}/tags`` for every registered entity with ``tagged = True``.

* ``GET`` lists them (paged): ``filter[id]`` (one or several), ``filter[name]`` (exact, without
  regard to case), ``query`` (part of the name).
* ``POST`` creates them from ``[{name, color?, request_id?}]``; a name that exists already
  (without regard to case) answers the existing tag, so nothing is duplicated. The answer is
  ``{"_total_items", "_embedded": {"tags": [{id, name, color, request_id}]}}``.
* ``PATCH`` (batch, each item with ``id``) and ``PATCH …/tags/{id}``: lead tags only, which are
  also the only ones with a ``color`` (one of amoCRM's palette, :data:`TAG_COLORS`, or null).

Writes are all-or-nothing with amoCRM's ``validation-errors``: ``name`` ``NotBlank`` /
``InvalidType``, an unknown ``id`` or a colour outside the palette ``NotSupportedChoice``, any
other key (``color`` on a contact's tag, say) ``FieldNotExpected``; a rename onto another tag's
name is ``NotSupportedChoice`` at ``name``.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import Any

from amocrm_async.testing import _issues as issue
from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import record_writes
from amocrm_async.testing._http import FakeResponse, json_response, problem
from amocrm_async.testing._issues import Issue, is_int, validation_failed
from amocrm_async.testing._listing import filters_of, ints, paged
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Resource, Route
from amocrm_async.testing._tags import tag_named

__all__ = ["COLORED", "RESOURCE", "TAG_COLORS", "Tags"]

TAG_COLORS = frozenset(
    {
        "EBEBEB", "D0D0D0", "F2DDF7", "D1A4DC", "FF8F92", "FFC8C8", "C7DB8C", "DDEBB5",
        "8699DA", "AABDFF", "FFCE5A", "FFE193", "90CDB0", "C6F4DE", "A9A5D7", "D8D5FF",
        "86C0FC", "832161", "6A0F49", "0C7C59", "10599D", "9D2B32", "247BA0",
    }
)  # fmt: skip
"""The tag palette (PHP ``TagColorsEnum``): hex without ``#``."""

COLORED = frozenset({"leads"})
"""Entity types whose tags have a colour and can be updated (api-surface.md §5.7)."""

MAX_BATCH = 250

_Tag = dict[str, Any]
_Issues = list[Issue]
_Valid = list[tuple[str, _Tag]]
_Errors = list[tuple[str, _Issues]]


def _matches(tag: _Tag, wanted_ids: set[int], name: object, text: object) -> bool:
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
        routes: list[Route] = []
        for peer in peers:
            if not (isinstance(peer, EntityResource) and peer.tagged):
                continue
            entity_type = peer.name
            path = self.path.format(entity=entity_type)
            methods = {
                "GET": partial(self.list, entity_type),
                "POST": partial(self.add, entity_type),
            }
            if entity_type in COLORED:
                methods["PATCH"] = partial(self.update_many, entity_type)
                routes.append((rf"{path}/(\d+)", {"PATCH": partial(self.update_one, entity_type)}))
            routes.append((path, methods))
        return routes

    def list(self, entity_type: str, call: Call) -> FakeResponse:
        query = call.req.query
        filters = filters_of(query)
        wanted_ids = ints(as_list(filters.get("id")))
        name, text = filters.get("name"), query.get("query")
        tags = call.account.tags_by_id[entity_type].values()
        return paged(call.req, self.name, [t for t in tags if _matches(t, wanted_ids, name, text)])

    # -- writing ---------------------------------------------------------------------------

    def add(self, entity_type: str, call: Call) -> FakeResponse:
        valid, error = self._validated(call, entity_type, call.req.json_array(), creating=True)
        if error is not None:
            return error
        account, created = call.account, []
        for request_id, fields in valid:
            tag = tag_named(account, entity_type, fields["name"], call.ids.next)
            if "color" in fields:
                tag["color"] = fields["color"]
            created.append({**tag, "request_id": request_id})
        record_writes(call, call.stats.entities_created, self.name, len(created))
        return self._answer(call, entity_type, created)

    def update_many(self, entity_type: str, call: Call) -> FakeResponse:
        return self._update(call, entity_type, call.req.json_array())

    def update_one(self, entity_type: str, call: Call, tag_id: str) -> FakeResponse:
        body = call.req.json()
        if not isinstance(body, dict):
            return validation_failed([("0", [issue.invalid_type("", "object")])])
        if int(tag_id) not in call.account.tags_by_id[entity_type]:
            return problem(404, "Entity not found")
        return self._update(call, entity_type, [{**body, "id": int(tag_id)}])

    def _update(self, call: Call, entity_type: str, items: Sequence[Any]) -> FakeResponse:
        valid, error = self._validated(call, entity_type, items, creating=False)
        if error is not None:
            return error
        account, updated = call.account, []
        for request_id, fields in valid:
            tag = account.tags_by_id[entity_type][fields["id"]]
            if "name" in fields:
                names = account.tags[entity_type]
                names.pop(tag["name"].casefold(), None)
                tag["name"] = fields["name"]
                names[tag["name"].casefold()] = tag
            if "color" in fields:
                tag["color"] = fields["color"]
            updated.append({**tag, "request_id": request_id})
        record_writes(call, call.stats.entities_updated, self.name, len(updated))
        return self._answer(call, entity_type, updated)

    def _validated(
        self, call: Call, entity_type: str, items: Sequence[Any], *, creating: bool
    ) -> tuple[_Valid, FakeResponse | None]:
        """The valid items as ``(request_id, fields)``, or the 422 / 400 answer."""
        if len(items) > MAX_BATCH:
            return [], problem(422, f"Limit {MAX_BATCH} per page", title="Unprocessable Entity")
        valid: _Valid = []
        errors: _Errors = []
        for index, item in enumerate(items):
            request_id, fields, issues = self._check(call, entity_type, index, item, creating)
            if issues:
                errors.append((request_id, issues))
            else:
                valid.append((request_id, fields))
        return valid, validation_failed(errors) if errors else None

    def _check(
        self, call: Call, entity_type: str, index: int, item: Any, creating: bool
    ) -> tuple[str, _Tag, _Issues]:
        """``(request_id, fields, issues)`` of one item."""
        fields: _Tag = {}
        if not isinstance(item, dict):
            return str(index), fields, [issue.invalid_type("", "object")]
        request_id = str(item.get("request_id", index))
        known = call.account.tags_by_id[entity_type]
        allowed = {"name", "request_id", *(("color",) if entity_type in COLORED else ())}
        allowed.update(() if creating else ("id",))
        issues: _Issues = [issue.not_expected(key) for key in item if key not in allowed]
        if not creating:
            tag_id = item.get("id")
            if tag_id is None:
                issues.append(issue.required("id"))
            elif not is_int(tag_id) or tag_id not in known:
                issues.append(
                    issue.not_supported("id") if is_int(tag_id) else issue.invalid_type("id", "int")
                )
            else:
                fields["id"] = tag_id
        name = item.get("name")
        if name is not None or creating:
            if name is not None and not isinstance(name, str):
                issues.append(issue.invalid_type("name", "string"))
            elif not name or not name.strip():
                issues.append(issue.required("name"))
            else:
                fields["name"] = name.strip()
                same = call.account.tags[entity_type].get(fields["name"].casefold())
                if not creating and same is not None and same["id"] != fields.get("id"):
                    issues.append(issue.not_supported("name"))
        if "color" in item and "color" in allowed:
            color = item["color"]
            if color is not None and not isinstance(color, str):
                issues.append(issue.invalid_type("color", "string"))
            elif color is not None and color.upper() not in TAG_COLORS:
                issues.append(issue.not_supported("color"))
            else:
                fields["color"] = None if color is None else color.upper()
        return request_id, fields, issues

    def _answer(self, call: Call, entity_type: str, tags: Sequence[_Tag]) -> FakeResponse:
        href = f"{call.base}{self.path.format(entity=entity_type)}"
        return json_response(
            200,
            {
                "_total_items": len(tags),
                "_links": {"self": {"href": href}},
                "_embedded": {self.name: tags},
            },
        )


RESOURCE = Tags()
