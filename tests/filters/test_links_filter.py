"""``LinksFilter`` must encode like ``amocrm/amocrm-api-php``'s ``EntitiesLinksFilter``.

Every expected string was written by hand from the PHP source (``src/AmoCRM/Filters/
LinksFilter.php`` and ``EntitiesLinksFilter.php`` at 1354d8a): ``buildFilter()`` writes
``to_entity_id`` (when not null), ``to_entity_type``, ``to_catalog_id`` (when not empty), then
``entity_id`` (``(array)$entityId``), and Guzzle encodes the array with
``http_build_query(..., PHP_QUERY_RFC3986)``. PHP sends no paging for the mass links endpoint.

Where we differ on purpose (said in the class docstring): ``to_*`` ids must be positive ints
(PHP sends ``0`` and negatives as given), and a negative source id is dropped with its index
kept, as every ``ids`` parameter of the SDK does (PHP would send it; no entity has one).
"""

from __future__ import annotations

import pytest

from amocrm_async.filters import BaseFilter, LinksFilter

CASES: list[tuple[str, LinksFilter, str]] = [
    (
        "one source",
        # new EntitiesLinksFilter(5)
        LinksFilter(entity_ids=5),
        "filter%5Bentity_id%5D%5B0%5D=5",
    ),
    (
        "several sources",
        # new EntitiesLinksFilter([1, 2])
        LinksFilter(entity_ids=[1, 2]),
        "filter%5Bentity_id%5D%5B0%5D=1&filter%5Bentity_id%5D%5B1%5D=2",
    ),
    (
        "to one entity",
        # ->setToEntityId(7)
        LinksFilter(entity_ids=[1], to_entity_id=7),
        "filter%5Bto_entity_id%5D=7&filter%5Bentity_id%5D%5B0%5D=1",
    ),
    (
        "to a type",
        # ->setToEntityType('contacts')
        LinksFilter(entity_ids=[1], to_entity_type="contacts"),
        "filter%5Bto_entity_type%5D=contacts&filter%5Bentity_id%5D%5B0%5D=1",
    ),
    (
        "to a catalog",
        # ->setToEntityType('catalog_elements')->setToCatalogId(1001)
        LinksFilter(entity_ids=[3], to_entity_type="catalog_elements", to_catalog_id=1001),
        "filter%5Bto_entity_type%5D=catalog_elements&filter%5Bto_catalog_id%5D=1001"
        "&filter%5Bentity_id%5D%5B0%5D=3",
    ),
    (
        "every key, in PHP's order whatever the keyword order",
        # ->setToCatalogId(1001)->setToEntityType('catalog_elements')->setToEntityId(9)
        LinksFilter(
            to_catalog_id=1001, to_entity_type="catalog_elements", to_entity_id=9, entity_ids=[4]
        ),
        "filter%5Bto_entity_id%5D=9&filter%5Bto_entity_type%5D=catalog_elements"
        "&filter%5Bto_catalog_id%5D=1001&filter%5Bentity_id%5D%5B0%5D=4",
    ),
    (
        "negative source dropped, index kept",
        LinksFilter(entity_ids=[-1, 8]),
        "filter%5Bentity_id%5D%5B1%5D=8",
    ),
]


@pytest.mark.parametrize(("name", "filt", "expected"), CASES, ids=[c[0] for c in CASES])
def test_links_filter_encoding(name: str, filt: LinksFilter, expected: str) -> None:
    assert filt.to_query_string() == expected


def test_pairs_and_paging_at_the_end() -> None:
    filt = LinksFilter(entity_ids=[2], to_entity_type="leads")
    assert filt.to_query() == [("filter[to_entity_type]", "leads"), ("filter[entity_id][0]", "2")]
    assert filt.to_query(page=2, limit=50)[-2:] == [("limit", "50"), ("page", "2")]
    assert issubclass(LinksFilter, BaseFilter)
    assert not LinksFilter.SORTABLE_FIELDS


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"to_entity_id": 0}, ValueError, "to_entity_id"),
        ({"to_entity_id": -3}, ValueError, "to_entity_id"),
        ({"to_entity_id": "7"}, TypeError, "to_entity_id"),
        ({"to_catalog_id": True}, TypeError, "to_catalog_id"),
        ({"to_entity_type": ""}, ValueError, "to_entity_type"),
        ({"to_entity_type": 5}, ValueError, "to_entity_type"),
        ({"entity_ids": [-1]}, ValueError, "entity_ids"),
        ({"entity_ids": "1"}, TypeError, "entity_ids"),
    ],
)
def test_bad_input_names_the_parameter(
    kwargs: dict[str, object], exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        LinksFilter(**kwargs)  # type: ignore[arg-type]
