"""The fake's talks over raw HTTP: read, close (forced or not), validation, no list."""

from __future__ import annotations

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from ._problems import issues_of, problem_of

pytestmark = pytest.mark.anyio


async def test_read_and_close(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    assert fake.seed(talks=1).talks == []
    [talk_id] = fake.seed(contacts=1, talks=1).talks
    talk = (await api.get(f"/api/v4/talks/{talk_id}")).json()
    assert (talk["talk_id"], talk["is_in_work"], talk["rate"]) == (talk_id, True, 0)
    assert talk["_embedded"]["contacts"] == [{"id": talk["contact_id"]}]
    closed = await api.post(f"/api/v4/talks/{talk_id}/close", content=b"")
    assert (closed.status_code, closed.content) == (202, b"")
    assert (await api.get(f"/api/v4/talks/{talk_id}")).json()["is_in_work"] is False
    again = await api.post(f"/api/v4/talks/{talk_id}/close", json={"force_close": True})
    assert problem_of(again)["detail"] == f"Talk {talk_id} is already closed"


async def test_close_validates_its_body(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [talk_id] = fake.seed(contacts=1, talks=1).talks
    url = f"/api/v4/talks/{talk_id}/close"
    assert issues_of(await api.post(url, json=[True])) == [("0", "InvalidType", "")]
    assert issues_of(await api.post(url, json={"force_close": "yes", "why": 1})) == [
        ("0", "FieldNotExpected", "why"),
        ("0", "InvalidType", "force_close"),
    ]
    assert problem_of(await api.post("/api/v4/talks/9/close", json={}), 404)
    assert (await api.get("/api/v4/talks/9")).status_code == 204
    for method, path in (("GET", "/api/v4/talks"), ("POST", "/api/v4/talks"), ("PATCH", url[:-6])):
        assert (await api.request(method, path)).status_code == 405
