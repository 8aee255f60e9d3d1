"""Entity services are declared, not written: attributes plus the capabilities they take.

A plain CRUD service is only its declaration::

    class TasksService(CrudService[Task, TasksFilter]):
        path = "/api/v4/tasks"

The model and filter types come from the generic arguments (so ``amo.tasks.get_one`` is typed
``Task``), the ``_embedded`` key defaults to the last path segment, and every method below
comes from a capability mixin. Services override the hooks (``_payload``, ``_apply``,
``_request_ids``) only where their endpoint differs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import (
    Any,
    ClassVar,
    Generic,
    Protocol,
    TypeVar,
    Unpack,
    cast,
    get_args,
    get_origin,
)

from .._pagination import Page, PageIterator, PageResult
from .._pipeline import APIResponse
from .._service import CallOptions, Service, entity_id, request_options, with_param
from .._sync import DELETION_EVENTS, ChangesCursor, ChangesIterator
from ..errors import BatchError, WriteReport
from ..filters._base import BaseFilter
from ..filters._parsers import Range
from ..models._base import AmoEntity
from ..models._hal import collection_adapter
from ..models.events import Event
from ..models.links import EntityLink
from ._keyed import get_by_key
from ._pages import ListQuery, ListReader
from ._writes import (
    DEFAULT_BATCH,
    MAX_BATCH,
    Apply,
    ChunkedWrite,
    apply_by_request_id,
    assign_request_ids,
    check_sendable,
)

__all__ = [
    "BatchDeletable",
    "Creatable",
    "CrudService",
    "Deletable",
    "EntityService",
    "Gettable",
    "Linkable",
    "Listable",
    "ReadService",
    "Syncable",
    "Updatable",
    "UpdatableOne",
]

E = TypeVar("E", bound=AmoEntity)
F = TypeVar("F", bound=BaseFilter)


def _type_argument(cls: type, name: str) -> type | None:
    """The class given for the type parameter ``name`` in ``cls``'s generic bases.

    ``CrudService[Task, TasksFilter]`` binds ``E`` to ``Task``: every capability here names its
    model parameter ``E``, so a service's declaration is enough to type and parse it.
    """
    for base in cls.__dict__.get("__orig_bases__", ()):
        origin = get_origin(base)
        parameters = origin.__dict__.get("__parameters__", ()) if origin is not None else ()
        for parameter, argument in zip(parameters, get_args(base), strict=False):
            if parameter.__name__ == name and isinstance(argument, type):
                return argument
    return None


class EntityService(Service, Generic[E]):
    """Base of every entity collection (``/api/v4/<entity>``): its declaration and hooks."""

    model: type[E]
    embedded_key: ClassVar[str] = ""
    with_allowed: ClassVar[frozenset[str]] = frozenset()
    paged: ClassVar[bool] = True
    max_chunk: ClassVar[int] = MAX_BATCH

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        model = _type_argument(cls, "E")
        if model is not None:
            cls.model = model
        if not cls.embedded_key and cls.path:
            cls.embedded_key = cls.path.rsplit("/", 1)[-1]

    def _payload(self, model: E) -> dict[str, Any]:
        """The JSON of one model in a batch write (hook)."""
        return model.to_api()

    def _apply(self) -> Apply[E]:
        """Map a batch answer back onto its models (hook)."""
        return apply_by_request_id(self.embedded_key)

    def _request_ids(self, models: Sequence[E]) -> list[str]:
        """Request ids for a batch (hook)."""
        return assign_request_ids(models)

    def _item_path(self, value: int) -> str:
        return f"{self.path}/{entity_id(value)}"

    async def _get_one(self, value: int, with_: Iterable[str] | None, options: CallOptions) -> E:
        return await get_by_key(
            self._pipeline,
            self._item_path(value),
            self.model,
            what=f"{self.embedded_key} {value}",
            query=with_param(with_, self.with_allowed),
            options=options,
        )

    async def _write(
        self,
        method: str,
        models: Sequence[E],
        chunk_size: int,
        options: CallOptions,
        *,
        require_id: bool = False,
        report: WriteReport[E] | None = None,
        path: str | None = None,
    ) -> list[E]:
        return await ChunkedWrite(
            self._pipeline,
            method,
            path or self.path,
            models,
            chunk_size=chunk_size,
            options=request_options(options),
            to_payload=self._payload,
            apply=self._apply(),
            request_ids=self._request_ids,
            require_id=require_id,
            max_chunk=self.max_chunk,
            report=report,
        ).run()


class _BatchWrite(Protocol[E]):
    async def __call__(self, models: Sequence[E], **options: Unpack[CallOptions]) -> list[E]: ...


async def _single(write: _BatchWrite[E], model: E, options: CallOptions) -> E:
    """One model through a batch method; its error is raised as itself, not as a BatchError."""
    try:
        written = await write([model], **options)
    except BatchError as exc:
        raise exc.errors[0] from exc
    return written[0]


class Gettable(EntityService[E]):
    async def get_one(
        self, entity_id: int, *, with_: Iterable[str] | None = None, **options: Unpack[CallOptions]
    ) -> E:
        """One entity by id; raises :class:`~amocrm_async.errors.NotFoundError` if there is none."""
        return await self._get_one(entity_id, with_, options)


class Listable(EntityService[E], Generic[E, F]):
    def _reader(self) -> ListReader[E]:
        return ListReader(
            self._pipeline, self.path, self.embedded_key, self.model, paged=self.paged
        )

    def _query(self, filter: F | None, with_: Iterable[str] | None, limit: int) -> ListQuery:
        values = [with_] if isinstance(with_, str) else list(with_) if with_ else None
        after = with_param(values, self.with_allowed)
        return ListQuery(filter=filter, after=after, limit=limit, paged=self.paged)

    async def get(
        self,
        filter: F | None = None,
        *,
        page: int = 1,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Page[E]:
        """One page; an empty page (amoCRM's 204) has no items and no next page."""
        query = self._query(filter, with_, limit)
        return await self._reader().get(query, page, request_options(options))

    def iterate(
        self,
        filter: F | None = None,
        *,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        concurrency: int | None = None,
        **options: Unpack[CallOptions],
    ) -> PageIterator[E]:
        """Every match, in order, fetching pages as the loop consumes them.

        By default it reads ahead as far as the observed latency and the rate limit call for,
        so a plain ``async for`` reaches the rate bound while holding a few pages, and leaves
        nothing running when the loop breaks. ``concurrency=1`` fetches one page at a time;
        ``concurrency=N`` keeps N requests in flight (still rate limited), continuously when
        used as ``async with amo.leads.iterate(concurrency=4) as leads: ...``.
        """
        query = self._query(filter, with_, limit)
        return self._reader().iterate(query, concurrency, request_options(options))

    def changes(
        self,
        since: int | datetime | None = None,
        until: int | datetime | None = None,
        *,
        cursor: ChangesCursor | None = None,
        filter: F | None = None,
        deletions: bool = True,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> ChangesIterator[E]:
        """Every entity changed in ``[since, until]`` (unix seconds or aware datetimes,
        inclusive; ``until=None``: open) and, with ``deletions``, a
        :class:`~amocrm_async.Deletion` for each entity deleted meanwhile (from the events API).

        Read by ``updated_at`` windows that start at the last entity yielded, so no request
        pages deep however big the account (see :mod:`amocrm_async._sync`). ``cursor`` resumes
        a run (its window replaces ``since``/``until``); the iterator's ``cursor`` is the
        position after what it handed out and ``progress`` counts pages, items, requests and
        429s. ``filter`` narrows the list (its ``updated_at`` and ``order`` are the iterator's).
        Raises :class:`TypeError` for a list that cannot be filtered and ordered by
        ``updated_at``, :class:`ValueError` for a bad window, both before any request.
        """
        filter_type = _filter_type(type(self))
        if filter_type is None or not _filters_by_updated_at(filter_type):
            raise TypeError(f"{self.path} cannot be read by updated_at: it has no changes()")
        ordered = "updated_at" in filter_type.SORTABLE_FIELDS
        if filter is not None and getattr(filter, "updated_at", None) is not None:
            raise ValueError("changes(): the filter's updated_at is the window; leave it unset")
        if cursor is None:
            cursor = ChangesCursor.start(
                self.path, _seconds(since, "since"), _seconds_or_none(until)
            )
        elif cursor.entity != self.path:
            raise ValueError(f"changes(): the cursor is for {cursor.entity}, not {self.path}")
        base = filter if filter is not None else filter_type()
        self._query(filter, with_, limit)  # checks limit and with_ before any request
        query_options = request_options(options)
        reader = self._reader()

        async def fetch(from_: int, to: int | None, page: int) -> PageResult[E]:
            window: Any = dataclasses.replace(cast(Any, base), updated_at=Range(from_=from_, to=to))
            if ordered:
                window = dataclasses.replace(window, order=("updated_at", "asc"))
            return await reader.fetcher(self._query(window, with_, limit), query_options)(page)

        event_type = DELETION_EVENTS.get(self.path) if deletions else None
        fetch_deleted = None
        if event_type is not None:
            from ..filters.events import EventsFilter
            from .events import EVENTS_MAX_LIMIT, EventsService

            events = EventsService(self._pipeline)

            async def fetch_deleted(from_: int, to: int | None, page: int) -> PageResult[Event]:
                window = EventsFilter(types=[event_type], created_at=Range(from_=from_, to=to))
                query = events._query(window, None, EVENTS_MAX_LIMIT)
                return await events._reader().fetcher(query, query_options)(page)

        return ChangesIterator(
            cursor,
            fetch,
            fetch_deleted,
            entity_type=self.embedded_key,
            meter=self._pipeline.account,
            ordered=ordered,
            now=self._pipeline.clock.time,
        )


def _filter_type(cls: type) -> type[BaseFilter] | None:
    for klass in cls.__mro__:
        found = _type_argument(klass, "F")
        if found is not None and issubclass(found, BaseFilter):
            return found
    return None


def _filters_by_updated_at(filter_type: type[BaseFilter]) -> bool:
    return "updated_at" in {item.name for item in dataclasses.fields(filter_type)}


def _seconds(value: int | datetime | None, name: str) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"changes(): {name} must be an aware datetime (or unix seconds)")
        return int(value.timestamp())
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"changes(): {name} must be unix seconds or a datetime, got {value!r}")
    return value


