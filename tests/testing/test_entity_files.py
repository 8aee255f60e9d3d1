"""The fake's entity files and subscriptions over raw HTTP."""

from __future__ import annotations

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

UUID = "6cbab3d5-c4c1-46ff-b710-ad59ad10805f"


async def test_attach_list_detach(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    (contact,) = fake.seed(contacts=1).contacts
    path = f"/api/v4/contacts/{contact}/files"
    assert (await api.get(path)).status_code == 204
    put = await api.put(path, json=[{"file_uuid": UUID}])
    assert put.status_code == 200
    (item,) = put.json()["_embedded"]["files"]
    assert item["file_uuid"] == UUID and isinstance(item["id"], int)
    listed = (await api.get(path)).json()
    assert listed["_total_items"] == 1 and listed["_embedded"]["files"][0]["id"] == item["id"]
    assert (await api.request("DELETE", path, json=[{"file_uuid": UUID}])).status_code == 204
    assert (await api.get(path)).status_code == 204


async def test_errors(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    (lead,) = fake.seed(leads=1).leads
    path = f"/api/v4/leads/{lead}/files"
    bad = await api.put(path, json=[{"file_uuid": "x", "name": "n"}])
    assert bad.status_code == 400
    errors = bad.json()["validation-errors"][0]["errors"]
    assert {(e["code"], e["path"]) for e in errors} == {
        ("FieldNotExpected", "name"),
        ("InvalidType", "file_uuid"),
    }
    assert (await api.put(path, json=[])).status_code == 400
    assert (await api.put("/api/v4/leads/1/files", json=[{"file_uuid": UUID}])).status_code == 404
    assert (await api.get("/api/v4/leads/1/files")).status_code == 204
    assert (await api.post(path, json=[{"file_uuid": UUID}])).status_code == 405


async def test_subscriptions_are_the_owner_and_creator(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    users = [user["id"] for user in fake.users()]
    created = await api.post("/api/v4/leads", json=[{"name": "x", "responsible_user_id": users[3]}])
    lead = created.json()["_embedded"]["leads"][0]["id"]
    answer = (await api.get(f"/api/v4/leads/{lead}/subscriptions")).json()
    assert answer["_total_items"] == 2
    assert answer["_embedded"]["subscriptions"] == [
        {"subscriber_id": users[3], "type": "user"},
        {"subscriber_id": users[0], "type": "user"},
    ]
    assert (await api.get("/api/v4/leads/1/subscriptions")).status_code == 204
    assert (
        await api.get(f"/api/v4/leads/{lead}/subscriptions", params={"page": 2})
    ).status_code == 204
