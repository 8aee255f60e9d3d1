"""The fake's catalogs, catalog elements and products settings over raw HTTP."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

CATALOGS = "/api/v4/catalogs"
PRODUCTS = 1001
ELEMENTS = f"{CATALOGS}/{PRODUCTS}/elements"


def issues_of(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [
        (error["code"], error["path"])
        for entry in response.json()["validation-errors"]
        for error in entry["errors"]
    ]


def embedded(response: httpx.Response, key: str) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["_embedded"][key]
    return items


async def test_fresh_account_has_products_and_invoices(api: httpx.AsyncClient) -> None:
    catalogs = embedded(await api.get(CATALOGS), "catalogs")
    assert [(c["id"], c["type"], c["can_be_deleted"]) for c in catalogs] == [
        (1001, "products", False),
        (1002, "invoices", False),
    ]
    only = embedded(await api.get(CATALOGS, params={"type": "invoices"}), "catalogs")
    assert [c["id"] for c in only] == [1002]
    fields = embedded(await api.get(f"{CATALOGS}/1002/custom_fields"), "custom_fields")
    status = next(f for f in fields if f["code"] == "BILL_STATUS")
    assert [e["code"] for e in status["enums"]] == [
        "created", "paid", "paid_in_advance", "partially_paid"
    ]  # fmt: skip
    assert (status["entity_type"], status["catalog_id"]) == ("catalogs", 1002)
    assert status["_links"]["self"]["href"].endswith(f"/catalogs/1002/custom_fields/{status['id']}")


async def test_catalog_writes_and_their_validation(api: httpx.AsyncClient) -> None:
    made = embedded(
        await api.post(CATALOGS, json=[{"name": "Поставщики", "type": "suppliers"}]), "catalogs"
    )
    suppliers = made[0]["id"]
    fields = embedded(await api.get(f"{CATALOGS}/{suppliers}/custom_fields"), "custom_fields")
    assert "SUPPLIER_VAT_ID" in {f["code"] for f in fields}
    assert issues_of(await api.post(CATALOGS, json=[{"name": "Ещё", "type": "products"}])) == [
        ("NotSupportedChoice", "type")
    ]
    assert issues_of(await api.post(CATALOGS, json=[{"type": "regular"}])) == [("NotBlank", "name")]
    assert issues_of(await api.patch(f"{CATALOGS}/{suppliers}", json={"type": "regular"})) == [
        ("NotSupportedChoice", "type")
    ]
    renamed = await api.patch(f"{CATALOGS}/{suppliers}", json={"name": "Партнёры"})
    assert renamed.status_code == 200
    assert (await api.get(f"{CATALOGS}/{suppliers}")).json()["name"] == "Партнёры"


async def test_elements_filters_scoping_and_custom_fields(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    sku = fake.field_id(f"catalogs/{PRODUCTS}", code="SKU")
    created = embedded(
        await api.post(
            ELEMENTS,
            json=[
                {"name": "Стул", "custom_fields_values": [
                    {"field_code": "SKU", "values": [{"value": "CH-1"}]}]},
                {"name": "Стол"},
            ],
        ),
        "elements",
    )  # fmt: skip
    chair, table = (item["id"] for item in created)
    by_ids = embedded(await api.get(ELEMENTS, params={"id[]": [table]}), "elements")
    assert [e["id"] for e in by_ids] == [table]
    by_sku = embedded(await api.get(ELEMENTS, params={"query": "ch-1"}), "elements")
    assert [e["id"] for e in by_sku] == [chair]
    assert by_sku[0]["custom_fields_values"][0]["field_id"] == sku
    assert (await api.get(f"{CATALOGS}/1002/elements/{chair}")).status_code == 204
    assert (await api.get(f"{CATALOGS}/1002/elements")).status_code == 204
    assert (await api.get(f"{CATALOGS}/9999/elements")).status_code == 404
    bad = await api.post(
        ELEMENTS, json=[{"name": "x", "custom_fields_values": [{"field_code": "BILL_STATUS",
                                                              "values": [{"value": "x"}]}]}]
    )  # fmt: skip
    assert issues_of(bad) == [("NotSupportedChoice", "custom_fields_values.0.field_code")]
    assert issues_of(await api.post(ELEMENTS, json=[{"price": 1}])) == [
        ("FieldNotExpected", "price"),
        ("NotBlank", "name"),
    ]


async def test_invoice_link_and_links(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [lead] = fake.seed(leads=1).leads
    [bill] = embedded(
        await api.post(f"{CATALOGS}/1002/elements", json=[{"name": "Счёт 1"}]), "elements"
    )
    plain = (await api.get(f"{CATALOGS}/1002/elements/{bill['id']}")).json()
    assert "invoice_link" not in plain
    rich = await api.get(f"{CATALOGS}/1002/elements/{bill['id']}", params={"with": "invoice_link"})
    assert rich.json()["invoice_link"].startswith(fake.base_url)
    link = [{"to_entity_id": lead, "to_entity_type": "leads", "metadata": {"quantity": 1}}]
    linked = embedded(
        await api.post(f"{CATALOGS}/1002/elements/{bill['id']}/link", json=link), "links"
    )
    assert linked[0]["entity_type"] == "catalog_elements"
    bad = [{"to_entity_id": lead, "to_entity_type": "contacts"}]
    assert issues_of(await api.post(f"{CATALOGS}/1002/elements/{bill['id']}/link", json=bad)) == [
        ("NotSupportedChoice", "to_entity_type")
    ]


async def test_seeding_products_linked_to_leads(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    seeded = fake.seed(leads=20, elements=30)
    assert len(seeded.elements) == 30 == fake.count("elements")
    element = fake.entity("elements", seeded.elements[0])
    assert element is not None and element["catalog_id"] == PRODUCTS
    assert {v["field_code"] for v in element["custom_fields_values"]} == {"SKU", "PRICE"}
    attached = []
    for lead_id in seeded.leads:
        lead = await api.get(f"/api/v4/leads/{lead_id}", params={"with": "catalog_elements"})
        attached += lead.json()["_embedded"].get("catalog_elements", [])
    assert attached, "about a third of the products are attached to leads"
    assert {ref["metadata"]["catalog_id"] for ref in attached} == {PRODUCTS}
    assert {ref["id"] for ref in attached} <= set(seeded.elements)


async def test_products_settings(api: httpx.AsyncClient) -> None:
    path = f"{CATALOGS}/products/settings"
    assert (await api.get(path)).json()["is_enabled"] is True
    assert issues_of(await api.patch(path, json={"is_enabled": "no"})) == [
        ("InvalidType", "is_enabled")
    ]
    assert (await api.patch(path, json={"is_enabled": False})).json()["is_enabled"] is False
    assert (await api.get(path)).json()["is_enabled"] is False
