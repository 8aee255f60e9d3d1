"""Filter for ``GET /api/v4/customers/transactions``."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import IdsInput, parse_ids

__all__ = ["TransactionsFilter"]


@dataclass(frozen=True, kw_only=True)
class TransactionsFilter(BaseFilter):
    """Filter for the transactions of all customers.

    The API documents one filter here, ``filter[id]`` (one id or several); the PHP library
    has no transactions filter. A negative id is dropped as in the other filters, and a filter
    left with no id raises :class:`ValueError` rather than listing everything.

    >>> from amocrm_async.filters import TransactionsFilter
    >>> TransactionsFilter(ids=[7, 8]).to_query(limit=250, page=1)
    [('filter[id][0]', '7'), ('filter[id][1]', '8'), ('limit', '250'), ('page', '1')]
    """

    ids: IdsInput | None = param("id", parse_ids)
