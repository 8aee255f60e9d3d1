"""amoCRM webhook bodies to typed events (:func:`parse_webhook`) and back
(:func:`encode_webhook_form`).

The body is ``{entity}[{action}][{i}][{field}]=...`` plus ``account[...]``; the entities and
their top-level keys are ``leads``, ``contacts`` (companies too, with ``type=company``),
``customers``, ``task``, ``unsorted``, ``talk`` and ``message``; notes arrive as
``{entity}[note][{i}][note][...]``. Anything else in the body is kept in
:attr:`WebhookPayload.unknown`; unknown fields of known entities are kept on their models.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ._form import (
    DEFAULT_LIMITS,
    WebhookLimits,
    WebhookParseError,
    check_nested,
    decode_form,
    decode_json,
    decode_pairs,
    encode_pairs,
    form_body,
    listify,
)
from ._models import (
    CompanyData,
    CompanyEvent,
    ContactData,
    ContactEvent,
    CustomerData,
    CustomerEvent,
    LeadData,
    LeadEvent,
    MessageData,
    MessageEvent,
    NoteData,
    NoteEvent,
    TalkData,
    TalkEvent,
    TaskData,
    TaskEvent,
    UnsortedData,
    UnsortedEvent,
    WebhookAccount,
    WebhookEvent,
)

__all__ = [
    "WebhookPayload",
    "encode_webhook_form",
    "parse_webhook",
    "webhook_wire_data",
]

WebhookBody = bytes | bytearray | memoryview | str | Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class WebhookPayload:
    """One webhook delivery: the account it is about and its events, in body order.

    ``unknown`` holds top-level keys the parser has no family for (kept as decoded).
    """

    account: WebhookAccount
    events: list[WebhookEvent] = field(default_factory=list)
    unknown: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- decoding


def _is_json(content_type: str | None, text: bytes | str) -> bool:
    if content_type:
        media = content_type.split(";", 1)[0].strip().lower()
        if media == "application/x-www-form-urlencoded":
            return False
        if media == "application/json" or media.endswith("+json"):
            return True
        if media not in ("", "text/plain", "application/octet-stream"):
            raise WebhookParseError(f"unsupported content type {media[:60]!r}")
    head = text.lstrip()[:1]
    return head in (b"{", "{")


def _flat(data: Mapping[str, Any]) -> bool:
    return any(isinstance(key, str) and "[" in key for key in data)


def _pairs(data: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """Pairs of a flat form mapping; multi-dicts (Starlette, aiohttp) keep repeated keys."""
    multi = getattr(data, "multi_items", None)
    items: Iterable[tuple[Any, Any]] = multi() if callable(multi) else data.items()
    for key, value in items:
        if isinstance(value, list | tuple):
            for item in value:
                yield key, item
        else:
            yield key, value


def _from_mapping(data: Mapping[str, Any], limits: WebhookLimits) -> dict[str, Any]:
    if _flat(data):
        return decode_pairs(_pairs(data), limits=limits)
    check_nested(data, limits)
    return {str(name): listify(value) for name, value in data.items()}


def decode_webhook(
    body: WebhookBody, content_type: str | None = None, *, limits: WebhookLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """The body as nested data (form or JSON, flat bracket keys or nested), before typing."""
    if isinstance(body, Mapping):
        return _from_mapping(body, limits)
    if isinstance(body, bytearray | memoryview):
        body = bytes(body)
    if not isinstance(body, bytes | str):
        raise TypeError(f"a webhook body is bytes, str or a mapping, not {type(body).__name__}")
    if not _is_json(content_type, body):
        return decode_form(body, limits=limits)
    data = decode_json(body, limits=limits)
    if not isinstance(data, dict):
        raise WebhookParseError("a JSON webhook body must be an object")
    return _from_mapping(data, limits)


# --------------------------------------------------------------------------- typing


def _error(exc: ValidationError, key: str) -> WebhookParseError:
    first = exc.errors(include_url=False, include_input=False)[0]
    where = "".join(f"[{part}]" for part in first["loc"])
    return WebhookParseError(first["msg"], key=key + where)


def _model(cls: type[BaseModel], item: Any, key: str) -> Any:
    if not isinstance(item, Mapping):
        raise WebhookParseError("expected an object of fields", key=key)
    try:
        return cls.model_validate(item)
    except ValidationError as exc:
        raise _error(exc, key) from None


def _items(value: Any) -> Iterator[tuple[str, Any]]:
    """The entries of ``{entity}[{action}]``: a list, an index-keyed object, one object, or a
    bare id (how deletions may arrive)."""
    if isinstance(value, list):
        entries: Iterable[tuple[Any, Any]] = enumerate(value)
    elif isinstance(value, Mapping) and value and all(str(k).isdecimal() for k in value):
        entries = sorted(value.items(), key=lambda kv: int(kv[0]))
    else:
        entries = [(0, value)]
    for index, item in entries:
        if isinstance(item, str | int) and not isinstance(item, bool):
            item = {"id": item}
        elif isinstance(item, Mapping) and item and all(str(k).isdecimal() for k in item):
            yield from _items(item)
            continue
        yield str(index), item


_Build = Callable[[str, Any, str, WebhookAccount], WebhookEvent]


def _plain(event: Any, model: type[BaseModel]) -> _Build:
    def build(action: str, item: Any, key: str, account: WebhookAccount) -> WebhookEvent:
        result: WebhookEvent = event(action=action, data=_model(model, item, key), account=account)
        return result

    return build


def _note(parent: str) -> _Build:
    def build(action: str, item: Any, key: str, account: WebhookAccount) -> WebhookEvent:
        if not isinstance(item, Mapping):
            raise WebhookParseError("expected an object of fields", key=key)
        inner = item.get("note")
        fields = {k: v for k, v in item.items() if k != "note"}
        if isinstance(inner, Mapping):
            fields.update(inner)
            key += "[note]"
        data: NoteData = _model(NoteData, fields, key)
        owner = "companies" if parent == "contacts" and data.element_type == 3 else parent
        return NoteEvent(action="note", data=data, parent_type=owner, account=account)

    return build


def _contact(action: str, item: Any, key: str, account: WebhookAccount) -> WebhookEvent:
    if isinstance(item, Mapping) and item.get("type") == "company":
        return CompanyEvent(action=action, data=_model(CompanyData, item, key), account=account)
    return ContactEvent(action=action, data=_model(ContactData, item, key), account=account)


def _unsorted(action: str, item: Any, key: str, account: WebhookAccount) -> WebhookEvent:
    data: UnsortedData = _model(UnsortedData, item, key)
    if action == "delete" and data.action in ("accept", "decline"):
        action = data.action
    return UnsortedEvent(action=action, data=data, account=account)


_NOTE_PARENTS = frozenset({"leads", "contacts", "companies", "customers"})

_FAMILIES: dict[str, _Build] = {
    "leads": _plain(LeadEvent, LeadData),
    "contacts": _contact,
    "companies": _plain(CompanyEvent, CompanyData),
    "customers": _plain(CustomerEvent, CustomerData),
    "task": _plain(TaskEvent, TaskData),
    "tasks": _plain(TaskEvent, TaskData),
    "unsorted": _unsorted,
    "talk": _plain(TalkEvent, TalkData),
    "talks": _plain(TalkEvent, TalkData),
    "message": _plain(MessageEvent, MessageData),
    "messages": _plain(MessageEvent, MessageData),
}


def build_payload(data: Mapping[str, Any]) -> WebhookPayload:
    """Type decoded webhook data (see :func:`decode_webhook`)."""
    raw_account = data.get("account")
    account: WebhookAccount = (
        _model(WebhookAccount, raw_account, "account")
        if isinstance(raw_account, Mapping)
        else WebhookAccount()
    )
    events: list[WebhookEvent] = []
    unknown: dict[str, Any] = {}
    if raw_account is not None and not isinstance(raw_account, Mapping):
        unknown["account"] = raw_account
    for root, actions in data.items():
        if root == "account":
            continue
        build = _FAMILIES.get(root)
        if build is None or not isinstance(actions, Mapping):
            unknown[root] = actions
            continue
        for action, entries in actions.items():
            family = _note(root) if action == "note" and root in _NOTE_PARENTS else build
            for index, item in _items(entries):
                events.append(family(str(action), item, f"{root}[{action}][{index}]", account))
    return WebhookPayload(account=account, events=events, unknown=unknown)


def parse_webhook(
    body: WebhookBody, content_type: str | None = None, *, limits: WebhookLimits = DEFAULT_LIMITS
) -> WebhookPayload:
    """Parse an amoCRM webhook into its account and typed events.

    ``body`` is the raw body (bytes or text: form-urlencoded, or JSON when ``content_type``
    says so or the body is an object), or a mapping: a framework's parsed form (flat bracket
    keys, repeated keys kept) or already nested data. Raises
    :class:`~amocrm_async.webhooks.WebhookParseError`, and nothing else, for any body that
    is malformed or over ``limits``.
    """
    return build_payload(decode_webhook(body, content_type, limits=limits))


# --------------------------------------------------------------------------- encoding

_NOTE_ROOTS = {"companies": "contacts"}


def _dump(data: BaseModel) -> dict[str, Any]:
    dumped: dict[str, Any] = data.model_dump(by_alias=True, exclude_none=True)
    return dumped


def _wire(event: WebhookEvent) -> tuple[str, str, dict[str, Any]]:
    """Where amoCRM puts an event: ``(top-level key, action key, fields)``."""
    item = _dump(event.data)
    if isinstance(event, NoteEvent):
        return _NOTE_ROOTS.get(event.parent_type, event.parent_type), "note", {"note": item}
    if isinstance(event, ContactEvent | CompanyEvent):
        item.setdefault("type", "company" if isinstance(event, CompanyEvent) else "contact")
        return "contacts", event.action, item
    if isinstance(event, UnsortedEvent):
        if event.action in ("accept", "decline"):
            item.pop("action", None)
            return "unsorted", "delete", {"action": event.action, **item}
        return "unsorted", event.action, item
    roots = {"tasks": "task", "talks": "talk", "messages": "message"}
    return roots.get(event.entity_type, event.entity_type), event.action, item


def webhook_wire_data(
    events: Iterable[WebhookEvent],
    *,
    account: WebhookAccount | Mapping[str, Any] | None = None,
    unknown: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The nested data amoCRM would post for these events (what ``$_POST`` shows)."""
    out: dict[str, Any] = {}
    first_account: WebhookAccount | None = None
    for event in events:
        root, action, item = _wire(event)
        out.setdefault(root, {}).setdefault(action, []).append(item)
        first_account = first_account or event.account
    out.update(unknown or {})
    chosen = account if account is not None else first_account
    if isinstance(chosen, BaseModel):
        chosen = _dump(chosen)
    if chosen:
        out["account"] = dict(chosen)
    return out


def encode_webhook_form(
    source: WebhookPayload | Iterable[WebhookEvent] | Mapping[str, Any],
    *,
    account: WebhookAccount | Mapping[str, Any] | None = None,
) -> str:
    """The ``application/x-www-form-urlencoded`` body amoCRM posts for these events.

    ``source`` is a :class:`WebhookPayload`, events (with ``account=`` or each event's own
    account), or nested data such as ``{"leads": {"add": [{"id": 1}]}, "account": {...}}``.
    Events of one entity and action share a list, in order; ``account[...]`` comes last, as
    amoCRM sends it. ``parse_webhook(encode_webhook_form(p))`` gives ``p`` back.
    """
    if isinstance(source, WebhookPayload):
        data = webhook_wire_data(
            source.events,
            account=account if account is not None else source.account,
            unknown=source.unknown,
        )
    elif isinstance(source, Mapping):
        data = dict(source)
        if account is not None:
            data["account"] = _dump(account) if isinstance(account, BaseModel) else dict(account)
    else:
        data = webhook_wire_data(source, account=account)
    return form_body(encode_pairs(data))
