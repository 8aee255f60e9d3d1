"""The one write path: any number of entities, in chunks, with an exact report when it fails."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

import anyio
import anyio.abc

from .._pipeline import APIResponse, NotSentError, Pipeline, RequestOptions
from ..errors import (
    AmoCRMError,
    BatchError,
    BatchFailure,
    OutcomeUnknownError,
    RateLimitTimeoutError,
    RequestValidationError,
    TransportError,
)
from ..models._base import AmoEntity

__all__ = [
    "DEFAULT_BATCH",
    "MAX_BATCH",
    "ChunkedWrite",
    "apply_by_request_id",
    "assign_request_ids",
]

E = TypeVar("E", bound=AmoEntity)

MAX_BATCH = 250
DEFAULT_BATCH = 50
MAX_CHUNKS_IN_FLIGHT = 4
"""Chunks sent at once; the limiter paces them, this only bounds slots reserved ahead."""

Apply = Callable[[list[E], Any], None]


def check_chunk_size(chunk_size: int, maximum: int = MAX_BATCH) -> int:
    if not 1 <= chunk_size <= maximum:
        raise ValueError(f"chunk_size must be between 1 and {maximum}, got {chunk_size}")
    return chunk_size


def assign_request_ids(models: Sequence[AmoEntity]) -> list[str]:
    """A ``request_id`` for every model, unique within the call.

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


def apply_by_request_id(embedded_key: str) -> Callable[[Sequence[AmoEntity], Any], None]:
    """Copy ``id``/``updated_at`` from ``_embedded.<key>`` onto models, matched by request_id.

    Falls back to matching by ``id`` (update responses may carry no request_id), then by
    position.
    """

    def apply(chunk: Sequence[AmoEntity], body: Any) -> None:
        items = _embedded_items(body, embedded_key)
        if len(items) != len(chunk):
            raise ValueError(f"sent {len(chunk)} entities, the response lists {len(items)}")
        by_rid = {m.request_id: m for m in chunk if m.request_id is not None}
        by_id = {m.id: m for m in chunk if m.id is not None}
        for position, item in enumerate(items):
            rid, item_id = item.get("request_id"), item.get("id")
            if rid is not None:
                target = by_rid.get(str(rid))
            else:
                target = by_id.get(item_id) if isinstance(item_id, int) else None
            if target is None:
                target = chunk[position]
            if item_id is not None:
                target.id = item_id
            if item.get("updated_at") is not None:
                target.updated_at = item["updated_at"]

    return apply


