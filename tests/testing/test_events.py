"""The fake's events over raw HTTP: recorded from writes, the comma-joined filters, 100 a page,
newest first, a string id, the types catalogue, 405 on writes, seeding."""

from __future__ import annotations

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

PATH = "/api/v4/events"


def types_of(response: httpx.Response) -> list[str]:
    """The event types of a list answer, in order ([] for a 204)."""
    assert response.status_code in (200, 204), response.text
    body = response.json() if response.status_code == 200 else {"_embedded": {"events": []}}
    return [event["type"] for event in body["_embedded"]["events"]]


async def test_writes_are_recorded(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    assert (await api.get(PATH)).status_code == 204
    created = await api.post("/api/v4/leads", json=[{"name": "A", "price": 1}])
    lead_id = created.json()["_embedded"]["leads"][0]["id"]
    await api.patch(f"/api/v4/leads/{lead_id}", json={"name": "B", "price": 1})
    await api.post("/api/v4/contacts", json=[{"name": "C"}])
    await api.post("/api/v4/tasks", json=[{"text": "t", "complete_till": 1_900_000_000}])
    assert sorted(types_of(await api.get(PATH))) == sorted(
        ["lead_added", "name_field_changed", "contact_added", "task_added"]
    )
    fake.delete_entities("leads", [lead_id])  # not through the API: no event
    (event,) = (await api.get(PATH, params={"filter[type]": "name_field_changed"})).json()[
        "_embedded"
    ]["events"]
    assert event["value_before"] == [{"name_field_value": {"name": "A"}}]
    assert event["value_after"] == [{"name_field_value": {"name": "B"}}]
    assert (event["entity_type"], event["entity_id"]) == ("lead", lead_id)
    assert event["_embedded"]["entity"]["id"] == lead_id
    one = await api.get(f"{PATH}/{event['id']}")
    assert one.json()["id"] == event["id"] and len(event["id"]) == 26


async def test_filters_as_php_sends_them(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.seed(leads=5, contacts=5, events=120)
    every = (await api.get(PATH, params={"limit": 250})).json()["_embedded"]["events"]
    assert len(every) == 100  # at most 100 a page
    times = [event["created_at"] for event in every]
    assert times == sorted(times, reverse=True)
    joined = types_of(
        await api.get(
            PATH, params={"filter[type]": "lead_status_changed,contact_added", "limit": 100}
        )
    )
    listed = types_of(
        await api.get(
            PATH,
            params={
                "filter[type][0]": "lead_status_changed",
                "filter[type][1]": "contact_added",
                "limit": 100,
            },
        )
    )
    assert joined == listed and set(joined) <= {"lead_status_changed", "contact_added"}
    ids = [every[0]["id"], every[1]["id"]]
    by_id = (await api.get(PATH, params={"filter[id]": ",".join(ids)})).json()["_embedded"][
        "events"
    ]
    assert sorted(e["id"] for e in by_id) == sorted(ids)
    low, high = times[-1], times[0]
    window = (
        await api.get(PATH, params={"filter[created_at]": f"{low},{high}", "limit": 100})
    ).json()
    assert all(low <= e["created_at"] <= high for e in window["_embedded"]["events"])
    ranged = await api.get(PATH, params={"filter[created_at][from]": str(high + 1)})
    assert ranged.status_code == 204


async def test_value_filters_and_types(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    created = await api.post("/api/v4/leads", json=[{"name": "A"}])
    lead = created.json()["_embedded"]["leads"][0]["id"]
    stored = fake.entity("leads", lead)
    assert stored is not None
    pipeline = next(p for p in fake.pipelines() if p["id"] == stored["pipeline_id"])
    target = [s["id"] for s in pipeline["statuses"] if s["type"] == 0][2]
    await api.patch(f"/api/v4/leads/{lead}", json={"status_id": target})
    query = {
        "filter[type]": "lead_status_changed",
        "filter[value_after][leads_statuses][0][pipeline_id]": str(pipeline["id"]),
        "filter[value_after][leads_statuses][0][status_id]": str(target),
    }
    assert types_of(await api.get(PATH, params=query)) == ["lead_status_changed"]
    query["filter[value_after][leads_statuses][0][status_id]"] = "1"
    assert (await api.get(PATH, params=query)).status_code == 204
    catalogue = (await api.get(f"{PATH}/types", params={"language_code": "en"})).json()
    keys = {item["key"]: item for item in catalogue["_embedded"]["events_types"]}
    assert keys["lead_added"]["lang"] == "New lead" and catalogue["_total_items"] == len(keys)
    assert (await api.post(PATH, json=[{}])).status_code == 405
    assert (await api.get(f"{PATH}/zzz")).status_code == 204


def test_seeded_events_are_about_seeded_entities() -> None:
    fake = FakeAmoCRM(seed=1)
    seeded = fake.seed(leads=10, contacts=4, events=50)
    assert len(seeded.events) == 50 and fake.count("events") == 50
    leads, contacts = set(seeded.leads), set(seeded.contacts)
    for event in fake.entities("events"):
        assert event["entity_id"] in {"lead": leads, "contact": contacts}[event["entity_type"]]
