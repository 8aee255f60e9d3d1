"""Calls — ``POST /api/v4/calls`` (api-surface.md §5.27): add only, at most 50 per request.

amoCRM attaches each call to the entity that owns its phone number. A call it cannot place (no
contact or company has that number) is not an error of the request: the 200 answer lists it
under ``errors`` with its ``request_id``. Such calls are reported one by one, as failed items
of the batch (:class:`~amocrm_async.errors.BatchError` / ``WriteReport``), each with a
:class:`CallNotAddedError`; the calls that were placed get their ``id``, ``entity_id`` and
``entity_type``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Unpack

from .._service import CallOptions, request_options
from ..errors import AmoCRMError, BatchFailure, ValidationIssue, WriteReport
from ..models import Call, CallEmbedded
from ._entity import Creatable
from ._writes import DEFAULT_BATCH, ChunkedWrite

__all__ = ["CALLS_MAX_BATCH", "CallNotAddedError", "CallsService"]

CALLS_MAX_BATCH = 50
"""Calls per request the API accepts."""


class CallNotAddedError(AmoCRMError):
    """amoCRM did not add one call of a batch (it answered with an ``errors`` entry for it).

    ``issue`` carries the entry: ``request_id``, ``code`` and ``detail`` (the server's message);
    ``entry`` is the entry as sent.
    """

    def __init__(self, issue: ValidationIssue, entry: Mapping[str, Any]) -> None:
        self.issue = issue
        self.entry = dict(entry)
        super().__init__(
            f"call request_id={issue.request_id} not added: {issue.detail or issue.code or '?'}"
        )


def _text(entry: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = entry.get(key)
        if value is not None and value != "":
            return str(value)
    return None


def _rejections(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """``errors`` entries by ``request_id`` (read from ``_embedded.errors`` or ``errors``)."""
    embedded = body.get("_embedded")
    found: list[Any] = []
    for source in (embedded if isinstance(embedded, Mapping) else {}, body):
        entries = source.get("errors")
        if isinstance(entries, list):
            found.extend(entries)
    out: dict[str, Mapping[str, Any]] = {}
    for position, entry in enumerate(found):
        rid = entry.get("request_id") if isinstance(entry, Mapping) else None
        if rid is None:
            raise ValueError(f"errors item {position} names no request_id")
        out[str(rid)] = entry
    return out


class _CallsWrite(ChunkedWrite[Call]):
    """The chunked write, with an answer that may place some calls and reject others."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, apply=self._apply_calls, **kwargs)

    def _apply_calls(self, chunk: list[Call], body: Any) -> None:
        if not isinstance(body, Mapping):
            raise ValueError("expected a JSON object")
        embedded = body.get("_embedded")
        items = embedded.get("calls") if isinstance(embedded, Mapping) else None
        items = items if isinstance(items, list) else []
        rejected = _rejections(body)
        by_rid = {m.request_id: m for m in chunk}
        placed: list[tuple[Call, Mapping[str, Any]]] = []
        for position, item in enumerate(items):
            rid = item.get("request_id") if isinstance(item, Mapping) else None
            target = by_rid.get(str(rid)) if rid is not None else None
            if target is None:
                raise ValueError(f"response item {position}: request_id {rid!r} was not sent")
            placed.append((target, item))
        answered = {m.request_id for m, _ in placed} | rejected.keys()
        if answered != by_rid.keys() or len(placed) + len(rejected) != len(chunk):
            raise ValueError(f"sent {len(chunk)} calls, the answer does not account for each")
        embeddeds = [CallEmbedded.model_validate(item.get("_embedded") or {}) for _, item in placed]
        for (target, item), entity in zip(placed, embeddeds, strict=True):
            for name in ("id", "entity_id", "updated_at", "account_id"):
                value = item.get(name)
                if isinstance(value, int) and not isinstance(value, bool):
                    setattr(target, name, value)
            if isinstance(item.get("entity_type"), str):
                target.entity_type = item["entity_type"]
            target.embedded = entity
        self._reject(chunk, rejected)

    def _reject(self, chunk: list[Call], rejected: Mapping[str, Mapping[str, Any]]) -> None:
        if not rejected:
            return
        positions = {id(m): i for i, m in enumerate(self.models)}
        first: AmoCRMError | None = None
        for model in chunk:
            entry = rejected.get(str(model.request_id))
            if entry is None:
                continue
            issue = ValidationIssue(
                request_id=model.request_id,
                code=_text(entry, "code", "status"),
                path=_text(entry, "path"),
                detail=_text(entry, "msg", "detail", "title", "message"),
            )
            error = CallNotAddedError(issue, entry)
            first = first or error
            self.report._fail(positions[id(model)], BatchFailure(model, (issue,), error))
        assert first is not None
        self.report.errors.append(first)


class CallsService(Creatable[Call]):
    """Log calls: ``add`` (chunks of up to 50) and ``add_one`` (whose error — a
    :class:`CallNotAddedError` too — is raised as it is)."""

    path = "/api/v4/calls"
    max_chunk = CALLS_MAX_BATCH

    async def add(
        self,
        models: Sequence[Call],
        *,
        chunk_size: int = DEFAULT_BATCH,
        report: WriteReport[Call] | None = None,
        **options: Unpack[CallOptions],
    ) -> list[Call]:
        """Add calls in chunks of at most 50; fills in ``id``, ``entity_id`` and ``entity_type``.

        Raises :class:`~amocrm_async.errors.BatchError` when any call was not added: its
        ``failed`` items name each call amoCRM could not place (with a
        :class:`CallNotAddedError`) or that a failed request carried; the other calls of the
        batch are still sent and written. ``report=`` works as for every batch write.
        """
        return await _CallsWrite(
            self._pipeline,
            "POST",
            self.path,
            models,
            chunk_size=chunk_size,
            options=request_options(options),
            to_payload=self._payload,
            max_chunk=self.max_chunk,
            report=report,
        ).run()
