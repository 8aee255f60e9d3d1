"""Leads service on the wire: method, path, query and JSON body of every method."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, VirtualClock, errors
from amocrm_async.errors import WriteReport
from amocrm_async.filters import LeadsFilter, Range
from amocrm_async.models import Company, Contact, EntityLink, Lead, LeadEmbedded

from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio

ClientFactory = Callable[..., AmoCRMClient]
BASE = "https://acme.amocrm.ru"


def lead_json(lead_id: int, **extra: Any) -> dict[str, Any]:
    return {
        "id": lead_id,
        "name": f"Lead {lead_id}",
        "price": 1000,
        "responsible_user_id": 5,
        "group_id": 0,
        "status_id": 142,
        "pipeline_id": 3,
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_100,
        "account_id": 9,
        "custom_fields_values": [
            {
                "field_id": 11,
                "field_name": "Budget note",
                "field_code": None,
                "field_type": "text",
                "values": [{"value": "hello"}],
            }
        ],
        "_links": {"self": {"href": f"{BASE}/api/v4/leads/{lead_id}"}},
        "_embedded": {"tags": [{"id": 1, "name": "vip", "color": None}]},
        **extra,
    }


def page_json(ids: list[int], page: int, *, has_next: bool) -> dict[str, Any]:
    links: dict[str, Any] = {"self": {"href": f"{BASE}/api/v4/leads?page={page}&limit=2"}}
    if has_next:
        links["next"] = {"href": f"{BASE}/api/v4/leads?page={page + 1}&limit=2"}
    return {"_page": page, "_links": links, "_embedded": {"leads": [lead_json(i) for i in ids]}}


def body(call: Any) -> Any:
    return json.loads(call.request.content)


async def test_get_one(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get("/api/v4/leads/42").respond(200, json=lead_json(42))
    lead = await amo.leads.get_one(42, with_=["contacts", "loss_reason"])
    assert route.calls.last.request.url.raw_path == b"/api/v4/leads/42?with=contacts%2Closs_reason"
    assert isinstance(lead, Lead)
    assert (lead.id, lead.name, lead.updated_at) == (42, "Lead 42", 1_700_000_100)
    assert lead.get_custom_field_value(11) == "hello"


@pytest.mark.parametrize("status", [204, 404])
async def test_get_one_missing_raises_not_found(
    router: respx.MockRouter, amo: AmoCRMClient, status: int
) -> None:
    router.get("/api/v4/leads/7").respond(status)
    with pytest.raises(errors.NotFoundError):
        await amo.leads.get_one(7)


async def test_get_one_refuses_unknown_with(amo: AmoCRMClient) -> None:
    with pytest.raises(ValueError, match="with_"):
        await amo.leads.get_one(1, with_=["contact"])


async def test_get_page_with_filter(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get("/api/v4/leads").respond(200, json=page_json([1, 2], 1, has_next=True))
    page = await amo.leads.get(
        LeadsFilter(ids=[1, 2], updated_at=Range(from_=10, to=20)), limit=2, with_=["contacts"]
    )
    assert route.calls.last.request.url.raw_path == (
        b"/api/v4/leads?filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2"
        b"&filter%5Bupdated_at%5D%5Bfrom%5D=10&filter%5Bupdated_at%5D%5Bto%5D=20"
        b"&limit=2&page=1&with=contacts"
    )
    assert [lead.id for lead in page] == [1, 2]
    assert page.page == 1 and page.has_next
    router.get("/api/v4/leads").respond(204)
    nxt = await page.next_page()
    assert nxt is not None and len(nxt) == 0 and not nxt.has_next
    assert await nxt.next_page() is None


async def test_empty_list_is_not_an_error(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    router.get("/api/v4/leads").respond(204)
    page = await amo.leads.get(LeadsFilter(query="nobody"))
    assert list(page) == [] and not page.has_next
    assert [lead async for lead in amo.leads.iterate()] == []


async def test_get_validates_limit_and_page(amo: AmoCRMClient) -> None:
    with pytest.raises(ValueError, match="limit"):
        await amo.leads.get(limit=251)
    with pytest.raises(ValueError, match="page"):
        await amo.leads.get(page=0)


async def test_iterate_follows_next_links_with_explicit_limit(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    pages = {
        "1": page_json([1, 2], 1, has_next=True),
        "2": page_json([3, 4], 2, has_next=True),
        "3": page_json([5], 3, has_next=False),
    }
    route = router.get("/api/v4/leads").mock(
        side_effect=lambda request: httpx.Response(200, json=pages[request.url.params["page"]])
    )
    ids = [lead.id async for lead in amo.leads.iterate(limit=2)]
    assert ids == [1, 2, 3, 4, 5]
    assert [c.request.url.params["limit"] for c in route.calls] == ["2", "2", "2"]
    assert route.call_count == 3


async def test_iterate_stops_on_204_after_a_next_link(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/leads").mock(
        side_effect=[
            httpx.Response(200, json=page_json([1], 1, has_next=True)),
            httpx.Response(204),
        ]
    )
    assert [lead.id async for lead in amo.leads.iterate()] == [1]
    assert route.call_count == 2


async def test_iterate_refuses_a_next_link_that_does_not_advance(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    looping = page_json([1], 2, has_next=False)
    looping["_links"]["next"] = {"href": f"{BASE}/api/v4/leads?page=2&limit=250"}
    router.get("/api/v4/leads").mock(
        side_effect=[
            httpx.Response(200, json=page_json([0], 1, has_next=True)),
            httpx.Response(200, json=looping),
        ]
    )
    with pytest.raises(errors.AmoCRMError, match="refusing to loop"):
        [lead async for lead in amo.leads.iterate()]


@pytest.mark.parametrize("concurrency", [2, 3, 8])
async def test_iterate_concurrently_keeps_order(
    router: respx.MockRouter, make_client: ClientFactory, concurrency: int
) -> None:
    total_pages = 23

    def respond(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        if number > total_pages:
            return httpx.Response(204)
        ids = [number * 10 + i for i in range(2)]
        return httpx.Response(200, json=page_json(ids, number, has_next=number < total_pages))

    route = router.get("/api/v4/leads").mock(side_effect=respond)
    async with make_client(rate_limit=7.0) as amo:
        ids = [lead.id async for lead in amo.leads.iterate(limit=2, concurrency=concurrency)]
    assert ids == [n * 10 + i for n in range(1, total_pages + 1) for i in range(2)]
    requested = [int(c.request.url.params["page"]) for c in route.calls]
    assert sorted(set(requested)) == requested or len(set(requested)) == len(requested)
    assert max(requested) <= total_pages + concurrency  # bounded overshoot past the end


async def test_add_chunks_120_into_50_50_20_and_maps_ids(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        created = [
            {"id": 1000 + int(item["name"][1:]), "request_id": item["request_id"]}
            for item in reversed(items)  # mapping must go by request_id, not position
        ]
        return httpx.Response(200, json={"_links": {}, "_embedded": {"leads": created}})

    route = router.post("/api/v4/leads").mock(side_effect=respond)
    leads = [Lead(name=f"n{i}", price=i) for i in range(120)]
    result = await amo.leads.add(leads)
    assert sorted(len(body(c)) for c in route.calls) == [20, 50, 50]
    assert result is not leads and result == leads
    assert [lead.id for lead in result] == [1000 + i for i in range(120)]
    rids = [lead.request_id or "" for lead in result]
    assert len(set(rids)) == 120 and not any(rid.startswith("0") for rid in rids)
    first = next(c for c in route.calls if body(c)[0]["name"] == "n0")
    assert body(first)[0] == {"name": "n0", "price": 0, "request_id": rids[0]}


async def test_add_partial_failure_reports_every_model(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        if items[0]["name"] == "n50":
            return httpx.Response(
                400,
                json={
                    "title": "Bad Request",
                    "status": 400,
                    "detail": "Request validation failed",
                    "validation-errors": [
                        {
                            "request_id": items[7]["request_id"],
                            "errors": [{"code": "InvalidType", "path": "price", "detail": "int"}],
                        }
                    ],
                },
            )
        created = [{"id": 1 + int(i["name"][1:]), "request_id": i["request_id"]} for i in items]
        return httpx.Response(200, json={"_embedded": {"leads": created}})

    router.post("/api/v4/leads").mock(side_effect=respond)
    leads = [Lead(name=f"n{i}") for i in range(130)]
    async with make_client(rate_limit=7.0) as amo:
        with pytest.raises(errors.BatchError) as info:
            await amo.leads.add(leads)
    error = info.value
    assert error.written == leads[:50]
    assert all(m.id == 1 + i for i, m in enumerate(error.written))
    assert [f.item for f in error.failed] == leads[50:100]
    bad = next(f for f in error.failed if f.item is leads[57])
    assert [(i.code, i.path) for i in bad.issues] == [("InvalidType", "price")]
    assert error.not_sent == leads[100:]
    assert error.unknown == []
    assert "50 written, 50 failed, 0 outcome unknown, 30 not sent" in str(error)


async def test_add_write_dropped_is_outcome_unknown_not_replayed(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads").mock(side_effect=httpx.ReadError("connection reset"))
    leads = [Lead(name="a"), Lead(name="b")]
    with pytest.raises(errors.BatchError) as info:
        await amo.leads.add(leads)
    assert route.call_count == 1
    assert [m.name for m in info.value.unknown] == ["a", "b"]
    assert isinstance(info.value.errors[0], errors.OutcomeUnknownError)
    assert info.value.errors[0].request_ids == [m.request_id for m in leads]


async def test_add_one_raises_the_error_itself(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    router.post("/api/v4/leads").respond(402, json={"title": "Payment Required", "status": 402})
    with pytest.raises(errors.PaymentRequiredError):
        await amo.leads.add_one(Lead(name="a"))


async def test_chunk_size_bounds_checked_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads").respond(200, json={})
    with pytest.raises(ValueError, match="chunk_size"):
        await amo.leads.add([Lead(name="a")], chunk_size=251)
    with pytest.raises(ValueError, match="chunk_size"):
        await amo.leads.add([Lead(name="a")], chunk_size=0)
    assert route.call_count == 0


async def test_invalid_model_fails_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads").respond(200, json={})
    from pydantic import ValidationError

    lead = Lead(name="ok")
    with pytest.raises(ValidationError, match="price"):
        lead.price = "a lot"  # type: ignore[assignment]
    with pytest.raises(ValueError, match="update needs ids"):
        await amo.leads.update([Lead(name="no id")])
    assert route.call_count == 0


async def test_update_and_update_one(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    batch = router.patch("/api/v4/leads").respond(
        200,
        json={"_embedded": {"leads": [{"id": 2, "updated_at": 222}, {"id": 1, "updated_at": 111}]}},
    )
    single = router.patch("/api/v4/leads/1").respond(200, json={"id": 1, "updated_at": 333})
    one, two = Lead(id=1, name="A"), Lead(id=2, price=5)
    await amo.leads.update([one, two])
    assert body(batch.calls.last) == [
        {"id": 1, "name": "A", "request_id": one.request_id},
        {"id": 2, "price": 5, "request_id": two.request_id},
    ]
    assert (one.updated_at, two.updated_at) == (111, 222)
    one.status_id = 143
    one.loss_reason_id = 8
    await amo.leads.update_one(one)
    sent = body(single.calls.last)
    assert sent["status_id"] == 143 and sent["loss_reason_id"] == 8 and "updated_at" not in sent
    assert one.updated_at == 333


async def test_sync_one_local_fields_win(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    router.get("/api/v4/leads/5").respond(200, json=lead_json(5, name="server"))
    local = Lead(id=5, price=77)
    synced = await amo.leads.sync_one(local)
    assert (synced.name, synced.price, synced.updated_at) == ("server", 77, 1_700_000_100)


async def test_sync_one_keep_only_the_fields_changed(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    earlier = Lead.model_validate(lead_json(5, name="old name", price=10))
    router.get("/api/v4/leads/5").respond(200, json=lead_json(5, name="new name", price=20))
    earlier.price = 99
    synced = await amo.leads.sync_one(earlier, keep={"price"})
    assert (synced.name, synced.price) == ("new name", 99)
    with pytest.raises(ValueError, match="unknown field"):
        await amo.leads.sync_one(earlier, keep={"prise"})


async def test_add_complex(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        return httpx.Response(
            200,
            json=[
                {
                    "id": 500 + n,
                    "contact_id": 700 + n,
                    "company_id": 900 + n,
                    "request_id": [item["request_id"]],
                    "merged": n == 1,
                }
                for n, item in enumerate(items)
            ],
        )

    route = router.post("/api/v4/leads/complex").mock(side_effect=respond)
    leads = [
        Lead(
            name=f"deal {i}",
            embedded=LeadEmbedded(
                contacts=[Contact(first_name="Ann", last_name=str(i))],
                companies=[Company(name=f"Co {i}")],
            ),
        )
        for i in range(3)
    ]
    report: WriteReport[Lead] = WriteReport()
    results = await amo.leads.add_complex(leads, report=report)
    assert report.written == leads and report.finished
    sent = body(route.calls.last)
    assert sent[0] == {
        "name": "deal 0",
        "request_id": leads[0].request_id,
        "_embedded": {
            "contacts": [{"first_name": "Ann", "last_name": "0"}],
            "companies": [{"name": "Co 0"}],
        },
    }
    assert [r.merged for r in results] == [False, True, False]
    assert [lead.id for lead in leads] == [500, 501, 502]
    assert leads[2].embedded is not None and leads[2].embedded.contacts is not None
    assert leads[2].embedded.contacts[0].id == 702
    assert leads[2].embedded.companies is not None and leads[2].embedded.companies[0].id == 902
    with pytest.raises(ValueError, match="chunk_size"):
        await amo.leads.add_complex(leads, chunk_size=51)


async def test_add_complex_chunks_at_50(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.post("/api/v4/leads/complex").mock(
        side_effect=lambda request: httpx.Response(
            200,
            json=[
                {"id": int(i["name"]) + 1, "request_id": [i["request_id"]], "merged": False}
                for i in json.loads(request.content)
            ],
        )
    )
    results = await amo.leads.add_complex([Lead(name=str(i)) for i in range(120)])
    assert sorted(len(body(c)) for c in route.calls) == [20, 50, 50]
    assert [r.id for r in results] == list(range(1, 121))


async def test_links(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    link_route = router.post("/api/v4/leads/9/link").respond(
        200,
        json={
            "_embedded": {
                "links": [
                    {
                        "entity_id": 9,
                        "entity_type": "leads",
                        "to_entity_id": 3,
                        "to_entity_type": "contacts",
                        "metadata": {"is_main": True},
                    }
                ]
            }
        },
    )
    links_route = router.get("/api/v4/leads/9/links").respond(204)
    unlink_route = router.post("/api/v4/leads/9/unlink").respond(204)
    link = EntityLink(to_entity_id=3, to_entity_type="contacts", metadata={"is_main": True})
    linked = await amo.leads.link(9, [link])
    assert body(link_route.calls.last) == [
        {"to_entity_id": 3, "to_entity_type": "contacts", "metadata": {"is_main": True}}
    ]
    assert linked[0].entity_id == 9
    assert await amo.leads.get_links(9, to_entity_type="contacts") == []
    assert links_route.calls.last.request.url.raw_path == (
        b"/api/v4/leads/9/links?filter%5Bto_entity_type%5D=contacts"
    )
    await amo.leads.unlink(9, [link])
    assert body(unlink_route.calls.last) == body(link_route.calls.last)
    with pytest.raises(ValueError, match="leads link to"):
        await amo.leads.link(9, [EntityLink(to_entity_id=1, to_entity_type="tasks")])


async def test_concurrent_chunks_share_the_limiter(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    times: list[float] = []

    def respond(request: httpx.Request) -> httpx.Response:
        times.append(clock.monotonic())
        items = json.loads(request.content)
        created = [{"id": 1, "request_id": i["request_id"]} for i in items]
        return httpx.Response(200, json={"_embedded": {"leads": created}})

    router.post("/api/v4/leads").mock(side_effect=respond)
    async with make_client(rate_limit=7.0) as amo, anyio.create_task_group() as tg:
        tg.start_soon(amo.leads.add, [Lead(name=str(i)) for i in range(200)])
        tg.start_soon(amo.leads.add, [Lead(name=str(i)) for i in range(200)])
    assert len(times) == 8
    assert max(times) >= 7 / 7.0 - 1e-9


async def test_generated_request_ids_never_collide_with_the_callers(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        created = [{"id": n + 1, "request_id": i["request_id"]} for n, i in enumerate(items)]
        return httpx.Response(200, json={"_embedded": {"leads": created}})

    route = router.post("/api/v4/leads").mock(side_effect=respond)
    first, second = Lead(name="a"), Lead(name="b", request_id="0")
    await amo.leads.add([first, second])
    generated = first.request_id or ""
    assert [i["request_id"] for i in body(route.calls.last)] == [generated, "0"]
    assert generated.isdigit() and not generated.startswith("0")
    assert (first.id, second.id) == (1, 2)
    assert first.request_id_is_generated and not second.request_id_is_generated
    with pytest.raises(ValueError, match="duplicate request_id"):
        await amo.leads.add([Lead(name="x", request_id="7"), Lead(name="y", request_id="7")])


async def test_request_ids_untouched_when_a_payload_is_invalid(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads").respond(200, json={})
    good = Lead(name="fine")
    bad = Lead(name="bad", custom_fields_values=[])
    bad.custom_fields_values = [{"values": [{"value": "no id or code"}]}]  # type: ignore[list-item]
    with pytest.raises(ValueError, match="field_id or field_code"):
        await amo.leads.add([good, bad])
    assert (good.request_id, bad.request_id) == (None, None)
    assert route.call_count == 0


async def test_iterate_accepts_a_single_with_value(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/leads").respond(204)
    assert [lead async for lead in amo.leads.iterate(with_="contacts")] == []
    assert route.calls.last.request.url.params["with"] == "contacts"


async def test_chunks_that_never_left_are_reported_not_sent(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = router.post("/api/v4/leads").mock(side_effect=httpx.ConnectError("refused"))
    async with make_client(max_retries=1) as amo:
        with pytest.raises(errors.BatchError) as info:
            await amo.leads.add([Lead(name=str(i)) for i in range(60)])
    assert route.call_count <= 4  # connect failures only: nothing reached the server
    assert len(info.value.not_sent) == 60
    assert info.value.failed == [] and info.value.unknown == [] and info.value.written == []
    assert isinstance(info.value.errors[0], errors.APIConnectionError)


# asyncio only: under trio, httpx leaves its own body iterators unclosed after a DecodingError
# and trio reports them as ResourceWarnings (an httpx matter, not ours)
@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_garbled_body_on_a_write_is_outcome_unknown(
    router: respx.MockRouter, amo: AmoCRMClient, anyio_backend: str
) -> None:
    def garbled() -> httpx.Response:
        return httpx.Response(
            200, headers={"Content-Encoding": "gzip"}, stream=httpx.ByteStream(b"not gzip")
        )

    router.post("/api/v4/leads").mock(return_value=garbled())
    router.get("/api/v4/leads/1").mock(
        side_effect=[garbled(), httpx.Response(200, json=lead_json(1))]
    )
    with pytest.raises(errors.BatchError) as info:
        await amo.leads.add([Lead(name="a")])
    assert isinstance(info.value.errors[0], errors.OutcomeUnknownError)
    assert len(info.value.unknown) == 1
    assert (await amo.leads.get_one(1)).id == 1  # a GET with a garbled body is retried


class TestContract(ServiceContract):
    spec = ServiceSpec(
        "leads",
        make=lambda i: Lead(name=f"Deal {i}", price=100 + i),
        change=lambda lead: setattr(lead, "name", "Renamed"),
    )
