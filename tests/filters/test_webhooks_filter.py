"""``WebhooksFilter``: what PHP's ``WebhooksFilter::buildFilter()`` sends, ``filter[destination]``
and nothing else (the list is not paged). Expected strings are written by hand."""

from __future__ import annotations

import pytest

from amocrm_async.filters import WebhooksFilter

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, ""),
    (
        "destination",
        {"destination": "https://hooks.example/amo"},
        "filter%5Bdestination%5D=https%3A%2F%2Fhooks.example%2Famo",
    ),
    (
        "query string and port kept, encoded",
        {"destination": "http://127.0.0.1:8080/hook?t=a b&x=1"},
        "filter%5Bdestination%5D=http%3A%2F%2F127.0.0.1%3A8080%2Fhook%3Ft%3Da%20b%26x%3D1",
    ),
    (
        "Cyrillic path",
        {"destination": "https://hooks.example/хук"},
        "filter%5Bdestination%5D=https%3A%2F%2Fhooks.example%2F%D1%85%D1%83%D0%BA",
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_encoding(name: str, kwargs: dict[str, object], expected: str) -> None:
    assert WebhooksFilter(**kwargs).to_query_string() == expected  # type: ignore[arg-type]


def test_pairs() -> None:
    pairs = WebhooksFilter(destination="https://h.example/x").to_query()
    assert pairs == [("filter[destination]", "https://h.example/x")]


@pytest.mark.parametrize(
    ("value", "error"),
    [
        ("", ValueError),
        ("hooks.example/x", ValueError),
        (" https://h.example", ValueError),
        (5, TypeError),
    ],
)
def test_bad_destination_names_the_field(value: object, error: type[Exception]) -> None:
    with pytest.raises(error, match="destination"):
        WebhooksFilter(destination=value)  # type: ignore[arg-type]
