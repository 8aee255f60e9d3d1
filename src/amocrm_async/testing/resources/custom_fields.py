"""Custom-field definitions and field groups of every entity that has them, and of catalogs.

``/api/v4/{entity}/custom_fields[/{id}]`` for every registered entity that declares
``custom_field_specs`` (the definitions themselves are created by the entity when an account is
set up, see ``EntityResource.setup``), and ``/api/v4/catalogs/{id}/custom_fields[/{id}]`` for
every catalog (its definitions live under the key ``catalogs/{id}``):

* ``GET`` lists (``filter[id]``, ``filter[type]``, ``order[sort|id]``, paged) and one by id;
* ``POST`` of an array creates definitions (the answer lists them whole, with ``request_id``);
  ``PATCH /{id}`` changes one (``type`` cannot change); ``DELETE /{id}`` removes one and its
  values (predefined fields cannot be deleted); there is no batch ``PATCH``;
* writes are validated as amoCRM does, all or nothing: ``name``/``type`` ``NotBlank`` on
  create, a type the entity cannot have (api-surface.md §8.4) ``NotSupportedChoice``, a
  setting of another type (``enums`` on a text field, ``remind`` off a birthday …) or of
  another entity (``is_visible`` off catalogs, ``required_statuses`` on catalogs)
  ``FieldNotExpected``, wrong types ``InvalidType``, a taken ``code``, an unknown ``group_id``
  or status ``NotSupportedChoice``;
* ``/custom_fields/groups[/{id}]``: groups with string ids (``leads_1600000001``), list, get,
  create, update (``name``, ``sort``, ``fields`` — the ids of the fields in it), delete.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, cast

from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import FieldDef, render_definition
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import (
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import collection, filters_of, ints, paged
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Resource, Route
from amocrm_async.testing._state import Account
from amocrm_async.testing._writes import Changes, Draft, Rule, boolean, integer, nullable, string

__all__ = ["CATALOG_KEY", "FIELD_TYPES", "GROUPS", "RESOURCE", "CustomFields", "catalog_key"]

CATALOG_KEY = "catalogs/{}"
"""Where a catalog's definitions live in ``account.fields``."""
GROUPS = "custom_field_groups"
"""Store of field groups: definitions key → group id → group."""

_BASE_TYPES = frozenset(
    {"text", "numeric", "checkbox", "select", "multiselect", "date", "url", "date_time"}
    | {"textarea", "radiobutton", "streetaddress"}
)
_CRM_TYPES = frozenset({"smart_address", "birthday", "legal_entity", "monetary", "file"})
FIELD_TYPES: Mapping[str, frozenset[str]] = {
    "leads": _BASE_TYPES | _CRM_TYPES | {"tracking_data", "chained_list"},
    "contacts": _BASE_TYPES | _CRM_TYPES | {"multitext"},
    "companies": _BASE_TYPES | _CRM_TYPES | {"multitext"},
    "customers": _BASE_TYPES | {"monetary", "file", "chained_list"},
    "segments": _BASE_TYPES,
    "catalogs": _BASE_TYPES | {"price", "category", "items", "linked_entity"},
    "invoices": _BASE_TYPES
    | {"price", "category", "items", "linked_entity", "payer", "supplier", "legal_entity"},
}
"""Field types a new field of each owner may have (api-surface.md §8.4)."""

_ENUM_TYPES = frozenset(
    {"select", "multiselect", "radiobutton", "multitext", "smart_address", "legal_entity"}
)
_NEEDS_ENUMS = frozenset({"select", "multiselect", "radiobutton"})
_CRM_KEYS = ("is_api_only", "required_statuses")
_CATALOG_KEYS = ("is_visible", "is_required", "is_deletable")
_READ_ONLY = frozenset(
    {
        "id",
        "request_id",
        "entity_type",
        "account_id",
        "catalog_id",
        "is_predefined",
        "tracking_callback",
        "hidden_statuses",
        "triggers",
        "settings",
        "_links",
    }
)
_REMINDS = ("never", "day", "week", "month")
_CURRENCY = re.compile(r"[A-Z]{3}")


