"""``amocrm-async export``: any list to JSON Lines or CSV, resumable, with progress.

Lists that can be filtered by ``updated_at`` (leads, contacts, companies, customers, tasks, the
notes of each) are read through :meth:`~amocrm_async.services.Listable.changes`: windows of
``updated_at`` that start at the last entity written, so a big account never needs deep pages,
and the checkpoint is the changes cursor itself. Other lists are read page by page, and the
checkpoint counts the rows written (their order is by id, so a resumed export skips them).

The checkpoint (``<output>.checkpoint`` unless told otherwise) is written after each page's
rows are flushed to disk, with the output's size at that moment: a resumed export cuts the
output back to that size and goes on from the cursor, so there is no duplicate and no gap
whatever moment the previous run stopped. A finished export removes its checkpoint; with
``--sync`` it keeps it, marked complete, and the next run writes what changed since (deletions
included, from the events API) into a fresh output.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import io
import json
import os
import sys
import types
from collections.abc import AsyncIterator, Callable, Sequence
from pathlib import Path
from typing import IO, Any, TextIO, Union, cast, get_args, get_origin

from .._client import AmoCRMClient
from .._pagination import IterationProgress
from .._sync import ChangesCursor, ChangesIterator, Deletion
from ..filters import EventsFilter
from ..filters._base import BaseFilter
from ..filters._parsers import Range
from ..models._base import AmoModel
from ..services._entity import Listable, _filter_type
from ..services.events import EVENTS_MAX_LIMIT
from ._args import UsageError
from ._progress import ExportProgress

__all__ = ["ENTITIES", "run_export"]

_FORMAT = 1


def _notes(parent: str) -> Callable[[AmoCRMClient], Any]:
    return lambda amo: getattr(amo, parent).notes


ENTITIES: dict[str, Callable[[AmoCRMClient], Any]] = {
    "leads": lambda amo: amo.leads,
    "contacts": lambda amo: amo.contacts,
    "companies": lambda amo: amo.companies,
    "customers": lambda amo: amo.customers,
    "tasks": lambda amo: amo.tasks,
    "events": lambda amo: amo.events,
    "lead-notes": _notes("leads"),
    "contact-notes": _notes("contacts"),
    "company-notes": _notes("companies"),
    "customer-notes": _notes("customers"),
    "users": lambda amo: amo.users,
    "pipelines": lambda amo: amo.pipelines,
    "loss-reasons": lambda amo: amo.loss_reasons,
    "sources": lambda amo: amo.sources,
    "catalogs": lambda amo: amo.catalogs,
    "unsorted": lambda amo: amo.unsorted,
    "webhooks": lambda amo: amo.webhooks,
    "widgets": lambda amo: amo.widgets,
    "roles": lambda amo: amo.roles,
}
"""What ``export`` can read: every list endpoint of the account (by command-line name)."""


# ---------------------------------------------------------------------------- filters


def _filter_class(service: Any) -> type[BaseFilter] | None:
    if isinstance(service, Listable):
        return _filter_type(type(service))
    if type(service).__name__ == "EventsService":
        return EventsFilter
    return None


def _scalar(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if text.lstrip("-").isdigit():
        return int(text)
    return text


def _value(text: str) -> Any:
    if ".." in text:
        low, _, high = text.partition("..")
        try:
            return Range(from_=int(low) if low else None, to=int(high) if high else None)
        except ValueError as exc:
            raise UsageError(f"--filter: bad range {text!r}: {exc}") from None
    if "," in text:
        return [_scalar(part.strip()) for part in text.split(",") if part.strip()]
    return _scalar(text)


def _is_list_field(annotation: Any) -> bool:
    text = annotation if isinstance(annotation, str) else repr(annotation)
    return any(word in text for word in ("IdsInput", "NamesInput", "Iterable", "StringsInput"))


def build_filter(
    cls: type[BaseFilter] | None, pairs: Sequence[str], search: str | None, entity: str
) -> BaseFilter | None:
    """``--filter key=value`` onto the entity's filter class; ``a,b`` is a list, ``a..b`` a
    range, digits an int, ``true``/``false`` a bool."""
    if not pairs and search is None:
        return None
    if cls is None:
        raise UsageError(f"--filter: {entity} takes no filter")
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    values: dict[str, Any] = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"--filter: expected key=value, got {pair!r}")
        if key not in fields:
            known = ", ".join(sorted(fields))
            raise UsageError(f"--filter: {entity} has no filter {key!r}; known: {known}")
        value = _value(text)
        if _is_list_field(fields[key].type) and not isinstance(value, list | Range):
            value = [value]
        values[key] = value
    if search is not None:
        if "query" not in fields:
            raise UsageError(f"--search: {entity} has no free-text search")
        values["query"] = search
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"--filter: {exc}") from None


def _raw_query(text: str | None) -> dict[str, str] | None:
    if not text:
        return None
    from urllib.parse import parse_qsl

    pairs = parse_qsl(text.lstrip("?"), keep_blank_values=True, strict_parsing=False)
    if not pairs:
        raise UsageError(f"--query: expected key=value pairs, got {text!r}")
    return dict(pairs)


# ---------------------------------------------------------------------------- rows


def _is_scalar(annotation: Any) -> bool:
    if annotation in (int, str, bool, float):
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        return all(a in (int, str, bool, float, type(None)) for a in get_args(annotation))
    return False


class Rows:
    """One entity (or deletion) as a JSON line or a CSV row."""

    def __init__(self, fmt: str, model: type[AmoModel] | None, sync: bool) -> None:
        self.fmt = fmt
        self.sync = sync
        self.columns: list[str] = []
        self.custom: dict[int, str] = {}
        if model is not None:
            for name, info in model.model_fields.items():
                if _is_scalar(info.annotation) and name != "request_id":
                    self.columns.append(info.alias or name)
            if "embedded" in model.model_fields:
                self.columns.append("tags")
        if sync:
            self.columns[:0] = ["_change", "_deleted_at"]

    def add_custom_fields(self, definitions: Sequence[Any]) -> None:
        taken = set(self.columns)
        for definition in definitions:
            label = f"cf:{definition.code or definition.name}"
            if label in taken:
                label = f"{label} #{definition.id}"
            taken.add(label)
            self.custom[definition.id] = label
            self.columns.append(label)

    def header(self) -> bytes:
        return self._csv(self.columns) if self.fmt == "csv" else b""

    def encode(self, item: Any) -> bytes:
        if isinstance(item, Deletion):
            data: dict[str, Any] = {"_change": "deleted", "id": item.id}
            data.update(_deleted_at=item.deleted_at, event_id=item.event_id)
        else:
            data = item.model_dump(mode="json", by_alias=True, exclude_none=True)
            if self.sync:
                data = {"_change": "updated", **data}
        if self.fmt == "jsonl":
            return (json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        return self._csv([self._cell(data, column) for column in self.columns])

    def _cell(self, data: dict[str, Any], column: str) -> str:
        if column == "tags":
            tags = (data.get("_embedded") or {}).get("tags") or []
            return "; ".join(str(t.get("name", t.get("id"))) for t in tags)
        if column.startswith("cf:"):
            return self._custom(data, column)
        value = data.get(column)
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)

    def _custom(self, data: dict[str, Any], column: str) -> str:
        for field in data.get("custom_fields_values") or []:
            if self.custom.get(field.get("field_id")) != column:
                continue
            parts: list[str] = []
            for value in field.get("values") or []:
                inner = value.get("value") if isinstance(value, dict) else value
                if inner is None and isinstance(value, dict):
                    inner = value.get("enum_code") or value.get("enum_id")
                text = inner if isinstance(inner, str) else json.dumps(inner, ensure_ascii=False)
                parts.append(text)
            return "; ".join(parts)
        return ""

    @staticmethod
    def _csv(cells: Sequence[str]) -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(cells)
        return buffer.getvalue().encode()


# ---------------------------------------------------------------------------- checkpoint


@dataclasses.dataclass
class Checkpoint:
    path: Path
    fingerprint: dict[str, Any]
    cursor: str | None = None
    written: int = 0
    offset: int = 0
    columns: list[str] | None = None
    complete: bool = False

    def save(self) -> None:
        data = {
            "format": _FORMAT,
            "export": self.fingerprint,
            "cursor": json.loads(self.cursor) if self.cursor else None,
            "written": self.written,
            "offset": self.offset,
            "columns": self.columns,
            "complete": self.complete,
        }
        temporary = self.path.with_name(f".{self.path.name}.tmp")
        with open(temporary, "w", encoding="utf-8") as out:
            json.dump(data, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, self.path)

    @classmethod
    def load(cls, path: Path, fingerprint: dict[str, Any]) -> Checkpoint | None:
        if not path.exists():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raise UsageError(
                f"{path}: not a readable checkpoint; delete it to start over"
            ) from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise UsageError(f"{path}: not a checkpoint of this version; delete it to start over")
        if data.get("export") != fingerprint:
            raise UsageError(
                f"{path} belongs to a different export ({data.get('export')}); use the same "
                "arguments, another --checkpoint, or delete it"
            )
        cursor, written, offset = data.get("cursor"), data.get("written"), data.get("offset")
        columns = data.get("columns")
        if not (isinstance(written, int) and isinstance(offset, int) and min(written, offset) >= 0):
            raise UsageError(f"{path}: a damaged checkpoint; delete it to start over")
        if not (columns is None or isinstance(columns, list)):
            raise UsageError(f"{path}: a damaged checkpoint; delete it to start over")
        return cls(
            path,
            fingerprint,
            json.dumps(cursor) if cursor is not None else None,
            written,
            offset,
            columns,
            bool(data.get("complete")),
        )


# ---------------------------------------------------------------------------- events


class EventsKeyset:
    """Events newest first, each request page 1 of ``created_at`` up to the last one written.

    Events never change, so once the upper bound is fixed (at the first run's start) the list
    is stable: the position is the ``created_at`` of the last event written and the ids written
    with it, as for :class:`~amocrm_async.ChangesCursor` but downwards.
    """

    def __init__(self, amo: AmoCRMClient, base: EventsFilter | None, state: str | None) -> None:
        self._amo = amo
        self._base = base or EventsFilter()
        low, high = _bounds(self._base.created_at)
        if state is None:
            now = int(amo._pipeline.clock.time())
            self.state: dict[str, Any] = {"from": low, "to": min(high or now, now), "seen": []}
        else:
            self.state = json.loads(state)
        self.progress = IterationProgress(amo._pipeline.account)

    def cursor_json(self) -> str:
        return json.dumps(self.state, separators=(",", ":"))

    async def __aiter__(self) -> AsyncIterator[Any]:
        state, page = self.state, 1
        while True:
            position = state["to"]
            window = dataclasses.replace(
                self._base, created_at=Range(from_=state["from"], to=position)
            )
            result = await self._amo.events.get(window, page=page, limit=EVENTS_MAX_LIMIT)
            self.progress.page(None)
            seen = set(state["seen"])
            for event in result:
                at = event.created_at or 0
                if at > position or (at == position and event.id in seen):
                    continue
                if at < state["to"]:
                    state["to"], state["seen"] = at, [event.id]
                else:
                    state["seen"].append(event.id)
                self.progress.items += 1
                yield event
            if not result.has_next:
                return
            page = 1 if state["to"] < position else page + 1


def _bounds(value: Any) -> tuple[int | None, int | None]:
    if isinstance(value, Range):
        return value.from_, value.to
    if isinstance(value, int):
        return value, None
    return None, None


# ---------------------------------------------------------------------------- the export


def _fingerprint(args: argparse.Namespace, fmt: str) -> dict[str, Any]:
    return {
        "entity": args.entity,
        "format": fmt,
        "filter": sorted(args.filter),
        "search": args.search,
        "query": args.query,
        "with": sorted(args.with_),
        "updated_since": None if args.sync else args.updated_since,
        "updated_until": args.updated_until,
        "sync": args.sync,
    }


def _format(args: argparse.Namespace) -> str:
    if args.format:
        return str(args.format)
    suffix = Path(args.output).suffix.lower() if args.output != "-" else ""
    return "csv" if suffix == ".csv" else "jsonl"


async def _definitions(service: Any) -> list[Any]:
    custom = getattr(service, "custom_fields", None)
    if custom is None or not hasattr(custom, "definitions"):
        return []
    return list(await custom.definitions())


async def run_export(
    args: argparse.Namespace,
    amo: AmoCRMClient,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    service = ENTITIES[args.entity](amo)
    fmt = _format(args)
    filter_cls = _filter_class(service)
    base_filter = build_filter(filter_cls, args.filter, args.search, args.entity)
    extra_query = _raw_query(args.query)
    options: dict[str, Any] = {"extra_query": extra_query} if extra_query else {}
    windowed = (
        isinstance(service, Listable)
        and filter_cls is not None
        and any(f.name == "updated_at" for f in dataclasses.fields(filter_cls))
    )
    if not windowed and (args.updated_since is not None or args.updated_until is not None):
        raise UsageError(f"--updated-since/--updated-until: {args.entity} has no updated_at")
    if args.sync and not windowed:
        raise UsageError(f"--sync: {args.entity} cannot be read by updated_at")
    to_stdout = args.output == "-"
    checkpoint_path = None
    if not args.no_checkpoint and not to_stdout:
        checkpoint_path = Path(args.checkpoint or f"{args.output}.checkpoint")
    elif args.sync:
        raise UsageError("--sync needs a file --output and a checkpoint (its cursor)")
    fingerprint = _fingerprint(args, fmt)
    checkpoint = Checkpoint.load(checkpoint_path, fingerprint) if checkpoint_path else None
    if checkpoint is not None and checkpoint.complete and not args.sync:
        raise UsageError(f"{checkpoint.path}: that export is complete; delete it to export again")
    resuming = checkpoint is not None and not checkpoint.complete
    if checkpoint is None and checkpoint_path is not None:
        checkpoint = Checkpoint(checkpoint_path, fingerprint)
    if checkpoint is not None:
        checkpoint.complete = False  # a new --sync run that stops half-way resumes, too

    model = getattr(service, "model", None)
    rows = Rows(fmt, model if isinstance(model, type) else None, args.sync)
    if fmt == "csv":
        rows.add_custom_fields(await _definitions(service))
        if resuming and checkpoint is not None and checkpoint.columns != rows.columns:
            raise UsageError(
                f"{checkpoint.path}: the custom fields changed since it was written, so the CSV "
                "columns would differ; delete it (and the output) to start over"
            )

    iterator: Any
    skip = 0
    try:
        if windowed:
            cursor = None
            if checkpoint is not None and checkpoint.cursor:
                cursor = ChangesCursor.from_json(checkpoint.cursor)
            iterator = service.changes(
                since=args.updated_since,
                until=args.updated_until,
                cursor=cursor,
                filter=base_filter,
                deletions=args.sync,
                with_=args.with_ or None,
                **options,
            )
        elif args.entity == "events":
            state = checkpoint.cursor if checkpoint is not None else None
            iterator = EventsKeyset(amo, cast(EventsFilter | None, base_filter), state)
        else:
            skip = checkpoint.written if resuming and checkpoint is not None else 0
            iterator = service.iterate(base_filter, with_=args.with_ or None, **options)
    except (TypeError, ValueError) as exc:
        raise UsageError(str(exc)) from None
    already = checkpoint.written if resuming and checkpoint is not None else 0
    if resuming and checkpoint is not None and _size(args.output) < checkpoint.offset:
        raise UsageError(
            f"{args.output} is shorter than its checkpoint says ({checkpoint.offset} bytes); "
            f"delete {checkpoint.path} to start over"
        )

    output: IO[bytes] | _TextBytes
    if to_stdout:
        output = sys.stdout.buffer if out is sys.stdout else _TextBytes(out)
    else:
        output = open(args.output, "r+b" if resuming else "wb")  # noqa: ASYNC230, SIM115
    progress = ExportProgress(
        f"export {args.entity}", err, enabled=not args.no_progress, already=already
    )
    written = 0
    try:
        if resuming and checkpoint is not None:
            output.truncate(checkpoint.offset)
            output.seek(checkpoint.offset)
        elif fmt == "csv":
            output.write(rows.header())
        if checkpoint is not None and fmt == "csv":
            checkpoint.columns = rows.columns

        def save() -> None:
            if checkpoint is None:
                return
            output.flush()
            os.fsync(output.fileno())
            checkpoint.offset = output.tell()
            checkpoint.written = already + written
            if isinstance(iterator, ChangesIterator):
                checkpoint.cursor = iterator.cursor.to_json()
            elif isinstance(iterator, EventsKeyset):
                checkpoint.cursor = iterator.cursor_json()
            checkpoint.save()

        save()
        meter: IterationProgress = iterator.progress
        pages = meter.pages
        try:
            async for item in _skipping(iterator, skip):
                output.write(rows.encode(item))
                written += 1
                if meter.pages != pages:
                    pages = meter.pages
                    save()
                progress.update(written, meter.requests, meter.rate_limited, meter.total)
        except BaseException:
            save()  # what was written so far counts; a hard kill is covered by the offset
            raise
        if checkpoint is not None:
            checkpoint.complete = True
            save()
            if not args.sync:
                checkpoint.path.unlink()
        else:
            output.flush()
    finally:
        progress.close()
        if not to_stdout:
            output.close()

    summary = {
        "entity": args.entity,
        "format": fmt,
        "output": args.output,
        "written": written,
        "total_written": already + written,
        "resumed": resuming,
        "requests": meter.requests,
        "rate_limited": meter.rate_limited,
        "seconds": round(progress.elapsed, 3),
        "checkpoint": str(checkpoint.path) if checkpoint is not None and args.sync else None,
    }
    report = err if to_stdout else out
    if args.json:
        report.write(json.dumps(summary) + "\n")
    else:
        resumed = f" (resumed: {already} written before)" if resuming else ""
        report.write(
            f"exported {written} {args.entity} to {args.output} ({fmt}){resumed} in "
            f"{progress.elapsed:.1f}s: {meter.requests} requests, {meter.rate_limited} x 429\n"
        )
    return 0


def _size(path: str) -> int:
    """The file's size, -1 when it is missing (the command's files are local and small to stat)."""
    return os.path.getsize(path) if os.path.exists(path) else -1


async def _skipping(iterator: AsyncIterator[Any], skip: int) -> AsyncIterator[Any]:
    seen = 0
    async for item in iterator:
        if seen < skip:
            seen += 1
            continue
        yield item


class _TextBytes(io.RawIOBase):
    """Bytes onto a text stream (tests hand ``out=StringIO()`` for ``--output -``)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._stream.write(bytes(data).decode())
        return len(data)
