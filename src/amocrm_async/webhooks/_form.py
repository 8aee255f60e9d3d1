"""PHP bracket keys (``leads[add][0][id]=1``) to nested data and back, with hard caps.

amoCRM posts webhooks the way PHP's ``http_build_query`` writes a nested array, and reads them
the way ``$_POST`` decodes one. This module does both directions, so the parser and the fake
amoCRM agree on one wire format:

* :func:`decode_pairs` builds nested dicts from ``(key, value)`` pairs: ``a[b][]`` appends,
  a later value for the same key wins and an empty name is dropped (as in PHP), and a
  container whose keys are exactly ``"0"…"n-1"`` becomes a list. Keys that are not bracket
  keys are kept as they are.
* :func:`encode_pairs` flattens nested mappings and lists back into pairs, in order.

Every limit (body size, number of fields, key depth, entries per container) fails with
:class:`WebhookParseError`, the only exception decoding raises.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ..errors import AmoCRMError

__all__ = [
    "DEFAULT_LIMITS",
    "WebhookLimits",
    "WebhookParseError",
    "check_nested",
    "decode_form",
    "decode_json",
    "decode_pairs",
    "encode_pairs",
    "form_body",
    "listify",
]

_KEY = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])+)$")
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
_INDEX = re.compile(r"^(?:0|[1-9][0-9]{0,8})$")
_SHOWN = 80


class WebhookParseError(AmoCRMError, ValueError):
    """The webhook body is not one amoCRM could have sent, or exceeds a limit.

    ``key`` names the offending field in bracket form (``leads[status][0][price]``) when one is
    to blame. Nothing of the body beyond that key is echoed.
    """

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(f"{_shown(key)}: {message}" if key else message)
        self.key = key


def _shown(key: str | None) -> str:
    text = key or ""
    return text if len(text) <= _SHOWN else text[:_SHOWN] + "..."


@dataclass(frozen=True, slots=True)
class WebhookLimits:
    """Caps applied before any model sees the body.

    A real webhook is a few kilobytes: a batch of events, each with a few dozen fields and
    custom fields nested ten levels deep at most (unsorted contacts' custom field values).
    """

    max_body_bytes: int = 1024 * 1024
    max_fields: int = 10_000
    max_depth: int = 16
    max_list_length: int = 1000

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_fields", "max_depth", "max_list_length"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer")


DEFAULT_LIMITS = WebhookLimits()


def _split_key(key: str) -> list[str]:
    """``leads[add][0][id]`` → ``["leads", "add", "0", "id"]``; other keys stay whole."""
    match = _KEY.match(key)
    if match is None:
        return [key]
    return [match.group(1), *_SEGMENT.findall(match.group(2))]


def _child(container: dict[str, Any], segment: str, key: str, limits: WebhookLimits) -> str:
    if segment == "":
        segment = str(max((int(name) + 1 for name in container if _INDEX.match(name)), default=0))
    if segment not in container and len(container) >= limits.max_list_length:
        raise WebhookParseError(
            f"more than {limits.max_list_length} entries in one list or object", key=key
        )
    return segment


def decode_pairs(
    pairs: Iterable[tuple[str, Any]], *, limits: WebhookLimits = DEFAULT_LIMITS
) -> dict[str, Any]:
    """Nest bracket-keyed pairs as PHP's ``$_POST`` would; see the module docstring."""
    root: dict[str, Any] = {}
    for count, (key, value) in enumerate(pairs, 1):
        if count > limits.max_fields:
            raise WebhookParseError(f"more than {limits.max_fields} fields")
        if not isinstance(key, str):
            raise WebhookParseError("field names must be strings")
        segments = _split_key(key)
        if not segments[0]:
            continue
        if len(segments) > limits.max_depth:
            raise WebhookParseError(f"nested deeper than {limits.max_depth} levels", key=key)
        node = root
        for segment in segments[:-1]:
            name = _child(node, segment, key, limits)
            nxt = node.get(name)
            if not isinstance(nxt, dict):
                nxt = node[name] = {}
            node = nxt
        node[_child(node, segments[-1], key, limits)] = value
    return {name: listify(value) for name, value in root.items()}


def listify(node: Any) -> Any:
    """Turn every object keyed exactly ``"0"…"n-1"`` into a list (PHP's sequential arrays)."""
    if not isinstance(node, dict):
        return node
    out = {name: listify(value) for name, value in node.items()}
    if out and all(_INDEX.match(name) for name in out):
        indices = sorted(int(name) for name in out)
        if indices == list(range(len(indices))):
            return [out[str(i)] for i in indices]
    return out


def _text(body: bytes | str, limits: WebhookLimits) -> str:
    size = len(body) if isinstance(body, bytes) else len(body.encode("utf-8", "surrogatepass"))
    if size > limits.max_body_bytes:
        raise WebhookParseError(f"the body is larger than {limits.max_body_bytes} bytes")
    if isinstance(body, str):
        return body
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise WebhookParseError("the body is not UTF-8 text") from None


def decode_form(body: bytes | str, *, limits: WebhookLimits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Decode an ``application/x-www-form-urlencoded`` body into nested data."""
    text = _text(body, limits)
    try:
        pairs = parse_qsl(
            text,
            keep_blank_values=True,
            strict_parsing=False,
            max_num_fields=limits.max_fields,
            errors="strict",
        )
    except UnicodeDecodeError:
        raise WebhookParseError("a percent-escape does not decode to UTF-8 text") from None
    except ValueError:
        raise WebhookParseError(f"more than {limits.max_fields} fields") from None
    return decode_pairs(pairs, limits=limits)


def check_nested(node: Any, limits: WebhookLimits, depth: int = 0) -> None:
    """Apply the depth and length caps to data that arrived already nested."""
    if depth > limits.max_depth:
        raise WebhookParseError(f"nested deeper than {limits.max_depth} levels")
    if isinstance(node, dict | list):
        if len(node) > limits.max_list_length:
            raise WebhookParseError(f"more than {limits.max_list_length} entries in one list")
        for child in node.values() if isinstance(node, dict) else node:
            check_nested(child, limits, depth + 1)


def _scan_depth(text: str, limits: WebhookLimits) -> None:
    """Refuse deep nesting before ``json.loads`` recurses into it (strings are skipped)."""
    depth = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limits.max_depth + 1:
                raise WebhookParseError(f"nested deeper than {limits.max_depth} levels")
        elif char in "]}":
            depth -= 1


def decode_json(body: bytes | str, *, limits: WebhookLimits = DEFAULT_LIMITS) -> Any:
    """Decode a JSON body within the same caps (depth is checked before it can recurse)."""
    text = _text(body, limits)
    _scan_depth(text, limits)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        raise WebhookParseError("the body is not valid JSON") from None
    check_nested(data, limits)
    return data


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def encode_pairs(data: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, str]]:
    """Flatten nested data into bracket-keyed pairs; ``None`` values are left out.

    Booleans are written ``1``/``0`` and numbers as decimal text, the way amoCRM writes them.
    """
    for name, value in data.items():
        key = f"{prefix}[{name}]" if prefix else str(name)
        yield from _encode_value(key, value)


def _encode_value(key: str, value: Any) -> Iterator[tuple[str, str]]:
    if value is None:
        return
    if isinstance(value, Mapping):
        yield from encode_pairs(value, key)
    elif isinstance(value, Sequence) and not isinstance(value, str | bytes):
        for index, item in enumerate(value):
            yield from _encode_value(f"{key}[{index}]", item)
    else:
        yield key, _scalar(value)


def form_body(pairs: Iterable[tuple[str, str]]) -> str:
    """The urlencoded body (``%5B``/``%5D`` brackets, ``+`` for spaces), as amoCRM posts it."""
    return urlencode(list(pairs))