def catalog_key(catalog_id: int) -> str:
    return CATALOG_KEY.format(catalog_id)


def _owner_kind(call: Call, key: str) -> str:
    """``leads`` …, or ``catalogs`` / ``invoices`` for a catalog's fields (for the type matrix)."""
    if not key.startswith("catalogs/"):
        return key
    catalog = call.account.stores["catalogs"].get(int(key.partition("/")[2]))
    kind = catalog.data.get("type") if catalog is not None else None
    return "invoices" if kind in ("invoices", "suppliers") else "catalogs"


def render(definition: FieldDef, account_id: int, base: str) -> dict[str, Any]:
    """Wire JSON of a definition: the shared rendering plus the settings writes stored."""
    out = render_definition(definition, account_id, base)
    extra = definition.extra
    for key in ("group_id", "is_api_only", "required_statuses", "search_in", "nested"):
        if key in extra:
            out[key] = extra[key]
    if definition.entity_type.startswith("catalogs/"):
        out["entity_type"] = "catalogs"
        out["catalog_id"] = int(definition.entity_type.partition("/")[2])
        for key in _CRM_KEYS:
            out.pop(key, None)
        out["is_visible"] = extra.get("is_visible", True)
        out["is_required"] = extra.get("is_required", False)
        out["is_deletable"] = extra.get("is_deletable", not definition.is_predefined)
    return out


# ----------------------------------------------------------------------------------------------
# Validation of definition writes
# ----------------------------------------------------------------------------------------------


def _list_of(check: Callable[[Draft, str, dict[str, Any]], None]) -> Rule:
    """A list of objects, each checked by ``check(draft, path, item)``; stored as given."""

    def rule(draft: Draft, key: str, value: Any) -> None:
        if not isinstance(value, list):
            draft.invalid(key, "array")
            return
        for index, item in enumerate(value):
            if isinstance(item, dict):
                check(draft, f"{key}.{index}", item)
            else:
                draft.invalid(f"{key}.{index}", "object")
        draft.changes.fields[key] = [dict(item) for item in value if isinstance(item, dict)]

    return rule


def _enum(draft: Draft, path: str, item: dict[str, Any]) -> None:
    for key in item:
        if key not in ("id", "value", "sort", "code", "request_id"):
            draft.issues.append(not_expected(draft.path(f"{path}.{key}")))
    if not isinstance(item.get("value"), str) or not item["value"]:
        draft.issues.append(required(draft.path(f"{path}.value")))
    for key in ("id", "sort"):
        if item.get(key) is not None and not is_int(item[key]):
            draft.invalid(f"{path}.{key}", "int")


def _nested(draft: Draft, path: str, item: dict[str, Any]) -> None:
    if not isinstance(item.get("value"), str) or not item["value"]:
        draft.issues.append(required(draft.path(f"{path}.value")))


def _status(draft: Draft, path: str, item: dict[str, Any]) -> None:
    from amocrm_async.testing.resources.pipelines import pipelines_of

    pipeline_id, status_id = item.get("pipeline_id"), item.get("status_id")
    if not is_int(pipeline_id) or not is_int(status_id):
        draft.invalid(f"{path}.status_id", "int")
        return
    pipeline = pipelines_of(draft.call.account).get(pipeline_id)
    if pipeline is None or status_id not in pipeline.statuses:
        draft.unsupported(f"{path}.status_id")


def _choice(allowed: Sequence[str]) -> Rule:
    def rule(draft: Draft, key: str, value: Any) -> None:
        if not isinstance(value, str):
            draft.invalid(key, "string")
        elif value not in allowed:
            draft.unsupported(key)
        else:
            draft.changes.fields[key] = value

    return rule


