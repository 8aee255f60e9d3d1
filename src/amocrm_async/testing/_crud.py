"""Generic handlers over :class:`EntityResource` descriptors: list, get, add, update, links."""

from __future__ import annotations

from collections import Counter
from functools import partial
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    required,
    validation_failed,
)
from amocrm_async.testing._links import add_link, link_json, remove_link
from amocrm_async.testing._listing import collection, filters_of, modified_since, paged
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Route
from amocrm_async.testing._state import Entity, LinkKey
from amocrm_async.testing._writes import Changes, Mode

__all__ = [
    "crud_routes",
    "delete_many",
    "delete_one",
    "link_routes",
    "not_allowed",
    "record_writes",
    "validate_batch",
]


def crud_routes(resource: EntityResource) -> list[Route]:
    return [
        (
            resource.path,
            {
                "GET": partial(list_entities if resource.paged else list_whole, resource),
                "POST": partial(add, resource),
                "PATCH": partial(update_many, resource),
            },
        ),
        (
            rf"{resource.path}/(\d+)",
            {"GET": partial(get_one, resource), "PATCH": partial(update_one, resource)},
        ),
    ]


def not_allowed(call: Call, *groups: str) -> FakeResponse:
    """The 405 of a method amoCRM does not have on a path of the API."""
    return problem(405, f"Method {call.req.method} is not allowed for {call.req.path}")


def _self_link(call: Call, resource: EntityResource, entity_id: int | None = None) -> Any:
    tail = "" if entity_id is None else f"/{entity_id}"
    return {"self": {"href": f"{call.base}{resource.path}{tail}"}}


def record_writes(call: Call, counter: Counter[str], entity_type: str, count: int) -> None:
    """Count a successful write request (``stats.entities_*``, ``stats.batch_sizes``)."""
    call.account.touch()
    counter[entity_type] += count
    call.stats.batch_sizes.append(count)


# ----------------------------------------------------------------------------------------------
# Reading
# ----------------------------------------------------------------------------------------------


def list_entities(resource: EntityResource, call: Call) -> FakeResponse:
    req = call.req
    with_ = resource.parse_with(req.query.get("with"))
    rows = resource.select(call.account, req.query, with_, modified_since(req))
    return paged(req, resource.key, rows, resource.renderer(call.account, req.base, with_))


def list_whole(resource: EntityResource, call: Call) -> FakeResponse:
    """An unpaged list: every match with ``_total_items`` in one answer, 204 when none."""
    req = call.req
    with_ = resource.parse_with(req.query.get("with"))
    rows = resource.select(call.account, req.query, with_, modified_since(req))
    if not rows:
        return no_content()
    render = resource.renderer(call.account, req.base, with_)
    return collection(req, resource.key, [render(entity) for entity in rows])


def get_one(resource: EntityResource, call: Call, entity_id: str) -> FakeResponse:
    with_ = resource.parse_with(call.req.query.get("with"))
    entity = resource.store(call.account).get(int(entity_id))
    if entity is None or entity.deleted != ("only_deleted" in with_):
        return call.missing()
    return json_response(200, resource.render(call.account, entity, call.base, with_))


# ----------------------------------------------------------------------------------------------
# Writing
# ----------------------------------------------------------------------------------------------


def validate_batch(
    resource: EntityResource, call: Call, items: list[Any], mode: Mode, limit: int
) -> tuple[list[Changes], FakeResponse | None]:
    """Validate every item; the changes, or the 422 / 400 answer when the request fails."""
    if len(items) > limit:
        return [], problem(422, f"Limit {limit} per page", title="Unprocessable Entity")
    drafts = [resource.validate(call, item, index, mode) for index, item in enumerate(items)]
    errors = [(d.changes.request_id, d.issues) for d in drafts if d.issues]
    if errors:
        return [], validation_failed(errors)
    return [d.changes for d in drafts], None


