"""``CustomersFilter``: the contacts' keys in PHP's order, plus the customer's own three.

PHP's ``CustomersFilter::buildFilter()`` (amocrm-api-php at 1354d8a) sends ``id``, ``name``,
``created_by``, ``updated_by``, ``responsible_user_id``, ``created_at``, ``updated_at``,
``closest_task_at``, ``custom_fields_values``, ``query``, ``order``, then ``limit`` and
``page``; ``next_price``, ``next_date`` and ``status_id`` (PHP's "todo") follow ``name``.
Every expected string is written by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amocrm_async.filters import (
    ContactsFilter,
    CustomersFilter,
    EntityFilter,
    LeadsFilter,
    Order,
    Range,
)

TAIL = "limit=50&page=1"

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    ("single id", {"ids": 5}, "filter%5Bid%5D%5B0%5D=5&" + TAIL),
    ("negative id dropped, index kept", {"ids": [-1, 7]}, "filter%5Bid%5D%5B1%5D=7&" + TAIL),
    (
        "names",
        {"names": ["Кофейня", ""]},
        "filter%5Bname%5D%5B0%5D=%D0%9A%D0%BE%D1%84%D0%B5%D0%B9%D0%BD%D1%8F&" + TAIL,
    ),
    ("next_price exact", {"next_price": 1500}, "filter%5Bnext_price%5D=1500&" + TAIL),
    ("next_price zero", {"next_price": 0}, "filter%5Bnext_price%5D=0&" + TAIL),
    (
        "next_price range",
        {"next_price": Range(from_=1000, to=5000)},
        "filter%5Bnext_price%5D%5Bfrom%5D=1000&filter%5Bnext_price%5D%5Bto%5D=5000&" + TAIL,
    ),
    (
        "next_date aware datetime, half-open range",
        {"next_date": Range(from_=datetime(2024, 1, 1, tzinfo=UTC))},
        "filter%5Bnext_date%5D%5Bfrom%5D=1704067200&" + TAIL,
    ),
    ("next_date scalar", {"next_date": 1700000000}, "filter%5Bnext_date%5D=1700000000&" + TAIL),
    (
        "status ids",
        {"status_ids": [58000001, 58000002]},
        "filter%5Bstatus_id%5D%5B0%5D=58000001&filter%5Bstatus_id%5D%5B1%5D=58000002&" + TAIL,
    ),
    ("single status id", {"status_ids": 3}, "filter%5Bstatus_id%5D%5B0%5D=3&" + TAIL),
    (
        "custom field value and query",
        {"custom_fields_values": {11: "VIP"}, "query": "+7 999"},
        "filter%5Bcustom_fields_values%5D%5B11%5D%5B0%5D=VIP&query=%2B7%20999&" + TAIL,
    ),
    (
        "custom field date value as an aware datetime (unix seconds)",
        {"custom_fields_values": {12: datetime(2024, 1, 1, tzinfo=UTC)}},
        "filter%5Bcustom_fields_values%5D%5B12%5D%5B0%5D=1704067200&" + TAIL,
    ),
    ("order", {"order": Order("updated_at", "desc")}, "order%5Bupdated_at%5D=desc&" + TAIL),
    (
        "everything, in buildFilter() order regardless of argument order",
        {
            "order": ("id", "asc"),
            "query": "кофе",
            "custom_fields_values": {5: Range(from_=1)},
            "closest_task_at": Range(to=1700300000),
            "updated_at": 1700200000,
            "created_at": Range(from_=1700000000),
            "responsible_user_ids": [40],
            "updated_by": 30,
            "created_by": 20,
            "status_ids": [9],
            "next_date": Range(to=1800000000),
            "next_price": 100,
            "names": "Anna",
            "ids": [7],
        },
        "filter%5Bid%5D%5B0%5D=7"
        "&filter%5Bname%5D%5B0%5D=Anna"
        "&filter%5Bnext_price%5D=100"
        "&filter%5Bnext_date%5D%5Bto%5D=1800000000"
        "&filter%5Bstatus_id%5D%5B0%5D=9"
        "&filter%5Bcreated_by%5D%5B0%5D=20"
        "&filter%5Bupdated_by%5D%5B0%5D=30"
        "&filter%5Bresponsible_user_id%5D%5B0%5D=40"
        "&filter%5Bcreated_at%5D%5Bfrom%5D=1700000000"
        "&filter%5Bupdated_at%5D=1700200000"
        "&filter%5Bclosest_task_at%5D%5Bto%5D=1700300000"
        "&filter%5Bcustom_fields_values%5D%5B5%5D%5Bfrom%5D=1"
        "&query=%D0%BA%D0%BE%D1%84%D0%B5"
        "&order%5Bid%5D=asc&" + TAIL,
    ),
]


@pytest.mark.parametrize(("kwargs", "expected"), [pytest.param(k, e, id=n) for n, k, e in CASES])
def test_query_string(kwargs: dict[str, object], expected: str) -> None:
    assert CustomersFilter(**kwargs).to_query_string(limit=50, page=1) == expected  # type: ignore[arg-type]


def test_the_contacts_keys_encode_exactly_as_contacts_filter() -> None:
    shared = {"ids": [1, -2, 3], "names": "x", "updated_at": Range(from_=5), "order": "id"}
    assert CustomersFilter(**shared).to_query() == ContactsFilter(**shared).to_query()  # type: ignore[arg-type]


def test_is_an_entity_filter_and_not_a_leads_filter() -> None:
    assert issubclass(CustomersFilter, EntityFilter)
    assert not issubclass(CustomersFilter, LeadsFilter)
    assert frozenset({"created_at", "updated_at", "id"}) == CustomersFilter.SORTABLE_FIELDS
    with pytest.raises(TypeError, match="price"):
        CustomersFilter(price=1)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param({"status_ids": [0]}, ValueError, r"^status_ids: ids must be >= 1", id="s0"),
        pytest.param({"status_ids": [5, -1]}, ValueError, r"^status_ids:", id="s-neg"),
        pytest.param({"status_ids": "5"}, TypeError, r"^status_ids:", id="s-str"),
        pytest.param({"next_price": "100"}, TypeError, r"^next_price:", id="np-str"),
        pytest.param({"next_price": 1.5}, TypeError, r"^next_price:", id="np-float"),
        pytest.param({"next_price": -1}, ValueError, "selects nothing", id="np-negative"),
        pytest.param({"next_date": "2024-01-01"}, TypeError, r"^next_date:", id="nd-str"),
        pytest.param(
            {"next_date": datetime(2024, 1, 1)}, ValueError, r"^next_date: datetime", id="naive"
        ),
        pytest.param({"order": "next_price"}, ValueError, r"^order: cannot sort", id="order"),
    ],
)
def test_invalid_input_raises_naming_the_parameter(
    kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        CustomersFilter(**kwargs)  # type: ignore[arg-type]
