# ruff: noqa: RUF009  (param() returns a dataclasses.field(); ruff cannot see through it)
"""The declarative protocol in ``filters._base``: what a field declaration means on the wire."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import ClassVar

import pytest

from amocrm_async.filters import BaseFilter, EntityFilter, order_param, param
from amocrm_async.filters._parsers import (
    IdsInput,
    NamesInput,
    OrderInput,
    parse_ids,
    parse_names,
    parse_query,
)


@dataclass(frozen=True, kw_only=True)
class Toy(BaseFilter):
    SORTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset({"id"})

    search: str | int | None = param("query", parse_query, top_level=True)
    ids: IdsInput | None = param("id", parse_ids)
    order: OrderInput | None = order_param()
    names: NamesInput | None = param("name", parse_names)


def test_filter_block_first_then_top_level_keys_each_in_declaration_order() -> None:
    pairs = Toy(names="n", order="id", ids=1, search="q").to_query()
    assert [key for key, _ in pairs] == ["filter[id][0]", "filter[name][0]", "query", "order[id]"]
    assert Toy().to_query() == []
    # a value that normalises to nothing would widen the query: refused, naming the field
    with pytest.raises(ValueError, match=r"^ids=\[-1\] selects nothing"):
        Toy(ids=[-1])


@dataclass(frozen=True, kw_only=True)
class Anchored(Toy):
    first: IdsInput | None = param("first", parse_ids, after="ids")
    second: IdsInput | None = param("second", parse_ids, after="first")
    last: IdsInput | None = param("last", parse_ids)
    ids: IdsInput | None = param("id", partial(parse_ids, positive=True))


def test_after_places_a_key_behind_an_inherited_one_and_overrides_keep_their_place() -> None:
    f = Anchored(last=4, second=3, first=2, names="n", ids=[0, 1])
    assert f.to_query() == [
        ("filter[id][1]", "1"),
        ("filter[first][0]", "2"),
        ("filter[second][0]", "3"),
        ("filter[name][0]", "n"),
        ("filter[last][0]", "4"),
    ]


@dataclass(frozen=True, kw_only=True)
class Needs(BaseFilter):
    kind: str | int | None = param("kind", parse_query)
    ref: IdsInput | None = param("ref", parse_ids, requires="kind")


def test_requires() -> None:
    assert Needs(kind="a", ref=1).to_query() == [("filter[kind]", "a"), ("filter[ref][0]", "1")]
    with pytest.raises(ValueError, match=r"^ref: only allowed together with kind$"):
        Needs(ref=1)


def test_each_class_is_laid_out_on_its_own() -> None:
    # EntityFilter's layout was worked out first; LeadsFilter's anchors must not leak into it.
    assert EntityFilter(ids=1, names="n").to_query() == [
        ("filter[id][0]", "1"),
        ("filter[name][0]", "n"),
    ]


def test_declaration_mistakes_are_reported_on_first_use() -> None:
    @dataclass(frozen=True, kw_only=True)
    class Plain(BaseFilter):
        ids: IdsInput | None = field(default=None)

    @dataclass(frozen=True, kw_only=True)
    class BadAnchor(BaseFilter):
        ids: IdsInput | None = param("id", parse_ids, after="nope")

    @dataclass(frozen=True, kw_only=True)
    class BadRequires(BaseFilter):
        ids: IdsInput | None = param("id", parse_ids, requires="nope")

    @dataclass(frozen=True, kw_only=True)
    class Unsortable(BaseFilter):
        order: OrderInput | None = order_param()

    with pytest.raises(TypeError, match=r"^Plain\.ids: declare filter fields with param\(\)"):
        Plain()
    with pytest.raises(TypeError, match=r"^BadAnchor\.ids: after='nope' is not declared"):
        BadAnchor()
    with pytest.raises(TypeError, match=r"^BadRequires\.ids: requires unknown 'nope'"):
        BadRequires()
    with pytest.raises(TypeError, match=r"^Unsortable: declares order but has no SORTABLE_FIELDS"):
        Unsortable()
