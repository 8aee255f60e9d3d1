"""``ContactsFilter`` and ``CompaniesFilter`` encode like the PHP library's filters of that name.

PHP's ``ContactsFilter::buildFilter()`` and ``CompaniesFilter::buildFilter()`` (amocrm-api-php
at 1354d8a) set the same keys in the same order: ``id``, ``name``, ``created_by``,
``updated_by``, ``responsible_user_id``, ``created_at``, ``updated_at``, ``closest_task_at``,
``custom_fields_values``, then ``query`` and ``order``, then ``limit`` and ``page``. The
setters are the traits ``LeadsFilter`` uses, so every case runs against both classes.
Expected strings are written out by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amocrm_async.filters import (
    CompaniesFilter,
    ContactsFilter,
    EntityFilter,
    LeadsFilter,
    Order,
    Range,
)

FILTERS = [
    pytest.param(ContactsFilter, id="contacts"),
    pytest.param(CompaniesFilter, id="companies"),
]
AnyEntityFilter = type[ContactsFilter] | type[CompaniesFilter]

TAIL = "limit=50&page=1"

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    ("single id", {"ids": 5}, "filter%5Bid%5D%5B0%5D=5&" + TAIL),
    (
        "negative id dropped, indices kept",
        {"ids": [-1, 7]},
        "filter%5Bid%5D%5B1%5D=7&" + TAIL,
    ),
    (
        "names, empty one dropped",
        {"names": ["Ромашка", ""]},
        "filter%5Bname%5D%5B0%5D=%D0%A0%D0%BE%D0%BC%D0%B0%D1%88%D0%BA%D0%B0&" + TAIL,
    ),
    (
        "people",
        {"created_by": [10, 20], "updated_by": 30, "responsible_user_ids": [40]},
        "filter%5Bcreated_by%5D%5B0%5D=10&filter%5Bcreated_by%5D%5B1%5D=20"
        "&filter%5Bupdated_by%5D%5B0%5D=30"
        "&filter%5Bresponsible_user_id%5D%5B0%5D=40&" + TAIL,
    ),
    (
        "dates: scalar, aware datetime, half-open range",
        {
            "created_at": 1700000000,
            "updated_at": datetime(2024, 1, 1, tzinfo=UTC),
            "closest_task_at": Range(to=1700300000),
        },
        "filter%5Bcreated_at%5D=1700000000"
        "&filter%5Bupdated_at%5D=1704067200"
        "&filter%5Bclosest_task_at%5D%5Bto%5D=1700300000&" + TAIL,
    ),
    (
        "custom fields",
        {"custom_fields_values": {5: Range(from_=1, to=2), 6: ["a", "b"]}},
        "filter%5Bcustom_fields_values%5D%5B5%5D%5Bfrom%5D=1"
        "&filter%5Bcustom_fields_values%5D%5B5%5D%5Bto%5D=2"
        "&filter%5Bcustom_fields_values%5D%5B6%5D%5B0%5D=a"
        "&filter%5Bcustom_fields_values%5D%5B6%5D%5B1%5D=b&" + TAIL,
    ),
    ("query phone", {"query": "+7 999"}, "query=%2B7%20999&" + TAIL),
    ("order field only", {"order": "updated_at"}, "order%5Bupdated_at%5D=asc&" + TAIL),
    ("order desc", {"order": Order("id", "desc")}, "order%5Bid%5D=desc&" + TAIL),
    (
        "everything, in buildFilter() order regardless of argument order",
        {
            "order": ("created_at", "desc"),
            "query": "Анна",
            "custom_fields_values": {5: True},
            "closest_task_at": Range(to=1700300000),
            "updated_at": 1700200000,
            "created_at": Range(from_=1700000000, to=1700100000),
            "responsible_user_ids": [40, 41],
            "updated_by": 30,
            "created_by": 20,
            "names": "Anna",
            "ids": 7,
        },
        "filter%5Bid%5D%5B0%5D=7"
        "&filter%5Bname%5D%5B0%5D=Anna"
        "&filter%5Bcreated_by%5D%5B0%5D=20"
        "&filter%5Bupdated_by%5D%5B0%5D=30"
        "&filter%5Bresponsible_user_id%5D%5B0%5D=40&filter%5Bresponsible_user_id%5D%5B1%5D=41"
        "&filter%5Bcreated_at%5D%5Bfrom%5D=1700000000&filter%5Bcreated_at%5D%5Bto%5D=1700100000"
        "&filter%5Bupdated_at%5D=1700200000"
        "&filter%5Bclosest_task_at%5D%5Bto%5D=1700300000"
        "&filter%5Bcustom_fields_values%5D%5B5%5D%5B0%5D=1"
        "&query=%D0%90%D0%BD%D0%BD%D0%B0"
        "&order%5Bcreated_at%5D=desc&" + TAIL,
    ),
]


@pytest.mark.parametrize("cls", FILTERS)
@pytest.mark.parametrize(
    ("kwargs", "expected"), [pytest.param(k, e, id=name) for name, k, e in CASES]
)
def test_matches_php_query_string(
    cls: AnyEntityFilter, kwargs: dict[str, object], expected: str
) -> None:
    assert cls(**kwargs).to_query_string(limit=50, page=1) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", FILTERS)
def test_to_query_pairs(cls: AnyEntityFilter) -> None:
    f = cls(query="acme", ids=[3], updated_at=Range(from_=1700000000))
    assert f.to_query(page=2) == [
        ("filter[id][0]", "3"),
        ("filter[updated_at][from]", "1700000000"),
        ("query", "acme"),
        ("page", "2"),
    ]


@pytest.mark.parametrize("cls", FILTERS)
def test_same_base_as_leads_and_same_sortable_fields(cls: AnyEntityFilter) -> None:
    assert issubclass(cls, EntityFilter)
    assert not issubclass(cls, LeadsFilter)
    assert frozenset({"created_at", "updated_at", "id"}) == cls.SORTABLE_FIELDS


@pytest.mark.parametrize("cls", FILTERS)
@pytest.mark.parametrize("leads_only", ["price", "closed_at", "statuses", "pipeline_ids"])
def test_leads_only_parameters_are_not_accepted(cls: AnyEntityFilter, leads_only: str) -> None:
    with pytest.raises(TypeError, match=leads_only):
        cls(**{leads_only: 1})  # type: ignore[arg-type]


@pytest.mark.parametrize("cls", FILTERS)
@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param({"order": "price"}, ValueError, r"^order: cannot sort by 'price'", id="order"),
        pytest.param({"order": ("id", "down")}, ValueError, r"^order: direction", id="direction"),
        pytest.param({"ids": "5"}, TypeError, r"^ids:", id="ids-str"),
        pytest.param({"names": [1]}, TypeError, r"^names:", id="names-int"),
        pytest.param({"updated_by": [True]}, TypeError, r"^updated_by:", id="updated_by-bool"),
        pytest.param(
            {"created_at": datetime(2024, 1, 1)},
            ValueError,
            r"^created_at: datetime must be timezone-aware",
            id="naive",
        ),
        pytest.param({"closest_task_at": "x"}, TypeError, r"^closest_task_at:", id="cta-str"),
        pytest.param(
            {"custom_fields_values": {0: 1}}, ValueError, r"^custom_fields_values:", id="cf-0"
        ),
        pytest.param({"query": 1.5}, TypeError, r"^query:", id="query-float"),
    ],
)
def test_invalid_input_raises_naming_the_parameter(
    cls: AnyEntityFilter, kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        cls(**kwargs)  # type: ignore[arg-type]
