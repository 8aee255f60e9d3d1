"""Webhooks — ``/api/v4/webhooks`` (api-surface.md §5.18, protocol.md §7).

The list is the generic :class:`~amocrm_async.services.Listable` (one unpaged answer with
``_total_items``, filtered by :class:`~amocrm_async.filters.WebhooksFilter`). A subscription has
no path of its own: ``subscribe`` posts one object to the collection (posting a destination that
is already subscribed replaces its events) and ``unsubscribe`` deletes by destination, with the
destination in the body. Both need an account admin's token.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Unpack

from .._pipeline import APIResponse
from .._service import CallOptions, request_options
from ..filters import WebhooksFilter
from ..models import Webhook, WebhookEventCode
from ..models.webhooks import check_destination
from ._entity import Listable

__all__ = ["WebhooksService"]

_EVENTS = {event.value: event for event in WebhookEventCode}


def _events(settings: Iterable[WebhookEventCode | str]) -> list[WebhookEventCode]:
    """The event codes, known ones only, duplicates dropped, in the order given."""
    if isinstance(settings, str | bytes) or not isinstance(settings, Iterable):
        raise TypeError(
            f"settings: expected an iterable of WebhookEventCode, got {type(settings).__name__}"
        )
    out: list[WebhookEventCode] = []
    for index, item in enumerate(settings):
        event = _EVENTS.get(item) if isinstance(item, str) else None
        if event is None:
            raise ValueError(
                f"settings: {item!r} at {index} is not a webhook event (see WebhookEventCode)"
            )
        if event not in out:
            out.append(event)
    if not out:
        raise ValueError("settings: a subscription needs at least one event")
    return out


class WebhooksService(Listable[Webhook, WebhooksFilter]):
    """The account's webhook subscriptions: list them, subscribe a URL, unsubscribe it."""

    path = "/api/v4/webhooks"
    paged = False

    async def subscribe(
        self,
        destination: str,
        settings: Iterable[WebhookEventCode | str],
        *,
        sort: int | None = None,
        **options: Unpack[CallOptions],
    ) -> Webhook:
        """Have amoCRM post ``settings`` events to ``destination``; returns the subscription.

        amoCRM sends no signature with CRM webhooks, so put an unguessable secret in the URL and
        check the account in what arrives.
        """
        body: dict[str, Any] = {
            "destination": check_destination(destination),
            "settings": [event.value for event in _events(settings)],
        }
        if sort is not None:
            if isinstance(sort, bool) or not isinstance(sort, int):
                raise TypeError(f"sort: expected int, got {type(sort).__name__}")
            body["sort"] = sort

        def decode(response: APIResponse) -> Webhook:
            return Webhook.model_validate_json(response.content)

        return await self._pipeline.request_decoded(
            "POST", self.path, decode, json=body, options=request_options(options)
        )

    async def unsubscribe(self, destination: str, **options: Unpack[CallOptions]) -> None:
        """Stop the deliveries to ``destination`` (amoCRM deletes by URL, not by id)."""
        await self._pipeline.request(
            "DELETE",
            self.path,
            json={"destination": check_destination(destination)},
            options=request_options(options),
        )
