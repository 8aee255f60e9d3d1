"""Events — ``/api/v4/events`` and ``/api/v4/events/types`` (api-surface.md §5.16, §5.17).

Read-only. An event id is a string, so this is not an int-keyed
:class:`~amocrm_async.services.Gettable`; the list is read with the same
:class:`~amocrm_async.services._pages.ListReader` as every other list, with the API's page size
limit of 100.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Unpack

from .._pagination import Page, PageIterator
from .._service import CallOptions, Service, request_options, with_param
from ..filters import EventsFilter
from ..models import Event, EventTypeInfo
from ..models.with_names import EventWith, with_values
from ._keyed import get_by_key, key_segment
from ._pages import ListQuery, ListReader

__all__ = ["EVENTS_MAX_LIMIT", "EventsService"]

EVENTS_MAX_LIMIT = 100
"""The events list answers at most 100 events per page."""


class EventsService(Service):
    """The account's events: one page, every match, one by id, and the catalogue of types."""

    path = "/api/v4/events"
    with_allowed = with_values(EventWith)

    def _query(
        self, filter: EventsFilter | None, with_: Iterable[str] | None, limit: int
    ) -> ListQuery:
        if not 1 <= limit <= EVENTS_MAX_LIMIT:
            raise ValueError(f"limit must be between 1 and {EVENTS_MAX_LIMIT}, got {limit}")
        values = [with_] if isinstance(with_, str) else with_
        return ListQuery(filter=filter, after=with_param(values, self.with_allowed), limit=limit)

    def _reader(self) -> ListReader[Event]:
        return ListReader(self._pipeline, self.path, "events", Event)

    async def get(
        self,
        filter: EventsFilter | None = None,
        *,
        page: int = 1,
        limit: int = EVENTS_MAX_LIMIT,
        with_: Iterable[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Page[Event]:
        """One page of events (newest first); an empty page (204) has no items."""
        query = self._query(filter, with_, limit)
        return await self._reader().get(query, page, request_options(options))

    def iterate(
        self,
        filter: EventsFilter | None = None,
        *,
        limit: int = EVENTS_MAX_LIMIT,
        with_: Iterable[str] | None = None,
        concurrency: int | None = None,
        **options: Unpack[CallOptions],
    ) -> PageIterator[Event]:
        """Every matching event, fetching pages as the loop consumes them."""
        query = self._query(filter, with_, limit)
        return self._reader().iterate(query, concurrency, request_options(options))

    async def get_one(
        self, event_id: str, *, with_: Iterable[str] | None = None, **options: Unpack[CallOptions]
    ) -> Event:
        """One event by its (string) id; :class:`~amocrm_async.errors.NotFoundError` if none."""
        values = [with_] if isinstance(with_, str) else with_
        return await get_by_key(
            self._pipeline,
            f"{self.path}/{key_segment(event_id, 'event_id')}",
            Event,
            what=f"event {event_id}",
            query=with_param(values, self.with_allowed),
            options=options,
        )

    async def types(
        self, *, language_code: str | None = None, **options: Unpack[CallOptions]
    ) -> list[EventTypeInfo]:
        """The account's event types (``key``, numeric ``type``, caption in ``lang``)."""
        pairs = [] if language_code is None else [("language_code", language_code)]
        reader = ListReader(
            self._pipeline, f"{self.path}/types", "events_types", EventTypeInfo, paged=False
        )
        page = await reader.get(ListQuery(pairs=pairs, paged=False), 1, request_options(options))
        return list(page)
