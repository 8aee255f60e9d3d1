"""``TasksFilter``: PHP's key order, the API's key names.

Key order is that of ``TasksFilter::buildFilter()`` in amocrm-api-php at 1354d8a: ``id``,
``created_by``, ``is_completed``, ``task_type`` (PHP then repeats it as ``task_type_id``,
which we do not send), ``responsible_user_id``, ``entity_type``, ``entity_id``,
``updated_at``, ``order``, then ``limit`` and ``page``. Expected strings are written by hand.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from amocrm_async.filters import BaseFilter, EntityFilter, Order, Range, TasksFilter

TAIL = "limit=50&page=1"

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    (
        "ids",
        {"ids": [1, 2]},
        "filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2&" + TAIL,
    ),
    ("created_by scalar", {"created_by": 5}, "filter%5Bcreated_by%5D%5B0%5D=5&" + TAIL),
    (
        "responsible_user_ids, negative dropped, indices kept",
        {"responsible_user_ids": [-1, 9]},
        "filter%5Bresponsible_user_id%5D%5B1%5D=9&" + TAIL,
    ),
    ("is_completed true", {"is_completed": True}, "filter%5Bis_completed%5D=1&" + TAIL),
    ("is_completed false", {"is_completed": False}, "filter%5Bis_completed%5D=0&" + TAIL),
    (
        "task type only as filter[task_type]",
        # PHP ->setTaskTypeId(1) also sends filter%5Btask_type_id%5D=1, which the API ignores
        {"task_type_ids": 1},
        "filter%5Btask_type%5D%5B0%5D=1&" + TAIL,
    ),
    (
        "several task types",
        {"task_type_ids": [1, 2, 3171]},
        "filter%5Btask_type%5D%5B0%5D=1&filter%5Btask_type%5D%5B1%5D=2"
        "&filter%5Btask_type%5D%5B2%5D=3171&" + TAIL,
    ),
    ("entity_type alone", {"entity_type": "contacts"}, "filter%5Bentity_type%5D=contacts&" + TAIL),
    (
        "entity_type with entity_ids",
        {"entity_type": "customers", "entity_ids": [5, 6]},
        "filter%5Bentity_type%5D=customers"
        "&filter%5Bentity_id%5D%5B0%5D=5&filter%5Bentity_id%5D%5B1%5D=6&" + TAIL,
    ),
    ("updated_at scalar", {"updated_at": 1700000000}, "filter%5Bupdated_at%5D=1700000000&" + TAIL),
    (
        "updated_at datetime range",
        {
            "updated_at": Range(
                from_=datetime(2024, 1, 1, tzinfo=UTC), to=datetime(2024, 1, 2, tzinfo=UTC)
            )
        },
        "filter%5Bupdated_at%5D%5Bfrom%5D=1704067200"
        "&filter%5Bupdated_at%5D%5Bto%5D=1704153600&" + TAIL,
    ),
    (
        "order by complete_till",
        {"order": ("complete_till", "desc")},
        "order%5Bcomplete_till%5D=desc&" + TAIL,
    ),
    ("order field only", {"order": "created_at"}, "order%5Bcreated_at%5D=asc&" + TAIL),
    (
        "everything, in buildFilter() order regardless of argument order",
        {
            "order": Order("id", "desc"),
            "updated_at": Range(from_=1700000000),
            "entity_ids": 77,
            "entity_type": "companies",
            "responsible_user_ids": 40,
            "task_type_ids": 2,
            "is_completed": False,
            "created_by": [20],
            "ids": 1,
        },
        "filter%5Bid%5D%5B0%5D=1"
        "&filter%5Bcreated_by%5D%5B0%5D=20"
        "&filter%5Bis_completed%5D=0"
        "&filter%5Btask_type%5D%5B0%5D=2"
        "&filter%5Bresponsible_user_id%5D%5B0%5D=40"
        "&filter%5Bentity_type%5D=companies"
        "&filter%5Bentity_id%5D%5B0%5D=77"
        "&filter%5Bupdated_at%5D%5Bfrom%5D=1700000000"
        "&order%5Bid%5D=desc&" + TAIL,
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"), [pytest.param(k, e, id=name) for name, k, e in CASES]
)
def test_query_string(kwargs: dict[str, object], expected: str) -> None:
    assert TasksFilter(**kwargs).to_query_string(limit=50, page=1) == expected  # type: ignore[arg-type]


def test_to_query_pairs_and_no_task_type_id() -> None:
    f = TasksFilter(task_type_ids=[1], is_completed=True, entity_type="leads", entity_ids=[3])
    pairs = f.to_query(limit=250)
    assert pairs == [
        ("filter[is_completed]", "1"),
        ("filter[task_type][0]", "1"),
        ("filter[entity_type]", "leads"),
        ("filter[entity_id][0]", "3"),
        ("limit", "250"),
    ]
    assert not [key for key, _ in pairs if key.startswith("filter[task_type_id]")]


def test_hierarchy_and_sortable_fields() -> None:
    assert isinstance(TasksFilter(), BaseFilter)
    assert not isinstance(TasksFilter(), EntityFilter)
    assert frozenset({"created_at", "complete_till", "id"}) == TasksFilter.SORTABLE_FIELDS


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param(
            {"entity_type": "deals"},
            ValueError,
            r"^entity_type: expected one of 'leads', 'contacts', 'companies', 'customers', "
            r"got 'deals'",
            id="entity_type-unknown",
        ),
        pytest.param({"entity_type": "Leads"}, ValueError, r"^entity_type:", id="entity_type-case"),
        pytest.param({"entity_type": 2}, ValueError, r"^entity_type:", id="entity_type-int"),
        pytest.param(
            {"entity_type": ["leads"]}, ValueError, r"^entity_type:", id="entity_type-list"
        ),
        pytest.param(
            {"entity_ids": [5]},
            ValueError,
            r"^entity_ids: only allowed together with entity_type",
            id="entity_ids-alone",
        ),
        pytest.param(
            {"entity_ids": []}, ValueError, r"^entity_ids: only allowed", id="entity_ids-empty"
        ),
        pytest.param(
            {"entity_type": "leads", "entity_ids": "5"},
            TypeError,
            r"^entity_ids:",
            id="entity_ids-str",
        ),
        pytest.param(
            {"entity_type": "leads", "entity_ids": [5, -1]},
            ValueError,
            r"^entity_ids: ids must be >= 1, got -1 at 1",
            id="entity_ids-negative",
        ),
        pytest.param(
            {"task_type_ids": 0},
            ValueError,
            r"^task_type_ids: ids must be >= 1, got 0 at 0",
            id="task_type-zero",
        ),
        pytest.param({"is_completed": 1}, TypeError, r"^is_completed: expected bool", id="bool-1"),
        pytest.param({"is_completed": "true"}, TypeError, r"^is_completed:", id="bool-str"),
        pytest.param({"task_type_ids": "1"}, TypeError, r"^task_type_ids:", id="task_type-str"),
        pytest.param({"ids": [1.5]}, TypeError, r"^ids:", id="ids-float"),
        pytest.param({"created_by": "x"}, TypeError, r"^created_by:", id="created_by-str"),
        pytest.param(
            {"responsible_user_ids": [None]}, TypeError, r"^responsible_user_ids:", id="rui-none"
        ),
        pytest.param(
            {"updated_at": datetime(2024, 1, 1)},
            ValueError,
            r"^updated_at: datetime must be timezone-aware",
            id="updated_at-naive",
        ),
        pytest.param(
            {"order": "updated_at"},
            ValueError,
            r"^order: cannot sort by 'updated_at'; sortable fields: complete_till, created_at, id",
            id="order-updated_at",
        ),
        pytest.param({"order": ("id", "DESC")}, ValueError, r"^order: direction", id="order-dir"),
    ],
)
def test_invalid_input_raises_naming_the_parameter(
    kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        TasksFilter(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("unknown", ["query", "task_type_id", "lead_statuses", "names"])
def test_parameters_tasks_do_not_have(unknown: str) -> None:
    with pytest.raises(TypeError, match=unknown):
        TasksFilter(**{unknown: 1})  # type: ignore[arg-type]


def test_an_empty_entity_id_list_is_refused_not_widened() -> None:
    with pytest.raises(ValueError, match="entity_ids=\\[\\] selects nothing"):
        TasksFilter(entity_type="leads", entity_ids=[])
