"""The fake's pipelines, statuses, loss reasons, sources and currencies over raw HTTP: answer
shapes against the public samples, validation in amoCRM's error shapes, 204/405/404, side
effects of writes (unsorted on/off, deleted reasons, one default source) and ``fake.seed``."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from ..samples import sample
from ._problems import issues_of

pytestmark = pytest.mark.anyio

PIPELINES = "/api/v4/leads/pipelines"
MAIN = 7_000_001


def shape(value: Any) -> Any:
    """Keys all the way down, lists reduced to their first item's shape."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items() if key != "request_id"}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def issues(response: httpx.Response) -> list[tuple[str, str]]:
    return [(code, path) for _, code, path in issues_of(response)]


def new_pipeline(**extra: Any) -> dict[str, Any]:
    statuses = [{"name": "New", "color": "#fffeb2"}]
    return {
        "name": "Sales",
        "sort": 5,
        "is_main": False,
        "is_unsorted_on": True,
        "_embedded": {"statuses": statuses},
        **extra,
    }


async def test_answers_have_the_shape_of_the_public_samples(api: httpx.AsyncClient) -> None:
    listed = (await api.get(PIPELINES)).json()
    assert shape(listed) == shape(sample("pipelines", "list"))
    one = (await api.get(f"{PIPELINES}/{MAIN}")).json()
    assert shape(one) == shape(sample("pipelines", "by_id"))
    added = shape((await api.post(PIPELINES, json=[new_pipeline()])).json())
    del added["_embedded"]["pipelines"][0]["is_archive"]  # the documented add answer lacks it
    assert added["_embedded"] == shape(sample("pipelines", "add_response"))["_embedded"]
    status = (await api.get(f"{PIPELINES}/{MAIN}/statuses/60000002")).json()
    assert shape(status) == shape(sample("pipeline_statuses", "by_id"))
    statuses = [{"name": "A", "sort": 100, "color": "#fffeb2"}]
    answer = (await api.post(f"{PIPELINES}/{MAIN}/statuses", json=statuses)).json()
    assert shape(answer) == shape(sample("pipeline_statuses", "add_response"))


async def test_pipeline_writes_are_validated(api: httpx.AsyncClient) -> None:
    bad_statuses = [
        "no",
        {"id": 60000002, "name": "x"},
        {"id": 142, "name": "Won", "color": "#fffeb2"},
        {"name": "x", "descriptions": [{"level": "boss", "description": "-"}]},
        {"name": "y", "descriptions": ["no", {"level": "newbie", "description": 5, "x": 1}]},
        {"name": "z", "descriptions": {"level": "newbie"}},
        {"sort": 1},
    ]
    answer = await api.post(PIPELINES, json=[new_pipeline(_embedded={"statuses": bad_statuses})])
    assert issues(answer) == [
        ("InvalidType", "_embedded.statuses.0"),
        ("NotSupportedChoice", "_embedded.statuses.1.id"),
        ("NotSupportedChoice", "_embedded.statuses.2.color"),
        ("NotSupportedChoice", "_embedded.statuses.3.descriptions.0.level"),
        ("InvalidType", "_embedded.statuses.4.descriptions.0"),
        ("FieldNotExpected", "_embedded.statuses.4.descriptions.1.x"),
        ("InvalidType", "_embedded.statuses.4.descriptions.1.description"),
        ("InvalidType", "_embedded.statuses.5.descriptions"),
        ("NotBlank", "_embedded.statuses.6.name"),
    ]
    not_a_list = await api.post(PIPELINES, json=[new_pipeline(_embedded={"statuses": {}})])
    assert issues(not_a_list) == [
        ("InvalidType", "_embedded.statuses"),
        ("NotBlank", "_embedded.statuses"),
    ]
    unknown = await api.post(PIPELINES, json=[new_pipeline(color="#fffeb2", is_main="yes")])
    assert issues(unknown) == [("InvalidType", "is_main"), ("FieldNotExpected", "color")]


