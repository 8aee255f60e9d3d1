"""The fake's website buttons over raw HTTP: create, update, online chat, with=, validation."""

from __future__ import annotations

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from ._problems import issues_of, problem_of

pytestmark = pytest.mark.anyio

PATH = "/api/v4/website_buttons"


async def pipeline_id(api: httpx.AsyncClient) -> int:
    pipelines = (await api.get("/api/v4/leads/pipelines")).json()["_embedded"]["pipelines"]
    return int(pipelines[0]["id"])


async def test_create_read_update(api: httpx.AsyncClient) -> None:
    assert (await api.get(PATH)).status_code == 204
    pipeline = await pipeline_id(api)
    created = await api.post(
        PATH, json={"pipeline_id": pipeline, "trusted_websites": ["https://a"]}
    )
    source_id = created.json()["source_id"]
    assert created.json() == {
        "source_id": source_id,
        "trusted_websites": ["https://a"],
        "name": f"Кнопка на сайт {source_id}",
    }
    button = (await api.get(f"{PATH}/{source_id}", params={"with": "scripts"})).json()
    assert (button["creation_status"], button["pipeline_id"]) == ("created", pipeline)
    assert f'id:"{source_id}"' in button["script"]
    renamed = await api.patch(f"{PATH}/{source_id}", json={"name": "Сайт"})
    assert (renamed.json()["name"], renamed.json()["trusted_websites"]) == ("Сайт", ["https://a"])


async def test_invalid_writes(api: httpx.AsyncClient) -> None:
    assert issues_of(await api.post(PATH, json=[1])) == [("0", "InvalidType", "")]
    assert issues_of(await api.post(PATH, json={"is_used_in_app": 1, "x": 0, "name": 5})) == [
        ("0", "FieldNotExpected", "x"),
        ("0", "NotBlank", "pipeline_id"),
        ("0", "InvalidType", "is_used_in_app"),
        ("0", "InvalidType", "name"),
    ]
    assert issues_of(
        await api.post(PATH, json={"pipeline_id": "1", "trusted_websites": "https://a"})
    ) == [("0", "InvalidType", "pipeline_id"), ("0", "InvalidType", "trusted_websites")]
    pipeline = await pipeline_id(api)
    created = await api.post(PATH, json={"pipeline_id": pipeline, "trusted_websites": ["", 3]})
    assert issues_of(created) == [
        ("0", "InvalidType", "trusted_websites.0"),
        ("0", "InvalidType", "trusted_websites.1"),
    ]
    source_id = (await api.post(PATH, json={"pipeline_id": pipeline})).json()["source_id"]
    url = f"{PATH}/{source_id}"
    assert problem_of(await api.patch(url, json={}))["detail"] == "Request data can not be empty"
    assert issues_of(await api.patch(url, json={"trusted_websites": ["x"], "y": 1})) == [
        ("0", "FieldNotExpected", "y"),
        ("0", "InvalidType", "trusted_websites"),
    ]
    assert issues_of(await api.patch(url, json={"trusted_websites": {"add": [""]}})) == [
        ("0", "InvalidType", "trusted_websites.add.0")
    ]
    assert problem_of(await api.patch(f"{PATH}/1", json={"name": "x"}), 404)
    assert (await api.patch(PATH, json=[])).status_code == 405


async def test_online_chat_and_deleted_buttons(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    seeded = fake.seed(website_buttons=4).website_buttons
    chat = await api.post(f"{PATH}/{seeded[0]}/online_chat")
    assert (chat.status_code, chat.content) == (202, b"")
    assert problem_of(await api.post(f"{PATH}/{seeded[0]}/online_chat"))
    assert problem_of(await api.post(f"{PATH}/{seeded[3]}/online_chat"), 404)
    live = (await api.get(PATH)).json()["_embedded"]["website_buttons"]
    everything = (await api.get(PATH, params={"with": "deleted"})).json()["_embedded"]
    assert [b["source_id"] for b in live] == seeded[:3]
    assert [b["is_deleted"] for b in everything["website_buttons"]] == [False, False, False, True]
