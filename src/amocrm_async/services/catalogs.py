"""Catalogs and their elements — ``/api/v4/catalogs`` (api-surface.md §5.8, §5.9, §5.10).

``amo.catalogs`` reads and writes catalogs (``CatalogsFilter`` picks a type);
``amo.catalogs.elements(catalog_id)`` the elements of one catalog (``CatalogElementsFilter``,
links to leads and customers), and ``amo.catalogs.custom_fields(catalog_id)`` its fields.
"""

from __future__ import annotations

from .._service import scoped
from ..filters.catalogs import CatalogElementsFilter, CatalogsFilter
from ..models.catalogs import Catalog, CatalogElement
from ..models.with_names import CatalogElementWith, with_values
from ._entity import CrudService, Linkable
from .custom_fields import CustomFieldsService

__all__ = ["CatalogElementsService", "CatalogsService"]


class CatalogElementsService(
    CrudService[CatalogElement, CatalogElementsFilter], Linkable[CatalogElement]
):
    """The elements of one catalog: read, page, create, update, link to leads and customers.

    ``with_=["invoice_link"]`` adds an invoice's public link, ``["supplier_field_values"]`` a
    supplier's requisites. A link's metadata carries ``quantity`` (and ``price_id``).
    """

    path = "{parent}/{scope}/elements"
    with_allowed = with_values(CatalogElementWith)
    link_targets = frozenset({"leads", "customers"})


class CatalogsService(CrudService[Catalog, CatalogsFilter]):
    """Catalogs: read, page, create, update; ``elements(id)`` and ``custom_fields(id)``."""

    path = "/api/v4/catalogs"
    elements = scoped(CatalogElementsService)
    custom_fields = scoped(CustomFieldsService)
