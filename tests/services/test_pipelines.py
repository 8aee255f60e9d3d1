"""Pipelines and statuses: the contract of ``amo.pipelines`` and ``amo.pipelines.statuses(id)``,
the public samples on the wire (golden round trips), the back-fill of write answers, colour
checks before sending, and every write end to end against the fake amoCRM."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import LeadStatus, Pipeline, PipelineEmbedded, StatusDescription
from amocrm_async.testing import FakeAmoCRM

from ..samples import sample
from .contract import ServiceContract, ServiceSpec
from .test_catalogs import ScopedSpec

pytestmark = pytest.mark.anyio

MAIN = 7_000_001
"""The main pipeline of a fresh fake account (the second one is 7_000_002)."""


def new_pipeline(i: int) -> Pipeline:
    return Pipeline(
        name=f"Sales {i}",
        sort=10 + i,
        is_main=False,
        is_unsorted_on=True,
        embedded=PipelineEmbedded(statuses=[LeadStatus(name=f"New {i}", color="#fffeb2")]),
    )


class TestContract(ServiceContract):
    spec = ServiceSpec("pipelines", make=new_pipeline)


class TestStatusesContract(ServiceContract):
    spec = ScopedSpec(
        "pipelines.statuses",
        scope=MAIN,
        make=lambda i: LeadStatus(name=f"Stage {i}", sort=100 + i, color="#ffdc7f"),
    )


def body(route: respx.Route) -> object:
    return json.loads(route.calls.last.request.content)


# -- the public samples ----------------------------------------------------------------------


async def test_list_sample_is_one_page_with_total(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/leads/pipelines").respond(200, json=sample("pipelines", "list"))
    page = await amo.pipelines.get()
    assert route.calls.last.request.url.query == b""
    assert (len(page), page.total_items, page.has_next) == (1, 1, False)
    assert page[0].embedded is not None and len(page[0].embedded.statuses or []) == 5


async def test_add_sample_round_trip_fills_in_the_answer(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    """The documented request is what ``add`` sends, and the documented answer is copied
    back: the id, what the server decided, and the statuses it created."""
    request = sample("pipelines", "add_request")
    route = router.post("/api/v4/leads/pipelines").respond(
        200, json=sample("pipelines", "add_response")
    )
    pipeline = Pipeline.model_validate(request[0])
    [written] = await amo.pipelines.add([pipeline])
    assert body(route) == request
    assert written is pipeline
    assert (pipeline.id, pipeline.name, pipeline.is_main, pipeline.account_id) == (
        3270358,
        "Воронка для примера",
        True,
        1415131,
    )
    assert pipeline.embedded is not None and pipeline.embedded.statuses is not None
    assert [s.id for s in pipeline.embedded.statuses] == [3304, 3303, 142, 143]
    assert pipeline.to_api() == {
        "id": 3270358,
        "name": "Воронка для примера",
        "sort": 1,
        "is_main": True,
        "is_unsorted_on": False,
        "request_id": "123",
    }


async def test_update_sample_round_trip(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    request = sample("pipelines", "update_request")
    route = router.patch("/api/v4/leads/pipelines/3177727").respond(
        200, json=sample("pipelines", "update_response")
    )
    pipeline = Pipeline(id=3177727, **request)
    await amo.pipelines.update_one(pipeline)
    assert body(route) == {"id": 3177727, **request}
    assert (pipeline.sort, pipeline.is_archive, pipeline.account_id) == (1000, False, 12345678)
    assert pipeline.embedded is not None
    assert [s.id for s in pipeline.embedded.statuses or []] == [32392159, 32392165, 142, 143]


async def test_an_update_answer_that_does_not_parse_is_an_unknown_outcome(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.patch("/api/v4/leads/pipelines/3").respond(200, json={"id": 3, "sort": "high"})
    pipeline = Pipeline(id=3, name="x", sort=1)
    with pytest.raises(errors.OutcomeUnknownError):
        await amo.pipelines.update_one(pipeline)
    assert pipeline.sort == 1


async def test_status_samples_round_trip(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    statuses = amo.pipelines.statuses(3270355)
    added = router.post("/api/v4/leads/pipelines/3270355/statuses").respond(
        200, json=sample("pipeline_statuses", "add_response")
    )
    models = [LeadStatus(**item) for item in sample("pipeline_statuses", "add_request")]
    await statuses.add(models)
    sent = body(added)
    assert isinstance(sent, list)
    assert [{k: v for k, v in item.items() if k != "request_id"} for item in sent] == sample(
        "pipeline_statuses", "add_request"
    )
    assert [(s.id, s.sort, s.pipeline_id) for s in models] == [
        (33035290, 60, 3270355),
        (33035293, 70, 3270355),
    ]
    updated = router.patch("/api/v4/leads/pipelines/3177727/statuses/32392165").respond(
        200, json=sample("pipeline_statuses", "update_response")
    )
    status = LeadStatus(id=32392165, **sample("pipeline_statuses", "update_request"))
    await amo.pipelines.statuses(3177727).update_one(status)
    assert body(updated) == {"id": 32392165, **sample("pipeline_statuses", "update_request")}
    one = router.get("/api/v4/leads/pipelines/3177727/statuses/32392156").respond(
        200, json=sample("pipeline_statuses", "by_id")
    )
    found = await amo.pipelines.statuses(3177727).get_one(32392156, with_=["descriptions"])
    assert one.calls.last.request.url.params["with"] == "descriptions"
    assert (found.type, found.is_editable, found.color) == (1, False, "#ccc8f9")


async def test_statuses_are_scoped_by_pipeline_and_cached(amo: AmoCRMClient) -> None:
    statuses = amo.pipelines.statuses(3177727)
    assert statuses is amo.pipelines.statuses(3177727)
    assert statuses is not amo.pipelines.statuses(1)
    assert statuses.path == "/api/v4/leads/pipelines/3177727/statuses"
    with pytest.raises(ValueError, match="positive"):
        amo.pipelines.statuses(0)


# -- checked before sending ------------------------------------------------------------------


async def test_colours_and_descriptions_are_checked_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    statuses = amo.pipelines.statuses(5)
    with pytest.raises(ValueError, match=r"LeadStatus\.color .*'#123456'"):
        await statuses.add_one(LeadStatus(name="x", color="#123456"))
    with pytest.raises(ValueError, match=r"LeadStatus\.color"):
        await statuses.update_one(LeadStatus(id=3, color="red"))
    bad = new_pipeline(1)
    assert bad.embedded is not None and bad.embedded.statuses is not None
    bad.embedded.statuses.append(LeadStatus(name="y", color="#CCFF66"))
    with pytest.raises(ValueError, match=r"Pipeline\._embedded\.statuses\[1\]\.color"):
        await amo.pipelines.add([bad])
    level = LeadStatus(name="z", descriptions=[StatusDescription(level="boss", description="-")])
    with pytest.raises(ValueError, match=r"descriptions\[0\]\.level"):
        await statuses.add_one(level)
    twice = [StatusDescription(level="newbie", description=str(i)) for i in range(2)]
    with pytest.raises(ValueError, match="more than once"):
        await statuses.add_one(LeadStatus(name="z", descriptions=twice))
    long = StatusDescription(level="master", description="x" * 1001)
    with pytest.raises(ValueError, match="longer than 1000"):
        await statuses.add_one(LeadStatus(name="z", descriptions=[long]))
    assert not router.calls


async def test_an_update_never_sends_the_statuses_of_a_pipeline(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.patch(f"/api/v4/leads/pipelines/{MAIN}").respond(200, json={"id": MAIN})
    pipeline = new_pipeline(1)
    pipeline.id = MAIN
    await amo.pipelines.update_one(pipeline)
    assert body(route) == {
        "id": MAIN,
        "name": "Sales 1",
        "sort": 11,
        "is_main": False,
        "is_unsorted_on": True,
    }


async def test_an_answer_that_does_not_parse_is_an_unknown_outcome(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    answer = {"_embedded": {"pipelines": [{"id": "not a number", "request_id": "x"}]}}
    router.post("/api/v4/leads/pipelines").respond(200, json=answer)
    pipeline = new_pipeline(1)
    pipeline.request_id = "x"
    with pytest.raises(errors.BatchError) as caught:
        await amo.pipelines.add([pipeline])
    assert caught.value.unknown == [pipeline]
    assert pipeline.id is None


# -- end to end against the fake -------------------------------------------------------------


async def test_pipeline_writes_end_to_end(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    [main, second] = (await on_fake.pipelines.get()).items
    assert (main.id, main.is_main, second.is_main) == (MAIN, True, False)
    pipeline = new_pipeline(1)
    assert pipeline.embedded is not None and pipeline.embedded.statuses is not None
    pipeline.embedded.statuses.append(LeadStatus(id=142, name="Оплачено"))
    await on_fake.pipelines.add_one(pipeline)
    assert pipeline.id is not None and pipeline.account_id == fake.account_id
    statuses = pipeline.embedded.statuses
    assert [(s.name, s.type) for s in statuses] == [
        ("Неразобранное", 1),
        ("New 1", 0),
        ("Оплачено", 0),
        ("Закрыто и не реализовано", 0),
    ]
    fresh = await on_fake.pipelines.get_one(pipeline.id)
    assert fresh.embedded == pipeline.embedded
    fresh.name, fresh.is_main, fresh.is_unsorted_on = "Renamed", True, False
    await on_fake.pipelines.update_one(fresh)
    again = await on_fake.pipelines.get_one(pipeline.id)
    assert (again.name, again.is_main, again.is_unsorted_on) == ("Renamed", True, False)
    assert again.embedded is not None and 1 not in {s.type for s in again.embedded.statuses or []}
    assert not (await on_fake.pipelines.get_one(MAIN)).is_main
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.pipelines.delete_one(pipeline.id)  # the main one now
    assert [issue.path for issue in caught.value.errors] == ["pipeline_id"]
    await on_fake.pipelines.delete_one(second.id or 0)
    with pytest.raises(errors.NotFoundError):
        await on_fake.pipelines.get_one(second.id or 0)
    assert [p.id for p in await on_fake.pipelines.get()] == [MAIN, pipeline.id]


async def test_sync_one_lays_local_changes_over_the_server(on_fake: AmoCRMClient) -> None:
    local = Pipeline(id=MAIN, name="Local name")
    fresh = await on_fake.pipelines.sync_one(local)
    assert (fresh.name, fresh.sort, fresh.is_main) == ("Local name", 1, True)
    status = LeadStatus(id=60_000_002, color="#deff81")
    merged = await on_fake.pipelines.statuses(MAIN).sync_one(status, with_=["descriptions"])
    assert (merged.name, merged.color, merged.descriptions) == ("Первичный контакт", "#deff81", [])


async def test_status_writes_end_to_end(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    statuses = on_fake.pipelines.statuses(MAIN)
    described = LeadStatus(
        name="Demo",
        color="#87f2c0",
        descriptions=[StatusDescription(level="newbie", description="Show the product")],
    )
    await statuses.add([described, LeadStatus(name="Offer", sort=45)])
    assert described.id is not None and described.sort == 60
    assert described.descriptions is not None and described.descriptions[0].id is not None
    read = await statuses.get_one(described.id, with_=["descriptions"])
    assert read.descriptions is not None
    assert [(d.level, d.description) for d in read.descriptions] == [("newbie", "Show the product")]
    read.descriptions = [StatusDescription(level="newbie", description="Show it twice")]
    read.name = "Demo call"
    await statuses.update_one(read)
    assert read.descriptions[0].id == described.descriptions[0].id  # copied from the answer
    again = await statuses.get_one(described.id, with_=["descriptions"])
    assert again.name == "Demo call" and again.descriptions is not None
    assert [d.description for d in again.descriptions] == ["Show it twice"]
    listed = [s.name for s in await statuses.get()]
    assert listed.index("Offer") < listed.index("Demo call")
    await statuses.update_one(LeadStatus(id=142, name="Won!"))
    with pytest.raises(errors.RequestValidationError) as caught:
        await statuses.update_one(LeadStatus(id=143, color="#fffeb2"))
    assert [issue.path for issue in caught.value.errors] == ["color"]
    for system in (142, 60_000_001):
        with pytest.raises(errors.RequestValidationError):
            await statuses.delete_one(system)
    await statuses.delete_one(described.id)
    with pytest.raises(errors.NotFoundError):
        await statuses.get_one(described.id)
    assert fake.stats.entities_created["statuses"] == 2


async def test_a_status_or_pipeline_with_leads_is_not_deleted(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    [lead_id] = fake.seed(leads=1).leads
    lead = fake.entity("leads", lead_id)
    assert lead is not None
    pipeline_id, status_id = lead["pipeline_id"], lead["status_id"]
    with pytest.raises(errors.RequestValidationError):
        await on_fake.pipelines.statuses(pipeline_id).delete_one(status_id)
    if pipeline_id != MAIN:
        with pytest.raises(errors.RequestValidationError):
            await on_fake.pipelines.delete_one(pipeline_id)


async def test_the_fake_refuses_bad_pipelines_like_amocrm(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.pipelines.add_one(Pipeline(name="No statuses"))
    paths = {issue.path for issue in caught.value.errors}
    assert paths == {"sort", "is_main", "is_unsorted_on", "_embedded.statuses"}
    only_system = new_pipeline(2)
    only_system.embedded = PipelineEmbedded(statuses=[LeadStatus(id=143, name="Lost")])
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.pipelines.add_one(only_system)
    assert [issue.path for issue in caught.value.errors] == ["_embedded.statuses.0.name"]
    assert len(await on_fake.pipelines.statuses(99).get()) == 0
    with pytest.raises(errors.NotFoundError):
        await on_fake.pipelines.statuses(MAIN).get_one(99)


async def test_limits_and_missing_entities_on_the_wire(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    """Raw requests: the 50-pipeline and 100-status limits, 405 for a batch PATCH, 404s."""
    fake.seed(pipelines=48)
    async with httpx.AsyncClient(
        transport=fake.transport, base_url=fake.base_url, headers=_auth(fake)
    ) as http:
        path = "/api/v4/leads/pipelines"
        one = new_pipeline(1).to_api()
        assert (await http.post(path, json=[one])).status_code == 400
        assert (await http.patch(path, json=[{"id": MAIN, "name": "x"}])).status_code == 405
        assert (await http.patch(f"{path}/{MAIN}/statuses", json=[{}])).status_code == 405
        assert (await http.delete(f"{path}/99")).status_code == 404
        assert (await http.post(f"{path}/99/statuses", json=[{"name": "x"}])).status_code == 404
        assert (
            await http.patch(f"{path}/{MAIN}/statuses/9", json={"name": "x"})
        ).status_code == 404
        assert (await http.delete(f"{path}/{MAIN}/statuses/9")).status_code == 404
        empty = await http.patch(f"{path}/{MAIN}/statuses/60000002", json={})
        assert empty.status_code == 400
        many = [{"name": f"s{i}"} for i in range(94)]
        assert (await http.post(f"{path}/{MAIN}/statuses", json=many)).status_code == 400
        bad = [{"name": 1, "color": "#000000", "type": 3, "descriptions": "x"}, "no"]
        answer = await http.post(f"{path}/{MAIN}/statuses", json=bad)
        issues = answer.json()["validation-errors"]
        assert [e["path"] for e in issues[0]["errors"]] == ["name", "color", "descriptions"]
        assert issues[1]["errors"][0]["code"] == "InvalidType"


def _auth(fake: FakeAmoCRM) -> dict[str, str]:
    return {"Authorization": f"Bearer {fake.long_lived_token()}"}
