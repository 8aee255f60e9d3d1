"""Filter for ``GET /api/v4/customers``: the contacts' parameters plus the customer's own."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from amocrm_async.filters import _parsers as parsers
from amocrm_async.filters._base import param
from amocrm_async.filters._entity import EntityFilter

__all__ = ["CustomersFilter"]


@dataclass(frozen=True, kw_only=True)
class CustomersFilter(EntityFilter):
    """Filter for the customers list.

    PHP's ``CustomersFilter::buildFilter()`` (amocrm-api-php at 1354d8a) sends the contacts'
    keys in the contacts' order (see :class:`~amocrm_async.filters.ContactsFilter`), and has
    "todo add customers statuses, next_date, next_price". The API's filtering page documents
    those for customers, so they are here, right after ``name``: ``filter[next_price]``,
    ``filter[next_date]`` and ``filter[status_id]``.

    >>> from amocrm_async.filters import CustomersFilter, Range
    >>> CustomersFilter(
    ...     next_price=Range(from_=1000), status_ids=[55], order=("id", "desc")
    ... ).to_query()  # doctest: +NORMALIZE_WHITESPACE
    [('filter[next_price][from]', '1000'), ('filter[status_id][0]', '55'),
     ('order[id]', 'desc')]

    Parameters (besides those of ``ContactsFilter``):
        next_price: the expected purchase, exact or a :class:`Range`.
        next_date: the expected purchase date: UNIX seconds, an aware datetime, or a
            :class:`Range`.
        status_ids: one or several customer status ids (periodicity mode); a zero or
            negative id raises :class:`ValueError` instead of being dropped.
    """

    next_price: parsers.IntOrRange | None = param(
        "next_price", parsers.parse_int_or_range, after="names"
    )
    next_date: parsers.TimeOrRange | None = param(
        "next_date", parsers.parse_time_or_range, after="next_price"
    )
    status_ids: parsers.IdsInput | None = param(
        "status_id", partial(parsers.parse_ids, positive=True, strict=True), after="next_date"
    )
