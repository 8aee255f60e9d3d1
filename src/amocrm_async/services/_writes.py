"""The one write path: any number of entities, in chunks, with an exact report when it fails."""

from __future__ import annotations

import itertools
import json
import math
import threading
from collections import Counter
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
    ResponseDecodeError,
    TransportError,
    WriteReport,
    WriteState,
)
from ..models._base import AmoEntity

__all__ = [
    "DEFAULT_BATCH",
    "MAX_BATCH",
    "ChunkedWrite",
    "apply_by_request_id",
    "assign_request_ids",
    "check_sendable",
    "new_request_id",
]

E = TypeVar("E", bound=AmoEntity)

MAX_BATCH = 250
DEFAULT_BATCH = 50
MAX_CHUNKS_IN_FLIGHT = 4
"""Chunks sent at once; the limiter paces them, this only bounds slots reserved ahead."""

Apply = Callable[[list[E], Any], None]

_request_id_counter = itertools.count(1)
_request_id_lock = threading.Lock()


def check_chunk_size(chunk_size: int, maximum: int = MAX_BATCH) -> int:
    if not 1 <= chunk_size <= maximum:
        raise ValueError(f"chunk_size must be between 1 and {maximum}, got {chunk_size}")
    return chunk_size


def new_request_id() -> str:
    """A request id unique in this process: ``"1"``, ``"2"``, … (never ``"0"``)."""
    with _request_id_lock:
        return str(next(_request_id_counter))


def assign_request_ids(models: Sequence[AmoEntity]) -> list[str]:
    """A ``request_id`` for every model, unique within the batch.

    Ids the caller set are kept; a duplicate or empty one among them is an error. Every other
    model — including one carrying an id the SDK generated for an earlier write — gets a fresh
    id unique in the process (never ``"0"``, never one the caller chose in this batch).
    """
    chosen = [m.caller_request_id for m in models]
    taken = [rid for rid in chosen if rid is not None]
    if "" in taken:
        raise ValueError("request_id must not be empty")
    if len(set(taken)) < len(taken):
        duplicates = sorted(rid for rid, n in Counter(taken).items() if n > 1)
        raise ValueError(f"duplicate request_id(s) {duplicates[:5]} in one batch")
    used = set(taken)
    ids: list[str] = []
    for rid in chosen:
        if rid is None:
            rid = new_request_id()
            while rid in used:
                rid = new_request_id()
        ids.append(rid)
    return ids


def check_sendable(payload: Any, what: str) -> None:
    """Raise :class:`ValueError` naming the field if ``payload`` cannot go out as JSON.

    The pipeline encodes bodies as UTF-8 JSON: a lone surrogate in a string (``"\\ud83d"``)
    cannot be encoded, and a non-finite float would not be JSON. Found here, before anything is
    sent, the error names the field path (``custom_fields_values.0.values.0.value``).
    """
    try:
        json.dumps(payload, ensure_ascii=False, allow_nan=False).encode()
    except RecursionError:
        raise ValueError(f"{what} cannot be sent: it is nested too deeply") from None
    except (ValueError, TypeError) as exc:  # UnicodeEncodeError is a ValueError
        problem = _find_unsendable(payload)
        raise ValueError(f"{what} cannot be sent: {problem or exc}") from None


def _find_unsendable(payload: Any) -> str | None:
    """The first value of ``payload`` that JSON-over-UTF-8 cannot carry, with its path."""
    stack: list[tuple[str, Any]] = [("", payload)]
    while stack:
        path, value = stack.pop()
        where = path or "the payload"
        if isinstance(value, str):
            problem = _bad_text(value)
            if problem:
                return f"{where}: {problem}"
        elif isinstance(value, float):
            if not math.isfinite(value):
                return f"{where}: {value} is not a JSON number"
        elif isinstance(value, Mapping):
            for key, item in reversed(list(value.items())):
                key_text = str(key)
                problem = _bad_text(key_text)
                if problem:
                    return f"{where}: key {key_text!r}: {problem}"
                stack.append((f"{path}.{key_text}" if path else key_text, item))
        elif isinstance(value, list | tuple):
            for index in reversed(range(len(value))):
                stack.append((f"{path}.{index}" if path else str(index), value[index]))
        elif value is not None and not isinstance(value, bool | int):
            return f"{where}: {type(value).__name__} is not JSON"
    return None


