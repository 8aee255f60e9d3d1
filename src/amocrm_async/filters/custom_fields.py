"""Filter for ``GET /api/v4/{entity}/custom_fields`` (and a catalog's fields)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from amocrm_async.filters._base import BaseFilter, order_param, param
from amocrm_async.filters._parsers import IdsInput, NamesInput, OrderInput, parse_ids, parse_names

__all__ = ["CustomFieldsFilter"]


@dataclass(frozen=True, kw_only=True)
class CustomFieldsFilter(BaseFilter):
    """Filter for the custom-field definitions of one entity type.

    Keys in the order of PHP's ``CustomFieldsFilter::buildFilter()`` (amocrm-api-php at
    1354d8a): ``filter[id]``, ``filter[type]``, ``order``, then paging. The API documents
    ``filter[type]`` and ``order`` by ``sort`` or ``id``; ``filter[id]`` is PHP's.

    >>> from amocrm_async.filters import CustomFieldsFilter
    >>> CustomFieldsFilter(types=["select", "multiselect"], order=("sort", "asc")).to_query()
    [('filter[type][0]', 'select'), ('filter[type][1]', 'multiselect'), ('order[sort]', 'asc')]

    Parameters:
        ids: one field id or several; negative ids are dropped, the rest keep their positions.
        types: one type code or several (``"select"``, ``"multitext"`` …); empty strings are
            dropped, as PHP does.
        order: ``(field, direction)`` or a field name (ascending); fields are ``sort``, ``id``.
    """

    SORTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset({"sort", "id"})

    ids: IdsInput | None = param("id", parse_ids)
    types: NamesInput | None = param("type", parse_names)
    order: OrderInput | None = order_param()
