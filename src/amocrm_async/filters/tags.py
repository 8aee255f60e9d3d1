"""Filter for ``GET /api/v4/{entity}/tags``."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import IdsInput, parse_ids, parse_query

__all__ = ["TagsFilter"]


def parse_tag_name(value: str | None, param: str) -> str | None:
    """PHP ``setName(?string)``: a string; an "empty" one (``""``, ``"0"``) is unset."""
    if value is not None and not isinstance(value, str):
        raise TypeError(f"{param}: expected str, got {type(value).__name__}")
    return parse_query(value, param)


@dataclass(frozen=True, kw_only=True)
class TagsFilter(BaseFilter):
    """Filter for the tags of one entity type; no ``order`` (the API sorts by id).

    Keys are rendered as PHP's ``TagsFilter::buildFilter()`` (amocrm-api-php at 1354d8a)
    renders them: ``filter[id]``, then ``query``, then ``filter[name]`` — which
    ``http_build_query`` sends as ``filter[id]…&filter[name]=…&query=…`` when there are ids (the
    ``filter`` block exists before ``query``) and as ``query=…&filter[name]=…`` when there are
    none. The API reads them in any order.

    >>> from amocrm_async.filters import TagsFilter
    >>> TagsFilter(ids=[3], name="VIP").to_query()
    [('filter[id][0]', '3'), ('filter[name]', 'VIP')]

    Parameters:
        ids: one tag id or several; negative ids are dropped, the rest keep their positions.
        name: the exact tag name (amoCRM compares without regard to case).
        query: part of a tag's name.

    PHP drops an "empty" ``name`` or ``query`` (``""``, ``"0"``) and would list every tag;
    here that is a :class:`ValueError`, like every parameter that normalises to nothing.
    """

    ids: IdsInput | None = param("id", parse_ids)
    name: str | None = param("name", parse_tag_name)
    query: str | int | None = param("query", parse_query, top_level=True)

    def _build(self) -> dict[str, PhpValue]:
        built = super()._build()
        if self.ids is None and "query" in built and "filter" in built:
            # PHP sets ``query`` before the ``filter`` block exists: it comes first.
            return {"query": built["query"], "filter": built["filter"]}
        return built
