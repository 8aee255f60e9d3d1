"""Filter for ``GET /api/v4/events`` — with the PHP library's comma-joined lists."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import (
    IdsInput,
    TimeOrRange,
    is_int,
    parse_ids,
    parse_time_or_range,
)

__all__ = ["EventValueFilter", "EventsFilter", "StringsInput"]

StringsInput: TypeAlias = str | Iterable[str]
"""One string or several (:class:`~amocrm_async.models.EventType` members are str)."""
EventValueFilter: TypeAlias = Mapping[str, Any]
"""``filter[value_before]`` / ``filter[value_after]``: a nested mapping, sent as given, e.g.
``{"leads_statuses": [{"pipeline_id": 7, "status_id": 142}]}`` or
``{"responsible_user_id": 5}``."""


def _joined(items: Iterable[object], param: str, *, ints: bool) -> str:
    out: list[str] = []
    for index, item in enumerate(items):
        if ints:
            if not is_int(item):
                raise TypeError(
                    f"{param}: expected int items, got {type(item).__name__} at {index}"
                )
            assert isinstance(item, int)
            if item <= 0:
                raise ValueError(f"{param}: ids must be positive, got {item} at {index}")
        elif not isinstance(item, str):
            raise TypeError(f"{param}: expected str items, got {type(item).__name__} at {index}")
        elif not item or "," in item:
            raise ValueError(f"{param}: {item!r} at {index} cannot go in a comma-joined list")
        out.append(str(item))
    return ",".join(out)


def parse_joined_strings(value: StringsInput | None, param: str) -> str | None:
    """PHP ``implode(',', $values)``: ``["a", "b"]`` → ``a,b`` (one string is a one-item list).

    An empty item, or one with a comma, would change the list the API reads: it is refused.
    """
    if value is None:
        return None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, Iterable) or isinstance(value, bytes | bytearray | Mapping):
        raise TypeError(f"{param}: expected str or an iterable of str, got {type(value).__name__}")
    return _joined(value, param, ints=False) or None


def parse_joined_ids(value: IdsInput | None, param: str) -> str | None:
    """PHP ``implode(',', $ids)`` of entity ids: ``[1, 2]`` → ``1,2``."""
    if value is None:
        return None
    items: Iterable[object] = [value] if is_int(value) else _iterable_ids(value, param)
    return _joined(items, param, ints=True) or None


def _iterable_ids(value: object, param: str) -> Iterable[object]:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray | Mapping):
        return value
    raise TypeError(f"{param}: expected int or an iterable of int, got {type(value).__name__}")


def parse_value_filter(value: EventValueFilter | None, param: str) -> PhpValue:
    """``filter[value_before|value_after]``: a non-empty mapping, sent as given (as PHP does)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(f"{param}: expected a mapping, got {type(value).__name__}")
    return dict(value)


@dataclass(frozen=True, kw_only=True)
class EventsFilter(BaseFilter):
    """Filter for the events list.

    Keys go out in the order of PHP's ``EventsFilter::buildFilter()`` (amocrm-api-php): ``id``,
    ``type``, ``entity``, ``value_after``, ``value_before``, ``created_by``, ``created_at``,
    ``entity_id``, then ``limit`` and ``page``. As in PHP, ``id``, ``type``, ``entity`` and
    ``entity_id`` are **one comma-joined string** (``filter[type]=lead_added,lead_deleted``),
    ``created_by`` an indexed list and ``created_at`` a value or a ``[from]``/``[to]`` range.
    Where we follow the API documentation instead of PHP:

    * ``value_before``/``value_after`` need ``types`` (the API applies them only together);
    * ``entity_ids`` need ``entities`` (the API reads entity ids of the given entity type);
    * an empty list or item raises instead of sending ``filter[id]=``, which selects everything.

    >>> from amocrm_async.filters import EventsFilter
    >>> EventsFilter(types=["lead_added", "lead_deleted"]).to_query_string(limit=100)
    'filter%5Btype%5D=lead_added%2Clead_deleted&limit=100'

    Parameters:
        ids: event ids (strings).
        types: event type keys (:class:`~amocrm_async.models.EventType`).
        entities: ``lead``, ``contact``, ``company``, ``customer``, ``task`` or
            ``catalog_<id>`` (the singular names the API uses here).
        value_after, value_before: nested mappings such as
            ``{"leads_statuses": [{"pipeline_id": 7, "status_id": 142}]}``.
        created_by: user ids (a list, as in PHP's ``parseArrayOrNumberFilter``).
        created_at: UNIX seconds ("since"), an aware datetime or a :class:`Range`.
        entity_ids: ids of entities of ``entities``.
    """

    ids: StringsInput | None = param("id", parse_joined_strings)
    types: StringsInput | None = param("type", parse_joined_strings)
    entities: StringsInput | None = param("entity", parse_joined_strings)
    value_after: EventValueFilter | None = param(
        "value_after", parse_value_filter, requires="types"
    )
    value_before: EventValueFilter | None = param(
        "value_before", parse_value_filter, requires="types"
    )
    created_by: IdsInput | None = param("created_by", parse_ids)
    created_at: TimeOrRange | None = param("created_at", parse_time_or_range)
    entity_ids: IdsInput | None = param("entity_id", parse_joined_ids, requires="entities")
