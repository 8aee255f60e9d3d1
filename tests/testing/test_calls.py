"""The fake's calls over raw HTTP: placement by phone, the errors list, validation, 50 max."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from ._problems import issues_of, problem_of

pytestmark = pytest.mark.anyio


def call(phone: str, **fields: Any) -> dict[str, Any]:
    return {"direction": "outbound", "duration": 12, "source": "pbx", "phone": phone, **fields}


def phone_of(entity: dict[str, Any]) -> str:
    for field in entity.get("custom_fields_values") or []:
        if field["field_code"] == "PHONE":
            return str(field["values"][0]["value"])
    raise AssertionError("no phone")


async def test_a_call_goes_to_the_open_lead_of_the_contact(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    fake.seed(contacts=1)
    contact = fake.entities("contacts")[0]
    phone = phone_of(contact)
    first = await api.post("/api/v4/calls", json=[call(phone, request_id="r1")])
    assert first.json()["_embedded"]["calls"][0]["entity_type"] == "contact"
    lead = await api.post(
        "/api/v4/leads",
        json=[{"name": "Сделка", "_embedded": {"contacts": [{"id": contact["id"]}]}}],
    )
    lead_id = lead.json()["_embedded"]["leads"][0]["id"]
    answer = await api.post("/api/v4/calls", json=[call(phone, call_responsible="Оператор")])
    assert answer.status_code == 200
    [placed] = answer.json()["_embedded"]["calls"]
    assert (placed["entity_type"], placed["entity_id"], placed["request_id"]) == (
        "lead",
        lead_id,
        "0",
    )
    assert placed["_embedded"]["entity"]["_links"]["self"]["href"].endswith(f"/leads/{lead_id}")
    assert answer.json()["_embedded"]["errors"] == []
    assert [c["entity_type"] for c in fake.entities("calls")] == ["contact", "lead"]
    notes = (await api.get(f"/api/v4/leads/{lead_id}/notes")).json()["_embedded"]["notes"]
    assert [(n["note_type"], n["params"]["call_responsible"]) for n in notes] == [
        ("call_out", "Оператор")
    ]
    assert fake.stats.entities_created["calls"] == 2


async def test_calls_to_unknown_numbers_are_listed_as_errors(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    answer = await api.post("/api/v4/calls", json=[call("+1 555 0100"), call("---")])
    assert answer.status_code == 200
    body = answer.json()
    assert body["_total_items"] == 0
    assert body["_embedded"]["calls"] == []
    assert [(e["request_id"], e["code"]) for e in body["_embedded"]["errors"]] == [
        ("0", 404),
        ("1", 404),
    ]
    assert fake.entities("calls") == []


async def test_invalid_calls_fail_the_request(api: httpx.AsyncClient) -> None:
    bad = {"direction": "sideways", "duration": -1, "call_status": 9, "call_responsible": [1]}
    assert issues_of(await api.post("/api/v4/calls", json=[bad])) == [
        ("0", "NotSupportedChoice", "direction"),
        ("0", "InvalidType", "duration"),
        ("0", "NotSupportedChoice", "call_status"),
        ("0", "InvalidType", "call_responsible"),
        ("0", "NotBlank", "source"),
        ("0", "NotBlank", "phone"),
    ]
    too_many = [call("+7 900 000 00 00")] * 51
    assert problem_of(await api.post("/api/v4/calls", json=too_many), 422)["detail"] == (
        "Limit 50 per page"
    )
    for method in ("GET", "PATCH"):
        assert (await api.request(method, "/api/v4/calls")).status_code == 405
    assert (await api.get("/api/v4/calls/1")).status_code == 405


async def test_seeded_calls_are_on_seeded_contacts(fake: FakeAmoCRM) -> None:
    assert fake.seed(calls=2).calls == []
    seeded = fake.seed(contacts=2, calls=3)
    calls = fake.entities("calls")
    assert [c["id"] for c in calls] == seeded.calls
    assert {c["entity_id"] for c in calls} <= set(seeded.contacts)
    assert [c["direction"] for c in calls] == ["inbound", "outbound", "inbound"]