def _bad_text(text: str) -> str | None:
    try:
        text.encode()
    except UnicodeEncodeError as exc:
        return (
            f"lone surrogate {text[exc.start]!r} at character {exc.start} is not valid text "
            "(it cannot be encoded as UTF-8)"
        )
    return None


def apply_by_request_id(embedded_key: str) -> Callable[[Sequence[AmoEntity], Any], None]:
    """Copy ``id``/``updated_at`` from ``_embedded.<key>`` onto models, matched by request_id.

    Falls back to matching by ``id`` (update responses may carry no request_id), then by
    position. Nothing is copied unless the whole answer maps back.
    """

    def apply(chunk: Sequence[AmoEntity], body: Any) -> None:
        items = _embedded_items(body, embedded_key)
        if len(items) != len(chunk):
            raise ValueError(f"sent {len(chunk)} entities, the response lists {len(items)}")
        by_rid = {m.request_id: m for m in chunk if m.request_id is not None}
        by_id = {m.id: m for m in chunk if m.id is not None}
        updates: list[tuple[AmoEntity, int | None, int | None]] = []
        for position, item in enumerate(items):
            rid, item_id, updated_at = (
                item.get("request_id"),
                item.get("id"),
                item.get("updated_at"),
            )
            if rid is not None:
                target = by_rid.get(str(rid))
            else:
                target = by_id.get(item_id) if isinstance(item_id, int) else None
            if target is None:
                target = chunk[position]
            for name, value in (("id", item_id), ("updated_at", updated_at)):
                if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                    raise ValueError(f"response item {position}: {name} is not an integer")
            updates.append((target, item_id, updated_at))
        for target, item_id, updated_at in updates:
            if item_id is not None:
                target.id = item_id
            if updated_at is not None:
                target.updated_at = updated_at

    return apply


def _embedded_items(body: Any, key: str) -> list[Mapping[str, Any]]:
    if not isinstance(body, Mapping):
        raise ValueError("expected a JSON object with _embedded")
    embedded = body.get("_embedded")
    items = embedded.get(key) if isinstance(embedded, Mapping) else None
    if not isinstance(items, list):
        raise ValueError(f"response has no _embedded.{key} list")
    return [item for item in items if isinstance(item, Mapping)]


def _interrupt(exc: BaseException) -> BaseException | None:
    """The ``KeyboardInterrupt``/``SystemExit`` a task group wrapped (trio delivers Ctrl-C to
    whichever task runs), so the caller sees it as itself and not as a ``BaseExceptionGroup``."""
    if not isinstance(exc, BaseExceptionGroup):
        return None
    leaves: list[BaseException] = []
    pending: list[BaseException] = [exc]
    while pending:
        current = pending.pop()
        if isinstance(current, BaseExceptionGroup):
            pending.extend(current.exceptions)
        else:
            leaves.append(current)
    if leaves and all(isinstance(leaf, KeyboardInterrupt | SystemExit) for leaf in leaves):
        return leaves[-1]
    return None


