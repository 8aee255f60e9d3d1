"""``TransactionsFilter``: ``filter[id]`` as the API documents it (PHP has no such filter).

Expected strings are written by hand; paging follows the filter, ``limit`` then ``page``.
"""

from __future__ import annotations

import pytest

from amocrm_async.filters import BaseFilter, TransactionsFilter

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, "limit=250&page=1"),
    ("one id", {"ids": 54000001}, "filter%5Bid%5D%5B0%5D=54000001&limit=250&page=1"),
    (
        "several ids",
        {"ids": [1, 2, 3]},
        "filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2&filter%5Bid%5D%5B2%5D=3&limit=250&page=1",
    ),
    (
        "negative id dropped, indices kept",
        {"ids": [-5, 8]},
        "filter%5Bid%5D%5B1%5D=8&limit=250&page=1",
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), [pytest.param(k, e, id=n) for n, k, e in CASES])
def test_query_string(kwargs: dict[str, object], expected: str) -> None:
    assert TransactionsFilter(**kwargs).to_query_string(limit=250, page=1) == expected  # type: ignore[arg-type]


def test_pairs_and_no_paging_unless_asked() -> None:
    assert TransactionsFilter(ids=[4]).to_query() == [("filter[id][0]", "4")]
    assert issubclass(TransactionsFilter, BaseFilter)
    assert not TransactionsFilter.SORTABLE_FIELDS


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param({"ids": [-1]}, ValueError, "selects nothing", id="only-negative"),
        pytest.param({"ids": "1"}, TypeError, r"^ids:", id="str"),
        pytest.param({"ids": [True]}, TypeError, r"^ids:", id="bool"),
        pytest.param({"order": "id"}, TypeError, "order", id="no-order"),
        pytest.param({"customer_ids": [1]}, TypeError, "customer_ids", id="unknown"),
    ],
)
def test_invalid_input(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        TransactionsFilter(**kwargs)  # type: ignore[arg-type]
