"""``UnsortedFilter`` and ``UnsortedSummaryFilter``: PHP's key order, the API's sort fields.

Order is that of ``UnsortedFilter::buildFilter()`` (``uid``, ``category``, ``pipeline_id``,
``order``, then ``limit``, ``page``) and ``UnsortedSummaryFilter::buildFilter()``
(``created_at``, ``pipeline_id``). Expected strings are written by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amocrm_async.filters import Range, UnsortedFilter, UnsortedSummaryFilter
from amocrm_async.models import UnsortedCategory

TAIL = "limit=50&page=1"

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    ("uids", {"uids": ["a1", "b2"]}, "filter%5Buid%5D%5B0%5D=a1&filter%5Buid%5D%5B1%5D=b2&" + TAIL),
    ("one uid", {"uids": "a1"}, "filter%5Buid%5D%5B0%5D=a1&" + TAIL),
    (
        "one category is a list, as (array)$category",
        {"categories": "forms"},
        "filter%5Bcategory%5D%5B0%5D=forms&" + TAIL,
    ),
    (
        "categories, enum members",
        {"categories": [UnsortedCategory.SIP, UnsortedCategory.CHATS]},
        "filter%5Bcategory%5D%5B0%5D=sip&filter%5Bcategory%5D%5B1%5D=chats&" + TAIL,
    ),
    ("pipeline", {"pipeline_id": 3166396}, "filter%5Bpipeline_id%5D=3166396&" + TAIL),
    ("order created_at", {"order": ("created_at", "desc")}, "order%5Bcreated_at%5D=desc&" + TAIL),
    ("order updated_at (API)", {"order": "updated_at"}, "order%5Bupdated_at%5D=asc&" + TAIL),
    (
        "everything, in PHP order",
        {"order": ("created_at", "asc"), "pipeline_id": 5, "categories": ["mail"], "uids": ["u"]},
        "filter%5Buid%5D%5B0%5D=u&filter%5Bcategory%5D%5B0%5D=mail&filter%5Bpipeline_id%5D=5"
        "&order%5Bcreated_at%5D=asc&" + TAIL,
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_unsorted_filter_encoding(name: str, kwargs: dict[str, object], expected: str) -> None:
    assert UnsortedFilter(**kwargs).to_query_string(page=1, limit=50) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"categories": "whatsapp"}, ValueError),
        ({"categories": [""]}, ValueError),
        ({"categories": [5]}, TypeError),
        ({"pipeline_id": 0}, ValueError),
        ({"pipeline_id": "5"}, TypeError),
        ({"order": "id"}, ValueError),
        ({"uids": [""]}, ValueError),
        ({"uids": [1]}, TypeError),
    ],
)
def test_bad_unsorted_filters_raise(kwargs: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        UnsortedFilter(**kwargs)  # type: ignore[arg-type]


SUMMARY_CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, ""),
    ("since", {"created_at": 1_700_000_000}, "filter%5Bcreated_at%5D=1700000000"),
    (
        "range and pipeline",
        {"pipeline_id": 7, "created_at": Range(1_700_000_000, 1_700_086_400)},
        "filter%5Bcreated_at%5D%5Bfrom%5D=1700000000&filter%5Bcreated_at%5D%5Bto%5D=1700086400"
        "&filter%5Bpipeline_id%5D=7",
    ),
    (
        "aware datetime",
        {"created_at": datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)},
        "filter%5Bcreated_at%5D=1700000000",
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"), SUMMARY_CASES, ids=[c[0] for c in SUMMARY_CASES]
)
def test_summary_filter_encoding(name: str, kwargs: dict[str, object], expected: str) -> None:
    assert UnsortedSummaryFilter(**kwargs).to_query_string() == expected  # type: ignore[arg-type]