def _seconds_or_none(value: int | datetime | None) -> int | None:
    return None if value is None else _seconds(value, "until")


class Creatable(EntityService[E]):
    async def add(
        self,
        models: Sequence[E],
        *,
        chunk_size: int = DEFAULT_BATCH,
        report: WriteReport[E] | None = None,
        **options: Unpack[CallOptions],
    ) -> list[E]:
        """Create entities in chunks; fills ``id`` (and ``request_id``) in, returns them in order.

        Raises :class:`~amocrm_async.errors.BatchError` saying which were written, which failed
        (with the server's issues) and which were not sent. Pass a
        :class:`~amocrm_async.errors.WriteReport` as ``report=`` to have the same books kept
        while the call runs and when it is cancelled (a deadline, Ctrl-C).
        """
        return await self._write("POST", models, chunk_size, options, report=report)

    async def add_one(self, model: E, **options: Unpack[CallOptions]) -> E:
        """Create one entity; errors are raised as they are (not wrapped in a BatchError)."""
        return await _single(self.add, model, options)


class Syncable(EntityService[E]):
    """``sync_one``: re-read an entity and lay local values over it (users have only this)."""

    async def sync_one(
        self,
        model: E,
        *,
        keep: Iterable[str] | None = None,
        with_: Iterable[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> E:
        """Re-read an entity and lay local values over the server's.

        By default every updatable field that is set and not None on ``model`` wins, as in the
        PHP library's ``syncOne`` — for an entity read earlier that is all of them. Pass
        ``keep={"price", ...}`` to keep only the fields you changed and take the rest fresh.
        Read-only and create-only fields (``updated_at``, ``created_by`` …) always come from the
        server, so ``update_one`` of the result sends only fields an update can change; nested
        models (``embedded``) are merged field by field.
        """
        if model.id is None:
            raise ValueError(f"sync_one: the {type(model).__name__} has no id")
        cls = type(model)
        updatable = cls.updatable_fields() - {"id", "request_id"}
        if keep is None:
            names = model.model_fields_set & updatable
        else:
            names = set(keep)
            unknown = names - cls.model_fields.keys()
            if unknown:
                raise ValueError(f"sync_one: unknown field(s) {sorted(unknown)}")
            fixed = names - updatable
            if fixed:
                raise ValueError(
                    f"sync_one: {sorted(fixed)} cannot be kept: an update never sends them"
                )
        fresh = await self._get_one(model.id, with_, options)
        model.overlay(fresh, sorted(names))
        return fresh


class UpdatableOne(Syncable[E]):
    """``update_one`` and ``sync_one``: for endpoints that change one entity at a time."""

    async def update_one(self, model: E, **options: Unpack[CallOptions]) -> E:
        """Update one entity with ``PATCH <path>/{id}``; ``updated_at`` is copied back.

        A payload that cannot be sent raises :class:`ValueError` naming the field, before any
        request; an answer that cannot be decoded raises
        :class:`~amocrm_async.errors.OutcomeUnknownError` (the server may have applied it).
        """
        if model.id is None:
            raise ValueError(f"update_one: the {type(model).__name__} has no id")
        payload = model.to_api()
        check_sendable(payload, f"update_one: the {type(model).__name__}")

        def decode(response: APIResponse) -> None:
            self._apply_one(model, response.json())

        await self._pipeline.request_decoded(
            "PATCH",
            self._item_path(model.id),
            decode,
            json=payload,
            options=request_options(options),
            request_ids=[model.request_id or str(model.id)],
        )
        return model

    def _apply_one(self, model: E, data: Any) -> None:
        """Copy what the answer of ``update_one`` tells onto the model (hook): ``updated_at``.
        Raising here reports the update's outcome as unknown."""
        updated_at = data.get("updated_at") if isinstance(data, dict) else None
        if isinstance(updated_at, int) and not isinstance(updated_at, bool):
            model.updated_at = updated_at


class Updatable(UpdatableOne[E]):
    """``update_one`` and ``sync_one``, plus ``update`` of many entities in chunks."""

    async def update(
        self,
        models: Sequence[E],
        *,
        chunk_size: int = DEFAULT_BATCH,
        report: WriteReport[E] | None = None,
        **options: Unpack[CallOptions],
    ) -> list[E]:
        """Update entities (each needs ``id``) in chunks; only the fields set are changed.

        Failures and ``report=`` work as for ``add``.
        """
        return await self._write(
            "PATCH", models, chunk_size, options, require_id=True, report=report
        )


class Deletable(EntityService[E]):
    async def delete_one(self, entity_id: int, **options: Unpack[CallOptions]) -> None:
        """Delete one entity with ``DELETE <path>/{id}`` (amoCRM answers 204)."""
        await self._pipeline.request(
            "DELETE", self._item_path(entity_id), options=request_options(options)
        )


class BatchDeletable(EntityService[E]):
    """``delete`` of many entities in one request: ``DELETE <path>`` with a body of their ids
    (sources, chat templates)."""

    async def delete(self, entities: Sequence[E | int], **options: Unpack[CallOptions]) -> None:
        """Delete entities, given as models with an ``id`` or as ids, with one
        ``DELETE <path>`` whose body is ``[{"id": …}, …]`` (amoCRM answers 204).

        Everything is checked before the request: a model without an id, an id that is not a
        positive int, an id given twice or more than ``max_chunk`` entities raise
        :class:`ValueError` naming the position. An empty sequence sends nothing.
        """
        ids: list[int] = []
        for position, item in enumerate(entities):
            value = item.id if isinstance(item, AmoEntity) else item
            if value is None:
                raise ValueError(
                    f"delete: the {type(item).__name__} at position {position} has no id"
                )
            try:
                ids.append(entity_id(value))
            except ValueError as exc:
                raise ValueError(f"delete: position {position}: {exc}") from None
        if len(set(ids)) < len(ids):
            twice = sorted({i for i in ids if ids.count(i) > 1})
            raise ValueError(f"delete: id(s) {twice[:5]} given more than once")
        if len(ids) > self.max_chunk:
            raise ValueError(f"delete: at most {self.max_chunk} per call, got {len(ids)}")
        if not ids:
            return
        await self._pipeline.request(
            "DELETE",
            self.path,
            json=[{"id": i} for i in ids],
            options=request_options(options),
            request_ids=[str(i) for i in ids],
        )


class Linkable(EntityService[E]):
    """``link``/``unlink``/``get_links`` of one entity (``<path>/{id}/link`` …)."""

    link_targets: ClassVar[frozenset[str]] = frozenset()

    async def link(
        self, entity_id: int, links: Sequence[EntityLink], **options: Unpack[CallOptions]
    ) -> list[EntityLink]:
        """Link an entity to others (``to_entity_type`` must be one of ``link_targets``)."""
        response = await self._pipeline.request(
            "POST",
            f"{self._item_path(entity_id)}/link",
            json=[self._link_payload(link) for link in links],
            options=request_options(options),
        )
        return links_of(response)

    async def unlink(
        self, entity_id: int, links: Sequence[EntityLink], **options: Unpack[CallOptions]
    ) -> None:
        """Remove links of an entity (amoCRM answers 204)."""
        await self._pipeline.request(
            "POST",
            f"{self._item_path(entity_id)}/unlink",
            json=[self._link_payload(link) for link in links],
            options=request_options(options),
        )

    async def get_links(
        self,
        entity_id: int,
        *,
        to_entity_type: str | None = None,
        to_entity_id: int | None = None,
        **options: Unpack[CallOptions],
    ) -> list[EntityLink]:
        """The links of an entity (an empty list when it has none)."""
        query: list[tuple[str, str]] = []
        if to_entity_id is not None:
            query.append(("filter[to_entity_id]", str(to_entity_id)))
        if to_entity_type is not None:
            self.check_link_target(to_entity_type)
            query.append(("filter[to_entity_type]", to_entity_type))
        response = await self._pipeline.request(
            "GET",
            f"{self._item_path(entity_id)}/links",
            query=query,
            options=request_options(options),
        )
        return links_of(response)

    def check_link_target(self, entity_type: str) -> None:
        if entity_type not in self.link_targets:
            raise ValueError(
                f"{self.embedded_key} link to {sorted(self.link_targets)}, not {entity_type!r}"
            )

    def _link_payload(self, link: EntityLink) -> dict[str, Any]:
        """The per-entity endpoints name the source in the path, so only the target is sent."""
        self.check_link_target(link.to_entity_type)
        payload = link.to_api()
        payload.pop("entity_id", None)
        payload.pop("entity_type", None)
        return payload


def links_of(response: APIResponse) -> list[EntityLink]:
    if not response.content:
        return []
    return collection_adapter("links", EntityLink).validate_json(response.content).items


class ReadService(Gettable[E], Listable[E, F], Generic[E, F]):
    """``get_one``, ``get``, ``iterate``."""


class CrudService(ReadService[E, F], Creatable[E], Updatable[E], Generic[E, F]):
    """``get_one``, ``get``, ``iterate``, ``add``, ``add_one``, ``update``, ``update_one``,
    ``sync_one``."""
