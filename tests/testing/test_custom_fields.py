"""The fake's custom-field definitions (per entity and per catalog) and groups over raw HTTP:
writes, the API's validation shapes, and the values that go with a deleted field."""

from __future__ import annotations

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from .test_catalogs import embedded, issues_of

pytestmark = pytest.mark.anyio

LEADS = "/api/v4/leads/custom_fields"


async def test_create_update_delete(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [made] = embedded(
        await api.post(LEADS, json=[{
            "name": "Тариф", "type": "select", "code": "PLAN", "request_id": "r1",
            "enums": [{"value": "Gold", "sort": 1}, {"value": "Silver", "sort": 2}],
            "required_statuses": [],
        }]),
        "custom_fields",
    )  # fmt: skip
    assert (made["request_id"], made["code"], made["entity_type"]) == ("r1", "PLAN", "leads")
    gold = made["enums"][0]["id"]
    lead = await api.post("/api/v4/leads", json=[{"name": "x", "custom_fields_values": [
        {"field_code": "PLAN", "values": [{"enum_id": gold}]}]}])  # fmt: skip
    lead_id = lead.json()["_embedded"]["leads"][0]["id"]
    patched = await api.patch(
        f"{LEADS}/{made['id']}",
        json={"name": "План", "enums": [{"id": gold, "value": "Gold+", "sort": 1}]},
    )
    assert patched.status_code == 200, patched.text
    assert [(e["id"], e["value"]) for e in patched.json()["enums"]] == [(gold, "Gold+")]
    assert (await api.delete(f"{LEADS}/{made['id']}")).status_code == 204
    assert (await api.get(f"{LEADS}/{made['id']}")).status_code == 204
    stored = fake.entity("leads", lead_id)
    assert stored is not None and stored["custom_fields_values"] is None
    predefined = fake.field_id("contacts", code="PHONE")
    refused = await api.delete(f"/api/v4/contacts/custom_fields/{predefined}")
    assert refused.status_code == 400


@pytest.mark.parametrize(
    ("path", "item", "issues"),
    [
        (LEADS, {"type": "text"}, [("NotBlank", "name")]),
        (LEADS, {"name": "x", "type": "multitext"}, [("NotSupportedChoice", "type")]),
        (LEADS, {"name": "x", "type": "select"}, [("NotBlank", "enums")]),
        (LEADS, {"name": "x", "type": "text", "enums": []}, [("FieldNotExpected", "enums")]),
        (
            LEADS,
            {"name": "x", "type": "text", "is_visible": True},
            [("FieldNotExpected", "is_visible")],
        ),
        (
            LEADS,
            {"name": "x", "type": "birthday", "remind": "yearly"},
            [("NotSupportedChoice", "remind")],
        ),
        (
            LEADS,
            {"name": "x", "type": "monetary", "currency": "rub"},
            [("InvalidType", "currency")],
        ),
        (LEADS, {"name": 5, "type": "text"}, [("InvalidType", "name")]),
        (
            LEADS,
            {"name": "x", "type": "text", "code": "UTM_SOURCE"},
            [("NotSupportedChoice", "code")],
        ),
        (
            LEADS,
            {"name": "x", "type": "text", "group_id": "nope"},
            [("NotSupportedChoice", "group_id")],
        ),
        (
            LEADS,
            {
                "name": "x",
                "type": "text",
                "required_statuses": [{"pipeline_id": 1, "status_id": 2}],
            },
            [("NotSupportedChoice", "required_statuses.0.status_id")],
        ),
        (
            "/api/v4/catalogs/1001/custom_fields",
            {"name": "x", "type": "text", "is_api_only": True},
            [("FieldNotExpected", "is_api_only")],
        ),
    ],
)
async def test_validation(
    api: httpx.AsyncClient, path: str, item: dict[str, object], issues: list[tuple[str, str]]
) -> None:
    assert issues_of(await api.post(path, json=[item])) == issues


async def test_type_cannot_change_and_unknown_catalog_is_404(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    text = fake.field_id("leads", type="text")
    assert issues_of(await api.patch(f"{LEADS}/{text}", json={"type": "numeric"})) == [
        ("NotSupportedChoice", "type")
    ]
    assert (await api.get("/api/v4/catalogs/4242/custom_fields")).status_code == 404
    assert (await api.patch(LEADS, json=[{"id": text, "name": "x"}])).status_code == 405


async def test_groups(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    groups = f"{LEADS}/groups"
    assert (await api.get(groups)).status_code == 204
    text = fake.field_id("leads", type="text")
    [group] = embedded(
        await api.post(groups, json=[{"name": "Доставка", "fields": [text], "request_id": "g"}]),
        "custom_field_groups",
    )
    assert group["id"].startswith("leads_") and group["request_id"] == "g"
    assert (await api.get(f"{LEADS}/{text}")).json()["group_id"] == group["id"]
    listed = embedded(await api.get(groups), "custom_field_groups")
    assert [(g["name"], g["fields"]) for g in listed] == [("Доставка", [text])]
    assert issues_of(await api.post(groups, json=[{"fields": [1]}])) == [
        ("NotSupportedChoice", "fields"),
        ("NotBlank", "name"),
    ]
    assert (await api.patch(f"{groups}/{group['id']}", json={"name": "Склад"})).status_code == 200
    assert (await api.delete(f"{groups}/{group['id']}")).status_code == 204
    assert (await api.get(f"{LEADS}/{text}")).json()["group_id"] is None
