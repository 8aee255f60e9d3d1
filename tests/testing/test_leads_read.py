from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM, VirtualClock

pytestmark = pytest.mark.anyio


async def create(api: httpx.AsyncClient, *leads: dict[str, Any]) -> list[int]:
    response = await api.post("/api/v4/leads", json=list(leads))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["_embedded"]["leads"]]


def ids_of(response: httpx.Response) -> list[int]:
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    return [lead["id"] for lead in response.json()["_embedded"]["leads"]]


async def test_pagination_links_and_204(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    created = fake.seed(leads=7).leads

    first = await api.get("/api/v4/leads", params={"limit": 3})
    body = first.json()
    assert first.headers["content-type"] == "application/hal+json"
    assert body["_page"] == 1
    assert ids_of(first) == created[:3]
    assert body["_links"]["self"]["href"] == "https://acme.amocrm.ru/api/v4/leads?limit=3&page=1"
    assert body["_links"]["next"]["href"] == "https://acme.amocrm.ru/api/v4/leads?limit=3&page=2"
    assert "prev" not in body["_links"]
    assert "first" not in body["_links"]

    second = (await api.get(body["_links"]["next"]["href"])).json()
    assert second["_page"] == 2
    assert set(second["_links"]) == {"self", "next", "prev", "first"}
    assert second["_links"]["prev"]["href"].endswith("page=1")

    last = await api.get(second["_links"]["next"]["href"])
    assert ids_of(last) == created[6:]
    assert "next" not in last.json()["_links"]

    past = await api.get("/api/v4/leads", params={"limit": 3, "page": 4})
    assert past.status_code == 204
    assert past.content == b""


async def test_limit_defaults_and_clamps(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.seed(leads=300)
    assert len(ids_of(await api.get("/api/v4/leads"))) == 50
    clamped = await api.get("/api/v4/leads", params={"limit": 1000})
    assert len(ids_of(clamped)) == 250
    assert "limit=250" in clamped.json()["_links"]["next"]["href"]


async def test_links_use_the_request_host(fake: FakeAmoCRM) -> None:
    fake.seed(leads=3)
    headers = {"Authorization": f"Bearer {fake.long_lived_token()}"}
    async with httpx.AsyncClient(transport=fake.transport, headers=headers) as client:
        response = await client.get("http://127.0.0.1:9999/api/v4/leads?limit=1")
    links = response.json()["_links"]
    assert links["next"]["href"] == "http://127.0.0.1:9999/api/v4/leads?limit=1&page=2"
    lead = response.json()["_embedded"]["leads"][0]
    assert lead["_links"]["self"]["href"].startswith("http://127.0.0.1:9999/api/v4/leads/")


async def test_lead_shape(fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock) -> None:
    [lead_id] = await create(
        api, {"name": "Shape", "price": 10, "_embedded": {"tags": [{"name": "t1"}]}}
    )
    lead = (await api.get(f"/api/v4/leads/{lead_id}")).json()
    expected_keys = {
        "id",
        "name",
        "price",
        "responsible_user_id",
        "group_id",
        "status_id",
        "pipeline_id",
        "loss_reason_id",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
        "closed_at",
        "closest_task_at",
        "is_deleted",
        "custom_fields_values",
        "score",
        "account_id",
        "_links",
        "_embedded",
    }
    assert set(lead) == expected_keys
    assert lead["created_at"] == lead["updated_at"] == int(clock.time())
    assert lead["custom_fields_values"] is None
    assert lead["_embedded"]["tags"] == [
        {"id": lead["_embedded"]["tags"][0]["id"], "name": "t1", "color": None}
    ]
    assert lead["_embedded"]["companies"] == []
    assert lead["_links"]["self"]["href"] == f"https://acme.amocrm.ru/api/v4/leads/{lead_id}"
    main = fake.pipelines()[0]
    assert lead["pipeline_id"] == main["id"]
    assert lead["status_id"] == main["statuses"][1]["id"]  # first stage after "unsorted"


async def test_get_one_missing_is_204_or_configured(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    missing = await api.get("/api/v4/leads/1")
    assert missing.status_code == 204
    assert missing.content == b""
    fake.missing_entity_status = 404
    not_found = await api.get("/api/v4/leads/1")
    assert not_found.status_code == 404
    assert not_found.headers["content-type"] == "application/problem+json"


@pytest.fixture
async def dataset(fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock) -> SimpleNamespace:
    """Five leads with known attributes, created a day apart."""
    pipelines = fake.pipelines()
    main, partners = pipelines[0], pipelines[1]
    users = [u["id"] for u in fake.users()]
    select = fake.field_id("leads", type="select")
    numeric = fake.field_id("leads", type="numeric")
    text = fake.field_id("leads", type="text")
    premium = fake.enum_id("leads", select, "Премиум")
    basic = fake.enum_id("leads", select, "Базовый")
    start = int(clock.time())
    rows = [
        {
            "name": "Alpha deal",
            "price": 100,
            "responsible_user_id": users[1],
            "custom_fields_values": [
                {"field_id": select, "values": [{"enum_id": premium}]},
                {"field_id": numeric, "values": [{"value": 5}]},
            ],
        },
        {
            "name": "Beta deal",
            "price": 200,
            "responsible_user_id": users[2],
            "pipeline_id": partners["id"],
            "custom_fields_values": [{"field_id": text, "values": [{"value": "needle in text"}]}],
        },
        {
            "name": "Gamma",
            "price": 300,
            "responsible_user_id": users[1],
            "status_id": 142,
            "pipeline_id": main["id"],
            "custom_fields_values": [
                {"field_id": select, "values": [{"enum_id": basic}]},
                {"field_id": numeric, "values": [{"value": 50}]},
            ],
        },
        {"name": "Delta", "price": 400, "responsible_user_id": users[3]},
        {
            "name": "Epsilon deal",
            "price": 500,
            "responsible_user_id": users[1],
            "pipeline_id": partners["id"],
        },
    ]
    ids = []
    for row in rows:
        ids.extend(await create(api, row))
        clock.advance(86_400)
    return SimpleNamespace(
        ids=ids,
        start=start,
        users=users,
        main=main["id"],
        partners=partners["id"],
        select=select,
        numeric=numeric,
        premium=premium,
    )


Case = Callable[[Any], tuple[str, list[int]]]
DAY = 86_400

FILTER_CASES: list[tuple[str, Case]] = [
    (
        "indexed id list",
        lambda d: (f"filter[id][0]={d.ids[0]}&filter[id][1]={d.ids[2]}", [d.ids[0], d.ids[2]]),
    ),
    (
        "bracket id list",
        lambda d: (f"filter[id][]={d.ids[1]}&filter[id][]={d.ids[3]}", [d.ids[1], d.ids[3]]),
    ),
    ("scalar id", lambda d: (f"filter[id]={d.ids[4]}", [d.ids[4]])),
    ("name", lambda d: ("filter[name]=Delta", [d.ids[3]])),
    ("name list", lambda d: ("filter[name][0]=Delta&filter[name][1]=Gamma", [d.ids[2], d.ids[3]])),
    ("price scalar", lambda d: ("filter[price]=300", [d.ids[2]])),
    ("price range", lambda d: ("filter[price][from]=150&filter[price][to]=400", d.ids[1:4])),
    (
        "created_at range",
        lambda d: (
            f"filter[created_at][from]={d.start + DAY}&filter[created_at][to]={d.start + 2 * DAY}",
            d.ids[1:3],
        ),
    ),
    ("updated_at from", lambda d: (f"filter[updated_at][from]={d.start + 3 * DAY}", d.ids[3:])),
    ("scalar updated_at is 204", lambda d: (f"filter[updated_at]={d.start}", [])),
    ("closed_at range", lambda d: (f"filter[closed_at][from]={d.start}", [d.ids[2]])),
    (
        "responsible_user_id",
        lambda d: (f"filter[responsible_user_id][]={d.users[1]}", [d.ids[0], d.ids[2], d.ids[4]]),
    ),
    ("created_by", lambda d: (f"filter[created_by]={d.users[0]}", d.ids)),
    ("pipeline_id", lambda d: (f"filter[pipeline_id][0]={d.partners}", [d.ids[1], d.ids[4]])),
    (
        "statuses pair",
        lambda d: (
            f"filter[statuses][0][pipeline_id]={d.main}&filter[statuses][0][status_id]=142",
            [d.ids[2]],
        ),
    ),
    (
        "cf enum id",
        lambda d: (f"filter[custom_fields_values][{d.select}][]={d.premium}", [d.ids[0]]),
    ),
    ("cf range", lambda d: (f"filter[custom_fields_values][{d.numeric}][from]=10", [d.ids[2]])),
    ("query in name", lambda d: ("query=deal", [d.ids[0], d.ids[1], d.ids[4]])),
    ("query in text field", lambda d: ("query=NEEDLE", [d.ids[1]])),
    (
        "filters are AND-ed",
        lambda d: (
            f"filter[responsible_user_id]={d.users[1]}&filter[price][from]=250",
            [d.ids[2], d.ids[4]],
        ),
    ),
    ("unknown filter ignored", lambda d: ("filter[nonsense]=1", d.ids)),
    ("no match is 204", lambda d: ("filter[name]=Nobody", [])),
]


@pytest.mark.parametrize("build", [c[1] for c in FILTER_CASES], ids=[c[0] for c in FILTER_CASES])
async def test_filters(api: httpx.AsyncClient, dataset: SimpleNamespace, build: Case) -> None:
    query, expected = build(dataset)
    response = await api.get(f"/api/v4/leads?{query}")
    assert ids_of(response) == expected
    if not expected:
        assert response.status_code == 204
        assert response.content == b""


async def test_order(api: httpx.AsyncClient, dataset: SimpleNamespace) -> None:
    ids = dataset.ids
    assert ids_of(await api.get("/api/v4/leads?order[id]=desc")) == ids[::-1]
    assert ids_of(await api.get("/api/v4/leads?order[created_at]=asc")) == ids
    assert ids_of(await api.get("/api/v4/leads?order[updated_at]=desc&limit=2")) == ids[::-1][:2]


async def test_if_modified_since(api: httpx.AsyncClient, dataset: SimpleNamespace) -> None:
    since = formatdate(dataset.start + 3 * DAY, usegmt=True)
    response = await api.get("/api/v4/leads", headers={"If-Modified-Since": since})
    assert ids_of(response) == dataset.ids[3:]


async def test_with_contacts_and_friends(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    contacts = await api.post("/api/v4/contacts", json=[{"name": "Main"}, {"name": "Second"}])
    c1, c2 = [c["id"] for c in contacts.json()["_embedded"]["contacts"]]
    main = fake.pipelines()[0]["id"]
    reason = (await api.get("/api/v4/leads/loss_reasons")).json()["_embedded"]["loss_reasons"][0]
    [lead_id] = await create(
        api,
        {
            "name": "Lost one",
            "status_id": 143,
            "pipeline_id": main,
            "loss_reason_id": reason["id"],
            "_embedded": {
                "contacts": [{"id": c1, "is_main": True}, {"id": c2}],
                "source": {"external_id": "site"},
            },
        },
    )
    plain = (await api.get(f"/api/v4/leads/{lead_id}")).json()
    assert "contacts" not in plain["_embedded"]
    assert "source_id" not in plain

    rich = (
        await api.get(
            f"/api/v4/leads/{lead_id}",
            params={"with": "contacts,loss_reason,source_id,is_price_modified_by_robot,unknown"},
        )
    ).json()
    assert rich["_embedded"]["contacts"] == [
        {
            "id": c1,
            "is_main": True,
            "_links": {"self": {"href": f"https://acme.amocrm.ru/api/v4/contacts/{c1}"}},
        },
        {
            "id": c2,
            "is_main": False,
            "_links": {"self": {"href": f"https://acme.amocrm.ru/api/v4/contacts/{c2}"}},
        },
    ]
    assert rich["_embedded"]["loss_reason"][0]["id"] == reason["id"]
    assert rich["loss_reason_id"] == reason["id"]
    assert isinstance(rich["source_id"], int)
    assert rich["is_price_modified_by_robot"] is False
    assert rich["closed_at"] is not None

    listed = await api.get("/api/v4/leads", params={"with": "contacts"})
    assert listed.json()["_embedded"]["leads"][0]["_embedded"]["contacts"][0]["id"] == c1


async def test_only_deleted(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    ids = fake.seed(leads=3).leads
    fake.delete_entities("leads", [ids[1]])
    assert ids_of(await api.get("/api/v4/leads")) == [ids[0], ids[2]]
    deleted = await api.get("/api/v4/leads", params={"with": "only_deleted"})
    assert ids_of(deleted) == [ids[1]]
    assert deleted.json()["_embedded"]["leads"][0]["is_deleted"] is True
    assert (await api.get(f"/api/v4/leads/{ids[1]}")).status_code == 204


async def test_reference_endpoints(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    pipelines = (await api.get("/api/v4/leads/pipelines")).json()
    assert pipelines["_total_items"] == 2
    first = pipelines["_embedded"]["pipelines"][0]
    status_ids = [s["id"] for s in first["_embedded"]["statuses"]]
    assert 142 in status_ids and 143 in status_ids
    one = (await api.get(f"/api/v4/leads/pipelines/{first['id']}/statuses/142")).json()
    assert one["pipeline_id"] == first["id"]
    users = (await api.get("/api/v4/users")).json()
    assert users["_total_items"] == 5
    account = (
        await api.get("/api/v4/account", params={"with": "amojo_id,datetime_settings"})
    ).json()
    assert account["subdomain"] == "acme"
    assert account["id"] == fake.account_id
    assert "amojo_id" in account
    assert "datetime_settings" in account["_embedded"]


@pytest.mark.parametrize("entity", ["leads", "contacts", "companies"])
async def test_custom_field_definitions(api: httpx.AsyncClient, entity: str) -> None:
    response = await api.get(f"/api/v4/{entity}/custom_fields", params={"limit": 250})
    fields = response.json()["_embedded"]["custom_fields"]
    types = {f["type"] for f in fields}
    common = {
        "text",
        "numeric",
        "checkbox",
        "select",
        "multiselect",
        "date",
        "url",
        "textarea",
        "radiobutton",
        "streetaddress",
        "smart_address",
        "birthday",
        "legal_entity",
        "date_time",
        "monetary",
        "file",
    }
    assert common <= types
    if entity == "leads":
        assert {"tracking_data", "chained_list"} <= types
    else:
        phone = next(f for f in fields if f["code"] == "PHONE")
        assert phone["type"] == "multitext"
        assert [e["value"] for e in phone["enums"]][:3] == ["WORK", "WORKDD", "MOB"]
    select = next(f for f in fields if f["type"] == "select")
    assert all({"id", "value", "sort"} <= set(e) for e in select["enums"])
    assert all(f["entity_type"] == entity for f in fields)
    only_select = await api.get(
        f"/api/v4/{entity}/custom_fields", params={"filter[type][]": "select"}
    )
    assert [f["type"] for f in only_select.json()["_embedded"]["custom_fields"]] == ["select"]
