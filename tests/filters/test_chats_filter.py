"""``ChatLinksFilter``: top-level ``contact_id`` then ``chat_id`` (PHP's order); one value is a
scalar as PHP sends it, several an indexed list."""

from __future__ import annotations

import pytest

from amocrm_async.filters import ChatLinksFilter

CASES: list[tuple[str, dict[str, object], str]] = [
    ("one contact", {"contact_ids": 3102959}, "contact_id=3102959"),
    (
        "one chat",
        {"chat_ids": "6cbab3d5-c4c1-46ff-b710-ad59ad10805f"},
        "chat_id=6cbab3d5-c4c1-46ff-b710-ad59ad10805f",
    ),
    ("both", {"chat_ids": "c", "contact_ids": [7]}, "contact_id=7&chat_id=c"),
    ("several contacts", {"contact_ids": [1, 2]}, "contact_id%5B0%5D=1&contact_id%5B1%5D=2"),
    ("several chats", {"chat_ids": ["a", "b"]}, "chat_id%5B0%5D=a&chat_id%5B1%5D=b"),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_chat_links_filter_encoding(name: str, kwargs: dict[str, object], expected: str) -> None:
    assert ChatLinksFilter(**kwargs).to_query_string() == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"contact_ids": [0]},
        {"contact_ids": ["1"]},
        {"contact_ids": "1"},
        {"chat_ids": [""]},
        {"chat_ids": []},
        {"chat_ids": 5},
    ],
)
def test_bad_chat_filters_raise(kwargs: dict[str, object]) -> None:
    with pytest.raises((ValueError, TypeError)):
        ChatLinksFilter(**kwargs)  # type: ignore[arg-type]
