"""Filter for ``GET /api/v4/companies``, wire-compatible with the PHP ``CompaniesFilter``."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async.filters._entity import EntityFilter

__all__ = ["CompaniesFilter"]


@dataclass(frozen=True, kw_only=True)
class CompaniesFilter(EntityFilter):
    """Filter for the companies list; the same parameters as :class:`ContactsFilter`.

    >>> from amocrm_async.filters import CompaniesFilter, Range
    >>> CompaniesFilter(ids=[10, 11], created_at=Range(to=1700000000)).to_query()
    [('filter[id][0]', '10'), ('filter[id][1]', '11'), ('filter[created_at][to]', '1700000000')]
    """
