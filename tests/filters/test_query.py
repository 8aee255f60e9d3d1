"""``_query`` reproduces PHP's ``http_build_query(..., PHP_QUERY_RFC3986)`` and float casts.

Expected values are PHP's documented output (``rawurlencode`` keeps only
``A-Za-z0-9-_.~``; ``(string)$float`` uses ``precision=14``), written out by hand.
"""

from __future__ import annotations

import math

import pytest

from amocrm_async._phpquery import PhpValue, php_float_to_str, rawurlencode
from amocrm_async.filters import encode_query, flatten_query, http_build_query


@pytest.mark.parametrize(
    ("raw", "encoded"),
    [
        ("AZaz09-_.~", "AZaz09-_.~"),
        ("a b", "a%20b"),
        ("[]", "%5B%5D"),
        ("+&=/?#%", "%2B%26%3D%2F%3F%23%25"),
        ("*'()!@$,;:", "%2A%27%28%29%21%40%24%2C%3B%3A"),
        ("é", "%C3%A9"),
        ("Я", "%D0%AF"),
        ("😀", "%F0%9F%98%80"),
        ("", ""),
    ],
)
def test_rawurlencode(raw: str, encoded: str) -> None:
    assert rawurlencode(raw) == encoded


def test_encode_query_joins_pairs_and_encodes_keys_whole() -> None:
    assert encode_query([("filter[id][0]", "1"), ("query", "a b"), ("x", "")]) == (
        "filter%5Bid%5D%5B0%5D=1&query=a%20b&x="
    )
    assert encode_query([]) == ""


def test_flatten_follows_http_build_query() -> None:
    # http_build_query(['a' => ['x' => [1, null, true, false], 'e' => []], 'b' => null,
    #                   'c' => [5 => 'v', 2 => 'w'], 'd' => 1.5], '', '&', PHP_QUERY_RFC3986)
    data: dict[str, PhpValue] = {
        "a": {"x": (1, None, True, False), "e": []},
        "b": None,
        "c": {5: "v", 2: "w"},
        "d": 1.5,
    }
    assert flatten_query(data) == [
        ("a[x][0]", "1"),
        ("a[x][2]", "1"),
        ("a[x][3]", "0"),
        ("c[5]", "v"),
        ("c[2]", "w"),
        ("d", "1.5"),
    ]
    assert http_build_query(data) == (
        "a%5Bx%5D%5B0%5D=1&a%5Bx%5D%5B2%5D=1&a%5Bx%5D%5B3%5D=0&c%5B5%5D=v&c%5B2%5D=w&d=1.5"
    )


def test_flatten_rejects_types_php_has_no_order_for() -> None:
    with pytest.raises(TypeError, match=r"'a\[0\]'"):
        flatten_query({"a": [{1, 2}]})  # type: ignore[list-item]
    with pytest.raises(TypeError, match="bytes"):
        flatten_query({"a": b"x"})
    with pytest.raises(TypeError, match="keys"):
        flatten_query({"a": {1.5: "x"}})  # type: ignore[dict-item]


@pytest.mark.parametrize(
    ("value", "php"),
    [
        (0.1 + 0.2, "0.3"),
        (2.0, "2"),
        (-1.5, "-1.5"),
        (1 / 3, "0.33333333333333"),
        (1e13, "10000000000000"),
        (1e14, "1.0E+14"),  # php-src bug77608.phpt: 1E+14 -> 1.0E%2B14
        (1e15, "1.0E+15"),
        (123456789012345678.0, "1.2345678901235E+17"),
        (99999999999999.99, "1.0E+14"),
        (0.0001, "0.0001"),
        (0.00001, "1.0E-5"),
        (1.5e-7, "1.5E-7"),
        (0.0, "0"),
        (-0.0, "-0"),
        (math.inf, "INF"),
        (-math.inf, "-INF"),
        (math.nan, "NAN"),
    ],
)
def test_php_float_to_str(value: float, php: str) -> None:
    assert php_float_to_str(value) == php


def test_float_plus_sign_is_encoded() -> None:
    # php-src ext/standard/tests/http/http_build_query/bug77608.phpt (RFC 3986 variant)
    assert http_build_query({"x": 1e14, "y": "1E+14"}) == "x=1.0E%2B14&y=1E%2B14"
