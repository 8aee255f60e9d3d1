"""Incremental sync: every entity changed in a window, read by ``updated_at``, resumable.

``amo.leads.changes(since=..., until=...)`` reads the list ordered by ``updated_at`` and asks
each time for the window *from the last ``updated_at`` it yielded* to ``until``
(``filter[updated_at][from|to]`` + ``order[updated_at]=asc``), so every request is page 1 of a
narrower window: however big the account, nothing is read by deep paging. Pages beyond the
first are read only while more than one page of entities share one second. Entities of that
last second that were already yielded are remembered by id and skipped, so nothing is yielded
twice and nothing is skipped, even when the server orders ties differently between requests.

The position is a :class:`ChangesCursor`: serialise it with :meth:`ChangesCursor.to_json` after
handling what was yielded, and pass it back (``changes(cursor=...)``) to resume an interrupted
run or, once a run ended, to read what changed since. Deletions come from the events API
(``lead_deleted`` … events, amoCRM's only record of entities deleted for good), merged in time
order as :class:`Deletion` markers.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ._pagination import IterationProgress, PageResult, RequestMeter

if TYPE_CHECKING:  # the models are imported on first use of a service, not with the package
    from .models._base import AmoEntity
    from .models.events import Event

__all__ = ["DELETION_EVENTS", "ChangesCursor", "ChangesIterator", "Deletion"]

E = TypeVar("E", bound="AmoEntity")

DELETION_EVENTS = {
    "/api/v4/leads": "lead_deleted",
    "/api/v4/contacts": "contact_deleted",
    "/api/v4/companies": "company_deleted",
    "/api/v4/customers": "customer_deleted",
    "/api/v4/tasks": "task_deleted",
}
"""The event type that records a deletion, per list path (notes have none)."""

_FORMAT = 1


@dataclass(frozen=True, slots=True)
class Deletion:
    """An entity deleted within the window: its id, when, and the event that says so."""

    entity_type: str
    id: int
    deleted_at: int
    event_id: str


@dataclass(slots=True)
class ChangesCursor:
    """Where a :meth:`changes` run stands; JSON-serialisable, so a run can resume elsewhere.

    ``updated_at`` is the ``updated_at`` of the last entity yielded and ``seen`` the ids yielded
    with that very ``updated_at``; ``deleted_at``/``deleted_seen`` are the same for deletion
    events. ``since``/``until`` are the window (``until`` None: open, so a finished run's cursor
    reads later changes next time). ``entity`` is the list path, so a cursor is not applied to
    another entity.
    """

    entity: str
    since: int
    until: int | None
    updated_at: int
    seen: list[int] = field(default_factory=list)
    deleted_at: int = 0
    deleted_seen: list[str] = field(default_factory=list)

    @classmethod
    def start(cls, entity: str, since: int, until: int | None) -> ChangesCursor:
        if since < 0:
            raise ValueError(f"since must be a non-negative unix time, got {since}")
        if until is not None and until < since:
            raise ValueError(f"until ({until}) is before since ({since})")
        return cls(entity, since, until, since, [], since, [])

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": _FORMAT,
                "entity": self.entity,
                "since": self.since,
                "until": self.until,
                "updated_at": self.updated_at,
                "seen": self.seen,
                "deleted_at": self.deleted_at,
                "deleted_seen": self.deleted_seen,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> ChangesCursor:
        """Inverse of :meth:`to_json`; raises ValueError naming what is wrong."""
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"changes cursor: not JSON ({exc})") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise ValueError("changes cursor: not a cursor of this version")

        def number(name: str, *, optional: bool = False) -> Any:
            value = data.get(name)
            if value is None and optional:
                return None
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"changes cursor: {name} must be a non-negative int")
            return value

        seen, deleted_seen, entity = data.get("seen"), data.get("deleted_seen"), data.get("entity")
        if not isinstance(entity, str) or not entity:
            raise ValueError("changes cursor: entity must be a list path")
        if not isinstance(seen, list) or not all(
            isinstance(i, int) and not isinstance(i, bool) for i in seen
        ):
            raise ValueError("changes cursor: seen must be a list of ids")
        if not isinstance(deleted_seen, list) or not all(isinstance(i, str) for i in deleted_seen):
            raise ValueError("changes cursor: deleted_seen must be a list of event ids")
        return cls(
            entity,
            number("since"),
            number("until", optional=True),
            number("updated_at"),
            list(seen),
            number("deleted_at"),
            list(deleted_seen),
        )


FetchChanged = Callable[[int, int | None, int], Awaitable[PageResult[E]]]
"""``fetch(from_, until, page)``: one page of the entities with ``from_ <= updated_at <= until``,
ordered by ``updated_at`` ascending."""
FetchDeleted = Callable[[int, int | None, int], Awaitable["PageResult[Event]"]]
"""``fetch(from_, until, page)``: one page of the deletion events created in the window."""


class ChangesIterator(AsyncIterator["E | Deletion"], Generic[E]):
    """Entities changed in a window (ordered by ``updated_at``; by id within a page, and across
    pages too where the server breaks ties by id, as the fake does) and
    :class:`Deletion` markers, merged in time order; a deletion comes before a change of the
    same second.

    ``cursor`` is the position after the last item handed out, ``progress`` the pages, items,
    requests and 429s so far (``total`` stays None: the lists that have ``updated_at`` give no
    count).
    """

    def __init__(
        self,
        cursor: ChangesCursor,
        fetch: FetchChanged[E],
        fetch_deleted: FetchDeleted | None,
        *,
        entity_type: str,
        meter: RequestMeter | None = None,
        ordered: bool = True,
        max_pages: int = 20,
        now: Callable[[], float] | None = None,
    ) -> None:
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        self.cursor = cursor
        self.progress = IterationProgress(meter)
        self._fetch = fetch
        self._ordered = ordered
        self._max_pages = max_pages
        self._now = now or time.time
        self._fetch_deleted = fetch_deleted
        self._entity_type = entity_type
        self._items = self._run()

    def __aiter__(self) -> ChangesIterator[E]:
        return self

    async def __anext__(self) -> E | Deletion:
        item = await self._items.__anext__()
        self.progress.items += 1
        return item

    async def aclose(self) -> None:
        await self._items.aclose()

    async def _run(self) -> AsyncGenerator[E | Deletion, None]:
        deletions = await self._deletions() if self._fetch_deleted is not None else []
        changed = self._changed() if self._ordered else self._sliced()
        async for entity in changed:
            while deletions and deletions[0].deleted_at <= _updated_at(entity):
                yield self._deleted(deletions.pop(0))
            self._advance(entity)
            yield entity
        for deletion in deletions:
            yield self._deleted(deletion)

    async def _changed(self) -> AsyncIterator[E]:
        """The changed entities from the cursor on; the cursor moves as the caller takes them."""
        cursor = self.cursor
        page = 1
        while True:
            position = cursor.updated_at
            result = await self._fetch(position, cursor.until, page)
            self.progress.page(None)
            seen = set(cursor.seen)
            fresh = [
                entity
                for entity in sorted(result.items, key=_change_key)
                if entity.id is not None
                and _updated_at(entity) >= position
                and not (_updated_at(entity) == position and entity.id in seen)
            ]
            for entity in fresh:
                yield entity
            if result.next_page is None:
                return
            # a full page that did not move the position: more of one second on the next page
            page = 1 if cursor.updated_at > position else page + 1

    async def _sliced(self) -> AsyncIterator[E]:
        """For lists filtered but not ordered by ``updated_at`` (tasks): windows read whole and
        sorted here, halved until one fits in ``max_pages`` (a probe of the page after them
        answers empty), then the next window starts after it."""
        cursor = self.cursor
        while True:
            low, high = cursor.updated_at, cursor.until
            while True:
                probe = await self._fetch(low, high, self._max_pages + 1)
                self.progress.page(None)
                if not probe.items:
                    break
                top = high if high is not None else int(self._now())
                if top <= low:  # one second holds more than max_pages: read it all
                    high = low
                    break
                high = low + (top - low) // 2
            items: list[E] = []
            page: int | None = 1
            while page is not None:
                result = await self._fetch(low, high, page)
                self.progress.page(None)
                items.extend(result.items)
                page = result.next_page
            seen = set(cursor.seen)
            for entity in sorted(items, key=_change_key):
                at = _updated_at(entity)
                if entity.id is not None and at >= low and not (at == low and entity.id in seen):
                    yield entity
            if high is None or high == cursor.until:
                return
            if cursor.updated_at <= high:  # nothing else can be in (last yielded, high]
                cursor.updated_at, cursor.seen = high + 1, []

    def _advance(self, entity: E) -> None:
        cursor, updated_at = self.cursor, _updated_at(entity)
        assert entity.id is not None
        if updated_at > cursor.updated_at:
            cursor.updated_at, cursor.seen = updated_at, [entity.id]
        else:
            cursor.seen.append(entity.id)

    async def _deletions(self) -> list[Deletion]:
        """Deletion events from the cursor's deletion position on, oldest first."""
        assert self._fetch_deleted is not None
        cursor = self.cursor
        position, seen = cursor.deleted_at, set(cursor.deleted_seen)
        found: list[Deletion] = []
        page: int | None = 1
        while page is not None:
            result = await self._fetch_deleted(position, cursor.until, page)
            self.progress.page(None)
            for event in result.items:
                at = event.created_at or 0
                if (
                    event.entity_id is None
                    or at < position
                    or (at == position and event.id in seen)
                ):
                    continue
                found.append(Deletion(self._entity_type, event.entity_id, at, event.id))
            page = result.next_page
        found.sort(key=lambda d: (d.deleted_at, d.event_id))
        return found

    def _deleted(self, deletion: Deletion) -> Deletion:
        cursor = self.cursor
        if deletion.deleted_at > cursor.deleted_at:
            cursor.deleted_at, cursor.deleted_seen = deletion.deleted_at, [deletion.event_id]
        else:
            cursor.deleted_seen.append(deletion.event_id)
        return deletion


def _updated_at(entity: AmoEntity) -> int:
    value = getattr(entity, "updated_at", None)
    return value if isinstance(value, int) else 0


def _change_key(entity: AmoEntity) -> tuple[int, int]:
    return (_updated_at(entity), entity.id or 0)
