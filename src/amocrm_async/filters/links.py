"""Filter for the links of several entities (``GET /api/v4/{entity}/links``)."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import IdsInput, is_int, parse_ids

__all__ = ["LinksFilter"]


def _positive_id(value: int | None, param: str) -> int | None:
    if value is None:
        return None
    if not is_int(value):
        raise TypeError(f"{param}: expected int, got {type(value).__name__}")
    if value < 1:
        raise ValueError(f"{param}: must be a positive id, got {value}")
    return value


def _entity_type(value: str | None, param: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not value:
        raise ValueError(f"{param}: expected an entity type such as 'contacts', got {value!r}")
    return value


@dataclass(frozen=True, kw_only=True)
class LinksFilter(BaseFilter):
    """The PHP library's ``EntitiesLinksFilter`` (a ``LinksFilter`` with source ids).

    Keys go out as PHP's ``buildFilter()`` writes them: ``to_entity_id``, ``to_entity_type``,
    ``to_catalog_id``, then ``entity_id``. ``entity_ids`` is required by the mass endpoint;
    unlike PHP, a zero or negative ``to_*`` id raises instead of being sent.

    >>> LinksFilter(entity_ids=[1, 2], to_entity_type="contacts").to_query()
    ... # doctest: +NORMALIZE_WHITESPACE
    [('filter[to_entity_type]', 'contacts'), ('filter[entity_id][0]', '1'),
     ('filter[entity_id][1]', '2')]
    """

    to_entity_id: int | None = param("to_entity_id", _positive_id)
    to_entity_type: str | None = param("to_entity_type", _entity_type)
    to_catalog_id: int | None = param("to_catalog_id", _positive_id)
    entity_ids: IdsInput | None = param("entity_id", parse_ids)