def _currency(draft: Draft, key: str, value: Any) -> None:
    if not isinstance(value, str) or not _CURRENCY.fullmatch(value):
        draft.invalid(key, "ISO 4217 currency code")
    else:
        draft.changes.fields[key] = value


def _mapping(draft: Draft, key: str, value: Any) -> None:
    if isinstance(value, dict):
        draft.changes.fields[key] = dict(value)
    else:
        draft.invalid(key, "object")


_COMMON_RULES: dict[str, Rule] = {
    "name": string,
    "type": string,
    "code": nullable(string),
    "sort": integer,
    "group_id": nullable(string),
}
_TYPE_RULES: dict[str, tuple[frozenset[str], Rule]] = {
    "enums": (_ENUM_TYPES, _list_of(_enum)),
    "nested": (frozenset({"category"}), _list_of(_nested)),
    "remind": (frozenset({"birthday"}), nullable(_choice(_REMINDS))),
    "currency": (frozenset({"monetary"}), nullable(_currency)),
    "chained_lists": (frozenset({"chained_list"}), nullable(_mapping)),
    "search_in": (frozenset({"linked_entity"}), nullable(string)),
}
_OWNER_RULES: dict[str, tuple[bool, Rule]] = {
    "is_api_only": (False, boolean),
    "required_statuses": (False, _list_of(_status)),
    **{key: (True, boolean) for key in _CATALOG_KEYS},
}
"""Keys only one kind of owner takes: ``True`` catalogs, ``False`` the CRM entities (segments
take neither)."""


def _draft(call: Call, key: str, item: object, index: int, creating: bool) -> Draft:
    """A draft of one item (its ``request_id`` taken); an item that is no object is an issue."""
    draft = Draft(call, key, {}, "create" if creating else "update", "", Changes(str(index)))
    if isinstance(item, dict):
        draft.item = item
        if item.get("request_id") is not None:
            draft.changes.request_id = str(item["request_id"])
    else:
        draft.issues.append(invalid_type(str(index), "object"))
    return draft


def _validate(call: Call, key: str, item: object, index: int, current: FieldDef | None) -> Draft:
    draft = _draft(call, key, item, index, current is None)
    if draft.issues:
        return draft
    item = draft.item
    field_type = item.get("type") if current is None else current.type
    for_catalog = key.startswith("catalogs/")
    for name, value in item.items():
        if name in _READ_ONLY:
            continue
        if name in _COMMON_RULES:
            _COMMON_RULES[name](draft, name, value)
        elif name in _TYPE_RULES and field_type in _TYPE_RULES[name][0]:
            _TYPE_RULES[name][1](draft, name, value)
        elif name in _OWNER_RULES and _OWNER_RULES[name][0] == for_catalog and key != "segments":
            _OWNER_RULES[name][1](draft, name, value)
        else:
            draft.issues.append(not_expected(name))
    _check(draft, key, current)
    return draft


def _check(draft: Draft, key: str, current: FieldDef | None) -> None:
    fields, item, account = draft.changes.fields, draft.item, draft.call.account
    if current is None:
        draft.issues.extend(required(k) for k in ("name", "type") if not item.get(k))
        kind = fields.get("type")
        if isinstance(kind, str) and kind and kind not in FIELD_TYPES[_owner_kind(draft.call, key)]:
            draft.unsupported("type")
        if kind in _NEEDS_ENUMS and not fields.get("enums"):
            draft.issues.append(required("enums"))
    elif "type" in fields and fields["type"] != current.type:
        draft.unsupported("type")
    code = fields.get("code")
    if isinstance(code, str) and code:
        taken = account.fields_by_code[key].get(code.upper())
        if taken is not None and taken is not current:
            draft.unsupported("code")
    group = fields.get("group_id")
    if isinstance(group, str) and group not in _groups(account, key):
        draft.unsupported("group_id")


# ----------------------------------------------------------------------------------------------
# Applying them
# ----------------------------------------------------------------------------------------------

