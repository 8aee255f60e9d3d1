"""Sources: the contract of ``amo.sources``, the filter and the batch delete on the wire, the
default-source rule and the services model checked before sending, and the writes end to end
against the fake amoCRM (one default, unique external ids, the old id back, leads' source)."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.filters import SourcesFilter
from amocrm_async.models import (
    Lead,
    LeadEmbedded,
    LeadSource,
    Source,
    SourceService,
    SourceServicePage,
    SourceServiceParams,
)
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio

MAIN, SECOND = 7_000_001, 7_000_002
"""The pipelines of a fresh fake account."""


def new_source(i: int) -> Source:
    return Source(name=f"Site {i}", external_id=f"site-{i}")


class TestContract(ServiceContract):
    spec = ServiceSpec(
        "sources", make=new_source, change=lambda source: setattr(source, "name", "Landing")
    )


def whatsapp(*numbers: str) -> list[SourceService]:
    pages = [SourceServicePage(id=f"p{n}", name=f"Line {n}", link=n) for n in numbers]
    params = SourceServiceParams(waba=True, is_supports_list_message=False)
    return [SourceService(type="whatsapp", pages=pages, params=params)]


async def test_filter_and_paging_on_the_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    answer = {
        "_total_items": 1,
        "_embedded": {"sources": [{"id": 5, "name": "Site", "external_id": "a"}]},
    }
    route = router.get("/api/v4/sources").respond(200, json=answer)
    page = await amo.sources.get(SourcesFilter(external_ids=["a", "b"]))
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[external_id][0]", "a"),
        ("filter[external_id][1]", "b"),
    ]
    assert ([s.external_id for s in page], page.total_items, page.has_next) == (["a"], 1, False)
    await amo.sources.get(SourcesFilter(external_ids="a"))
    assert route.calls.last.request.url.params.multi_items() == [("filter[external_id]", "a")]


async def test_the_services_model_round_trips(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    source = Source(name="WhatsApp", external_id="wa", pipeline_id=9, services=whatsapp("+7900"))
    answer = {"_embedded": {"sources": [{**source.to_api(), "id": 31, "request_id": "r1"}]}}
    source.request_id = "r1"
    route = router.post("/api/v4/sources").respond(200, json=answer)
    await amo.sources.add_one(source)
    assert json.loads(route.calls.last.request.content) == [
        {
            "name": "WhatsApp",
            "external_id": "wa",
            "pipeline_id": 9,
            "services": [
                {
                    "type": "whatsapp",
                    "pages": [{"id": "p+7900", "name": "Line +7900", "link": "+7900"}],
                    "params": {"waba": True, "is_supports_list_message": False},
                }
            ],
            "request_id": "r1",
        }
    ]
    assert (source.id, source.pipeline_id) == (31, 9)


async def test_bad_input_is_refused_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    two = [Source(name=f"{i}", external_id=f"{i}", default=True) for i in range(3)]
    with pytest.raises(ValueError, match=r"Source\.default: .* positions \[0, 1, 2\]"):
        await amo.sources.add(two)
    for source, number in zip(two, range(1, 4), strict=True):
        source.id = number
    with pytest.raises(ValueError, match=r"Source\.default"):
        await amo.sources.update(two)
    telegram = Source(name="t", external_id="t", services=[SourceService(type="telegram")])
    with pytest.raises(ValueError, match=r"Source\.services\[0\]\.type .*'telegram'"):
        await amo.sources.add_one(telegram)
    with pytest.raises(ValueError, match="position 1: entity id must be a positive int"):
        await amo.sources.delete([3, 0])
    with pytest.raises(ValueError, match="external_ids"):
        SourcesFilter(external_ids=["a", ""])
    with pytest.raises(ValueError, match="at least one"):
        SourcesFilter(external_ids=[])
    assert not router.calls


async def test_writes_end_to_end(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    assert len(await on_fake.sources.get()) == 0  # 204: no sources yet
    site, chat = new_source(1), Source(name="Chat", external_id="chat", pipeline_id=SECOND)
    chat.services = whatsapp("+79001112233", "+79004445566")
    chat.default = True
    await on_fake.sources.add([site, chat])
    assert site.pipeline_id == MAIN and chat.default is True
    found = await on_fake.sources.get(SourcesFilter(external_ids="chat"))
    [read] = found.items
    assert read.services is not None and read.services[0].pages is not None
    assert [page.link for page in read.services[0].pages] == ["+79001112233", "+79004445566"]
    site.default = True
    await on_fake.sources.update([site])
    defaults = {s.external_id: s.default for s in await on_fake.sources.get()}
    assert defaults == {"site-1": True, "chat": False}
    await on_fake.sources.delete_one(site.id or 0)
    assert [s.default for s in await on_fake.sources.get()] == [False]
    await on_fake.sources.delete([chat])
    assert len(await on_fake.sources.get()) == 0
    again = new_source(1)
    await on_fake.sources.add_one(again)
    assert again.id == site.id  # a deleted external_id brings its old id back
    assert fake.count("sources") == 1


async def test_a_lead_names_its_source_by_external_id(on_fake: AmoCRMClient) -> None:
    source = Source(name="Landing page", external_id="landing")
    await on_fake.sources.add_one(source)
    lead = Lead(
        name="From the landing", embedded=LeadEmbedded(source=LeadSource(external_id="landing"))
    )
    await on_fake.leads.add_one(lead)
    read = await on_fake.leads.get_one(lead.id or 0, with_=["source_id", "source"])
    assert read.source_id == source.id
    assert read.embedded is not None and read.embedded.source is not None
    assert read.embedded.source.name == "Landing page"


async def test_the_fake_refuses_what_amocrm_refuses(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    await on_fake.sources.add_one(new_source(1))
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.sources.add_one(new_source(1))
    assert [issue.path for issue in caught.value.errors] == ["external_id"]
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.sources.add_one(Source(name="x", external_id="x", pipeline_id=1))
    assert [issue.path for issue in caught.value.errors] == ["pipeline_id"]
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.sources.add_one(Source(name="no external id"))
    assert [issue.code for issue in caught.value.errors] == ["NotBlank"]
    with pytest.raises(errors.RequestValidationError):
        await on_fake.sources.delete([404])
    fake.seed(sources=48)
    with pytest.raises(errors.BatchError) as batch:
        await on_fake.sources.add([new_source(2), new_source(3)])
    assert isinstance(batch.value.errors[0], errors.BadRequestError)
    with pytest.raises(ValueError, match="at most 50"):
        fake.seed(sources=2)
