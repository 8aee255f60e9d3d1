"""List filters whose query strings match the official PHP library byte for byte.

Build a filter with keyword arguments, then hand it to a service, or render it yourself
with :meth:`BaseFilter.to_query` (unencoded pairs) or :meth:`BaseFilter.to_query_string`.
Where the PHP library and the API documentation disagree, a filter follows the API and its
docstring says so.
"""

from amocrm_async._phpquery import encode_query as encode_query
from amocrm_async._phpquery import flatten_query as flatten_query
from amocrm_async._phpquery import http_build_query as http_build_query
from amocrm_async.filters._base import *
from amocrm_async.filters._entity import *
from amocrm_async.filters._parsers import IdsInput as IdsInput
from amocrm_async.filters._parsers import NamesInput as NamesInput
from amocrm_async.filters._parsers import Order as Order
from amocrm_async.filters._parsers import Range as Range
from amocrm_async.filters._parsers import SortOrder as SortOrder
from amocrm_async.filters._parsers import TimeOrRange as TimeOrRange
from amocrm_async.filters.catalogs import *
from amocrm_async.filters.chat_templates import *
from amocrm_async.filters.chats import *
from amocrm_async.filters.companies import *
from amocrm_async.filters.contacts import *
from amocrm_async.filters.custom_fields import *
from amocrm_async.filters.customers import *
from amocrm_async.filters.drive import *
from amocrm_async.filters.events import *
from amocrm_async.filters.leads import *
from amocrm_async.filters.links import *
from amocrm_async.filters.notes import *
from amocrm_async.filters.sources import *
from amocrm_async.filters.tags import *
from amocrm_async.filters.tasks import *
from amocrm_async.filters.transactions import *
from amocrm_async.filters.unsorted import *
from amocrm_async.filters.webhooks import *
