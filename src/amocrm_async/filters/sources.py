"""Filter for ``GET /api/v4/sources`` (and any list filtered by ``filter[external_id]``)."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import NamesInput
from amocrm_async.filters.chats import _listed, _one_or_list

__all__ = ["SourcesFilter", "parse_external_ids"]


def parse_external_ids(value: NamesInput | None, param: str) -> PhpValue:
    """One external id goes out as a scalar, several as a list (PHP's ``setExternalIds``);
    an empty id, or an empty list, is a :class:`ValueError` (it would list everything)."""
    if value is None:
        return None
    items = [value] if isinstance(value, str) else _listed(value, param)
    if not items:
        raise ValueError(f"{param}: give at least one external id")
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise ValueError(f"{param}: expected non-empty strings, got {item!r} at {index}")
    return _one_or_list([item for item in items if isinstance(item, str)])


@dataclass(frozen=True, kw_only=True)
class SourcesFilter(BaseFilter):
    """The integration's sources with the given ``external_id`` (one or several).

    >>> from amocrm_async.filters import SourcesFilter
    >>> SourcesFilter(external_ids="site").to_query()
    [('filter[external_id]', 'site')]
    >>> SourcesFilter(external_ids=["site", "bot"]).to_query()
    [('filter[external_id][0]', 'site'), ('filter[external_id][1]', 'bot')]
    """

    external_ids: NamesInput | None = param("external_id", parse_external_ids)