_SETTINGS = ("remind", "currency", "chained_lists", "search_in", "nested", "group_id")
_OWNER_SETTINGS = ("is_api_only", "required_statuses", *_CATALOG_KEYS)


def _enums(call: Call, sent: list[dict[str, Any]], old: FieldDef | None) -> list[dict[str, Any]]:
    """Enums as stored: ids kept for the ones sent with an id, new ids for the rest."""
    known = old.enum_by_id if old is not None else {}
    out = []
    for position, enum in enumerate(sent):
        enum_id = enum.get("id") if enum.get("id") in known else call.ids.next("enums")
        stored = {"id": enum_id, "value": enum["value"], "sort": enum.get("sort", position + 1)}
        if enum.get("code"):
            stored["code"] = enum["code"]
        out.append(stored)
    return out


def _apply(call: Call, key: str, changes: Changes, current: FieldDef | None) -> FieldDef:
    fields = changes.fields
    definitions, by_code = call.account.fields[key], call.account.fields_by_code[key]
    if current is None:
        current = FieldDef(
            id=call.ids.next("fields"),
            name=fields["name"],
            type=fields["type"],
            code=None,
            sort=fields.get("sort", 10 * (len(definitions) + 1)),
            entity_type=key,
        )
        definitions[current.id] = current
    if "name" in fields:
        current.name = fields["name"]
    if "sort" in fields:
        current.sort = fields["sort"]
    if "code" in fields:
        if current.code:
            by_code.pop(current.code.upper(), None)
        current.code = fields["code"] or None
        if current.code:
            by_code[current.code.upper()] = current
    if "enums" in fields:
        current.enums = _enums(call, fields["enums"], current)
        current.enum_by_id, current.enum_by_code, current.enum_by_value = {}, {}, {}
        current.index_enums()
    for name in (*_SETTINGS, *_OWNER_SETTINGS):
        if name in fields:
            current.extra[name] = fields[name]
    if fields.get("is_api_only"):
        current.extra["required_statuses"] = []
    return current


def _groups(account: Account, key: str) -> dict[str, dict[str, Any]]:
    store = cast("dict[str, dict[str, dict[str, Any]]]", account.stores[GROUPS])
    return store.setdefault(key, {})


def _values_store(account: Account, key: str) -> list[Any]:
    """The stored entities whose values a field of ``key`` holds."""
    if key.startswith("catalogs/"):
        catalog_id = int(key.partition("/")[2])
        elements = account.stores.get("elements", {}).values()
        return [e for e in elements if e.data.get("catalog_id") == catalog_id]
    return list(account.stores.get(key, {}).values())