def _created_json(
    call: Call, resource: EntityResource, entity: Entity, request_id: str
) -> dict[str, Any]:
    return {
        "id": entity.id,
        "request_id": request_id,
        "_links": _self_link(call, resource, entity.id),
    }


def _updated_json(
    call: Call, resource: EntityResource, entity: Entity, request_id: str
) -> dict[str, Any]:
    out: dict[str, Any] = {"id": entity.id, "updated_at": entity.data["updated_at"]}
    if resource.update_echoes_request_id:
        out["request_id"] = request_id
    out["_links"] = _self_link(call, resource, entity.id)
    return out


def _full_json(
    call: Call, resource: EntityResource, entity: Entity, request_id: str
) -> dict[str, Any]:
    rendered = resource.render(call.account, entity, call.base, frozenset())
    return {**rendered, "request_id": request_id}


def _write_batch(resource: EntityResource, call: Call, mode: Mode) -> FakeResponse:
    """POST (``create``) or PATCH (``update``) of an array: all items valid, or nothing changes."""
    changes, error = validate_batch(resource, call, call.req.json_array(), mode, resource.max_batch)
    if error is not None:
        return error
    creating = mode == "create"
    apply = resource.create if creating else resource.update
    written = [(ch.request_id, apply(call, ch)) for ch in changes]
    counter = call.stats.entities_created if creating else call.stats.entities_updated
    record_writes(call, counter, resource.name, len(written))
    answer = _created_json if creating else _updated_json
    if resource.answers_in_full:
        answer = _full_json
    items = [answer(call, resource, entity, request_id) for request_id, entity in written]
    return json_response(
        200, {"_links": _self_link(call, resource), "_embedded": {resource.key: items}}
    )


def add(resource: EntityResource, call: Call) -> FakeResponse:
    limit = resource.max_live
    if limit is not None:
        body = call.req.json()
        live = sum(1 for entity in resource.store(call.account).values() if not entity.deleted)
        if isinstance(body, list) and live + len(body) > limit:
            return problem(400, f"An account can have at most {limit} {resource.key}")
    return _write_batch(resource, call, "create")


def update_many(resource: EntityResource, call: Call) -> FakeResponse:
    return _write_batch(resource, call, "update")


def update_one(resource: EntityResource, call: Call, entity_id: str) -> FakeResponse:
    body = call.req.json()
    if not isinstance(body, dict):
        return validation_failed([("0", [invalid_type("", "object")])])
    if not body:
        return problem(400, "Request data can not be empty")
    if resource.live(call.account, int(entity_id)) is None:
        return problem(404, "Entity not found")
    draft = resource.validate(call, {**body, "id": int(entity_id)}, 0, "update")
    if draft.issues:
        return validation_failed([(draft.changes.request_id, draft.issues)])
    entity = resource.update(call, draft.changes)
    record_writes(call, call.stats.entities_updated, resource.name, 1)
    answer = _full_json if resource.answers_in_full else _updated_json
    return json_response(200, answer(call, resource, entity, draft.changes.request_id))


def _delete(resource: EntityResource, call: Call, entities: list[Entity]) -> FakeResponse:
    for entity in entities:
        refusal = resource.before_delete(call, entity)
        if refusal is not None:
            return refusal
    for entity in entities:
        resource.trash(call.account, entity, call.now)
    call.account.touch()
    return no_content()


def delete_one(resource: EntityResource, call: Call, entity_id: str) -> FakeResponse:
    """``DELETE <path>/{id}``: 204, 404 for a missing entity, or the resource's refusal."""
    entity = resource.live(call.account, int(entity_id))
    if entity is None:
        return problem(404, "Entity not found")
    return _delete(resource, call, [entity])


