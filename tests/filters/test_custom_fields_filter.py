"""``CustomFieldsFilter``: PHP's key order — ``filter[id]``, ``filter[type]``, ``order`` — then
``limit`` and ``page`` (amocrm-api-php at 1354d8a). Expected strings are written by hand."""

from __future__ import annotations

import pytest

from amocrm_async.filters import CustomFieldsFilter, Order

TAIL = "limit=50&page=1"

CASES: list[tuple[str, dict[str, object], str]] = [
    ("empty", {}, TAIL),
    ("ids", {"ids": [1, 2]}, "filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2&" + TAIL),
    ("negative id dropped, index kept", {"ids": [-1, 9]}, "filter%5Bid%5D%5B1%5D=9&" + TAIL),
    ("one type", {"types": "select"}, "filter%5Btype%5D%5B0%5D=select&" + TAIL),
    (
        "types, empty string dropped",
        {"types": ["multitext", "", "date"]},
        "filter%5Btype%5D%5B0%5D=multitext&filter%5Btype%5D%5B2%5D=date&" + TAIL,
    ),
    ("order by sort", {"order": ("sort", "asc")}, "order%5Bsort%5D=asc&" + TAIL),
    ("order by id desc", {"order": Order("id", "desc")}, "order%5Bid%5D=desc&" + TAIL),
    (
        "everything in PHP order",
        {"order": "id", "types": ["text"], "ids": 4},
        "filter%5Bid%5D%5B0%5D=4&filter%5Btype%5D%5B0%5D=text&order%5Bid%5D=asc&" + TAIL,
    ),
]


@pytest.mark.parametrize(("name", "kwargs", "expected"), CASES, ids=[c[0] for c in CASES])
def test_encoding(name: str, kwargs: dict[str, object], expected: str) -> None:
    built = CustomFieldsFilter(**kwargs)  # type: ignore[arg-type]
    assert built.to_query_string(page=1, limit=50) == expected


def test_only_sort_and_id_are_sortable() -> None:
    with pytest.raises(ValueError, match="sortable fields: id, sort"):
        CustomFieldsFilter(order=("name", "asc"))
