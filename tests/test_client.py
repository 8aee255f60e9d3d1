"""Client construction (base domains, auth choice, lazy services) and raw calls."""

from __future__ import annotations

import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async._domains import normalize_base_domain
from amocrm_async.models import Tag

from .conftest import BASE, TOKEN, ClientFactory

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("acme.amocrm.ru", "acme.amocrm.ru"),
        ("https://acme.amocrm.ru", "acme.amocrm.ru"),
        ("https://acme.amocrm.ru/", "acme.amocrm.ru"),
        ("ACME.amoCRM.com", "acme.amocrm.com"),
        ("acme.kommo.com", "acme.kommo.com"),
        ("https://my-shop-1.kommo.com/leads", "my-shop-1.kommo.com"),
    ],
)
def test_accepted_base_domains(given: str, host: str) -> None:
    assert normalize_base_domain(given) == host
    assert AmoCRMClient(given, access_token=TOKEN).base_domain == host


@pytest.mark.parametrize(
    "given",
    [
        "",
        "amocrm.ru",
        "www.amocrm.ru",
        "evil.com",
        "acme.amocrm.ru.evil.com",
        "http://acme.amocrm.ru",
        "a.b.amocrm.ru",
        "acme.kommo.ru",
        "127.0.0.1:8000",
    ],
)
def test_rejected_base_domains(given: str) -> None:
    with pytest.raises(errors.InvalidBaseDomainError) as info:
        AmoCRMClient(given, access_token=TOKEN)
    assert "allow_any_host" in str(info.value) or "empty" in str(info.value)


def test_local_host_needs_explicit_opt_in() -> None:
    amo = AmoCRMClient("http://127.0.0.1:8000", access_token=TOKEN, allow_any_host=True)
    assert amo.base_domain == "127.0.0.1:8000"
    assert amo._pipeline.scheme == "http"
    assert amo._pipeline.url("/api/v4/leads") == "http://127.0.0.1:8000/api/v4/leads"


def test_exactly_one_auth() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        AmoCRMClient("acme.amocrm.ru")
    with pytest.raises(ValueError, match="exactly one"):
        AmoCRMClient("acme.amocrm.ru", access_token=TOKEN, auth=object())  # type: ignore[arg-type]


def test_services_attach_lazily_and_once() -> None:
    amo = AmoCRMClient("acme.amocrm.ru", access_token=TOKEN)
    assert "leads" not in amo.__dict__
    assert amo.leads is amo.leads
    assert TOKEN not in repr(amo)


def test_every_declared_service_attaches_and_views_get_their_own() -> None:
    amo = AmoCRMClient("acme.amocrm.ru", access_token=TOKEN)
    view = amo.with_options(context_user_id=7)
    for name in ("leads", "contacts", "companies", "tasks", "pipelines"):
        service = getattr(amo, name)
        assert service is getattr(amo, name)
        assert getattr(view, name) is not service
        assert getattr(view, name)._pipeline is view._pipeline
    assert amo.leads.links is amo.leads.links
    assert amo.leads.links.path == "/api/v4/leads"
    assert amo.contacts.links.path == "/api/v4/contacts"


async def test_raw_request_encodes_nested_query_like_filters(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/events").respond(200, json={})
    await amo.request("GET", "/api/v4/events", query={"filter": {"id": [1, 2]}, "limit": 5})
    assert route.calls.last.request.url.raw_path == (
        b"/api/v4/events?filter%5Bid%5D%5B0%5D=1&filter%5Bid%5D%5B1%5D=2&limit=5"
    )


async def test_raw_request_follows_hrefs_on_the_account_host_only(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/leads").respond(200, json={})
    await amo.request("GET", "https://acme.amocrm.ru/api/v4/leads?page=2&limit=50")
    assert route.calls.last.request.url.params.multi_items() == [("page", "2"), ("limit", "50")]
    for foreign in ("https://evil.com/api/v4/leads", "http://acme.amocrm.ru/api/v4/leads"):
        with pytest.raises(errors.AmoCRMError, match="refusing"):
            await amo.request("GET", foreign)
    with pytest.raises(ValueError, match="absolute URL"):
        await amo.request("GET", "api/v4/leads")
    assert route.call_count == 1


async def test_paginate_any_list_endpoint(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    pages = {
        "1": {
            "_page": 1,
            "_links": {"next": {"href": f"{BASE}/api/v4/events?page=2"}},
            "_embedded": {"events": [{"id": "a"}, {"id": "b"}]},
        },
        "2": {"_page": 2, "_embedded": {"events": [{"id": "c"}]}},
    }
    route = router.get("/api/v4/events").mock(
        side_effect=lambda request: httpx.Response(200, json=pages[request.url.params["page"]])
    )
    events = amo.paginate("/api/v4/events", query={"filter": {"type": ["lead_added"]}}, limit=2)
    assert [event["id"] async for event in events] == ["a", "b", "c"]
    assert route.calls[0].request.url.params.multi_items() == [
        ("filter[type][0]", "lead_added"),
        ("limit", "2"),
        ("page", "1"),
    ]


async def test_paginate_with_a_model_and_page_count(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        items = [{"id": page * 10 + i, "name": f"t{i}"} for i in range(2)]
        return httpx.Response(
            200, json={"_page": page, "_page_count": 3, "_embedded": {"tags": items}}
        )

    router.get("/api/v4/leads/tags").mock(side_effect=answer)
    tags = [tag async for tag in amo.paginate("/api/v4/leads/tags", model=Tag)]
    assert [tag.id for tag in tags] == [10, 11, 20, 21, 30, 31]
    assert all(isinstance(tag, Tag) for tag in tags)


async def test_paginate_unpaged_sends_no_paging(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/leads/pipelines").respond(
        200, json={"_total_items": 1, "_embedded": {"pipelines": [{"id": 1}]}}
    )
    found = [p async for p in amo.paginate("/api/v4/leads/pipelines", paged=False)]
    assert found == [{"id": 1}]
    assert route.calls.last.request.url.query == b""


async def test_calls_after_aclose_raise_an_sdk_error(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    amo = make_client()
    view = amo.with_options(context_user_id=3)
    await amo.aclose()
    for call in (amo.leads.get_one(1), view.tasks.get(), amo.request("GET", "/api/v4/account")):
        with pytest.raises(errors.ClientClosedError, match="closed"):
            await call
    assert not router.calls
