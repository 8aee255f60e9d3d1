"""``CatalogsFilter`` and ``CatalogElementsFilter``: PHP's keys, at the top level.

PHP's ``CatalogsFilter::buildFilter()`` (amocrm-api-php at 1354d8a) renders ``type``;
``CatalogElementsFilter::buildFilter()`` renders ``id`` then ``query`` — both outside
``filter[...]`` — then ``limit`` and ``page``. Expected strings are written by hand.
"""

from __future__ import annotations

import pytest

from amocrm_async.filters import CatalogElementsFilter, CatalogsFilter

TAIL = "limit=50&page=1"

ELEMENT_CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    ("one id", {"ids": 5}, "id%5B0%5D=5&" + TAIL),
    ("ids", {"ids": [5, 7]}, "id%5B0%5D=5&id%5B1%5D=7&" + TAIL),
    ("query", {"query": "стол"}, "query=%D1%81%D1%82%D0%BE%D0%BB&" + TAIL),
    ("query with a space", {"query": "a b"}, "query=a%20b&" + TAIL),
    ("numeric query", {"query": 42}, "query=42&" + TAIL),
    ("ids then query", {"query": "x", "ids": [3]}, "id%5B0%5D=3&query=x&" + TAIL),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "expected"), ELEMENT_CASES, ids=[c[0] for c in ELEMENT_CASES]
)
def test_catalog_elements_encoding(name: str, kwargs: dict[str, object], expected: str) -> None:
    built = CatalogElementsFilter(**kwargs)  # type: ignore[arg-type]
    assert built.to_query_string(page=1, limit=50) == expected


@pytest.mark.parametrize("kind", ["regular", "invoices", "products", "suppliers"])
def test_catalogs_type_goes_at_the_top_level(kind: str) -> None:
    assert CatalogsFilter(type=kind).to_query_string() == f"type={kind}"  # type: ignore[arg-type]
    assert CatalogsFilter().to_query_string() == ""


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"ids": [0]}, ValueError),
        ({"ids": [-1, 2]}, ValueError),
        ({"ids": ["1"]}, TypeError),
        ({"query": ""}, ValueError),
        ({"query": 1.5}, TypeError),
    ],
)
def test_catalog_elements_refuses_what_would_widen_or_break_the_query(
    kwargs: dict[str, object], error: type[Exception]
) -> None:
    with pytest.raises(error):
        CatalogElementsFilter(**kwargs)  # type: ignore[arg-type]


def test_catalogs_refuses_unknown_types() -> None:
    with pytest.raises(ValueError, match="type"):
        CatalogsFilter(type="wishlists")  # type: ignore[arg-type]
