"""Pipelines and statuses: unpaged collections, and a service parametrised by pipeline id."""

from __future__ import annotations

import pytest
import respx

from amocrm_async import AmoCRMClient
from amocrm_async.models import LeadStatus, Pipeline

from ..samples import sample
from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio


class TestContract(ServiceContract):
    spec = ServiceSpec("pipelines", make=lambda i: Pipeline(name=f"Sales {i}"))


async def test_list_sample_is_one_page_with_total(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/leads/pipelines").respond(200, json=sample("pipelines", "list"))
    page = await amo.pipelines.get()
    assert route.calls.last.request.url.query == b""
    assert (len(page), page.total_items, page.has_next) == (1, 1, False)
    assert page[0].embedded is not None and len(page[0].embedded.statuses or []) > 1


async def test_statuses_are_scoped_by_pipeline_and_cached(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    statuses = amo.pipelines.statuses(3177727)
    assert statuses is amo.pipelines.statuses(3177727)
    assert statuses is not amo.pipelines.statuses(1)
    assert statuses.path == "/api/v4/leads/pipelines/3177727/statuses"
    route = router.get("/api/v4/leads/pipelines/3177727/statuses/32392156").respond(
        200, json=sample("pipeline_statuses", "by_id")
    )
    status = await statuses.get_one(32392156, with_=["descriptions"])
    assert route.calls.last.request.url.params["with"] == "descriptions"
    assert isinstance(status, LeadStatus) and status.pipeline_id == 3177727
    with pytest.raises(ValueError, match="positive"):
        amo.pipelines.statuses(0)


async def test_statuses_contract(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    statuses = amo.pipelines.statuses(5)
    answer = {"_total_items": 2, "_embedded": {"statuses": [{"id": 1}, {"id": 2}]}}
    route = router.get("/api/v4/leads/pipelines/5/statuses").respond(200, json=answer)
    assert [status.id async for status in statuses.iterate()] == [1, 2]
    assert route.calls.last.request.url.query == b""