class CustomFields(Resource):
    name = "custom_fields"
    path = "/api/v4/{entity}/custom_fields"
    id_bases = {"fields": 500_001, "enums": 800_001, "field_groups": 1_600_000_001}
    stores = (GROUPS,)

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        routes: list[Route] = []
        for peer in peers:
            if isinstance(peer, EntityResource) and peer.custom_field_specs:
                routes.extend(self._routes(self.path.format(entity=peer.name), peer.name))
        routes.extend(self._routes(r"/api/v4/catalogs/(\d+)/custom_fields", None))
        return routes

    def _routes(self, path: str, entity: str | None) -> list[Route]:
        def bound(handler: Callable[..., FakeResponse]) -> Callable[..., FakeResponse]:
            if entity is not None:
                return partial(handler, entity)
            return partial(self._in_catalog, handler)

        return [
            (path, {"GET": bound(self.list), "POST": bound(self.add)}),
            (
                rf"{path}/(\d+)",
                {"GET": bound(self.one), "PATCH": bound(self.update), "DELETE": bound(self.delete)},
            ),
            (f"{path}/groups", {"GET": bound(self.groups), "POST": bound(self.add_groups)}),
            (
                rf"{path}/groups/(\w+)",
                {
                    "GET": bound(self.group),
                    "PATCH": bound(self.update_group),
                    "DELETE": bound(self.delete_group),
                },
            ),
        ]

    def _in_catalog(
        self, handler: Callable[..., FakeResponse], call: Call, catalog_id: str, *rest: str
    ) -> FakeResponse:
        if int(catalog_id) not in call.account.stores["catalogs"]:
            return problem(404, f"Catalog {catalog_id} not found")
        return handler(catalog_key(int(catalog_id)), call, *rest)

    # -- definitions -----------------------------------------------------------------------

    def list(self, entity_type: str, call: Call) -> FakeResponse:
        filters = filters_of(call.req.query)
        wanted_ids = ints(as_list(filters.get("id")))
        types = {str(v) for v in as_list(filters.get("type")) if v}
        rows = [
            d
            for d in call.account.fields[entity_type].values()
            if (not wanted_ids or d.id in wanted_ids) and (not types or d.type in types)
        ]
        order = call.req.query.get("order")
        if isinstance(order, dict):
            for key in ("sort", "id"):
                if key in order:
                    descending = str(order[key]).lower() == "desc"
                    rows.sort(key=lambda d: (getattr(d, key), d.id), reverse=descending)
                    break
        account_id, base = call.account.id, call.base
        return paged(call.req, self.name, rows, lambda d: render(d, account_id, base), total=True)

    def one(self, entity_type: str, call: Call, field_id: str) -> FakeResponse:
        definition = call.account.fields[entity_type].get(int(field_id))
        if definition is None:
            return call.missing()
        return json_response(200, render(definition, call.account.id, call.base))

    def add(self, key: str, call: Call) -> FakeResponse:
        items = call.req.json_array()
        if len(items) > 250:
            return problem(422, "Limit 250 per page", title="Unprocessable Entity")
        drafts = [_validate(call, key, item, index, None) for index, item in enumerate(items)]
        errors = [(d.changes.request_id, d.issues) for d in drafts if d.issues]
        codes = [str(d.changes.fields.get("code", "")).upper() for d in drafts]
        taken = {c for c in codes if c and codes.count(c) > 1}
        if taken:
            errors.append(("0", [not_supported("code")]))
        if errors:
            return validation_failed(errors)
        out = []
        for draft in drafts:
            created = _apply(call, key, draft.changes, None)
            out.append(
                {
                    **render(created, call.account.id, call.base),
                    "request_id": draft.changes.request_id,
                }
            )
        call.account.touch()
        call.stats.entities_created[self.name] += len(out)
        return json_response(200, {"_total_items": len(out), "_embedded": {self.name: out}})

    def update(self, key: str, call: Call, field_id: str) -> FakeResponse:
        current = call.account.fields[key].get(int(field_id))
        if current is None:
            return problem(404, "Custom field not found")
        body = call.req.json()
        if isinstance(body, list) and len(body) == 1:
            body = body[0]
        draft = _validate(call, key, body, 0, current)
        if draft.issues:
            return validation_failed([(draft.changes.request_id, draft.issues)])
        if current.is_predefined and set(draft.changes.fields) - {"sort", "group_id", "type"}:
            return validation_failed([(draft.changes.request_id, [not_supported("id")])])
        _apply(call, key, draft.changes, current)
        call.account.touch()
        call.stats.entities_updated[self.name] += 1
        return json_response(200, render(current, call.account.id, call.base))

    def delete(self, key: str, call: Call, field_id: str) -> FakeResponse:
        account = call.account
        current = account.fields[key].get(int(field_id))
        if current is None:
            return problem(404, "Custom field not found")
        if current.is_predefined or not current.extra.get("is_deletable", True):
            return problem(400, f"Field {current.id} can not be deleted")
        del account.fields[key][current.id]
        if current.code:
            account.fields_by_code[key].pop(current.code.upper(), None)
        for entity in _values_store(account, key):
            entity.cf.pop(current.id, None)
        account.touch()
        return no_content()

    # -- groups ----------------------------------------------------------------------------

    def _render_group(self, call: Call, key: str, group: dict[str, Any]) -> dict[str, Any]:
        owner = "catalogs" if key.startswith("catalogs/") else key
        fields = [
            d.id
            for d in call.account.fields[key].values()
            if d.extra.get("group_id") == group["id"]
        ]
        href = f"{call.base}/api/v4/{key}/custom_fields/groups/{group['id']}"
        return {
            **group,
            "entity_type": owner,
            "is_predefined": False,
            "fields": fields,
            "_links": {"self": {"href": href}},
        }

    def groups(self, key: str, call: Call) -> FakeResponse:
        rows = sorted(_groups(call.account, key).values(), key=lambda g: (g["sort"], g["id"]))
        if not rows:
            return no_content()
        return collection(call.req, GROUPS, [self._render_group(call, key, g) for g in rows])

    def group(self, key: str, call: Call, group_id: str) -> FakeResponse:
        group = _groups(call.account, key).get(group_id)
        if group is None:
            return call.missing()
        return json_response(200, self._render_group(call, key, group))

    def _group_draft(self, call: Call, key: str, item: object, index: int, creating: bool) -> Draft:
        draft = _draft(call, key, item, index, creating)
        if draft.issues:
            return draft
        item = draft.item
        for name, value in item.items():
            if name in ("name",):
                string(draft, name, value)
            elif name == "sort":
                integer(draft, name, value)
            elif name == "fields":
                known = call.account.fields[key]
                if not isinstance(value, list) or not all(is_int(v) for v in value):
                    draft.invalid(name, "array")
                elif any(v not in known for v in value):
                    draft.unsupported(name)
                else:
                    draft.changes.fields[name] = list(value)
            elif name not in ("id", "request_id", "entity_type", "is_predefined", "type", "_links"):
                draft.issues.append(not_expected(name))
        if creating and not item.get("name"):
            draft.issues.append(required("name"))
        return draft

    def _apply_group(
        self, call: Call, key: str, group: dict[str, Any], fields: dict[str, Any]
    ) -> None:
        group.update({k: v for k, v in fields.items() if k in ("name", "sort")})
        if "fields" in fields:
            for definition in call.account.fields[key].values():
                if definition.id in fields["fields"]:
                    definition.extra["group_id"] = group["id"]
                elif definition.extra.get("group_id") == group["id"]:
                    definition.extra["group_id"] = None
        call.account.touch()

    def add_groups(self, key: str, call: Call) -> FakeResponse:
        items = call.req.json_array()
        drafts = [self._group_draft(call, key, item, i, True) for i, item in enumerate(items)]
        errors = [(d.changes.request_id, d.issues) for d in drafts if d.issues]
        if errors:
            return validation_failed(errors)
        store, out = _groups(call.account, key), []
        prefix = "catalogs" if key.startswith("catalogs/") else key
        for draft in drafts:
            group_id = f"{prefix}_{call.ids.next('field_groups')}"
            group = store[group_id] = {"id": group_id, "name": "", "sort": len(store) + 1}
            self._apply_group(call, key, group, draft.changes.fields)
            out.append(
                {**self._render_group(call, key, group), "request_id": draft.changes.request_id}
            )
        return json_response(200, {"_total_items": len(out), "_embedded": {GROUPS: out}})

    def update_group(self, key: str, call: Call, group_id: str) -> FakeResponse:
        group = _groups(call.account, key).get(group_id)
        if group is None:
            return problem(404, "Custom field group not found")
        draft = self._group_draft(call, key, call.req.json(), 0, False)
        if draft.issues:
            return validation_failed([(draft.changes.request_id, draft.issues)])
        self._apply_group(call, key, group, draft.changes.fields)
        return json_response(200, self._render_group(call, key, group))

    def delete_group(self, key: str, call: Call, group_id: str) -> FakeResponse:
        group = _groups(call.account, key).pop(group_id, None)
        if group is None:
            return problem(404, "Custom field group not found")
        self._apply_group(call, key, group, {"fields": []})
        return no_content()


RESOURCE = CustomFields()
