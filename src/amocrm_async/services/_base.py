"""What every service shares: reading pages, iterating, and chunked writes.

Service modules only describe endpoints (path, embedded key, model, allowed ``with`` values) and
call these helpers; HTTP, retries and errors stay in the pipeline.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar, Generic, TypedDict, TypeVar

import anyio
import anyio.abc

from .._pagination import Page, PageIterator, PageResult, next_page_number
from .._pipeline import APIResponse, NotSentError, Pipeline, RequestOptions
from ..errors import (
    AmoCRMError,
    BatchError,
    BatchFailure,
    NotFoundError,
    OutcomeUnknownError,
    RateLimitTimeoutError,
    RequestValidationError,
    TransportError,
)
from ..filters._base import BaseFilter
from ..models._base import AmoModel
from ..models._hal import collection_adapter
from ..models.links import EntityLink

__all__ = [
    "DEFAULT_BATCH",
    "MAX_BATCH",
    "BaseService",
    "CallOptions",
    "EntityService",
    "apply_by_request_id",
    "write_in_chunks",
]

M = TypeVar("M", bound=AmoModel)

MAX_PAGE_LIMIT = 250
MAX_BATCH = 250
DEFAULT_BATCH = 50
MAX_CHUNKS_IN_FLIGHT = 4
"""Chunks sent at once; the limiter paces them, this only bounds slots reserved ahead."""


class CallOptions(TypedDict, total=False):
    """Per-call overrides every service method accepts as keyword arguments."""

    timeout: float
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, str]


def request_options(options: CallOptions) -> RequestOptions:
    return RequestOptions(
        timeout=options.get("timeout"),
        max_retries=options.get("max_retries"),
        extra_headers=options.get("extra_headers"),
        extra_query=options.get("extra_query"),
    )


class BaseService:
    def __init__(self, pipeline: Pipeline) -> None:
        self._pipeline = pipeline

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._pipeline.base_domain!r})"


def with_param(with_: Iterable[str] | None, allowed: frozenset[str]) -> list[tuple[str, str]]:
    """``with=a,b`` — unknown values are refused (the PHP library silently drops them)."""
    if not with_:
        return []
    values = [with_] if isinstance(with_, str) else list(with_)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"with_: unsupported value(s) {unknown}; allowed: {sorted(allowed)}")
    return [("with", ",".join(values))]


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_LIMIT}, got {limit}")
    return limit


def check_chunk_size(chunk_size: int, maximum: int = MAX_BATCH) -> int:
    if not 1 <= chunk_size <= maximum:
        raise ValueError(f"chunk_size must be between 1 and {maximum}, got {chunk_size}")
    return chunk_size


class EntityService(BaseService, Generic[M]):
    """CRUD over one entity collection (``/api/v4/<entity>``)."""

    path: ClassVar[str]
    embedded_key: ClassVar[str]
    model: type[M]
    with_allowed: ClassVar[frozenset[str]] = frozenset()
    link_targets: ClassVar[frozenset[str]] = frozenset()

    async def _fetch_page(
        self,
        filter: BaseFilter | None,
        with_: Iterable[str] | None,
        page: int,
        limit: int,
        options: CallOptions,
    ) -> PageResult[M]:
        check_limit(limit)
        if filter is not None:
            query = filter.to_query(page=page, limit=limit)
        else:
            query = [("limit", str(limit)), ("page", str(page))]
        query += with_param(with_, self.with_allowed)
        adapter = collection_adapter(self.embedded_key, self.model)

        def decode(response: APIResponse) -> PageResult[M]:
            if not response.content:  # 204: past the end, or nothing matched
                return PageResult([], page, None)
            collection = adapter.validate_json(response.content)
            if collection.page is not None and collection.page != page:
                raise ValueError(f"asked for page {page}, got page {collection.page}")
            return PageResult(collection.items, page, next_page_number(collection.next_url, page))

        return await self._pipeline.request_decoded(
            "GET", self.path, decode, query=query, options=request_options(options)
        )

    async def _get_page(
        self,
        filter: BaseFilter | None,
        with_: Iterable[str] | None,
        page: int,
        limit: int,
        options: CallOptions,
    ) -> Page[M]:
        if page < 1:
            raise ValueError("page numbers start at 1")
        fetch = self._page_fetcher(filter, with_, limit, options)
        return Page(await fetch(page), fetch)

    def _iterate(
        self,
        filter: BaseFilter | None,
        with_: Iterable[str] | None,
        limit: int,
        concurrency: int,
        options: CallOptions,
    ) -> PageIterator[M]:
        fetch = self._page_fetcher(filter, with_, limit, options)
        return PageIterator(fetch, concurrency=concurrency)

    def _page_fetcher(
        self,
        filter: BaseFilter | None,
        with_: Iterable[str] | None,
        limit: int,
        options: CallOptions,
    ) -> Callable[[int], Awaitable[PageResult[M]]]:
        """Fetch page N of one query; arguments are checked now, before any request."""
        check_limit(limit)
        values = [with_] if isinstance(with_, str) else list(with_) if with_ else None
        with_param(values, self.with_allowed)

        async def fetch(number: int) -> PageResult[M]:
            return await self._fetch_page(filter, values, number, limit, options)

        return fetch

    async def _get_one(
        self, entity_id: int, with_: Iterable[str] | None, options: CallOptions
    ) -> M:
        path = f"{self.path}/{_entity_id(entity_id)}"

        def decode(response: APIResponse) -> M | None:
            if not response.content:  # amoCRM answers 204 for a missing entity
                return None
            return self.model.model_validate_json(response.content)

        found = await self._pipeline.request_decoded(
            "GET",
            path,
            decode,
            query=with_param(with_, self.with_allowed),
            options=request_options(options),
        )
        if found is None:
            raise NotFoundError(
                status=204,
                method="GET",
                url=self._pipeline.url(path),
                title="No Content",
                detail=f"{self.embedded_key} {entity_id} not found",
            )
        return found

    async def _link(
        self, entity_id: int, links: Sequence[EntityLink], options: CallOptions
    ) -> list[EntityLink]:
        response = await self._pipeline.request(
            "POST",
            f"{self.path}/{_entity_id(entity_id)}/link",
            json=[self._link_payload(link) for link in links],
            options=request_options(options),
        )
        return _links_of(response)

    async def _unlink(
        self, entity_id: int, links: Sequence[EntityLink], options: CallOptions
    ) -> None:
        await self._pipeline.request(
            "POST",
            f"{self.path}/{_entity_id(entity_id)}/unlink",
            json=[self._link_payload(link) for link in links],
            options=request_options(options),
        )

    async def _get_links(
        self,
        entity_id: int,
        to_entity_type: str | None,
        to_entity_id: int | None,
        options: CallOptions,
    ) -> list[EntityLink]:
        query: list[tuple[str, str]] = []
        if to_entity_id is not None:
            query.append(("filter[to_entity_id]", str(to_entity_id)))
        if to_entity_type is not None:
            self._check_link_target(to_entity_type)
            query.append(("filter[to_entity_type]", to_entity_type))
        response = await self._pipeline.request(
            "GET",
            f"{self.path}/{_entity_id(entity_id)}/links",
            query=query,
            options=request_options(options),
        )
        return _links_of(response)

    def _check_link_target(self, entity_type: str) -> None:
        if entity_type not in self.link_targets:
            raise ValueError(
                f"{self.embedded_key} link to {sorted(self.link_targets)}, not {entity_type!r}"
            )

    def _link_payload(self, link: EntityLink) -> dict[str, Any]:
        """The per-entity endpoints name the source in the path, so only the target is sent."""
        self._check_link_target(link.to_entity_type)
        payload = link.to_api()
        payload.pop("entity_id", None)
        payload.pop("entity_type", None)
        return payload

    async def _update_one(self, model: M, options: CallOptions) -> M:
        entity_id = getattr(model, "id", None)
        if entity_id is None:
            raise ValueError(f"update_one: the {type(model).__name__} has no id")
        payload = model.to_api()
        response = await self._pipeline.request(
            "PATCH",
            f"{self.path}/{_entity_id(entity_id)}",
            json=payload,
            options=request_options(options),
            request_ids=[str(model.request_id or entity_id)]
            if hasattr(model, "request_id")
            else [],
        )
        data = response.json()
        if isinstance(data, Mapping) and data.get("updated_at") is not None:
            model.updated_at = data["updated_at"]  # type: ignore[attr-defined]
        return model


def _links_of(response: APIResponse) -> list[EntityLink]:
    if not response.content:
        return []
    return collection_adapter("links", EntityLink).validate_json(response.content).items


def _entity_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"entity id must be a positive int, got {value!r}")
    return value


def assign_request_ids(models: Sequence[Any]) -> list[str]:
    """Give every model a ``request_id`` unique within the call.

    Ids the caller set are kept (a duplicate among them is an error); the others get the first
    free ``"<position>"``-style id, never one the caller chose.
    """
    taken = [m.request_id for m in models if m.request_id is not None]
    duplicates = sorted({rid for rid in taken if taken.count(rid) > 1})
    if duplicates:
        raise ValueError(f"duplicate request_id(s) {duplicates[:5]} in one batch")
    used = set(taken)
    ids: list[str] = []
    for index, model in enumerate(models):
        rid = model.request_id
        if rid is None:
            rid, suffix = str(index), 0
            while rid in used:
                suffix += 1
                rid = f"{index}.{suffix}"
            used.add(rid)
        ids.append(rid)
    return ids


async def write_in_chunks(
    pipeline: Pipeline,
    method: str,
    path: str,
    models: Sequence[M],
    chunk_size: int,
    options: CallOptions,
    *,
    to_payload: Callable[[M], dict[str, Any]],
    apply: Callable[[list[M], Any], None],
    require_id: bool = False,
    max_chunk: int = MAX_BATCH,
) -> list[M]:
    """Write any number of models in chunks, concurrently as far as the limiter allows.

    Every payload is built (and so validated) before the first request. Each model gets a
    ``request_id``; ``apply(chunk, decoded_body)`` maps ids back. If a chunk fails, no further
    chunk is sent and :class:`BatchError` reports written / failed / unknown / not-sent models.
    Returns the models in input order.
    """
    check_chunk_size(chunk_size, max_chunk)
    models = list(models)
    if not models:
        return []
    if require_id:
        missing = [i for i, m in enumerate(models) if getattr(m, "id", None) is None]
        if missing:
            raise ValueError(f"models at positions {missing[:10]} have no id; update needs ids")
    request_ids = assign_request_ids(models)
    entities: list[Any] = models  # every entity model carries request_id
    previous = [m.request_id for m in entities]
    for entity, rid in zip(entities, request_ids, strict=True):
        entity.request_id = rid
    try:
        payloads = [to_payload(m) for m in models]
    except Exception:
        for entity, old in zip(entities, previous, strict=True):
            entity.request_id = old
        raise
    chunks = [range(i, min(i + chunk_size, len(models))) for i in range(0, len(models), chunk_size)]

    written: set[int] = set()
    failed: dict[int, BatchFailure] = {}
    unknown: set[int] = set()
    not_sent: set[int] = set()
    errors: list[AmoCRMError] = []
    stopped = False
    in_flight = anyio.CapacityLimiter(MAX_CHUNKS_IN_FLIGHT)
    req_options = request_options(options)

    async def send(chunk: range, *, task_status: anyio.abc.TaskStatus[None]) -> None:
        admitted = False

        def gate() -> bool:
            # called once the limiter granted this chunk a slot: let the next chunk queue up
            nonlocal admitted
            if not admitted:
                admitted = True
                task_status.started()
            return not stopped

        try:
            async with in_flight:
                if stopped:
                    not_sent.update(chunk)
                    return
                await send_chunk(chunk, gate, lambda: admitted)
        finally:
            if not admitted:
                admitted = True
                task_status.started()

    async def send_chunk(
        chunk: range, gate: Callable[[], bool], admitted: Callable[[], bool]
    ) -> None:
        nonlocal stopped
        try:
            response = await pipeline.request(
                method,
                path,
                json=[payloads[i] for i in chunk],
                options=req_options,
                request_ids=[request_ids[i] for i in chunk],
                gate=gate,
            )
        except NotSentError:
            not_sent.update(chunk)
            return
        except Exception as exc:
            stopped = True
            error = exc if isinstance(exc, AmoCRMError) else _unexpected(exc, method, path)
            errors.append(error)
            if isinstance(exc, OutcomeUnknownError) or not isinstance(exc, AmoCRMError):
                unknown.update(chunk)
            elif isinstance(exc, TransportError | RateLimitTimeoutError) or not admitted():
                # a write's transport error reaching here failed before anything was sent
                not_sent.update(chunk)
            else:
                for i in chunk:
                    issues = (
                        tuple(exc.for_request_id(request_ids[i]))
                        if isinstance(exc, RequestValidationError)
                        else ()
                    )
                    failed[i] = BatchFailure(models[i], issues, exc)
            return
        try:
            apply([models[i] for i in chunk], response.json())
        except (ValueError, KeyError) as exc:
            # the server stored the chunk but its answer could not be mapped back
            stopped = True
            errors.append(AmoCRMError(f"could not map the response of {method} {path}: {exc}"))
            unknown.update(chunk)
        else:
            written.update(chunk)

    async with anyio.create_task_group() as tg:
        for chunk in chunks:
            await tg.start(send, chunk)

    if errors:
        raise BatchError(
            written=[models[i] for i in sorted(written)],
            failed=[failed[i] for i in sorted(failed)],
            unknown=[models[i] for i in sorted(unknown)],
            not_sent=[models[i] for i in sorted(not_sent)],
            errors=errors,
        )
    return models


def _unexpected(exc: Exception, method: str, path: str) -> AmoCRMError:
    error = AmoCRMError(f"{method} {path} failed unexpectedly: {type(exc).__name__}")
    error.__cause__ = exc
    return error


def apply_by_request_id(
    embedded_key: str, fields: Sequence[str] = ("id", "updated_at")
) -> Callable[[list[Any], Any], None]:
    """Copy ``id``/``updated_at`` from ``_embedded.<key>`` onto models, matched by request_id.

    Falls back to matching by ``id`` (update responses carry no request_id), then by position.
    """

    def apply(chunk: list[Any], body: Any) -> None:
        items = _embedded_items(body, embedded_key)
        if len(items) != len(chunk):
            raise ValueError(f"sent {len(chunk)} entities, the response lists {len(items)}")
        by_rid = {str(m.request_id): m for m in chunk if m.request_id is not None}
        by_id = {m.id: m for m in chunk if getattr(m, "id", None) is not None}
        for position, item in enumerate(items):
            rid = item.get("request_id")
            target = by_rid.get(str(rid)) if rid is not None else by_id.get(item.get("id"))
            if target is None:
                target = chunk[position]
            for name in fields:
                if item.get(name) is not None:
                    setattr(target, name, item[name])

    return apply


def _embedded_items(body: Any, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        raise ValueError("expected a JSON object with _embedded")
    embedded = body.get("_embedded")
    items = embedded.get(key) if isinstance(embedded, Mapping) else None
    if not isinstance(items, list):
        raise ValueError(f"response has no _embedded.{key} list")
    return [item for item in items if isinstance(item, Mapping)]
