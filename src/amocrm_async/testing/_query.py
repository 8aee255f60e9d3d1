"""PHP-style bracket query strings: ``filter[id][0]=1&filter[id][]=2`` → nested dicts.

amoCRM's backend is PHP, so query strings follow ``parse_str`` semantics: every ``[key]`` opens
a nested map, ``[]`` appends with the next integer key, and a later scalar overwrites an earlier
container (and vice versa). Containers are plain ``dict[str, Any]`` with string keys, in
insertion order; :func:`as_list` turns one into the list of its values.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, urlencode

__all__ = ["as_list", "is_range", "parse_query", "replace_params"]

_SEGMENT = re.compile(r"\[([^\[\]]*)\]")


def parse_query(query: str) -> dict[str, Any]:
    """Parse a raw (percent-encoded) query string the way PHP's ``parse_str`` does."""
    result: dict[str, Any] = {}
    if not query:
        return result
    for key, value in parse_qsl(query, keep_blank_values=True):
        _insert(result, key, value)
    return result


def _split_key(key: str) -> list[str]:
    bracket = key.find("[")
    if bracket <= 0:
        return [key]
    segments = [key[:bracket]]
    pos = bracket
    while pos < len(key):
        match = _SEGMENT.match(key, pos)
        if match is None:
            break  # PHP ignores whatever follows the last well-formed group
        segments.append(match.group(1))
        pos = match.end()
    return segments


def _next_index(container: dict[str, Any]) -> str:
    highest = -1
    for existing in container:
        if existing.isdigit() or (existing.startswith("-") and existing[1:].isdigit()):
            highest = max(highest, int(existing))
    return str(highest + 1)


def _insert(root: dict[str, Any], key: str, value: str) -> None:
    segments = _split_key(key)
    node = root
    for position, segment in enumerate(segments):
        name = segment if segment or position == 0 else _next_index(node)
        if position == len(segments) - 1:
            node[name] = value
            return
        child = node.get(name)
        if not isinstance(child, dict):
            child = {}
            node[name] = child
        node = child


def as_list(value: Any) -> list[Any]:
    """Values of a bracket container in order; a scalar becomes a one-item list."""
    if value is None:
        return []
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return value
    return [value]


def is_range(value: Any) -> bool:
    """True for ``{from: ..., to: ...}`` style containers (either key suffices)."""
    return isinstance(value, dict) and ("from" in value or "to" in value)


def replace_params(query: str, **params: object) -> str:
    """Return ``query`` with the given top-level parameters replaced (others kept in order)."""
    pairs = [(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if k not in params]
    pairs.extend((k, str(v)) for k, v in params.items())
    return urlencode(pairs)
