"""``DriveFilesFilter``: PHP ``FilesFilter::buildFilter()`` key order and shapes, byte for byte
(``uuid`` comma-joined, lists indexed, ``deleted`` only when true), plus the drive's ``-1``/``0``
actors, which the API documents and PHP would drop."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amocrm_async.filters import DateCondition, DriveFilesFilter, Range, SizeCondition

A = "6cbab3d5-c4c1-46ff-b710-ad59ad10805f"
B = "0bbd2f5b-6b4f-4b0d-9d35-4e1c8a3a2f10"


def test_every_key_in_php_order() -> None:
    flt = DriveFilesFilter(
        uuid=[A, B],
        name="report.pdf",
        extensions=["pdf", "png"],
        term="rep",
        source_id=3,
        deleted=True,
        size=SizeCondition(Range(10, 20), unit=1024),
        date=DateCondition(
            Range(datetime(2026, 1, 1, tzinfo=UTC), 1_800_000_000),
            type="created_at",
            preset="week",
        ),
        created_by=[-1, 0, 7],
        updated_by=5,
    )
    assert flt.to_query(page=2, limit=50) == [
        ("filter[uuid]", f"{A},{B}"),
        ("filter[name]", "report.pdf"),
        ("filter[extensions][0]", "pdf"),
        ("filter[extensions][1]", "png"),
        ("filter[term]", "rep"),
        ("filter[source_id]", "3"),
        ("filter[deleted]", "1"),
        ("filter[size][from]", "10"),
        ("filter[size][to]", "20"),
        ("filter[size][unit]", "1024"),
        ("filter[date][from]", "1767225600"),
        ("filter[date][to]", "1800000000"),
        ("filter[date][type]", "created_at"),
        ("filter[date][date_preset]", "week"),
        ("filter[created_by][0]", "-1"),
        ("filter[created_by][1]", "0"),
        ("filter[created_by][2]", "7"),
        ("filter[updated_by][0]", "5"),
        ("limit", "50"),
        ("page", "2"),
    ]


def test_parts_on_their_own() -> None:
    assert DriveFilesFilter(uuid=A).to_query() == [("filter[uuid]", A)]
    assert DriveFilesFilter(size=SizeCondition(unit=1)).to_query() == [("filter[size][unit]", "1")]
    assert DriveFilesFilter(date=DateCondition(preset="day")).to_query() == [
        ("filter[date][date_preset]", "day")
    ]
    assert DriveFilesFilter().to_query() == []


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"deleted": False}, ValueError, "deleted"),
        ({"name": ""}, ValueError, "name"),
        ({"term": 5}, ValueError, "term"),
        ({"source_id": 0}, ValueError, "source_id"),
        ({"created_by": [-2]}, ValueError, "created_by"),
        ({"updated_by": [True]}, ValueError, "updated_by"),
        ({"created_by": "1"}, TypeError, "created_by"),
        ({"size": Range(1, 2)}, TypeError, "SizeCondition"),
        ({"size": SizeCondition(unit=0)}, ValueError, "unit"),
        ({"size": SizeCondition()}, ValueError, "size"),
        ({"date": (1, 2)}, TypeError, "DateCondition"),
        ({"date": DateCondition(type="")}, ValueError, "type"),
        ({"uuid": "a,b"}, ValueError, "uuid"),
    ],
)
def test_bad_values_fail_in_the_constructor(
    kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        DriveFilesFilter(**kwargs)  # type: ignore[arg-type]
