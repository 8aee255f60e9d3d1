"""Filter for ``GET /api/v4/webhooks``."""

from __future__ import annotations

from dataclasses import dataclass

from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.models.webhooks import check_destination

__all__ = ["WebhooksFilter"]


def parse_destination(value: str | None, param: str) -> str | None:
    """PHP ``setDestination(?string)``; here the string must be an absolute http(s) URL, since
    amoCRM matches it against the exact destination of a subscription."""
    return None if value is None else check_destination(value, param)


@dataclass(frozen=True, kw_only=True)
class WebhooksFilter(BaseFilter):
    """Filter for the account's webhook subscriptions: the one posting to ``destination``.

    Rendered as PHP's ``WebhooksFilter::buildFilter()`` (amocrm-api-php at 1354d8a):
    ``filter[destination]=<url>``. The list is not paged, so no ``page``/``limit`` follow.

    >>> from amocrm_async.filters import WebhooksFilter
    >>> WebhooksFilter(destination="https://example.com/hook").to_query()
    [('filter[destination]', 'https://example.com/hook')]
    """

    destination: str | None = param("destination", parse_destination)
