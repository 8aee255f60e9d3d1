"""``EventsFilter``: PHP's comma-joined lists, byte for byte.

``EventsFilter::buildFilter()`` (amocrm-api-php) sends ``id``, ``type``, ``entity`` and
``entity_id`` as ``implode(',', …)``, ``value_after``/``value_before`` as the nested arrays
given, ``created_by`` through ``parseArrayOrNumberFilter`` (an indexed list) and ``created_at``
through ``parseIntOrIntRangeFilter``, in that order, then ``limit`` and ``page``. Expected
strings are written by hand; ``%2C`` is PHP's ``rawurlencode(',')``.
"""

from __future__ import annotations

import pytest

from amocrm_async.filters import EventsFilter, Range
from amocrm_async.models import EventType

TAIL = "limit=100&page=1"

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    (
        "types comma-joined",
        {"types": ["lead_added", "lead_deleted"]},
        "filter%5Btype%5D=lead_added%2Clead_deleted&" + TAIL,
    ),
    (
        "one type",
        {"types": EventType.LEAD_STATUS_CHANGED},
        "filter%5Btype%5D=lead_status_changed&" + TAIL,
    ),
    (
        "ids comma-joined",
        {"ids": ["01drbfj5a8k9zd60bgg907a6w9", "01drbfj5a8k9zd60bgg907a6w3"]},
        "filter%5Bid%5D=01drbfj5a8k9zd60bgg907a6w9%2C01drbfj5a8k9zd60bgg907a6w3&" + TAIL,
    ),
    (
        "entity with entity ids, both comma-joined",
        {"entities": ["lead", "contact"], "entity_ids": [1, 2, 3]},
        "filter%5Bentity%5D=lead%2Ccontact&filter%5Bentity_id%5D=1%2C2%2C3&" + TAIL,
    ),
    (
        "created_by is an indexed list",
        {"created_by": [5, 6]},
        "filter%5Bcreated_by%5D%5B0%5D=5&filter%5Bcreated_by%5D%5B1%5D=6&" + TAIL,
    ),
    (
        "created_at since",
        {"created_at": 1_573_102_261},
        "filter%5Bcreated_at%5D=1573102261&" + TAIL,
    ),
    (
        "created_at range",
        {"created_at": Range(1_573_102_261, 1_573_142_261)},
        "filter%5Bcreated_at%5D%5Bfrom%5D=1573102261&filter%5Bcreated_at%5D%5Bto%5D=1573142261&"
        + TAIL,
    ),
    (
        "value_after nested, as given",
        {
            "types": ["lead_status_changed"],
            "value_after": {"leads_statuses": [{"pipeline_id": 7, "status_id": 142}]},
        },
        "filter%5Btype%5D=lead_status_changed"
        "&filter%5Bvalue_after%5D%5Bleads_statuses%5D%5B0%5D%5Bpipeline_id%5D=7"
        "&filter%5Bvalue_after%5D%5Bleads_statuses%5D%5B0%5D%5Bstatus_id%5D=142&" + TAIL,
    ),
    (
        "everything, in PHP order",
        {
            "entity_ids": [9],
            "created_at": 10,
            "created_by": 4,
            "value_before": {"responsible_user_id": 3},
            "value_after": {"responsible_user_id": 8},
            "entities": "lead",
            "types": ["entity_responsible_changed"],
            "ids": "e1",
        },
        "filter%5Bid%5D=e1&filter%5Btype%5D=entity_responsible_changed&filter%5Bentity%5D=lead"
        "&filter%5Bvalue_after%5D%5Bresponsible_user_id%5D=8"
        "&filter%5Bvalue_before%5D%5Bresponsible_user_id%5D=3"
        "&filter%5Bcreated_by%5D%5B0%5D=4&filter%5Bcreated_at%5D=10&filter%5Bentity_id%5D=9&"
        + TAIL,
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_events_filter_encoding(name: str, kwargs: dict[str, object], expected: str) -> None:
    assert EventsFilter(**kwargs).to_query_string(page=1, limit=100) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"types": []}, ValueError, "selects nothing"),
        ({"types": ["a,b"]}, ValueError, "comma"),
        ({"types": [""]}, ValueError, "comma-joined"),
        ({"types": [1]}, TypeError, "str"),
        ({"entity_ids": [1]}, ValueError, "entities"),
        ({"entities": "lead", "entity_ids": [0]}, ValueError, "positive"),
        ({"value_after": {"responsible_user_id": 1}}, ValueError, "types"),
        ({"types": "lead_added", "value_after": [1]}, TypeError, "mapping"),
        ({"types": b"lead_added"}, TypeError, "iterable of str"),
        ({"ids": 7}, TypeError, "iterable of str"),
        ({"entities": "lead", "entity_ids": ["1"]}, TypeError, "int items"),
        ({"entities": "lead", "entity_ids": "1"}, TypeError, "iterable of int"),
    ],
)
def test_bad_events_filters_raise(
    kwargs: dict[str, object], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        EventsFilter(**kwargs)  # type: ignore[arg-type]
