"""The fields the leads, contacts, companies and customers filters have in common."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from amocrm_async.filters._base import BaseFilter, order_param, param
from amocrm_async.filters._parsers import (
    CustomFieldsInput,
    IdsInput,
    NamesInput,
    OrderInput,
    TimeOrRange,
    parse_custom_fields,
    parse_ids,
    parse_names,
    parse_query,
    parse_time_or_range,
)

__all__ = ["EntityFilter"]


@dataclass(frozen=True, kw_only=True)
class EntityFilter(BaseFilter):
    """``filter[...]`` keys in the order of PHP's ``ContactsFilter::buildFilter()``.

    That is also the contacts, companies and customers filter as it is: those subclasses add
    nothing. ``LeadsFilter`` adds its keys in between (``after=``) and at the end.
    """

    SORTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset({"created_at", "updated_at", "id"})

    ids: IdsInput | None = param("id", parse_ids)
    names: NamesInput | None = param("name", parse_names)
    created_by: IdsInput | None = param("created_by", parse_ids)
    updated_by: IdsInput | None = param("updated_by", parse_ids)
    responsible_user_ids: IdsInput | None = param("responsible_user_id", parse_ids)
    created_at: TimeOrRange | None = param("created_at", parse_time_or_range)
    updated_at: TimeOrRange | None = param("updated_at", parse_time_or_range)
    closest_task_at: TimeOrRange | None = param("closest_task_at", parse_time_or_range)
    custom_fields_values: CustomFieldsInput | None = param(
        "custom_fields_values", parse_custom_fields
    )
    query: str | int | None = param("query", parse_query, top_level=True)
    order: OrderInput | None = order_param()
