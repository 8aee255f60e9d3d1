"""``SourcesFilter``: ``filter[external_id]`` is a scalar for one id (as PHP sends it) and an
indexed list for several; nothing that would list every source by accident."""

from __future__ import annotations

import pytest

from amocrm_async.filters import SourcesFilter

CASES: list[tuple[str, dict[str, object], str]] = [
    ("none", {}, ""),
    ("one", {"external_ids": "site"}, "filter%5Bexternal_id%5D=site"),
    ("one in a list", {"external_ids": ["site"]}, "filter%5Bexternal_id%5D=site"),
    (
        "several",
        {"external_ids": ("a", "b")},
        "filter%5Bexternal_id%5D%5B0%5D=a&filter%5Bexternal_id%5D%5B1%5D=b",
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_sources_filter_encoding(name: str, kwargs: dict[str, object], expected: str) -> None:
    assert SourcesFilter(**kwargs).to_query_string() == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "error", "match"),
    [
        ([], ValueError, "at least one"),
        ([""], ValueError, "non-empty"),
        (["a", 3], ValueError, "at 1"),
        (7, TypeError, "external_ids"),
    ],
)
def test_sources_filter_refuses_bad_ids(value: object, error: type[Exception], match: str) -> None:
    with pytest.raises(error, match=match):
        SourcesFilter(external_ids=value)  # type: ignore[arg-type]