async def test_unsorted_can_be_turned_off_and_on(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.seed(leads=30)
    unsorted_id = 60_000_001
    leads = [lead for lead in fake.entities("leads") if lead["status_id"] == unsorted_id]
    off = await api.patch(f"{PIPELINES}/{MAIN}", json={"is_unsorted_on": False})
    assert off.status_code == 200
    types = [s["type"] for s in off.json()["_embedded"]["statuses"]]
    assert 1 not in types
    for lead in leads:
        moved = fake.entity("leads", lead["id"])
        assert moved is not None and moved["status_id"] == 60_000_002
    on = (await api.patch(f"{PIPELINES}/{MAIN}", json={"is_unsorted_on": True})).json()
    first = on["_embedded"]["statuses"][0]
    assert (first["type"], first["name"], first["is_editable"]) == (1, "Неразобранное", False)


async def test_seed_covers_pipelines_loss_reasons_and_sources(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    seeded = fake.seed(pipelines=3, loss_reasons=6, sources=4)
    assert (len(seeded.pipelines), len(seeded.loss_reasons), len(seeded.sources)) == (3, 6, 4)
    listed = (await api.get(PIPELINES)).json()
    assert listed["_total_items"] == 5
    for pipeline in listed["_embedded"]["pipelines"][2:]:
        assert pipeline["id"] in seeded.pipelines and not pipeline["is_main"]
        types = [s["type"] for s in pipeline["_embedded"]["statuses"]]
        assert types[0] == 1 and types.count(0) >= 4  # unsorted, 2+ stages, won, lost
    reasons = (await api.get("/api/v4/leads/loss_reasons")).json()["_embedded"]["loss_reasons"]
    names = [reason["name"] for reason in reasons]
    assert len(names) == 9 and len(set(names)) == 9
    sources = (await api.get("/api/v4/sources")).json()["_embedded"]["sources"]
    assert [s["id"] for s in sources] == seeded.sources
    assert {s["pipeline_id"] for s in sources} == {MAIN}
    assert fake.count("pipelines") == 5
    counts = (await api.get("/_fake")).json()["accounts"][0]
    assert (counts["pipelines"], counts["loss_reasons"], counts["sources"]) == (5, 9, 4)


async def test_loss_reasons_are_validated_and_not_batch_updated(api: httpx.AsyncClient) -> None:
    path = "/api/v4/leads/loss_reasons"
    answer = await api.post(path, json=[{"name": 5, "sort": -1}, {"sort": 1, "x": 2}])
    assert issues(answer) == [
        ("InvalidType", "name"),
        ("InvalidType", "sort"),
        ("FieldNotExpected", "x"),
        ("NotBlank", "name"),
    ]
    assert (await api.patch(path, json=[{"id": 8_000_001, "name": "x"}])).status_code == 405
    lead = {"name": "Lost", "status_id": 143, "pipeline_id": MAIN, "loss_reason_id": 99}
    refused = await api.post("/api/v4/leads", json=[lead])
    assert issues(refused) == [("NotSupportedChoice", "loss_reason_id")]
    refused = await api.post("/api/v4/leads", json=[{**lead, "loss_reason_id": "8"}])
    assert issues(refused) == [("InvalidType", "loss_reason_id")]


async def test_sources_are_validated(api: httpx.AsyncClient) -> None:
    services = [
        "no",
        {"type": "telegram", "pages": "x", "params": {"waba": "yes"}, "extra": 1},
    ]
    source = {"name": "S", "external_id": "s", "pipeline_id": "1", "services": services}
    answer = await api.post("/api/v4/sources", json=[source])
    assert issues(answer) == [
        ("InvalidType", "pipeline_id"),
        ("InvalidType", "services.0"),
        ("FieldNotExpected", "services.1.extra"),
        ("NotSupportedChoice", "services.1.type"),
        ("InvalidType", "services.1.pages"),
        ("InvalidType", "services.1.params"),
    ]
    not_a_list = await api.post("/api/v4/sources", json=[{**source, "services": {}}])
    assert ("InvalidType", "services") in issues(not_a_list)
    batch = await api.request("DELETE", "/api/v4/sources", json=[{"id": "1"}, 5])
    assert issues(batch) == [("InvalidType", "id"), ("InvalidType", "id")]


async def test_a_lead_with_an_unknown_source_creates_it(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    lead = {"name": "From the bot", "_embedded": {"source": {"external_id": "bot"}}}
    created = await api.post("/api/v4/leads", json=[lead])
    assert created.status_code == 200, created.text
    [source] = (await api.get("/api/v4/sources", params={"filter[external_id]": "bot"})).json()[
        "_embedded"
    ]["sources"]
    assert (source["name"], source["external_id"], source["default"]) == ("bot", "bot", False)
    again = await api.post("/api/v4/leads", json=[lead])
    assert again.status_code == 200
    assert fake.count("sources") == 1


async def test_currencies_have_no_item_route(api: httpx.AsyncClient) -> None:
    first = (await api.get("/api/v4/currencies", params={"limit": 2})).json()
    assert [c["code"] for c in first["_embedded"]["currencies"]] == ["RUB", "USD"]
    assert first["_total_items"] == 12 and "next" in first["_links"]
    assert (await api.get("/api/v4/currencies/1")).status_code == 404
