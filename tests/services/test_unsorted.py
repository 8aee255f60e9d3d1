"""Unsorted: the contract for its list, and by hand what an int-id contract cannot check:
``get_one(uid)``, the chunked ``add_forms``/``add_sip`` with uids and lead/contact ids mapped
back, accept/decline/link/summary on the wire, and all of it end to end against the fake."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.filters import UnsortedFilter, UnsortedSummaryFilter
from amocrm_async.models import (
    Contact,
    FormsMetadata,
    Lead,
    SipMetadata,
    UnsortedCategory,
    UnsortedEmbedded,
    UnsortedForm,
    UnsortedSip,
)
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec, body

pytestmark = pytest.mark.anyio

PATH = "/api/v4/leads/unsorted"


def form(i: int, *, contact: bool = True) -> UnsortedForm:
    return UnsortedForm(
        source_uid="site",
        source_name="Сайт",
        metadata=FormsMetadata(
            form_id="1",
            form_name="Заявка",
            form_page="https://example.com",
            form_sent_at=1_700_000_000,
        ),
        _embedded=UnsortedEmbedded(
            leads=[Lead(name=f"Заявка #{i}")],
            contacts=[Contact(name=f"Клиент {i}")] if contact else None,
        ),
    )


def sip(i: int) -> UnsortedSip:
    return UnsortedSip(
        source_uid="pbx",
        source_name="Телефония",
        metadata=SipMetadata(
            uniq=f"call-{i}",
            duration=30,
            service_code="pbx",
            link="https://example.com/r.mp3",
            phone="+79990000000",
            called_at=1_700_000_000,
            from_="Менеджер",
        ),
        _embedded=UnsortedEmbedded(leads=[Lead(name=f"Звонок #{i}")]),
    )


class TestContract(ServiceContract):
    spec = ServiceSpec("unsorted", make=form)


def echo_uids(request: httpx.Request) -> httpx.Response:
    sent = json.loads(request.content)
    items = [
        {
            "uid": f"uid-{item['request_id']}",
            "request_id": item["request_id"],
            "_embedded": {
                "leads": [{"id": 1000 + n}],
                "contacts": [{"id": 2000 + n}] if "contacts" in item["_embedded"] else [],
            },
        }
        for n, item in enumerate(reversed(sent))  # answered out of order: matched by request_id
    ]
    return httpx.Response(200, json={"_total_items": len(items), "_embedded": {"unsorted": items}})


async def test_get_one_by_uid(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    router.get(f"{PATH}/a1b2").respond(
        200, json={"uid": "a1b2", "category": "sip", "metadata": {"phone": "+7"}}
    )
    entry = await amo.unsorted.get_one("a1b2")
    assert (entry.uid, entry.category) == ("a1b2", UnsortedCategory.SIP)
    router.get(f"{PATH}/gone").respond(204)
    with pytest.raises(errors.NotFoundError):
        await amo.unsorted.get_one("gone")
    with pytest.raises(ValueError, match="uid"):
        await amo.unsorted.get_one("")


async def test_add_forms_chunks_and_maps_uids_and_ids_back(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post(f"{PATH}/forms").mock(side_effect=echo_uids)
    models = [form(i) for i in range(120)]
    first = models[0].to_api()
    written = await amo.unsorted.add_forms(models)
    assert [len(body(call)) for call in route.calls] == [50, 50, 20]
    assert written == models
    assert all(m.uid == f"uid-{m.request_id}" for m in models)
    assert all(m.lead is not None and m.lead.id is not None for m in models)
    sent = body(route.calls[0])[0]
    assert sent == {**first, "request_id": models[0].request_id}
    assert "category" not in sent and "uid" not in sent


async def test_add_sip_goes_to_its_path(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.post(f"{PATH}/sip").mock(side_effect=echo_uids)
    (entry,) = await amo.unsorted.add_sip([sip(1)])
    assert entry.uid is not None and body(route.calls.last)[0]["metadata"]["from"] == "Менеджер"


async def test_a_failed_chunk_reports_what_was_written(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    calls = 0

    def answer(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 2:
            problem = {
                "title": "Bad Request",
                "status": 400,
                "detail": "Request validation failed",
                "validation-errors": [
                    {
                        "request_id": json.loads(request.content)[0]["request_id"],
                        "errors": [{"code": "NotSupportedChoice", "path": "source_uid"}],
                    }
                ],
            }
            return httpx.Response(400, json=problem)
        return echo_uids(request)

    router.post(f"{PATH}/forms").mock(side_effect=answer)
    models = [form(i) for i in range(120)]
    with pytest.raises(errors.BatchError) as caught:
        await amo.unsorted.add_forms(models, chunk_size=50)
    report = caught.value
    assert len(report.written) == 50 and len(report.failed) == 50 and len(report.not_sent) == 20
    assert report.failed[0].issues[0].path == "source_uid"


async def test_only_forms_and_sip_entries_are_sent(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="source_uid"):
        await amo.unsorted.add_forms([UnsortedForm(source_name="x")])
    assert not router.calls


async def test_accept_decline_link_bodies(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    answer: dict[str, Any] = {"uid": "u1", "category": "chats", "_embedded": {"leads": [{"id": 5}]}}
    accepted = router.post(f"{PATH}/u1/accept").respond(200, json=answer)
    declined = router.delete(f"{PATH}/u1/decline").respond(200, json=answer)
    linked = router.post(f"{PATH}/u1/link").respond(200, json=answer)
    done = await amo.unsorted.accept("u1", user_id=7, status_id=142)
    assert body(accepted.calls.last) == {"user_id": 7, "status_id": 142}
    assert done.embedded is not None and done.embedded.leads is not None
    assert done.embedded.leads[0].id == 5
    await amo.unsorted.accept("u1")
    assert body(accepted.calls.last) == {}
    await amo.unsorted.decline("u1", user_id=7)
    assert body(declined.calls.last) == {"user_id": 7}
    await amo.unsorted.link("u1", 5, user_id=7, contact_id=9)
    assert body(linked.calls.last) == {
        "link": {"entity_id": 5, "entity_type": "leads", "metadata": {"contact_id": 9}},
        "user_id": 7,
    }


async def test_summary_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get(f"{PATH}/summary").respond(
        200,
        json={
            "total": 3,
            "accepted": 1,
            "declined": 1,
            "average_sort_time": 60,
            "categories": {"forms": 3},
        },
    )
    summary = await amo.unsorted.summary(
        UnsortedSummaryFilter(created_at=1_700_000_000, pipeline_id=5)
    )
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[created_at]", "1700000000"),
        ("filter[pipeline_id]", "5"),
    ]
    assert (summary.total, summary.categories) == (3, {"forms": 3})


async def test_list_filter_on_the_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get(PATH).respond(204)
    page = await amo.unsorted.get(UnsortedFilter(categories=["sip"], order=("created_at", "desc")))
    assert len(page) == 0
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[category][0]", "sip"),
        ("order[created_at]", "desc"),
        ("limit", "250"),
        ("page", "1"),
    ]


# ----------------------------------------------------------------------------------------------
# End to end against the fake amoCRM
# ----------------------------------------------------------------------------------------------


async def test_created_entries_read_back_with_their_lead_in_unsorted(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    forms = await on_fake.unsorted.add_forms([form(i) for i in range(3)])
    calls = await on_fake.unsorted.add_sip([sip(1)])
    for entry in (*forms, *calls):
        assert entry.uid is not None and entry.lead is not None and entry.lead.id is not None
        read = await on_fake.unsorted.get_one(entry.uid)
        assert read.lead is not None and read.lead.id == entry.lead.id
        lead = await on_fake.leads.get_one(entry.lead.id)
        pipeline = next(p for p in fake.pipelines() if p["id"] == lead.pipeline_id)
        unsorted_stage = next(s for s in pipeline["statuses"] if s["type"] == 1)
        assert lead.status_id == unsorted_stage["id"]
    assert forms[0].embedded is not None and forms[0].embedded.contacts is not None
    contact_id = forms[0].embedded.contacts[0].id
    assert contact_id is not None
    contact = fake.entity("contacts", contact_id)
    assert contact is not None and contact["name"] == "Клиент 0"
    listed = [e.uid async for e in on_fake.unsorted.iterate(UnsortedFilter(categories="sip"))]
    assert listed == [calls[0].uid]


async def test_accept_moves_the_lead_and_removes_the_entry(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    (entry,) = await on_fake.unsorted.add_forms([form(1)])
    assert entry.uid is not None and entry.lead is not None and entry.lead.id is not None
    pipeline = next(p for p in fake.pipelines() if p["is_main"])
    target = [s["id"] for s in pipeline["statuses"] if s["type"] == 0][1]
    answer = await on_fake.unsorted.accept(entry.uid, status_id=target)
    assert answer.uid == entry.uid and answer.category is UnsortedCategory.FORMS
    assert (await on_fake.leads.get_one(entry.lead.id)).status_id == target
    with pytest.raises(errors.NotFoundError):
        await on_fake.unsorted.get_one(entry.uid)
    with pytest.raises(errors.APIError) as again:
        await on_fake.unsorted.accept(entry.uid)
    assert again.value.status == 400


async def test_decline_deletes_the_lead(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    (entry,) = await on_fake.unsorted.add_forms([form(1)])
    assert entry.uid is not None and entry.lead is not None and entry.lead.id is not None
    await on_fake.unsorted.decline(entry.uid)
    with pytest.raises(errors.NotFoundError):
        await on_fake.leads.get_one(entry.lead.id)
    summary = await on_fake.unsorted.summary()
    assert (summary.total, summary.declined, summary.accepted) == (1, 1, 0)
    assert summary.categories["forms"] == 1


async def test_link_attaches_a_chat_to_a_lead(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    seeded = fake.seed(leads=2, unsorted=12)
    chats = [
        e async for e in on_fake.unsorted.iterate(UnsortedFilter(categories=["chats", "mail"]))
    ]
    assert chats, seeded
    entry = chats[0]
    assert entry.uid is not None and entry.lead is not None
    lead_id = seeded.leads[0]
    answer = await on_fake.unsorted.link(entry.uid, lead_id)
    assert answer.embedded is not None and answer.embedded.leads is not None
    assert [lead.id for lead in answer.embedded.leads] == [lead_id]
    links = await on_fake.leads.get_links(lead_id, to_entity_type="contacts")
    assert entry.embedded is not None and entry.embedded.contacts is not None
    assert entry.embedded.contacts[0].id in {link.to_entity_id for link in links}
    # forms and sip entries cannot be linked
    (created,) = await on_fake.unsorted.add_forms([form(1)])
    assert created.uid is not None
    with pytest.raises(errors.APIError) as refused:
        await on_fake.unsorted.link(created.uid, lead_id)
    assert refused.value.status == 400


async def test_invalid_entries_come_back_as_a_batch_report(on_fake: AmoCRMClient) -> None:
    bad = form(1)
    bad.metadata = FormsMetadata(form_id="1")  # form_name, form_page are required
    with pytest.raises(errors.BatchError) as caught:
        await on_fake.unsorted.add_forms([form(0), bad])
    paths = {issue.path for failure in caught.value.failed for issue in failure.issues}
    assert {"metadata.form_name", "metadata.form_page"} <= paths


@pytest.mark.parametrize(
    "answer",
    [
        {"_embedded": {"unsorted": []}},
        {"_embedded": {}},
        {"_embedded": {"unsorted": [{"request_id": "x"}]}},
        {"_embedded": {"unsorted": [{"uid": 5}]}},
    ],
    ids=["fewer entries", "no list", "no uid", "uid not a string"],
)
async def test_an_answer_that_does_not_map_back_is_outcome_unknown(
    router: respx.MockRouter, amo: AmoCRMClient, answer: dict[str, Any]
) -> None:
    """The entry was stored (2xx) but cannot be matched to the one sent: nothing is copied,
    and the caller learns that the write may have happened."""
    router.post(f"{PATH}/forms").respond(200, json=answer)
    entry = form(1)
    with pytest.raises(errors.BatchError) as caught:
        await amo.unsorted.add_forms([entry])
    assert caught.value.unknown == [entry]
    assert isinstance(caught.value.errors[0], errors.OutcomeUnknownError)
    assert entry.uid is None
