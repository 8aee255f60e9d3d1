"""Filters for ``GET /api/v4/catalogs`` and ``GET /api/v4/catalogs/{id}/elements``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Literal, TypeAlias, get_args

from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import IdsInput, one_of, parse_ids, parse_query

__all__ = ["CatalogElementsFilter", "CatalogTypeName", "CatalogsFilter"]

CatalogTypeName: TypeAlias = Literal["regular", "invoices", "products", "suppliers"]
"""The catalog types amoCRM lists by (``CatalogType`` values)."""


@dataclass(frozen=True, kw_only=True)
class CatalogsFilter(BaseFilter):
    """Filter for the catalogs list: only catalogs of one ``type``, sent at the top level.

    Rendered as PHP's ``CatalogsFilter::buildFilter()`` (amocrm-api-php at 1354d8a) renders it:
    ``type=<type>``, not under ``filter``. PHP takes any string; a type amoCRM does not have
    raises :class:`ValueError` here.

    >>> from amocrm_async.filters import CatalogsFilter
    >>> CatalogsFilter(type="invoices").to_query()
    [('type', 'invoices')]
    """

    type: CatalogTypeName | None = param("type", one_of(*get_args(CatalogTypeName)), top_level=True)


@dataclass(frozen=True, kw_only=True)
class CatalogElementsFilter(BaseFilter):
    """Filter for the elements of one catalog; both keys go at the TOP level, not under
    ``filter``: ``id[0]=1&id[1]=2&query=…`` (api-surface.md §6.2).

    Rendered as PHP's ``CatalogElementsFilter::buildFilter()`` (amocrm-api-php at 1354d8a): ``id``
    then ``query``, then paging. One difference: PHP passes every id through ``intval`` and
    keeps zero and negative ones; here a non-positive id raises :class:`ValueError`, since no
    element has one. An "empty" ``query`` (``""``, ``"0"``) raises, where PHP drops it and so
    lists the whole catalog.

    >>> from amocrm_async.filters import CatalogElementsFilter
    >>> CatalogElementsFilter(ids=[5, 7], query="chair").to_query()
    [('id[0]', '5'), ('id[1]', '7'), ('query', 'chair')]

    Parameters:
        ids: one element id or several.
        query: text searched in the elements' names and text fields.
    """

    ids: IdsInput | None = param(
        "id", partial(parse_ids, positive=True, strict=True), top_level=True
    )
    query: str | int | None = param("query", parse_query, top_level=True)
