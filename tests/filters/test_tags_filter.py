"""``TagsFilter``: byte for byte what PHP's ``TagsFilter::buildFilter()`` sends.

PHP (amocrm-api-php at 1354d8a) fills its array as ``$filter['filter']['id']``, then
``$filter['query']``, then ``$filter['filter']['name']``, and ``http_build_query`` walks the array
in insertion order. So with ids the ``filter`` block comes first and ``filter[name]`` joins it
before ``query``; without ids ``query`` is created first and ``filter[name]`` follows it. Both
orders are reproduced (the API reads either). ``name`` and ``query`` are dropped by PHP when
"empty" (``""``, ``"0"``), which would list every tag: here they raise :class:`ValueError`.
Expected strings are written by hand.
"""

from __future__ import annotations

import pytest

from amocrm_async.filters import BaseFilter, TagsFilter

TAIL = "limit=50&page=1"

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    ("one id", {"ids": 3}, "filter%5Bid%5D%5B0%5D=3&" + TAIL),
    (
        "ids, negative dropped, indices kept",
        {"ids": [-4, 10, 11]},
        "filter%5Bid%5D%5B1%5D=10&filter%5Bid%5D%5B2%5D=11&" + TAIL,
    ),
    ("name", {"name": "VIP"}, "filter%5Bname%5D=VIP&" + TAIL),
    (
        "Cyrillic name with a space",
        {"name": "новый тег"},
        "filter%5Bname%5D=%D0%BD%D0%BE%D0%B2%D1%8B%D0%B9%20%D1%82%D0%B5%D0%B3&" + TAIL,
    ),
    ("query", {"query": "нов"}, "query=%D0%BD%D0%BE%D0%B2&" + TAIL),
    ("numeric query", {"query": 2024}, "query=2024&" + TAIL),
    (
        "ids, name and query: the filter block first",
        # ->setIds([1])->setQuery('v')->setName('VIP')
        {"query": "v", "name": "VIP", "ids": [1]},
        "filter%5Bid%5D%5B0%5D=1&filter%5Bname%5D=VIP&query=v&" + TAIL,
    ),
    (
        "name and query without ids: query first",
        # ->setQuery('v')->setName('VIP')
        {"name": "VIP", "query": "v"},
        "query=v&filter%5Bname%5D=VIP&" + TAIL,
    ),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"), [pytest.param(k, e, id=name) for name, k, e in CASES]
)
def test_query_string(kwargs: dict[str, object], expected: str) -> None:
    assert TagsFilter(**kwargs).to_query_string(limit=50, page=1) == expected  # type: ignore[arg-type]


def test_pairs_and_no_order() -> None:
    assert TagsFilter(query="v", name="VIP").to_query() == [("query", "v"), ("filter[name]", "VIP")]
    assert isinstance(TagsFilter(), BaseFilter)
    assert not TagsFilter.SORTABLE_FIELDS


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        pytest.param({"name": ""}, ValueError, r"name='' selects nothing", id="name-empty"),
        pytest.param({"name": "0"}, ValueError, r"name='0' selects nothing", id="name-zero"),
        pytest.param({"name": 5}, TypeError, r"^name: expected str, got int", id="name-int"),
        pytest.param({"name": ["a"]}, TypeError, r"^name: expected str, got list", id="name-list"),
        pytest.param({"query": ""}, ValueError, r"query='' selects nothing", id="query-empty"),
        pytest.param({"query": 1.5}, TypeError, r"^query: expected str or int", id="query-float"),
        pytest.param({"ids": ["1"]}, TypeError, r"^ids:", id="ids-str"),
    ],
)
def test_invalid_input_raises_naming_the_parameter(
    kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        TagsFilter(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("unknown", ["order", "names", "color"])
def test_parameters_tags_do_not_have(unknown: str) -> None:
    with pytest.raises(TypeError, match=unknown):
        TagsFilter(**{unknown: 1})  # type: ignore[arg-type]
