"""List endpoints: paging, HAL pages and collections, and the filter predicates resources use.

A resource declares its filters as ``{filter name: builder}``; a builder turns the condition of
``filter[<name>]`` into a predicate over stored entities (or None to ignore it). The builders
here cover amoCRM's common kinds: id lists, int lists on a field, names, ranges, custom fields.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

from amocrm_async.testing._http import FakeResponse, Request, json_response, no_content
from amocrm_async.testing._query import as_list, is_range, replace_params
from amocrm_async.testing._state import Account, Entity

__all__ = [
    "NOTHING",
    "FilterBuilder",
    "Predicate",
    "collection",
    "custom_field_values",
    "filters_of",
    "ids",
    "int_or_range",
    "ints",
    "ints_in",
    "modified_since",
    "names",
    "number",
    "page_response",
    "paged",
    "paging",
    "range_only",
    "range_predicate",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 250

Predicate = Callable[[Entity], bool]
FilterBuilder = Callable[[Account, Any, Mapping[str, Any]], Predicate | None]
"""``(account, condition, all filters) -> predicate``; None ignores the filter."""


def NOTHING(entity: Entity) -> bool:
    """The predicate of a filter that can match nothing (the list answers 204)."""
    return False


# ----------------------------------------------------------------------------------------------
# Paging and pages
# ----------------------------------------------------------------------------------------------


def _int_param(value: object, default: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return default


def paging(query: Mapping[str, Any]) -> tuple[int, int]:
    """``(page, limit)``: page from 1, limit 50 by default and at most 250."""
    page = max(_int_param(query.get("page"), 1), 1)
    limit = _int_param(query.get("limit"), DEFAULT_LIMIT)
    if limit < 1:
        limit = DEFAULT_LIMIT
    return page, min(limit, MAX_LIMIT)


def modified_since(req: Request) -> int | None:
    raw = req.headers.get("if-modified-since")
    if not raw:
        return None
    try:
        return int(parsedate_to_datetime(raw).timestamp())
    except (TypeError, ValueError, IndexError):
        return None


def page_response(
    req: Request,
    key: str,
    items: list[dict[str, Any]],
    page: int,
    limit: int,
    has_next: bool,
    total: int | None = None,
) -> FakeResponse:
    """A HAL page with absolute ``self``/``next``/``first``/``prev`` links."""
    url = f"{req.base}{req.path}"

    def href(number: int) -> dict[str, str]:
        return {"href": f"{url}?{replace_params(req.raw_query, limit=limit, page=number)}"}

    links: dict[str, Any] = {"self": href(page)}
    if has_next:
        links["next"] = href(page + 1)
    if page > 1:
        links["first"] = href(1)
        links["prev"] = href(page - 1)
    payload: dict[str, Any] = {}
    if total is not None:
        payload["_total_items"] = total
    payload["_page"] = page
    payload["_links"] = links
    payload["_embedded"] = {key: items}
    return json_response(200, payload)


def paged(
    req: Request,
    key: str,
    rows: list[Any],
    render: Callable[[Any], dict[str, Any]] = dict,
    *,
    total: bool = False,
) -> FakeResponse:
    """The requested page of ``rows`` (rendered), or 204 when it is empty."""
    page, limit = paging(req.query)
    start = (page - 1) * limit
    chunk = rows[start : start + limit]
    if not chunk:
        return no_content()
    return page_response(
        req,
        key,
        [render(row) for row in chunk],
        page,
        limit,
        len(rows) > start + limit,
        len(rows) if total else None,
    )


def collection(req: Request, key: str, items: list[dict[str, Any]]) -> FakeResponse:
    """A whole (unpaged) collection with ``_total_items``, as pipelines and statuses come."""
    return json_response(
        200,
        {
            "_total_items": len(items),
            "_links": {"self": {"href": f"{req.base}{req.path}"}},
            "_embedded": {key: items},
        },
    )


# ----------------------------------------------------------------------------------------------
# Filters
# ----------------------------------------------------------------------------------------------


def filters_of(query: Mapping[str, Any]) -> dict[str, Any]:
    raw = query.get("filter")
    return raw if isinstance(raw, dict) else {}


def ints(values: list[Any]) -> set[int]:
    out: set[int] = set()
    for value in values:
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            out.add(int(text))
    return out


def number(value: object) -> float | None:
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def range_predicate(key: str, bounds: Mapping[str, Any]) -> Predicate:
    low = number(bounds.get("from")) if bounds.get("from") not in (None, "") else None
    high = number(bounds.get("to")) if bounds.get("to") not in (None, "") else None

    def check(entity: Entity) -> bool:
        value = entity.data.get(key)
        if value is None:
            return False
        if low is not None and value < low:
            return False
        return not (high is not None and value > high)

    return check


def ids(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    """``filter[id]``: one id or a list of them."""
    wanted = ints(as_list(condition))
    return (lambda entity: entity.id in wanted) if wanted else None


def ints_in(field: str) -> FilterBuilder:
    """A list of ints matched against ``field`` (``filter[task_type]`` → ``task_type_id``)."""

    def build(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
        wanted = ints(as_list(condition))
        return (lambda entity: entity.data.get(field) in wanted) if wanted else None

    return build


def names(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    """``filter[name]``: exact names, case-insensitive."""
    wanted = {str(v).casefold() for v in as_list(condition) if str(v)}
    if not wanted:
        return None
    return lambda entity: str(entity.data.get("name", "")).casefold() in wanted


def range_only(field: str) -> FilterBuilder:
    """``[from]``/``[to]`` on ``field``; a scalar matches nothing (amoCRM answers 204, #358)."""

    def build(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
        if is_range(condition):
            return range_predicate(field, condition)
        return NOTHING if condition not in ("", None) else None

    return build


def int_or_range(field: str) -> FilterBuilder:
    """An exact value (or list of values) or ``[from]``/``[to]`` on ``field``."""
    exact = ints_in(field)

    def build(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
        if is_range(condition):
            return range_predicate(field, condition)
        return exact(account, condition, filters)

    return build


def _cf_range(field_id: int, bounds: Mapping[str, Any]) -> Predicate:
    low = number(bounds.get("from"))
    high = number(bounds.get("to"))

    def check(entity: Entity) -> bool:
        for item in entity.cf.get(field_id, ()):
            value = number(item.get("value"))
            if value is None:
                continue
            if (low is None or value >= low) and (high is None or value <= high):
                return True
        return False

    return check


def _wire_text(value: object) -> str:
    return ("1" if value else "0") if isinstance(value, bool) else str(value)


def _cf_any_of(field_id: int, condition: Any) -> Predicate:
    wanted = {str(v).casefold() for v in as_list(condition)}

    def check(entity: Entity) -> bool:
        for item in entity.cf.get(field_id, ()):
            for candidate in (item.get("value"), item.get("enum_id"), item.get("enum_code")):
                if candidate is not None and _wire_text(candidate).casefold() in wanted:
                    return True
        return False

    return check


def custom_field_values(
    account: Account, condition: Any, filters: Mapping[str, Any]
) -> Predicate | None:
    """``filter[custom_fields_values][<field_id>]``: values / enum ids / codes, or a range."""
    if not isinstance(condition, dict):
        return None
    checks: list[Predicate] = []
    for field_key, field_condition in condition.items():
        field_ids = ints([field_key])
        if not field_ids:
            continue
        field_id = next(iter(field_ids))
        if is_range(field_condition):
            checks.append(_cf_range(field_id, field_condition))
        else:
            checks.append(_cf_any_of(field_id, field_condition))
    if not checks:
        return None
    return lambda entity: all(check(entity) for check in checks)
