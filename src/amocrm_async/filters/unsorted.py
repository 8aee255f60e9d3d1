"""Filters for ``GET /api/v4/leads/unsorted`` and ``GET /api/v4/leads/unsorted/summary``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar, TypeAlias

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import BaseFilter, order_param, param
from amocrm_async.filters._parsers import (
    NamesInput,
    OrderInput,
    TimeOrRange,
    is_int,
    parse_names,
    parse_time_or_range,
)

__all__ = [
    "UnsortedCategoriesInput",
    "UnsortedFilter",
    "UnsortedSummaryFilter",
    "parse_pipeline_id",
]

UNSORTED_CATEGORIES = frozenset({"sip", "mail", "forms", "chats"})

UnsortedCategoriesInput: TypeAlias = str | Iterable[str]
"""One category or several (:class:`~amocrm_async.models.UnsortedCategory` members are str)."""


def parse_categories(
    value: UnsortedCategoriesInput | None, param: str
) -> dict[str | int, PhpValue] | None:
    """PHP ``setCategory``: ``(array)$category``, so one category is a one-item list; a value
    that is not a category is refused (the API would answer nothing for it)."""
    parsed = parse_names(value, param)
    for index, item in (parsed or {}).items():
        if item not in UNSORTED_CATEGORIES:
            allowed = ", ".join(sorted(UNSORTED_CATEGORIES))
            raise ValueError(f"{param}: {item!r} at {index} is not a category ({allowed})")
    return parsed


def parse_pipeline_id(value: int | None, param: str) -> int | None:
    """One pipeline id (``setPipelineId(?int)``): a positive int."""
    if value is None:
        return None
    if not is_int(value):
        raise TypeError(f"{param}: expected int, got {type(value).__name__}")
    if value <= 0:
        raise ValueError(f"{param}: must be a positive pipeline id, got {value}")
    return value


@dataclass(frozen=True, kw_only=True)
class UnsortedFilter(BaseFilter):
    """Filter for the list of incoming leads.

    Keys go out in the order of PHP's ``UnsortedFilter::buildFilter()`` (amocrm-api-php):
    ``uid``, ``category``, ``pipeline_id``, ``order``, then ``limit`` and ``page``. Where we follow
    the API documentation instead: ``order`` takes ``created_at`` or ``updated_at`` (PHP accepts
    ``created_at`` only), and an empty uid is dropped (PHP sends ``filter[uid][0]=``).

    >>> from amocrm_async.filters import UnsortedFilter
    >>> UnsortedFilter(categories="forms", pipeline_id=3001).to_query()
    [('filter[category][0]', 'forms'), ('filter[pipeline_id]', '3001')]
    """

    SORTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at"})

    uids: NamesInput | None = param("uid", parse_names)
    categories: UnsortedCategoriesInput | None = param("category", parse_categories)
    pipeline_id: int | None = param("pipeline_id", parse_pipeline_id)
    order: OrderInput | None = order_param()


@dataclass(frozen=True, kw_only=True)
class UnsortedSummaryFilter(BaseFilter):
    """Filter for the summary of incoming leads: ``filter[created_at]``, ``filter[pipeline_id]``.

    ``created_at`` is a UNIX time (an aware datetime) or a :class:`Range`; PHP takes the array
    as given, which for a :class:`Range` is the same ``[from]``/``[to]`` pair.

    >>> from amocrm_async.filters import Range, UnsortedSummaryFilter
    >>> UnsortedSummaryFilter(created_at=Range(1_700_000_000, 1_700_086_400)).to_query()
    [('filter[created_at][from]', '1700000000'), ('filter[created_at][to]', '1700086400')]
    """

    created_at: TimeOrRange | None = param("created_at", parse_time_or_range)
    pipeline_id: int | None = param("pipeline_id", parse_pipeline_id)
