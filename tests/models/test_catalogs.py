"""Catalogs and elements: what is parsed, what a write sends."""

from __future__ import annotations

from amocrm_async.models import (
    Catalog,
    CatalogElement,
    CatalogType,
    InvoiceFieldCode,
    InvoiceStatus,
    ProductsSettings,
    SupplierFieldCode,
)

CATALOG = {
    "id": 4521,
    "name": "Товары",
    "created_by": 504141,
    "updated_by": 504141,
    "created_at": 1590742934,
    "updated_at": 1590742934,
    "sort": 10,
    "type": "products",
    "can_add_elements": True,
    "can_show_in_cards": False,
    "can_link_multiple": True,
    "can_be_deleted": False,
    "sdk_widget_code": None,
    "account_id": 28805383,
    "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/catalogs/4521"}},
}


def test_catalog_parses_and_sends_only_what_an_update_may_change() -> None:
    catalog = Catalog.model_validate(CATALOG)
    assert catalog.type == CatalogType.PRODUCTS
    assert catalog.to_api() == {
        "id": 4521,
        "name": "Товары",
        "sort": 10,
        "can_add_elements": True,
        "can_show_in_cards": False,
        "can_link_multiple": True,
    }
    assert Catalog(name="New", type="invoices").to_api() == {"name": "New", "type": "invoices"}


def test_element_keeps_catalog_and_link_context_read_only() -> None:
    element = CatalogElement.model_validate(
        {
            "id": 7,
            "name": "Стол",
            "catalog_id": 4521,
            "is_deleted": False,
            "metadata": {"quantity": 2, "price_id": None},
            "custom_fields_values": [
                {"field_id": 1, "field_code": "SKU", "field_name": "Артикул",
                 "field_type": "text", "values": [{"value": "T-1"}]}
            ],
            "invoice_link": "https://example.amocrm.ru/invoices/1",
            "_embedded": {"warning": {"message": "x"}},
        }
    )  # fmt: skip
    assert element.get_custom_field_value("SKU") == "T-1"
    assert element.to_api() == {
        "id": 7,
        "name": "Стол",
        "custom_fields_values": [
            {"field_id": 1, "field_code": "SKU", "values": [{"value": "T-1"}]}
        ],
    }


def test_invoice_enums_are_the_api_codes() -> None:
    assert str(InvoiceFieldCode.STATUS) == "BILL_STATUS"
    assert [s.value for s in InvoiceStatus] == [
        "created", "paid", "paid_in_advance", "partially_paid"
    ]  # fmt: skip
    assert str(SupplierFieldCode.PHONE) == "SUPPLIER_PHONE"
    assert ProductsSettings(is_enabled=True).to_api() == {"is_enabled": True}
