from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from amocrm_async.testing._query import as_list, is_range, parse_query, replace_params


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("filter[id][0]=1&filter[id][1]=2", {"filter": {"id": {"0": "1", "1": "2"}}}),
        ("filter[id][]=1&filter[id][]=2", {"filter": {"id": {"0": "1", "1": "2"}}}),
        ("filter%5Bid%5D%5B%5D=7", {"filter": {"id": {"0": "7"}}}),
        ("filter[id]=5", {"filter": {"id": "5"}}),
        (
            "filter[updated_at][from]=10&filter[updated_at][to]=20",
            {"filter": {"updated_at": {"from": "10", "to": "20"}}},
        ),
        (
            "filter[statuses][0][pipeline_id]=1&filter[statuses][0][status_id]=2",
            {"filter": {"statuses": {"0": {"pipeline_id": "1", "status_id": "2"}}}},
        ),
        (
            "order[id]=desc&with=contacts,loss_reason",
            {"order": {"id": "desc"}, "with": "contacts,loss_reason"},
        ),
        ("a[1]=x&a[]=y", {"a": {"1": "x", "2": "y"}}),
        ("a=1&a[b]=2", {"a": {"b": "2"}}),
        ("a[b]=2&a=1", {"a": "1"}),
        ("query=%D0%A1%D0%B4%D0%B5%D0%BB%D0%BA%D0%B0+1", {"query": "Сделка 1"}),
        ("empty=&x[y]z=1", {"empty": "", "x": {"y": "1"}}),
        ("", {}),
    ],
)
def test_parse_query(query: str, expected: dict[str, object]) -> None:
    assert parse_query(query) == expected


def test_as_list_and_is_range() -> None:
    assert as_list({"0": "a", "1": "b"}) == ["a", "b"]
    assert as_list("a") == ["a"]
    assert as_list(None) == []
    assert is_range({"from": "1"})
    assert not is_range({"0": "1"})
    assert not is_range("1")


def test_replace_params_keeps_other_parameters() -> None:
    query = replace_params("with=contacts&page=3&filter%5Bid%5D%5B%5D=1", limit=2, page=4)
    assert parse_qsl(query) == [
        ("with", "contacts"),
        ("filter[id][]", "1"),
        ("limit", "2"),
        ("page", "4"),
    ]
