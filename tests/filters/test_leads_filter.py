"""``LeadsFilter`` must encode exactly like ``amocrm/amocrm-api-php``'s ``LeadsFilter``.

Every expected string below was written by hand from the PHP source
(``src/AmoCRM/Filters/LeadsFilter.php``, ``BaseRangeFilter.php``, ``Traits/*.php``) and the
rules of ``http_build_query($q, '', '&', PHP_QUERY_RFC3986)`` that Guzzle applies to the
``query`` request option. None of them is computed by our own code. They were then checked
against the real thing: PHP 8.2 running ``amocrm-api-php`` at commit 1354d8a produced the
identical string for every case it can express (it throws ``TypeError`` for the two
half-open ranges, see below).

PHP's ``buildFilter()`` always ends with ``limit`` then ``page`` (``PagesFilterTrait``,
defaults 50 and 1), so the table renders with ``limit=50, page=1`` to compare whole strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import pytest

from amocrm_async.filters import BaseFilter, EntityFilter, LeadsFilter, Order, Range, StatusPair

TAIL = "limit=50&page=1"

CASES: list[tuple[str, LeadsFilter, str]] = [
    (
        "empty",
        # (new LeadsFilter())
        LeadsFilter(),
        "limit=50&page=1",
    ),
    (
        "single id",
        # ->setIds(5)
        LeadsFilter(ids=5),
        "filter%5Bid%5D%5B0%5D=5&" + TAIL,
    ),
    (
        "list of ids",
        # ->setIds([1, 2])
        LeadsFilter(ids=[1, 2]),
        "filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2&" + TAIL,
    ),
    (
        "negative id dropped, indices kept",
        # ->setIds([-1, 7, 8])  -> array_filter keeps keys 1 and 2
        LeadsFilter(ids=[-1, 7, 8]),
        "filter%5Bid%5D%5B1%5D=7&filter%5Bid%5D%5B2%5D=8&" + TAIL,
    ),
    (
        "id zero is valid",
        # ->setIds(0)
        LeadsFilter(ids=0),
        "filter%5Bid%5D%5B0%5D=0&" + TAIL,
    ),
    (
        "names with empty one dropped",
        # ->setNames(['Deal', '', 'Big deal'])
        LeadsFilter(names=["Deal", "", "Big deal"]),
        "filter%5Bname%5D%5B0%5D=Deal&filter%5Bname%5D%5B2%5D=Big%20deal&" + TAIL,
    ),
    (
        "single name",
        # ->setNames('Deal')
        LeadsFilter(names="Deal"),
        "filter%5Bname%5D%5B0%5D=Deal&" + TAIL,
    ),
    (
        "price scalar",
        # ->setPrice(1500)
        LeadsFilter(price=1500),
        "filter%5Bprice%5D=1500&" + TAIL,
    ),
    (
        "price zero",
        # ->setPrice(0)
        LeadsFilter(price=0),
        "filter%5Bprice%5D=0&" + TAIL,
    ),
    (
        "price range",
        # ->setPrice((new BaseRangeFilter())->setFrom(100)->setTo(500))
        LeadsFilter(price=Range(from_=100, to=500)),
        "filter%5Bprice%5D%5Bfrom%5D=100&filter%5Bprice%5D%5Bto%5D=500&" + TAIL,
    ),
    (
        "range keeps from/to order whatever the call order",
        # ->setPrice((new BaseRangeFilter())->setTo(123)->setFrom(321))  (PHP's own test case)
        LeadsFilter(price=Range(to=123, from_=321)),
        "filter%5Bprice%5D%5Bfrom%5D=321&filter%5Bprice%5D%5Bto%5D=123&" + TAIL,
    ),
    (
        "created_by / updated_by / responsible_user_id",
        # ->setCreatedBy([10, 20])->setUpdatedBy(30)->setResponsibleUserId([40])
        LeadsFilter(created_by=[10, 20], updated_by=30, responsible_user_ids=[40]),
        "filter%5Bcreated_by%5D%5B0%5D=10&filter%5Bcreated_by%5D%5B1%5D=20"
        "&filter%5Bupdated_by%5D%5B0%5D=30"
        "&filter%5Bresponsible_user_id%5D%5B0%5D=40&" + TAIL,
    ),
    (
        "created_at scalar",
        # ->setCreatedAt(1700000000)
        LeadsFilter(created_at=1700000000),
        "filter%5Bcreated_at%5D=1700000000&" + TAIL,
    ),
    (
        "created_at range",
        # ->setCreatedAt((new BaseRangeFilter())->setFrom(1700000000)->setTo(1700086400))
        LeadsFilter(created_at=Range(from_=1700000000, to=1700086400)),
        "filter%5Bcreated_at%5D%5Bfrom%5D=1700000000"
        "&filter%5Bcreated_at%5D%5Bto%5D=1700086400&" + TAIL,
    ),
    (
        "updated_at range",
        # ->setUpdatedAt((new BaseRangeFilter())->setFrom(1700000000)->setTo(1700086400))
        LeadsFilter(updated_at=Range(from_=1700000000, to=1700086400)),
        "filter%5Bupdated_at%5D%5Bfrom%5D=1700000000"
        "&filter%5Bupdated_at%5D%5Bto%5D=1700086400&" + TAIL,
    ),
    (
        "closed_at range",
        # ->setClosedAt((new BaseRangeFilter())->setFrom(1700000000)->setTo(1700086400))
        LeadsFilter(closed_at=Range(from_=1700000000, to=1700086400)),
        "filter%5Bclosed_at%5D%5Bfrom%5D=1700000000"
        "&filter%5Bclosed_at%5D%5Bto%5D=1700086400&" + TAIL,
    ),
    (
        "closest_task_at range",
        # ->setClosestTaskAt((new BaseRangeFilter())->setFrom(1700000000)->setTo(1700086400))
        LeadsFilter(closest_task_at=Range(from_=1700000000, to=1700086400)),
        "filter%5Bclosest_task_at%5D%5Bfrom%5D=1700000000"
        "&filter%5Bclosest_task_at%5D%5Bto%5D=1700086400&" + TAIL,
    ),
    (
        "datetime range becomes unix seconds",
        # ->setUpdatedAt((new BaseRangeFilter())
        #     ->setFrom((new DateTime('2024-01-01T00:00:00Z'))->getTimestamp())
        #     ->setTo((new DateTime('2024-01-02T00:00:00Z'))->getTimestamp()))
        LeadsFilter(
            updated_at=Range(
                from_=datetime(2024, 1, 1, tzinfo=UTC), to=datetime(2024, 1, 2, tzinfo=UTC)
            )
        ),
        "filter%5Bupdated_at%5D%5Bfrom%5D=1704067200"
        "&filter%5Bupdated_at%5D%5Bto%5D=1704153600&" + TAIL,
    ),
    (
        "datetime scalar in another zone",
        # ->setClosedAt((new DateTime('2024-01-01T03:00:00+03:00'))->getTimestamp())
        LeadsFilter(closed_at=datetime(2024, 1, 1, 3, tzinfo=timezone(timedelta(hours=3)))),
        "filter%5Bclosed_at%5D=1704067200&" + TAIL,
    ),
    (
        "range with negative bound ignored",
        # ->setUpdatedAt((new BaseRangeFilter())->setFrom(-5)->setTo(1700086400))
        # setFrom(-5) leaves `from` unset; PHP then throws TypeError from getFrom(): int.
        # We send what http_build_query makes of ['from' => null, 'to' => 1700086400].
        LeadsFilter(updated_at=Range(from_=-5, to=1700086400)),
        "filter%5Bupdated_at%5D%5Bto%5D=1700086400&" + TAIL,
    ),
    (
        "half-open range: since",
        # PHP: setFrom(1700000000) alone -> TypeError from getTo(): int; expected value is
        # http_build_query(['filter' => ['updated_at' => ['from' => 1700000000]], ...])
        LeadsFilter(updated_at=Range(from_=1700000000)),
        "filter%5Bupdated_at%5D%5Bfrom%5D=1700000000&" + TAIL,
    ),
    (
        "statuses, two pairs, status_id first",
        # ->setStatuses([['status_id' => 142, 'pipeline_id' => 3001],
        #                ['status_id' => 143, 'pipeline_id' => 3002]])
        LeadsFilter(statuses=[(3001, 142), (3002, 143)]),
        "filter%5Bstatuses%5D%5B0%5D%5Bstatus_id%5D=142"
        "&filter%5Bstatuses%5D%5B0%5D%5Bpipeline_id%5D=3001"
        "&filter%5Bstatuses%5D%5B1%5D%5Bstatus_id%5D=143"
        "&filter%5Bstatuses%5D%5B1%5D%5Bpipeline_id%5D=3002&" + TAIL,
    ),
    (
        "pipeline_ids dedup keeps first indices",
        # ->setPipelineIds([5, 5, 0, 7, -1, 7])  -> array_unique(array_filter(...)) = [0=>5, 3=>7]
        LeadsFilter(pipeline_ids=[5, 5, 0, 7, -1, 7]),
        "filter%5Bpipeline_id%5D%5B0%5D=5&filter%5Bpipeline_id%5D%5B3%5D=7&" + TAIL,
    ),
    (
        "single pipeline id",
        # ->setPipelineIds(9)
        LeadsFilter(pipeline_ids=9),
        "filter%5Bpipeline_id%5D%5B0%5D=9&" + TAIL,
    ),
    (
        "custom field range",
        # ->setCustomFieldsValues([101 => (new BaseRangeFilter())->setFrom(10)->setTo(20)])
        LeadsFilter(custom_fields_values={101: Range(from_=10, to=20)}),
        "filter%5Bcustom_fields_values%5D%5B101%5D%5Bfrom%5D=10"
        "&filter%5Bcustom_fields_values%5D%5B101%5D%5Bto%5D=20&" + TAIL,
    ),
    (
        "custom field list",
        # ->setCustomFieldsValues([102 => ['red', 'blue']])
        LeadsFilter(custom_fields_values={102: ["red", "blue"]}),
        "filter%5Bcustom_fields_values%5D%5B102%5D%5B0%5D=red"
        "&filter%5Bcustom_fields_values%5D%5B102%5D%5B1%5D=blue&" + TAIL,
    ),
    (
        "custom field scalars, insertion order kept",
        # ->setCustomFieldsValues([103 => 'yes', 104 => 42, 105 => true, 106 => 2.5])
        LeadsFilter(custom_fields_values={103: "yes", 104: 42, 105: True, 106: 2.5}),
        "filter%5Bcustom_fields_values%5D%5B103%5D%5B0%5D=yes"
        "&filter%5Bcustom_fields_values%5D%5B104%5D%5B0%5D=42"
        "&filter%5Bcustom_fields_values%5D%5B105%5D%5B0%5D=1"
        "&filter%5Bcustom_fields_values%5D%5B106%5D%5B0%5D=2.5&" + TAIL,
    ),
    (
        "custom field raw mapping passed through",
        # ->setCustomFieldsValues([107 => ['from' => 1, 'to' => 2]])
        LeadsFilter(custom_fields_values={107: {"from": 1, "to": 2}}),
        "filter%5Bcustom_fields_values%5D%5B107%5D%5Bfrom%5D=1"
        "&filter%5Bcustom_fields_values%5D%5B107%5D%5Bto%5D=2&" + TAIL,
    ),
    (
        "query with space and Cyrillic",
        # ->setQuery('Иван Петров')
        LeadsFilter(query="Иван Петров"),
        "query=%D0%98%D0%B2%D0%B0%D0%BD%20%D0%9F%D0%B5%D1%82%D1%80%D0%BE%D0%B2&" + TAIL,
    ),
    (
        "query phone with reserved characters",
        # ->setQuery('+7 (999) 123-45-67')
        LeadsFilter(query="+7 (999) 123-45-67"),
        "query=%2B7%20%28999%29%20123-45-67&" + TAIL,
    ),
    (
        "query keeps only unreserved characters literal",
        # ->setQuery("a&b=c/d?e~f_g.h-i*j'k!l@m")
        LeadsFilter(query="a&b=c/d?e~f_g.h-i*j'k!l@m"),
        "query=a%26b%3Dc%2Fd%3Fe~f_g.h-i%2Aj%27k%21l%40m&" + TAIL,
    ),
    (
        "query int",
        # ->setQuery(79991234567)
        LeadsFilter(query=79991234567),
        "query=79991234567&" + TAIL,
    ),
    (
        "order tuple",
        # ->setOrder('updated_at', 'asc')
        LeadsFilter(order=("updated_at", "asc")),
        "order%5Bupdated_at%5D=asc&" + TAIL,
    ),
    (
        "order Order desc",
        # ->setOrder('id', 'desc')
        LeadsFilter(order=Order("id", "desc")),
        "order%5Bid%5D=desc&" + TAIL,
    ),
    (
        "order field only defaults to asc",
        # ->setOrder('created_at')
        LeadsFilter(order="created_at"),
        "order%5Bcreated_at%5D=asc&" + TAIL,
    ),
    (
        "everything, in buildFilter() order regardless of argument order",
        # (new LeadsFilter())
        #     ->setOrder('updated_at', 'desc')->setQuery('Иван')
        #     ->setPipelineIds([3001])
        #     ->setStatuses([['status_id' => 142, 'pipeline_id' => 3001]])
        #     ->setCustomFieldsValues([101 => [1]])
        #     ->setClosestTaskAt(1700300000)
        #     ->setClosedAt((new BaseRangeFilter())->setFrom(1700200000)->setTo(1700250000))
        #     ->setUpdatedAt((new BaseRangeFilter())->setFrom(1700100000)->setTo(1700150000))
        #     ->setCreatedAt(1700000000)
        #     ->setResponsibleUserId(40)->setUpdatedBy(30)->setCreatedBy(20)
        #     ->setPrice((new BaseRangeFilter())->setFrom(10)->setTo(99))
        #     ->setNames('A')->setIds([1, 2])
        LeadsFilter(
            order=("updated_at", "desc"),
            query="Иван",
            pipeline_ids=[3001],
            statuses=[(3001, 142)],
            custom_fields_values={101: [1]},
            closest_task_at=1700300000,
            closed_at=Range(from_=1700200000, to=1700250000),
            updated_at=Range(from_=1700100000, to=1700150000),
            created_at=1700000000,
            responsible_user_ids=40,
            updated_by=30,
            created_by=20,
            price=Range(from_=10, to=99),
            names="A",
            ids=[1, 2],
        ),
        "filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2"
        "&filter%5Bname%5D%5B0%5D=A"
        "&filter%5Bprice%5D%5Bfrom%5D=10&filter%5Bprice%5D%5Bto%5D=99"
        "&filter%5Bcreated_by%5D%5B0%5D=20"
        "&filter%5Bupdated_by%5D%5B0%5D=30"
        "&filter%5Bresponsible_user_id%5D%5B0%5D=40"
        "&filter%5Bcreated_at%5D=1700000000"
        "&filter%5Bupdated_at%5D%5Bfrom%5D=1700100000&filter%5Bupdated_at%5D%5Bto%5D=1700150000"
        "&filter%5Bclosed_at%5D%5Bfrom%5D=1700200000&filter%5Bclosed_at%5D%5Bto%5D=1700250000"
        "&filter%5Bclosest_task_at%5D=1700300000"
        "&filter%5Bcustom_fields_values%5D%5B101%5D%5B0%5D=1"
        "&filter%5Bstatuses%5D%5B0%5D%5Bstatus_id%5D=142"
        "&filter%5Bstatuses%5D%5B0%5D%5Bpipeline_id%5D=3001"
        "&filter%5Bpipeline_id%5D%5B0%5D=3001"
        "&query=%D0%98%D0%B2%D0%B0%D0%BD"
        "&order%5Bupdated_at%5D=desc"
        "&limit=50&page=1",
    ),
]


@pytest.mark.parametrize(
    ("lead_filter", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in CASES],
)
def test_matches_php_query_string(lead_filter: LeadsFilter, expected: str) -> None:
    assert lead_filter.to_query_string(page=1, limit=50) == expected


@pytest.mark.parametrize(
    ("lead_filter", "expected"),
    [pytest.param(f, e, id=name) for name, f, e in CASES],
)
def test_without_paging_drops_only_the_paging_tail(lead_filter: LeadsFilter, expected: str) -> None:
    assert lead_filter.to_query_string() == expected.removesuffix(TAIL).removesuffix("&")


def test_page_and_limit_come_last_limit_first() -> None:
    # (new LeadsFilter())->setIds(1)->setOrder('id', 'desc')->setPage(3)->setLimit(250)
    f = LeadsFilter(ids=1, order=("id", "desc"))
    assert f.to_query_string(page=3, limit=250) == (
        "filter%5Bid%5D%5B0%5D=1&order%5Bid%5D=desc&limit=250&page=3"
    )
    assert f.to_query_string(page=3) == "filter%5Bid%5D%5B0%5D=1&order%5Bid%5D=desc&page=3"
    assert f.to_query_string(limit=250) == "filter%5Bid%5D%5B0%5D=1&order%5Bid%5D=desc&limit=250"


def test_to_query_returns_unencoded_pairs_in_php_order() -> None:
    f = LeadsFilter(query="a b", statuses=[(7, 8)], ids=[-3, 4])
    assert f.to_query(limit=10, page=2) == [
        ("filter[id][1]", "4"),
        ("filter[statuses][0][status_id]", "8"),
        ("filter[statuses][0][pipeline_id]", "7"),
        ("query", "a b"),
        ("limit", "10"),
        ("page", "2"),
    ]


def test_inputs_are_snapshotted_and_filter_is_immutable() -> None:
    ids = [1, 2]
    f = LeadsFilter(ids=ids)
    ids.append(3)
    assert f.to_query() == [("filter[id][0]", "1"), ("filter[id][1]", "2")]
    with pytest.raises(AttributeError):
        f.ids = [9]  # type: ignore[misc]


def test_generators_are_accepted() -> None:
    f = LeadsFilter(ids=(i for i in (5, 6)), statuses=iter([(1, 2)]))
    assert f.to_query() == [
        ("filter[id][0]", "5"),
        ("filter[id][1]", "6"),
        ("filter[statuses][0][status_id]", "2"),
        ("filter[statuses][0][pipeline_id]", "1"),
    ]


def test_public_hierarchy() -> None:
    assert isinstance(LeadsFilter(), EntityFilter)
    assert isinstance(LeadsFilter(), BaseFilter)
    assert frozenset({"created_at", "updated_at", "id"}) == LeadsFilter.SORTABLE_FIELDS


def test_range_normalises_like_base_range_filter() -> None:
    assert Range(from_=-5, to=10) == Range(to=10)
    assert Range(from_=-5, to=10).from_ is None
    assert Range(from_=datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC)).from_ == 1
    assert repr(Range(1, 2)) == "Range(from_=1, to=2)"


# --- errors: raised in the constructor, before any request --------------------------------

NAIVE = datetime(2024, 1, 1)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param(
            {"order": ("name", "asc")},
            ValueError,
            r"^order: cannot sort by 'name'",
            id="order-field",
        ),
        pytest.param(
            {"order": ("id", "ASC")}, ValueError, r"^order: direction", id="order-direction-case"
        ),
        pytest.param(
            {"order": ("id", "up")}, ValueError, r"^order: direction", id="order-direction"
        ),
        pytest.param({"order": "price"}, ValueError, r"^order: cannot sort", id="order-field-only"),
        pytest.param({"order": ("id", "asc", "x")}, TypeError, r"^order:", id="order-triple"),
        pytest.param({"order": 5}, TypeError, r"^order:", id="order-type"),
        pytest.param({"query": 1.5}, TypeError, r"^query:", id="query-float"),
        pytest.param({"query": True}, TypeError, r"^query:", id="query-bool"),
        pytest.param({"query": ["x"]}, TypeError, r"^query:", id="query-list"),
        pytest.param({"ids": "5"}, TypeError, r"^ids:", id="ids-str"),
        pytest.param({"ids": [1, "2"]}, TypeError, r"^ids:", id="ids-str-item"),
        pytest.param({"ids": True}, TypeError, r"^ids:", id="ids-bool"),
        pytest.param({"ids": [1.0]}, TypeError, r"^ids:", id="ids-float-item"),
        pytest.param({"ids": {1: 2}}, TypeError, r"^ids:", id="ids-mapping"),
        pytest.param({"created_by": [None]}, TypeError, r"^created_by:", id="created_by-none"),
        pytest.param({"responsible_user_ids": "x"}, TypeError, r"^responsible_user_ids:", id="rui"),
        pytest.param({"names": [1]}, TypeError, r"^names:", id="names-int"),
        pytest.param({"names": 1}, TypeError, r"^names:", id="names-scalar-int"),
        pytest.param({"price": "100"}, TypeError, r"^price:", id="price-str"),
        pytest.param({"price": 1.5}, TypeError, r"^price:", id="price-float"),
        pytest.param(
            {"price": datetime(2024, 1, 1, tzinfo=UTC)}, TypeError, r"^price:", id="price-dt"
        ),
        pytest.param(
            {"updated_at": NAIVE},
            ValueError,
            r"^updated_at: datetime must be timezone-aware",
            id="naive",
        ),
        pytest.param({"closed_at": "2024-01-01"}, TypeError, r"^closed_at:", id="closed_at-str"),
        pytest.param({"created_at": True}, TypeError, r"^created_at:", id="created_at-bool"),
        pytest.param({"statuses": [(1,)]}, TypeError, r"^statuses\[0\]:", id="statuses-short"),
        pytest.param(
            {"statuses": (1, 142)}, TypeError, r"^statuses\[0\]:", id="statuses-bare-pair"
        ),
        pytest.param(
            {"statuses": [(0, 142)]}, ValueError, r"^statuses\[0\]: pipeline_id", id="statuses-zero"
        ),
        pytest.param(
            {"statuses": [(1, 2), (3, -1)]},
            ValueError,
            r"^statuses\[1\]: status_id",
            id="statuses-neg",
        ),
        pytest.param(
            {"statuses": [(1, "2")]}, TypeError, r"^statuses\[0\]: status_id", id="statuses-str"
        ),
        pytest.param({"statuses": "12"}, TypeError, r"^statuses:", id="statuses-str-whole"),
        pytest.param({"pipeline_ids": "1"}, TypeError, r"^pipeline_ids:", id="pipeline-str"),
        pytest.param(
            {"custom_fields_values": [1]}, TypeError, r"^custom_fields_values:", id="cf-list"
        ),
        pytest.param(
            {"custom_fields_values": {"abc": 1}}, TypeError, r"^custom_fields_values:", id="cf-key"
        ),
        pytest.param(
            {"custom_fields_values": {0: 1}}, ValueError, r"^custom_fields_values:", id="cf-key-0"
        ),
        pytest.param(
            {"custom_fields_values": {1: None}},
            TypeError,
            r"^custom_fields_values\[1\]:",
            id="cf-none",
        ),
        pytest.param(
            {"custom_fields_values": {1: [object()]}},
            TypeError,
            r"^custom_fields_values\[1\]:",
            id="cf-obj",
        ),
        pytest.param(
            {"custom_fields_values": {1: {"a": {2}}}}, TypeError, r"set", id="cf-nested-set"
        ),
    ],
)
def test_invalid_input_raises_naming_the_parameter(
    kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        LeadsFilter(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param({}, ValueError, r"^Range: needs at least one", id="empty"),
        pytest.param({"from_": -1}, ValueError, r"^Range: needs at least one", id="only-negative"),
        pytest.param({"from_": -1, "to": -2}, ValueError, r"^Range: needs", id="both-negative"),
        pytest.param({"from_": 1.5}, TypeError, r"^Range.from_:", id="float"),
        pytest.param({"to": True}, TypeError, r"^Range.to:", id="bool"),
        pytest.param({"to": "1"}, TypeError, r"^Range.to:", id="str"),
        pytest.param({"from_": NAIVE}, ValueError, r"^Range.from_: datetime must be", id="naive"),
    ],
)
def test_invalid_range(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        Range(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param({"page": 0}, ValueError, r"^page: must be >= 1", id="page-0"),
        pytest.param({"limit": 0}, ValueError, r"^limit: must be >= 1", id="limit-0"),
        pytest.param({"page": True}, TypeError, r"^page:", id="page-bool"),
        pytest.param({"limit": "50"}, TypeError, r"^limit:", id="limit-str"),
    ],
)
def test_invalid_paging(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        LeadsFilter().to_query(**kwargs)  # type: ignore[arg-type]


def test_entity_filter_base_gives_contacts_shape_in_a_few_lines() -> None:
    # ContactsFilter.php buildFilter(): leads' order minus price, closed_at, statuses, pipeline_id
    @dataclass(frozen=True, kw_only=True)
    class ContactsLike(EntityFilter):
        pass

    f = ContactsLike(
        query="x", custom_fields_values={1: 2}, closest_task_at=5, names="n", ids=3, order="id"
    )
    assert f.to_query_string(limit=50, page=1) == (
        "filter%5Bid%5D%5B0%5D=3&filter%5Bname%5D%5B0%5D=n&filter%5Bclosest_task_at%5D=5"
        "&filter%5Bcustom_fields_values%5D%5B1%5D%5B0%5D=2&query=x&order%5Bid%5D=asc"
        "&limit=50&page=1"
    )
    with pytest.raises(TypeError):
        ContactsLike(price=1)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"ids": [-1, -100]},
        {"names": [""]},
        {"price": -1},
        {"custom_fields_values": {}},
        {"query": ""},
        {"query": "0"},
        {"query": 0},
        {"responsible_user_ids": []},
    ],
    ids=repr,
)
def test_values_that_normalise_to_nothing_raise_instead_of_widening(
    kwargs: dict[str, object],
) -> None:
    """PHP drops these and sends no condition, which selects the whole account; a bulk update
    driven by such a filter would touch every lead. We refuse before any request."""
    with pytest.raises(ValueError, match="selects nothing") as caught:
        LeadsFilter(**kwargs)  # type: ignore[arg-type]
    assert next(iter(kwargs)) in str(caught.value)


def test_status_pairs_by_keyword_or_as_tuples() -> None:
    pair = StatusPair(pipeline_id=3001, status_id=142)
    assert (pair.pipeline_id, pair.status_id) == (3001, 142)
    assert LeadsFilter(statuses=[pair]).to_query() == LeadsFilter(statuses=[(3001, 142)]).to_query()
    assert LeadsFilter(statuses=[pair]).to_query() == [
        ("filter[statuses][0][status_id]", "142"),
        ("filter[statuses][0][pipeline_id]", "3001"),
    ]
