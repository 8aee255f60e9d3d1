"""Lists never end early by accident, and bodies past the size cap are refused.

Only a 204, or a page without a successor, ends a list. A 200 whose body is empty, ``{}``, not
JSON, or lacks the ``_embedded`` collection is retried like a 5xx and then raised as a
``ResponseDecodeError``, so an export never silently stops half-way.
"""

from __future__ import annotations

import gzip
from typing import Any

import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import Lead

from ..conftest import BASE, ClientFactory

pytestmark = pytest.mark.anyio

MALFORMED = {
    "empty": b"",
    "empty object": b"{}",
    "not json": b"<html>oops</html>",
    "no collection": b'{"_page": 1, "_embedded": {}}',
    "truncated": b'{"_page": 1, "_embedded": {"leads": [{"id": 1',
    "too deep": b"[" * 100_000 + b"]" * 100_000,
}


def page(ids: list[int], number: int, *, more: bool) -> dict[str, Any]:
    links = {"next": {"href": f"{BASE}/api/v4/leads?page={number + 1}"}} if more else {}
    return {"_page": number, "_links": links, "_embedded": {"leads": [{"id": i} for i in ids]}}


@pytest.mark.parametrize("kind", sorted(MALFORMED))
async def test_a_malformed_200_is_retried_then_raised(
    router: respx.MockRouter, amo: AmoCRMClient, kind: str
) -> None:
    route = router.get("/api/v4/leads").respond(200, content=MALFORMED[kind])
    with pytest.raises(errors.ResponseDecodeError):
        await amo.leads.get()
    assert route.call_count == 4  # the first try and max_retries=3 retries


@pytest.mark.parametrize("kind", sorted(MALFORMED))
async def test_a_malformed_page_mid_export_is_recovered_not_taken_as_the_end(
    router: respx.MockRouter, amo: AmoCRMClient, kind: str
) -> None:
    answers = iter(
        [
            httpx.Response(200, json=page([1, 2], 1, more=True)),
            httpx.Response(200, content=MALFORMED[kind]),
            httpx.Response(200, json=page([3, 4], 2, more=True)),
            httpx.Response(200, json=page([5], 3, more=False)),
        ]
    )
    router.get("/api/v4/leads").mock(side_effect=lambda request: next(answers))
    assert [lead.id async for lead in amo.leads.iterate(limit=2)] == [1, 2, 3, 4, 5]


async def test_204_and_a_last_page_are_the_only_ends(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    answers = iter([httpx.Response(200, json=page([1], 1, more=True)), httpx.Response(204)])
    route = router.get("/api/v4/leads").mock(side_effect=lambda request: next(answers))
    assert [lead.id async for lead in amo.leads.iterate()] == [1]
    assert route.call_count == 2


async def test_a_body_past_the_cap_is_refused_for_reads_and_unknown_for_writes(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    big = page(list(range(1, 300)), 1, more=False)
    router.get("/api/v4/leads").respond(200, json=big)
    router.post("/api/v4/leads").respond(200, json={"_embedded": {"leads": big["_embedded"]}})
    async with make_client(max_response_bytes=1000) as amo:
        with pytest.raises(errors.ResponseTooLargeError) as caught:
            await amo.leads.get()
        assert caught.value.limit == 1000
        with pytest.raises(errors.OutcomeUnknownError) as unknown:
            await amo.leads.add_one(Lead(name="x"))
        assert isinstance(unknown.value.cause, errors.ResponseTooLargeError)
    assert len(router.calls) == 2  # neither is retried


async def test_the_cap_counts_decoded_bytes(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    bomb = gzip.compress(b'{"_embedded": {"leads": [' + b'{"id": 1},' * 50_000 + b'{"id": 2}]}}')
    router.get("/api/v4/leads").respond(
        200, content=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )
    async with make_client(max_response_bytes=100_000) as amo:
        assert len(bomb) < 100_000
        with pytest.raises(errors.ResponseTooLargeError):
            await amo.leads.get()


async def test_a_compressed_body_under_the_cap_is_decoded(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    body = gzip.compress(b'{"_page": 1, "_embedded": {"leads": [{"id": 7}]}}')
    router.get("/api/v4/leads").respond(
        200, content=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )
    assert [lead.id for lead in await amo.leads.get()] == [7]


async def test_a_page_other_than_the_one_asked_for_is_malformed(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    """A server (or proxy) answering page 1 to a request for page 2 would repeat items
    forever; it is retried like any malformed page, then raised."""
    route = router.get("/api/v4/leads").respond(200, json=page([1], 1, more=True))
    with pytest.raises(errors.ResponseDecodeError):
        await amo.leads.get(page=2)
    assert route.call_count == 4


async def test_a_page_count_past_this_page_means_there_is_a_next_one(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    """Lists with ``_page_count`` (links, unsorted …) may send no ``next`` link."""

    def answer(request: httpx.Request) -> httpx.Response:
        number = int(request.url.params["page"])
        body = {**page([number], number, more=False), "_page_count": 2, "_total_items": 2}
        return httpx.Response(200, json=body)

    route = router.get("/api/v4/leads").mock(side_effect=answer)
    assert [lead.id async for lead in amo.leads.iterate()] == [1, 2]
    assert [call.request.url.params["page"] for call in route.calls] == ["1", "2"]
