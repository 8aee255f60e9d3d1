"""Filter for ``GET /api/v4/chats/templates``."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import NamesInput, parse_names

__all__ = ["ChatTemplatesFilter", "parse_external_ids"]


def parse_external_ids(value: NamesInput | None, param: str) -> PhpValue:
    """PHP ``TemplatesFilter::buildFilter()``: one id goes as a scalar, several as a list.

    Empty strings are dropped; nothing left is a :class:`ValueError` (PHP would send nothing
    and list every template).
    """
    names = parse_names(value, param)
    if value is not None and names is None:
        raise ValueError(f"{param}: no non-empty external id given")
    if names is not None and len(names) == 1:
        return next(iter(names.values()))
    return names


@dataclass(frozen=True, kw_only=True)
class ChatTemplatesFilter(BaseFilter):
    """Chat templates by ``external_id`` (PHP ``Chats\\TemplatesFilter``).

    >>> from amocrm_async.filters import ChatTemplatesFilter
    >>> ChatTemplatesFilter(external_ids="crm-1").to_query()
    [('filter[external_id]', 'crm-1')]
    >>> ChatTemplatesFilter(external_ids=["a", "b"]).to_query()
    [('filter[external_id][0]', 'a'), ('filter[external_id][1]', 'b')]
    """

    external_ids: NamesInput | None = param("external_id", parse_external_ids)