class ChunkedWrite(Generic[E]):
    """One batch write, in named steps: prepare, chunk, send, apply, report.

    Every payload is built (and so validated, and checked to be sendable) before the first
    request, and each model gets a ``request_id`` by which ``apply(chunk, decoded_body)`` maps
    the answer back. Chunks go out concurrently as far as the limiter allows, in input order.
    Once a chunk fails no further chunk is sent, and :class:`BatchError` reports written /
    failed / unknown / not-sent models.

    The books are kept in a :class:`WriteReport` (the caller's, if given) as chunks resolve,
    so they stay right when the call is cancelled: a chunk whose request may have gone out is
    ``unknown``, one that never left is ``not_sent``.
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
        report: WriteReport[E] | None = None,
    ) -> None:
        self.pipeline, self.method, self.path = pipeline, method, path
        self.models = list(models)
        self.chunk_size = check_chunk_size(chunk_size, max_chunk)
        self.options = options
        self.to_payload, self.apply = to_payload, apply
        self.new_request_ids = request_ids
        self.require_id = require_id
        self.report: WriteReport[E] = WriteReport() if report is None else report
        self.stopped = False

    async def run(self) -> list[E]:
        """Write every model; returns them in input order with ids filled in."""
        report = self.report
        report._begin(self.models)
        try:
            if self.models:
                self.prepare()
                in_flight = anyio.CapacityLimiter(MAX_CHUNKS_IN_FLIGHT)
                async with anyio.create_task_group() as tg:
                    for chunk in self.chunks():
                        await tg.start(self.send, chunk, in_flight)
        except Exception:
            report._finish(cancelled=False)
            raise
        except BaseException as exc:
            # cancelled (a deadline, Ctrl-C): what never went out is not sent, what went out
            # and got no answer is unknown
            report._finish(cancelled=True)
            interrupt = _interrupt(exc)
            if interrupt is not None:
                raise interrupt from None
            raise
        report._finish(cancelled=False)
        self.raise_if_incomplete()
        return self.models

    def prepare(self) -> None:
        """Give each model its request id and build every payload; undo the ids on failure."""
        if self.require_id:
            missing = [i for i, m in enumerate(self.models) if m.id is None]
            if missing:
                raise ValueError(f"models at positions {missing[:10]} have no id; update needs ids")
        if len({id(m) for m in self.models}) < len(self.models):
            raise ValueError("the same model object is given twice; each needs its own answer")
        self.request_ids = self.new_request_ids(self.models)
        previous = [m._request_id_state() for m in self.models]
        for model, rid in zip(self.models, self.request_ids, strict=True):
            model._assign_request_id(rid, generated=rid != model.caller_request_id)
        try:
            self.payloads = [self.to_payload(m) for m in self.models]
            for position, payload in enumerate(self.payloads):
                model = self.models[position]
                check_sendable(payload, f"{type(model).__name__} at position {position}")
        except Exception:
            for model, old in zip(self.models, previous, strict=True):
                model._restore_request_id(old)
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
            # called once a rate-limit slot is granted, right before each attempt is sent
            nonlocal admitted
            if not admitted:
                admitted = True
                task_status.started()
            if self.stopped:
                return False
            self.report._set(chunk, WriteState.IN_FLIGHT)
            return True

        try:
            async with in_flight:
                if self.stopped:
                    self.report._set(chunk, WriteState.NOT_SENT)
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
                    self.report._set(chunk, WriteState.NOT_SENT)
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
        report = self.report
        error = exc if isinstance(exc, AmoCRMError) else self._unexpected(exc)
        report.errors.append(error)
        if not sent or isinstance(exc, TransportError | RateLimitTimeoutError):
            # nothing left the client: a write's transport error reaching here failed to connect
            report._set(chunk, WriteState.NOT_SENT)
        elif isinstance(exc, OutcomeUnknownError) or not isinstance(exc, AmoCRMError):
            report._set(chunk, WriteState.UNKNOWN)
        else:
            for i in chunk:
                issues = (
                    tuple(exc.for_request_id(self.request_ids[i]))
                    if isinstance(exc, RequestValidationError)
                    else ()
                )
                report._fail(i, BatchFailure(self.models[i], issues, exc))

    def apply_answer(self, chunk: range, response: APIResponse) -> None:
        """Map a stored chunk's answer back; one that cannot be decoded or mapped is unknown."""
        try:
            self.apply([self.models[i] for i in chunk], response.json())
        except Exception as exc:
            # the server stored the chunk (2xx) but its answer cannot be read back: invalid
            # JSON or UTF-8, nested too deep, another shape, ids that do not match
            self.stopped = True
            decode = ResponseDecodeError(
                method=response.method, url=response.url, status=response.status, cause=exc
            )
            decode.__cause__ = exc
            error = OutcomeUnknownError(
                method=response.method,
                url=response.url,
                request_ids=[self.request_ids[i] for i in chunk],
                cause=decode,
            )
            error.__cause__ = decode
            self.report.errors.append(error)
            self.report._set(chunk, WriteState.UNKNOWN)
        else:
            self.report._set(chunk, WriteState.WRITTEN)

    def raise_if_incomplete(self) -> None:
        report = self.report
        if not report.errors:
            return
        raise BatchError(
            written=report.written,
            failed=report.failed,
            unknown=report.unknown,
            not_sent=report.not_sent,
            errors=report.errors,
            report=report,
        )

    def _unexpected(self, exc: Exception) -> AmoCRMError:
        error = AmoCRMError(f"{self.method} {self.path} failed unexpectedly: {type(exc).__name__}")
        error.__cause__ = exc
        return error
