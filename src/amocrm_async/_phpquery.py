"""Query-string encoding that reproduces PHP's ``http_build_query(..., PHP_QUERY_RFC3986)``.

The official PHP library hands its filter arrays to Guzzle, which encodes them with
``http_build_query($query, '', '&', PHP_QUERY_RFC3986)``. amoCRM's own server is PHP, so
matching that output byte for byte is the least surprising thing we can send, and it lets
tests compare our requests with the PHP library's literally.

Rules reproduced here:

* keys and values are ``rawurlencode``-d: only ``A-Z a-z 0-9 - _ . ~`` stay as they are,
  every other UTF-8 byte becomes ``%XX`` with upper-case hex (space is ``%20``, brackets are
  ``%5B``/``%5D``);
* nested mappings and sequences become bracketed keys, ``a[k]`` for a mapping key and
  ``a[0]``, ``a[1]`` for sequence positions; a mapping with integer keys is how a PHP array
  with "holes" (original indices kept) is expressed;
* ``True``/``False`` become ``1``/``0``, ``None`` is skipped, an empty mapping or sequence
  produces nothing at all;
* ``int`` is written in decimal; ``float`` is written the way PHP casts a float to a string
  with the default ``precision=14`` ini setting (see :func:`php_float_to_str`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeAlias
from urllib.parse import quote

__all__ = [
    "PhpMapping",
    "PhpScalar",
    "PhpValue",
    "encode_query",
    "flatten_query",
    "http_build_query",
    "php_float_to_str",
    "php_scalar_to_str",
    "rawurlencode",
]

PhpScalar: TypeAlias = str | int | float | bool | None
PhpValue: TypeAlias = "str | int | float | bool | PhpMapping | Sequence[PhpValue] | None"
PhpMapping: TypeAlias = (
    "Mapping[str, PhpValue] | Mapping[int, PhpValue] | Mapping[str | int, PhpValue]"
)
"""Mapping keys are invariant, so ``{5: "v"}`` and ``{"a": 1}`` each need their own arm."""

_PHP_PRECISION = 14


def rawurlencode(text: str) -> str:
    """Percent-encode ``text`` like PHP's ``rawurlencode`` (RFC 3986 unreserved set kept)."""
    return quote(text, safe="", encoding="utf-8", errors="strict")


def encode_query(pairs: Iterable[tuple[str, str]]) -> str:
    """Join already-flattened ``(key, value)`` pairs into a PHP RFC 3986 query string.

    Keys are encoded whole, so ``filter[id][0]`` becomes ``filter%5Bid%5D%5B0%5D``, which is
    exactly what PHP emits when it assembles the bracketed key from its parts.
    """
    return "&".join(f"{rawurlencode(key)}={rawurlencode(value)}" for key, value in pairs)


def php_float_to_str(value: float) -> str:
    """Format ``value`` the way PHP's ``(string)$float`` does with ``precision=14``.

    PHP rounds to 14 significant digits, drops trailing zeros, switches to ``1.5E+20``-style
    exponent notation when the decimal exponent is above 14 or below -4 (always keeping one
    fractional digit, hence ``1.0E+15``), and prints integral values without a fraction
    (``2.0`` -> ``2``). Non-finite values print as ``INF``, ``-INF`` and ``NAN``.
    """
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    sign = "-" if value < 0 else ""
    mantissa, exponent = f"{abs(value):.{_PHP_PRECISION - 1}e}".split("e")
    digits = mantissa.replace(".", "").rstrip("0")
    point = int(exponent) + 1
    if (point < -3) if point < 0 else (point > _PHP_PRECISION):
        exp = point - 1
        exp_sign = "-" if exp < 0 else "+"
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{exp_sign}{abs(exp)}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    whole = digits[:point].ljust(point, "0")
    fraction = digits[point:]
    return f"{sign}{whole}.{fraction}" if fraction else f"{sign}{whole}"


def php_scalar_to_str(value: str | int | float | bool) -> str:
    """Render a scalar the way ``http_build_query`` writes it (before percent-encoding)."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return int.__repr__(value)  # an IntEnum member as its number
    if isinstance(value, float):
        return php_float_to_str(value)
    if isinstance(value, str):
        return str.__str__(value)  # a StrEnum member as its value
    raise TypeError(f"cannot encode {type(value).__name__} in a query string")


def _walk(prefix: str, value: object, out: list[tuple[str, str]]) -> None:
    if value is None:
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            _walk(f"{prefix}[{_key_to_str(key)}]", item, out)
        return
    if isinstance(value, Sequence) and not isinstance(value, str | bytes | bytearray):
        for index, item in enumerate(value):
            _walk(f"{prefix}[{index}]", item, out)
        return
    if isinstance(value, str | int | float):
        out.append((prefix, php_scalar_to_str(value)))
        return
    raise TypeError(f"cannot encode {type(value).__name__} at {prefix!r} in a query string")


def _key_to_str(key: object) -> str:
    if isinstance(key, bool):
        return "1" if key else "0"
    if isinstance(key, str | int):
        return str(key)
    raise TypeError(f"query keys must be str or int, not {type(key).__name__}")


def flatten_query(data: Mapping[str, PhpValue]) -> list[tuple[str, str]]:
    """Flatten a nested structure into unencoded PHP bracket pairs, in insertion order.

    ``{"filter": {"id": [1, 2]}, "query": "x"}`` gives
    ``[("filter[id][0]", "1"), ("filter[id][1]", "2"), ("query", "x")]``. Sets and other
    unordered or unknown types raise :class:`TypeError` because PHP has no equivalent order.
    """
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        _walk(_key_to_str(key), value, out)
    return out


def http_build_query(data: Mapping[str, PhpValue]) -> str:
    """``flatten_query`` followed by ``encode_query``: the full PHP-equivalent string."""
    return encode_query(flatten_query(data))
