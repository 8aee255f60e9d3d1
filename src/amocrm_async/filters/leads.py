"""Filter for ``GET /api/v4/leads``, wire-compatible with the PHP library's ``LeadsFilter``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import param
from amocrm_async.filters._entity import EntityFilter
from amocrm_async.filters._parsers import (
    IdsInput,
    IntOrRange,
    TimeOrRange,
    is_int,
    parse_ids,
    parse_int_or_range,
    parse_time_or_range,
)

__all__ = ["LeadsFilter", "StatusPair"]


class StatusPair(NamedTuple):
    """A status in its pipeline: a status id is only unique within its pipeline.

    ``StatusPair(pipeline_id=3001, status_id=142)``; a plain ``(pipeline_id, status_id)``
    tuple is accepted too.
    """

    pipeline_id: int
    status_id: int


def _parse_statuses(
    value: Iterable[StatusPair | tuple[int, int]] | None, param: str = "statuses"
) -> list[PhpValue] | None:
    """PHP ``setStatuses``: one ``{status_id, pipeline_id}`` entry per pair, numbered from 0.

    PHP writes ``status_id`` before ``pipeline_id``; we keep that order. Both ids are
    mandatory for amoCRM, so a pair that is not two positive ints raises instead of being
    sent half-empty (PHP would turn a ``0`` id into a missing key).
    """
    if value is None:
        return None
    if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
        raise TypeError(f"{param}: expected an iterable of (pipeline_id, status_id) pairs")
    out: list[PhpValue] = []
    for index, pair in enumerate(value):
        if not (isinstance(pair, tuple | list) and len(pair) == 2):
            raise TypeError(f"{param}[{index}]: expected (pipeline_id, status_id), got {pair!r}")
        pipeline_id, status_id = pair
        for name, item in (("pipeline_id", pipeline_id), ("status_id", status_id)):
            if not is_int(item):
                raise TypeError(f"{param}[{index}]: {name} must be int, got {item!r}")
            if item <= 0:
                raise ValueError(f"{param}[{index}]: {name} must be positive, got {item!r}")
        out.append({"status_id": status_id, "pipeline_id": pipeline_id})
    return out or None


@dataclass(frozen=True, kw_only=True)
class LeadsFilter(EntityFilter):
    """Filter for the leads list; every parameter of the PHP ``LeadsFilter``.

    >>> from datetime import UTC, datetime
    >>> from amocrm_async.filters import LeadsFilter, Range
    >>> LeadsFilter(
    ...     ids=[1, 2],
    ...     updated_at=Range(from_=datetime(2024, 1, 1, tzinfo=UTC)),
    ...     statuses=[(3001, 142)],
    ...     query="acme",
    ...     order=("updated_at", "desc"),
    ... ).to_query()  # doctest: +NORMALIZE_WHITESPACE
    [('filter[id][0]', '1'), ('filter[id][1]', '2'), ('filter[updated_at][from]', '1704067200'),
     ('filter[statuses][0][status_id]', '142'), ('filter[statuses][0][pipeline_id]', '3001'),
     ('query', 'acme'), ('order[updated_at]', 'desc')]

    Parameters:
        ids, created_by, updated_by, responsible_user_ids: one id or several (OR-ed);
            negative ids are dropped, the rest keep their positions (PHP behaviour).
            A parameter left with nothing raises ``ValueError`` instead of widening the
            query (PHP would send no condition at all).
        names: one name or several; empty strings are dropped.
        price: exact price or a :class:`Range`.
        created_at, updated_at, closed_at, closest_task_at: UNIX seconds, an aware
            datetime, or a :class:`Range`. A scalar means "exactly this second"; for
            "since" use ``Range(from_=...)``.
        custom_fields_values: ``{field_id: value}``; a :class:`Range` becomes
            ``[from]``/``[to]``, a list is sent as is, a scalar as a one-item list.
        statuses: :class:`StatusPair` values or ``(pipeline_id, status_id)`` tuples.
        pipeline_ids: one or several positive pipeline ids, de-duplicated.
        query: free-text search (str or int); ``""``, ``"0"`` and ``0``, which PHP drops,
            raise ``ValueError``.
        order: ``Order``, ``(field, direction)`` or a field name (ascending); fields are
            ``created_at``, ``updated_at``, ``id``.
    """

    price: IntOrRange | None = param("price", parse_int_or_range, after="names")
    closed_at: TimeOrRange | None = param("closed_at", parse_time_or_range, after="updated_at")
    statuses: Iterable[StatusPair | tuple[int, int]] | None = param("statuses", _parse_statuses)
    pipeline_ids: IdsInput | None = param(
        "pipeline_id", partial(parse_ids, positive=True, unique=True)
    )
