"""List filters whose query strings match the official PHP library byte for byte.

Build a filter with keyword arguments, then hand it to a service, or render it yourself
with :meth:`BaseFilter.to_query` (unencoded pairs) or :meth:`BaseFilter.to_query_string`.
"""

from amocrm_async.filters._base import BaseFilter, EntityFilter, Order, Range
from amocrm_async.filters._query import encode_query, flatten_query, http_build_query
from amocrm_async.filters.leads import LeadsFilter, StatusPair

__all__ = [
    "BaseFilter",
    "EntityFilter",
    "LeadsFilter",
    "Order",
    "Range",
    "StatusPair",
    "encode_query",
    "flatten_query",
    "http_build_query",
]
