"""List filters whose query strings match the official PHP library byte for byte.

Build a filter with keyword arguments, then hand it to a service, or render it yourself
with :meth:`BaseFilter.to_query` (unencoded pairs) or :meth:`BaseFilter.to_query_string`.
Where the PHP library and the API documentation disagree, a filter follows the API and its
docstring says so.
"""

from amocrm_async._phpquery import encode_query, flatten_query, http_build_query
from amocrm_async.filters._base import BaseFilter, Param, order_param, param
from amocrm_async.filters._entity import EntityFilter
from amocrm_async.filters._parsers import Order, Range
from amocrm_async.filters.companies import CompaniesFilter
from amocrm_async.filters.contacts import ContactsFilter
from amocrm_async.filters.leads import LeadsFilter, StatusPair
from amocrm_async.filters.tasks import TaskEntityType, TasksFilter

__all__ = [
    "BaseFilter",
    "CompaniesFilter",
    "ContactsFilter",
    "EntityFilter",
    "LeadsFilter",
    "Order",
    "Param",
    "Range",
    "StatusPair",
    "TaskEntityType",
    "TasksFilter",
    "encode_query",
    "flatten_query",
    "http_build_query",
    "order_param",
    "param",
]
