"""The fake's tags: the lists with TagsFilter, creating tags (names never duplicated), updating
lead tags (name, colour from the palette), and validation with amoCRM's error shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM
from amocrm_async.testing.resources.tags import TAG_COLORS

from .test_notes import issues_of

pytestmark = pytest.mark.anyio

BASE = "https://acme.amocrm.ru"


async def add(api: httpx.AsyncClient, entity: str, *tags: dict[str, Any]) -> list[dict[str, Any]]:
    response = await api.post(f"/api/v4/{entity}/tags", json=list(tags))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["_embedded"]["tags"]
    return items


def names(response: httpx.Response) -> list[str]:
    if response.status_code == 204:
        return []
    return [tag["name"] for tag in response.json()["_embedded"]["tags"]]


async def test_add_answers_every_tag_with_its_request_id(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    response = await api.post(
        "/api/v4/leads/tags",
        json=[{"name": "VIP", "color": "ddebb5"}, {"name": " Новый ", "request_id": "mine"}],
    )
    assert response.status_code == 200
    body = response.json()
    assert body["_total_items"] == 2
    assert body["_links"]["self"]["href"] == f"{BASE}/api/v4/leads/tags"
    vip, new = body["_embedded"]["tags"]
    assert (vip["name"], vip["color"], vip["request_id"]) == ("VIP", "DDEBB5", "0")
    assert (new["name"], new["color"], new["request_id"]) == ("Новый", None, "mine")
    listed = (await api.get("/api/v4/leads/tags", params={"filter[id][]": vip["id"]})).json()
    assert listed["_embedded"]["tags"] == [{"id": vip["id"], "name": "VIP", "color": "DDEBB5"}]
    assert fake.stats.entities_created["tags"] == 2


async def test_an_existing_name_is_answered_not_duplicated(api: httpx.AsyncClient) -> None:
    [first] = await add(api, "contacts", {"name": "Партнёр"})
    [again, other] = await add(api, "contacts", {"name": "партнёр"}, {"name": "Поставщик"})
    assert again["id"] == first["id"] and again["name"] == "Партнёр"
    assert other["id"] != first["id"]
    assert names(await api.get("/api/v4/contacts/tags")) == ["Партнёр", "Поставщик"]
    assert names(await api.get("/api/v4/leads/tags")) == []  # each entity type has its own


async def test_tags_filter(api: httpx.AsyncClient) -> None:
    tags = await add(api, "companies", {"name": "Опт"}, {"name": "Розница"}, {"name": "Оптовик"})
    ids = [t["id"] for t in tags]
    cases = {
        f"filter[id][0]={ids[0]}&filter[id][1]={ids[2]}": ["Опт", "Оптовик"],
        "filter[name]=опт": ["Опт"],
        "query=опт": ["Опт", "Оптовик"],
        "query=опт&filter[name]=Оптовик": ["Оптовик"],
        "query=nothing": [],
    }
    for query, expected in cases.items():
        assert names(await api.get(f"/api/v4/companies/tags?{query}")) == expected, query
    page = await api.get("/api/v4/companies/tags", params={"limit": 2})
    assert page.json()["_links"]["next"]["href"].endswith("limit=2&page=2")


@pytest.mark.parametrize(
    ("entity", "item", "code", "path"),
    [
        ("leads", {}, "NotBlank", "name"),
        ("leads", {"name": "  "}, "NotBlank", "name"),
        ("leads", {"name": 5}, "InvalidType", "name"),
        ("leads", {"name": "x", "color": "123456"}, "NotSupportedChoice", "color"),
        ("leads", {"name": "x", "color": 5}, "InvalidType", "color"),
        ("leads", {"name": "x", "id": 1}, "FieldNotExpected", "id"),
        ("contacts", {"name": "x", "color": "DDEBB5"}, "FieldNotExpected", "color"),
        ("companies", {"name": "x", "size": 1}, "FieldNotExpected", "size"),
    ],
)
async def test_add_validation(
    fake: FakeAmoCRM,
    api: httpx.AsyncClient,
    entity: str,
    item: dict[str, Any],
    code: str,
    path: str,
) -> None:
    response = await api.post(f"/api/v4/{entity}/tags", json=[{"name": "fine"}, item])
    assert issues_of(response) == [("1", code, path)]
    assert names(await api.get(f"/api/v4/{entity}/tags")) == []  # all or nothing
    assert fake.stats.entities_created["tags"] == 0


async def test_request_limits(api: httpx.AsyncClient) -> None:
    too_many = await api.post("/api/v4/leads/tags", json=[{"name": f"t{i}"} for i in range(251)])
    assert too_many.status_code == 422
    assert (await api.post("/api/v4/leads/tags", json=[])).status_code == 400
    assert issues_of(await api.post("/api/v4/leads/tags", json=["VIP"])) == [
        ("0", "InvalidType", "")
    ]


async def test_lead_tags_are_renamed_and_recoloured(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    hot, cold = await add(api, "leads", {"name": "Горячий"}, {"name": "Холодный"})
    [lead] = fake.seed(leads=1).leads
    tagged = await api.patch(f"/api/v4/leads/{lead}", json={"tags_to_add": [{"id": hot["id"]}]})
    assert tagged.status_code == 200
    response = await api.patch(
        "/api/v4/leads/tags",
        json=[{"id": hot["id"], "name": "Очень горячий", "color": "FF8F92"}],
    )
    assert response.status_code == 200
    assert response.json()["_embedded"]["tags"] == [
        {"id": hot["id"], "name": "Очень горячий", "color": "FF8F92", "request_id": "0"}
    ]
    stored = fake.entity("leads", lead)
    assert stored is not None
    assert {"id": hot["id"], "name": "Очень горячий", "color": "FF8F92"} in stored["_embedded"][
        "tags"
    ]
    assert names(await api.get("/api/v4/leads/tags?filter[name]=очень горячий")) == [
        "Очень горячий"
    ]
    assert names(await api.get("/api/v4/leads/tags?filter[name]=Горячий")) == []
    uncoloured = await api.patch(f"/api/v4/leads/tags/{hot['id']}", json={"color": None})
    assert uncoloured.json()["_embedded"]["tags"][0]["color"] is None
    clash = await api.patch(f"/api/v4/leads/tags/{cold['id']}", json={"name": "очень ГОРЯЧИЙ"})
    assert issues_of(clash) == [("0", "NotSupportedChoice", "name")]
    assert fake.stats.entities_updated["tags"] == 2


async def test_update_validation_and_where_it_exists(api: httpx.AsyncClient) -> None:
    [tag] = await add(api, "leads", {"name": "VIP"})
    batch = await api.patch(
        "/api/v4/leads/tags",
        json=[{"name": "no id"}, {"id": 999, "name": "x"}, {"id": "1"}, {"id": tag["id"], "x": 1}],
    )
    assert issues_of(batch) == [
        ("0", "NotBlank", "id"),
        ("1", "NotSupportedChoice", "id"),
        ("2", "InvalidType", "id"),
        ("3", "FieldNotExpected", "x"),
    ]
    assert (await api.patch("/api/v4/leads/tags/999", json={"name": "x"})).status_code == 404
    assert (await api.patch("/api/v4/contacts/tags", json=[{"id": 1}])).status_code == 405
    assert (await api.patch("/api/v4/contacts/tags/1", json={})).status_code == 404


def test_the_palette_is_amocrms() -> None:
    assert len(TAG_COLORS) == 23
    assert {"EBEBEB", "DDEBB5", "247BA0", "832161"} <= TAG_COLORS