def _embedded_items(body: Any, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        raise ValueError("expected a JSON object with _embedded")
    embedded = body.get("_embedded")
    items = embedded.get(key) if isinstance(embedded, Mapping) else None
    if not isinstance(items, list):
        raise ValueError(f"response has no _embedded.{key} list")
    return [item for item in items if isinstance(item, Mapping)]


class ChunkedWrite(Generic[E]):
    """One batch write, in named steps: prepare, chunk, send, apply, report.

    Every payload is built (and so validated) before the first request, and each model gets a
    ``request_id`` by which ``apply(chunk, decoded_body)`` maps the answer back. Chunks go out
    concurrently as far as the limiter allows, in input order. Once a chunk fails no further
    chunk is sent, and :class:`BatchError` reports written / failed / unknown / not-sent models.
    """

    def __init__(
        self,
        pipeline: Pipeline,
        method: str,
        path: str,
        models: Sequence[E],
        *,
        chunk_size: int,
        options: RequestOptions,
        to_payload: Callable[[E], dict[str, Any]],
        apply: Callable[[list[E], Any], None],
        request_ids: Callable[[Sequence[E]], list[str]] = assign_request_ids,
        require_id: bool = False,
        max_chunk: int = MAX_BATCH,
    ) -> None:
        self.pipeline, self.method, self.path = pipeline, method, path
        self.models = list(models)
        self.chunk_size = check_chunk_size(chunk_size, max_chunk)
        self.options = options
        self.to_payload, self.apply = to_payload, apply
        self.new_request_ids = request_ids
        self.require_id = require_id
        self.written: set[int] = set()
        self.failed: dict[int, BatchFailure] = {}
        self.unknown: set[int] = set()
        self.not_sent: set[int] = set()
        self.errors: list[AmoCRMError] = []
        self.stopped = False

    async def run(self) -> list[E]:
        """Write every model; returns them in input order with ids filled in."""
        if not self.models:
            return []
        self.prepare()
        in_flight = anyio.CapacityLimiter(MAX_CHUNKS_IN_FLIGHT)
        async with anyio.create_task_group() as tg:
            for chunk in self.chunks():
                await tg.start(self.send, chunk, in_flight)
        self.report()
        return self.models

    def prepare(self) -> None:
        """Give each model its request id and build every payload; undo the ids on failure."""
        if self.require_id:
            missing = [i for i, m in enumerate(self.models) if m.id is None]
            if missing:
                raise ValueError(f"models at positions {missing[:10]} have no id; update needs ids")
        self.request_ids = self.new_request_ids(self.models)
        previous = [m.request_id for m in self.models]
        for model, rid in zip(self.models, self.request_ids, strict=True):
            model.request_id = rid
        try:
            self.payloads = [self.to_payload(m) for m in self.models]
        except Exception:
            for model, old in zip(self.models, previous, strict=True):
                model.request_id = old
            raise

    def chunks(self) -> list[range]:
        size, total = self.chunk_size, len(self.models)
        return [range(i, min(i + size, total)) for i in range(0, total, size)]

    async def send(
        self,
        chunk: range,
        in_flight: anyio.CapacityLimiter,
        *,
        task_status: anyio.abc.TaskStatus[None],
    ) -> None:
        """Send one chunk; the next chunk may queue once this one holds a limiter slot."""
        admitted = False

        def gate() -> bool:
            nonlocal admitted
            if not admitted:
                admitted = True
                task_status.started()
            return not self.stopped

        try:
            async with in_flight:
                if self.stopped:
                    self.not_sent.update(chunk)
                    return
                try:
                    response = await self.pipeline.request(
                        self.method,
                        self.path,
                        json=[self.payloads[i] for i in chunk],
                        options=self.options,
                        request_ids=[self.request_ids[i] for i in chunk],
                        gate=gate,
                    )
                except NotSentError:
                    self.not_sent.update(chunk)
                except Exception as exc:
                    self.record_failure(chunk, exc, sent=admitted)
                else:
                    self.apply_answer(chunk, response)
        finally:
            if not admitted:
                admitted = True
                task_status.started()

    def record_failure(self, chunk: range, exc: Exception, *, sent: bool) -> None:
        self.stopped = True
        error = exc if isinstance(exc, AmoCRMError) else self._unexpected(exc)
        self.errors.append(error)
        if isinstance(exc, OutcomeUnknownError) or not isinstance(exc, AmoCRMError):
            self.unknown.update(chunk)
        elif isinstance(exc, TransportError | RateLimitTimeoutError) or not sent:
            # a write's transport error reaching here failed before anything was sent
            self.not_sent.update(chunk)
        else:
            for i in chunk:
                issues = (
                    tuple(exc.for_request_id(self.request_ids[i]))
                    if isinstance(exc, RequestValidationError)
                    else ()
                )
                self.failed[i] = BatchFailure(self.models[i], issues, exc)

    def apply_answer(self, chunk: range, response: APIResponse) -> None:
        try:
            self.apply([self.models[i] for i in chunk], response.json())
        except (ValueError, KeyError) as exc:
            # the server stored the chunk but its answer could not be mapped back
            self.stopped = True
            self.errors.append(
                AmoCRMError(f"could not map the response of {self.method} {self.path}: {exc}")
            )
            self.unknown.update(chunk)
        else:
            self.written.update(chunk)

    def report(self) -> None:
        if not self.errors:
            return
        models = self.models
        raise BatchError(
            written=[models[i] for i in sorted(self.written)],
            failed=[self.failed[i] for i in sorted(self.failed)],
            unknown=[models[i] for i in sorted(self.unknown)],
            not_sent=[models[i] for i in sorted(self.not_sent)],
            errors=self.errors,
        )

    def _unexpected(self, exc: Exception) -> AmoCRMError:
        error = AmoCRMError(f"{self.method} {self.path} failed unexpectedly: {type(exc).__name__}")
        error.__cause__ = exc
        return error
