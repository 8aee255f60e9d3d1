"""``NotesFilter``: PHP's key order and encoding, the API's sortable fields.

Key order is that of ``NotesFilter::buildFilter()`` in amocrm-api-php at 1354d8a: ``id``
(``parseArrayOrNumberFilter``: negatives dropped, indices kept), ``note_type`` (the list as
given), ``updated_at`` (``parseIntOrIntRangeFilter``), ``entity_id`` (the list as given),
``order``, then ``limit`` and ``page``; encoded by ``http_build_query(…, PHP_QUERY_RFC3986)``.
Expected strings are written by hand. Where the API documentation differs from PHP we follow
the API: ``order`` only by ``updated_at`` or ``id``; ``updated_at=0`` is sent (PHP's ``empty(0)``
drops it; to the API a single timestamp means "updated since", so the answer is the same);
``entity_ids`` must be positive (PHP sends a negative id as given).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amocrm_async.filters import BaseFilter, NotesFilter, Order, Range
from amocrm_async.models import NoteType

TAIL = "limit=50&page=1"

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    ("one id", {"ids": 5}, "filter%5Bid%5D%5B0%5D=5&" + TAIL),
    (
        "ids, negative dropped, indices kept",
        # ->setIds([-1, 7, 8])
        {"ids": [-1, 7, 8]},
        "filter%5Bid%5D%5B1%5D=7&filter%5Bid%5D%5B2%5D=8&" + TAIL,
    ),
    (
        "one note type",
        # ->setNoteTypes(['common'])
        {"note_types": "common"},
        "filter%5Bnote_type%5D%5B0%5D=common&" + TAIL,
    ),
    (
        "note types as enum members",
        {"note_types": [NoteType.CALL_IN, NoteType.CALL_OUT]},
        "filter%5Bnote_type%5D%5B0%5D=call_in&filter%5Bnote_type%5D%5B1%5D=call_out&" + TAIL,
    ),
    ("updated_at scalar", {"updated_at": 1700000000}, "filter%5Bupdated_at%5D=1700000000&" + TAIL),
    ("updated_at zero is sent", {"updated_at": 0}, "filter%5Bupdated_at%5D=0&" + TAIL),
    (
        "updated_at range of datetimes",
        {
            "updated_at": Range(
                from_=datetime(2024, 1, 1, tzinfo=UTC), to=datetime(2024, 1, 2, tzinfo=UTC)
            )
        },
        "filter%5Bupdated_at%5D%5Bfrom%5D=1704067200&filter%5Bupdated_at%5D%5Bto%5D=1704153600&"
        + TAIL,
    ),
    (
        "entity ids",
        # ->setEntityIds([8694432, 8694433])
        {"entity_ids": [8694432, 8694433]},
        "filter%5Bentity_id%5D%5B0%5D=8694432&filter%5Bentity_id%5D%5B1%5D=8694433&" + TAIL,
    ),
    (
        "order by updated_at",
        {"order": ("updated_at", "desc")},
        "order%5Bupdated_at%5D=desc&" + TAIL,
    ),
    ("order field only", {"order": "id"}, "order%5Bid%5D=asc&" + TAIL),
    (
        "everything, in buildFilter() order regardless of argument order",
        {
            "order": Order("id", "desc"),
            "entity_ids": 77,
            "updated_at": Range(from_=1700000000),
            "note_types": ["sms_in", "sms_out"],
            "ids": [1, 2],
        },
        "filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2"
        "&filter%5Bnote_type%5D%5B0%5D=sms_in&filter%5Bnote_type%5D%5B1%5D=sms_out"
        "&filter%5Bupdated_at%5D%5Bfrom%5D=1700000000"
        "&filter%5Bentity_id%5D%5B0%5D=77"
        "&order%5Bid%5D=desc&" + TAIL,
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"), [pytest.param(k, e, id=name) for name, k, e in CASES]
)
def test_query_string(kwargs: dict[str, object], expected: str) -> None:
    assert NotesFilter(**kwargs).to_query_string(limit=50, page=1) == expected  # type: ignore[arg-type]


def test_to_query_pairs() -> None:
    f = NotesFilter(note_types=[NoteType.GEOLOCATION], entity_ids=[3])
    assert f.to_query(limit=250) == [
        ("filter[note_type][0]", "geolocation"),
        ("filter[entity_id][0]", "3"),
        ("limit", "250"),
    ]
    assert isinstance(f, BaseFilter)
    assert frozenset({"updated_at", "id"}) == NotesFilter.SORTABLE_FIELDS


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param(
            {"note_types": ""}, ValueError, r"^note_types: an empty note type at 0", id="nt-empty"
        ),
        pytest.param(
            {"note_types": ["common", ""]},
            ValueError,
            r"^note_types: an empty note type at 1",
            id="nt-empty-1",
        ),
        pytest.param(
            {"note_types": [1]},
            TypeError,
            r"^note_types: expected str items, got int at 0",
            id="nt-int",
        ),
        pytest.param(
            {"note_types": 5},
            TypeError,
            r"^note_types: expected str or an iterable",
            id="nt-scalar",
        ),
        pytest.param({"note_types": {"a": 1}}, TypeError, r"^note_types:", id="nt-mapping"),
        pytest.param(
            {"note_types": []}, ValueError, r"note_types=\[\] selects nothing", id="nt-none"
        ),
        pytest.param(
            {"entity_ids": [5, -1]},
            ValueError,
            r"^entity_ids: ids must be >= 1, got -1 at 1",
            id="eid-neg",
        ),
        pytest.param({"entity_ids": "5"}, TypeError, r"^entity_ids:", id="eid-str"),
        pytest.param({"ids": [-1]}, ValueError, r"ids=\[-1\] selects nothing", id="ids-none-left"),
        pytest.param(
            {"updated_at": -5}, ValueError, r"updated_at=-5 selects nothing", id="upd-neg"
        ),
        pytest.param(
            {"updated_at": datetime(2024, 1, 1)},
            ValueError,
            r"^updated_at: datetime must be timezone-aware",
            id="upd-naive",
        ),
        pytest.param(
            {"order": "created_at"},
            ValueError,
            r"^order: cannot sort by 'created_at'; sortable fields: id, updated_at",
            id="order-created_at",
        ),
    ],
)
def test_invalid_input_raises_naming_the_parameter(
    kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        NotesFilter(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("unknown", ["query", "names", "entity_type", "created_at"])
def test_parameters_notes_do_not_have(unknown: str) -> None:
    with pytest.raises(TypeError, match=unknown):
        NotesFilter(**{unknown: 1})  # type: ignore[arg-type]