def delete_many(resource: EntityResource, call: Call) -> FakeResponse:
    """``DELETE <path>`` with ``[{"id": …}, …]``: all of them or, on any bad item, none."""
    items = call.req.json_array()
    if len(items) > resource.max_batch:
        limit = resource.max_batch
        return problem(422, f"Limit {limit} per page", title="Unprocessable Entity")
    found: list[Entity] = []
    errors: list[tuple[str, list[Issue]]] = []
    for index, item in enumerate(items):
        raw = item.get("id") if isinstance(item, dict) else None
        entity = resource.live(call.account, raw) if is_int(raw) else None
        if entity is None:
            issue = not_supported("id") if is_int(raw) else invalid_type("id", "int")
            errors.append((str(index), [issue]))
        else:
            found.append(entity)
    if errors:
        return validation_failed(errors)
    return _delete(resource, call, found)


# ----------------------------------------------------------------------------------------------
# Links
# ----------------------------------------------------------------------------------------------

_LINK_KEYS = frozenset(
    {"to_entity_id", "to_entity_type", "metadata", "entity_id", "entity_type", "request_id"}
)

ParsedLink = tuple[LinkKey, LinkKey, Any]


def link_routes(resource: EntityResource) -> list[Route]:
    if not resource.link_targets:
        return []
    path = resource.path
    return [
        (rf"{path}/links", {"GET": partial(mass_links, resource)}),
        (rf"{path}/link", {"POST": partial(mass_link, resource)}),
        (rf"{path}/unlink", {"POST": partial(mass_unlink, resource)}),
        (rf"{path}/(\d+)/links", {"GET": partial(entity_links, resource)}),
        (rf"{path}/(\d+)/link", {"POST": partial(entity_link, resource)}),
        (rf"{path}/(\d+)/unlink", {"POST": partial(entity_unlink, resource)}),
    ]


def _target_ok(call: Call, to_type: str, to_id: int) -> bool:
    """Stored entity types must exist; catalog elements and customers are not emulated."""
    if not call.stores(to_type):
        return True
    target = call.account.stores[to_type].get(to_id)
    return target is not None and not target.deleted


def _source_id(
    resource: EntityResource, call: Call, item: dict[str, Any], issues: list[Issue]
) -> int | None:
    """The ``entity_id`` of a mass link/unlink item (a live entity of this resource)."""
    raw = item.get("entity_id")
    if not is_int(raw):
        issues.append(invalid_type("entity_id", "int"))
    elif resource.live(call.account, raw) is None:
        issues.append(not_supported("entity_id"))
    else:
        return raw
    return None


def _parse_link(
    resource: EntityResource, call: Call, item: dict[str, Any], entity_id: int | None
) -> tuple[ParsedLink | None, list[Issue]]:
    issues = [not_expected(key) for key in item if key not in _LINK_KEYS]
    source_id = entity_id if entity_id is not None else _source_id(resource, call, item, issues)
    to_type, to_id = item.get("to_entity_type"), item.get("to_entity_id")
    known_type = isinstance(to_type, str) and to_type in resource.link_targets
    if not known_type:
        issues.append(not_supported("to_entity_type"))
    if not is_int(to_id):
        issues.append(invalid_type("to_entity_id", "int"))
    elif known_type and not _target_ok(call, str(to_type), to_id):
        issues.append(not_supported("to_entity_id"))
    meta = item.get("metadata")
    if meta is not None and not isinstance(meta, dict):
        issues.append(invalid_type("metadata", "object"))
    if issues or source_id is None or not is_int(to_id):
        return None, issues
    return ((resource.name, source_id), (str(to_type), to_id), meta), issues


def _parse_links(
    resource: EntityResource, call: Call, entity_id: int | None
) -> tuple[list[ParsedLink], FakeResponse | None]:
    """Validate a link/unlink body; ``entity_id=None`` is the mass form (ids in the items)."""
    items = call.req.json_array()
    if len(items) > resource.max_batch:
        limit = resource.max_batch
        return [], problem(422, f"Limit {limit} per page", title="Unprocessable Entity")
    parsed: list[ParsedLink] = []
    errors: list[tuple[str, list[Issue]]] = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            errors.append((str(index), [invalid_type("", "object")]))
            continue
        link, issues = _parse_link(resource, call, item, entity_id)
        if link is None:
            errors.append((str(item.get("request_id", index)), issues))
        else:
            parsed.append(link)
    if errors:
        return [], validation_failed(errors)
    return parsed, None


