"""Catalogs (lists), their elements, and the products settings (api-surface.md §5.8, §5.9,
§5.28, §7.8, §7.9, §8.5).

A catalog is ``regular`` (a list the account made), ``invoices`` (bills), ``products`` or
``suppliers``; its ``type`` is set when it is created and never changes. Elements carry
custom-field values like leads do (:class:`~amocrm_async.models.HasCustomFields`). The fields of
the invoices and suppliers catalogs have fixed codes: :class:`InvoiceFieldCode` and
:class:`SupplierFieldCode` (the PHP library's ``InvoicesCustomFieldsEnums``), with the values
those fields take in :class:`InvoiceStatus`, :class:`VatType` and :class:`PayerType`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from pydantic import Field

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks
from .custom_fields import CustomFieldValuesList, HasCustomFields

__all__ = [
    "MIN_CATALOG_ID",
    "Catalog",
    "CatalogElement",
    "CatalogElementEmbedded",
    "CatalogType",
    "InvoiceFieldCode",
    "InvoiceStatus",
    "PayerType",
    "ProductsSettings",
    "SupplierFieldCode",
    "VatType",
]

MIN_CATALOG_ID: Final = 1000
"""Catalog ids are above this (the PHP library refuses ``catalogs:{id}`` at or below it)."""


class CatalogType(StrEnum):
    """What a catalog is; chosen on create."""

    REGULAR = "regular"
    INVOICES = "invoices"
    PRODUCTS = "products"
    SUPPLIERS = "suppliers"


class InvoiceFieldCode(StrEnum):
    """``field_code`` of the fields every invoices catalog has."""

    STATUS = "BILL_STATUS"
    LEGAL_ENTITY = "LEGAL_ENTITY"
    SUPPLIER = "SUPPLIER"
    PAYER = "PAYER"
    ITEMS = "ITEMS"
    VAT_TYPE = "BILL_VAT_TYPE"
    REASON_FOR_NO_VAT = "BILL_REASON_FOR_NO_VAT"
    PAYMENT_DATE = "BILL_PAYMENT_DATE"
    COMMENT = "BILL_COMMENT"
    PRICE = "BILL_PRICE"


class InvoiceStatus(StrEnum):
    """Enum codes of the ``BILL_STATUS`` field."""

    CREATED = "created"
    PAID = "paid"
    PAID_IN_ADVANCE = "paid_in_advance"
    PARTIALLY_PAID = "partially_paid"


class VatType(StrEnum):
    """Enum codes of the ``BILL_VAT_TYPE`` field."""

    EXEMPT = "vat_exempt"
    INCLUDED = "vat_included"
    NOT_INCLUDED = "vat_not_included"


class PayerType(StrEnum):
    """``Payer.type``: a company or a person."""

    LEGAL = "legal"
    INDIVIDUAL = "individual"


class SupplierFieldCode(StrEnum):
    """``field_code`` of the fields every suppliers catalog has."""

    VAT_ID = "SUPPLIER_VAT_ID"
    TAX_REGISTRATION_REASON_CODE = "SUPPLIER_TAX_REGISTRATION_REASON_CODE"
    PRIMARY_STATE_REGISTRATION_NUMBER = "SUPPLIER_PRIMARY_STATE_REGISTRATION_NUMBER"
    BANK_IDENTIFICATION_CODE = "SUPPLIER_BANK_IDENTIFICATION_CODE"
    ACCOUNT_NUMBER = "SUPPLIER_ACCOUNT_NUMBER"
    LEGAL_ADDRESS = "SUPPLIER_LEGAL_ADDRESS"
    REAL_ADDRESS = "SUPPLIER_REAL_ADDRESS"
    DIRECTOR_NAME = "SUPPLIER_DIRECTOR_NAME"
    DIRECTOR_POST = "SUPPLIER_DIRECTOR_POST"
    ACCOUNTANT_NAME = "SUPPLIER_ACCOUNTANT_NAME"
    ACCOUNTANT_POST = "SUPPLIER_ACCOUNTANT_POST"
    PHONE = "SUPPLIER_PHONE"


class Catalog(AmoEntity):
    """A catalog (``/api/v4/catalogs``).

    ``type`` is only sent when creating (amoCRM cannot change it), like ``created_at`` /
    ``created_by`` / ``updated_by``; ``can_be_deleted``, ``sdk_widget_code``, ``account_id``
    and ``updated_at`` are the server's.
    """

    __read_only__ = frozenset(
        {"updated_at", "account_id", "can_be_deleted", "sdk_widget_code", "links"}
    )
    __create_only__ = frozenset({"type", "created_at", "created_by", "updated_by"})

    name: str | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    sort: int | None = None
    type: CatalogType | str | None = None
    can_add_elements: bool | None = None
    can_show_in_cards: bool | None = None
    can_link_multiple: bool | None = None
    can_be_deleted: bool | None = None
    sdk_widget_code: str | None = None
    account_id: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")


class CatalogElementEmbedded(AmoModel):
    """``_embedded`` of an element: a ``warning`` amoCRM attaches to some answers."""

    __read_only__ = frozenset({"warning"})

    warning: dict[str, Any] | None = None


class CatalogElement(HasCustomFields, AmoEntity):
    """An element of a catalog (``/api/v4/catalogs/{catalog_id}/elements``).

    ``catalog_id`` is read from the answer (or from a link's metadata) and never sent: the path
    names the catalog. ``invoice_link`` comes with ``with_=["invoice_link"]``. In a link answer
    ``metadata`` holds ``quantity`` / ``price_id``; it is never sent as a field.
    """

    __read_only__ = frozenset(
        {
            "catalog_id",
            "updated_at",
            "is_deleted",
            "account_id",
            "invoice_link",
            "metadata",
            "embedded",
            "links",
        }
    )
    __create_only__ = frozenset({"created_at", "created_by", "updated_by"})

    name: str | None = None
    catalog_id: int | None = None
    currency_id: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    is_deleted: bool | None = None
    account_id: int | None = None
    custom_fields_values: CustomFieldValuesList | None = None
    invoice_link: str | None = None
    metadata: dict[str, Any] | None = None
    embedded: CatalogElementEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")


class ProductsSettings(AmoModel):
    """``/api/v4/catalogs/products/settings``: whether the products catalog is on."""

    is_enabled: bool | None = None