def _links_of(call: Call, source: LinkKey, filters: dict[str, Any]) -> list[dict[str, Any]]:
    to_type = filters.get("to_entity_type")
    to_ids = {int(v) for v in as_list(filters.get("to_entity_id")) if str(v).isdigit()}
    catalog = filters.get("to_catalog_id")
    out = []
    for target, meta in call.account.links.get(source, {}).items():
        if isinstance(to_type, str) and to_type and target[0] != to_type:
            continue
        if to_ids and target[1] not in to_ids:
            continue
        if isinstance(catalog, str) and catalog and str((meta or {}).get("catalog_id")) != catalog:
            continue
        out.append(link_json(call.account, call.link_rules, source, target))
    return out


def _links_answer(href: str, links: list[dict[str, Any]]) -> FakeResponse:
    if not links:
        return no_content()
    payload = {"_total_items": len(links), "_links": {"self": {"href": href}}}
    return json_response(200, {**payload, "_embedded": {"links": links}})


def _request_href(call: Call) -> str:
    req = call.req
    return f"{req.base}{req.path}" + (f"?{req.raw_query}" if req.raw_query else "")


def _do_link(
    resource: EntityResource, call: Call, entity_id: int | None, href: str
) -> FakeResponse:
    parsed, error = _parse_links(resource, call, entity_id)
    if error is not None:
        return error
    account, rules = call.account, call.link_rules
    for source, target, meta in parsed:
        add_link(account, rules, source, target, meta)
    account.touch()
    return _links_answer(
        href, [link_json(account, rules, source, target) for source, target, _ in parsed]
    )


def _do_unlink(resource: EntityResource, call: Call, entity_id: int | None) -> FakeResponse:
    parsed, error = _parse_links(resource, call, entity_id)
    if error is not None:
        return error
    for source, target, _ in parsed:
        remove_link(call.account, call.link_rules, source, target)
    call.account.touch()
    return no_content()


def entity_links(resource: EntityResource, call: Call, entity_id: str) -> FakeResponse:
    entity = resource.live(call.account, int(entity_id))
    if entity is None:
        return no_content()
    links = _links_of(call, (resource.name, entity.id), filters_of(call.req.query))
    return _links_answer(_request_href(call), links)


def entity_link(resource: EntityResource, call: Call, entity_id: str) -> FakeResponse:
    entity = resource.live(call.account, int(entity_id))
    if entity is None:
        return problem(404, "Entity not found")
    href = f"{call.base}{resource.path}/{entity.id}/links"
    return _do_link(resource, call, entity.id, href)


def entity_unlink(resource: EntityResource, call: Call, entity_id: str) -> FakeResponse:
    entity = resource.live(call.account, int(entity_id))
    if entity is None:
        return problem(404, "Entity not found")
    return _do_unlink(resource, call, entity.id)


def mass_links(resource: EntityResource, call: Call) -> FakeResponse:
    filters = filters_of(call.req.query)
    wanted = [int(v) for v in as_list(filters.get("entity_id")) if str(v).isdigit()]
    if not wanted:
        return validation_failed([("0", [required("filter.entity_id")])])
    links: list[dict[str, Any]] = []
    for entity_id in dict.fromkeys(wanted):
        if resource.live(call.account, entity_id) is not None:
            links.extend(_links_of(call, (resource.name, entity_id), filters))
    return _links_answer(_request_href(call), links)


def mass_link(resource: EntityResource, call: Call) -> FakeResponse:
    return _do_link(resource, call, None, f"{call.base}{resource.path}/links")


def mass_unlink(resource: EntityResource, call: Call) -> FakeResponse:
    return _do_unlink(resource, call, None)
