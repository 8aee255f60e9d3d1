"""Webhooks: the contract (unpaged list), subscribe/unsubscribe on the wire, bad input refused
before sending, and the whole cycle against the fake amoCRM."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.filters import WebhooksFilter
from amocrm_async.models import Webhook, WebhookEventCode
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio

PATH = "/api/v4/webhooks"
HOOK = "https://hooks.example/amo/3f9c"

ANSWER = {
    "id": 1_011_001,
    "destination": HOOK,
    "created_at": 1_700_000_000,
    "updated_at": 1_700_000_000,
    "account_id": 29_000_001,
    "created_by": 9_000_001,
    "sort": 2,
    "disabled": False,
    "settings": ["add_lead", "status_lead", "some_future_event"],
}
"""The subscription object amoCRM answers ``POST`` and lists (Kommo's add-webhooks reference)."""


class TestContract(ServiceContract):
    spec = ServiceSpec(
        "webhooks",
        make=lambda i: Webhook(destination=f"https://hooks.example/{i}", settings=["add_lead"]),
    )


async def test_subscribe_wire_and_answer(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.post(PATH).respond(200, json=ANSWER)
    webhook = await amo.webhooks.subscribe(
        HOOK, [WebhookEventCode.ADD_LEAD, "status_lead", WebhookEventCode.ADD_LEAD], sort=2
    )
    request = route.calls.last.request
    assert (request.method, request.headers["content-type"]) == ("POST", "application/json")
    assert json.loads(request.content) == {
        "destination": HOOK,
        "settings": ["add_lead", "status_lead"],
        "sort": 2,
    }
    assert (webhook.id, webhook.destination, webhook.disabled) == (1_011_001, HOOK, False)
    assert webhook.settings == [
        WebhookEventCode.ADD_LEAD,
        WebhookEventCode.STATUS_LEAD,
        "some_future_event",
    ]


async def test_unsubscribe_sends_the_destination_in_a_delete_body(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.delete(PATH).respond(204)
    await amo.webhooks.unsubscribe(HOOK)
    request = route.calls.last.request
    assert (request.method, json.loads(request.content)) == ("DELETE", {"destination": HOOK})
    router.delete(PATH).respond(404, json={"title": "Not Found", "status": 404, "detail": "x"})
    with pytest.raises(errors.NotFoundError):
        await amo.webhooks.unsubscribe(HOOK)


async def test_the_list_filters_by_destination_unpaged(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get(PATH).respond(
        200, json={"_total_items": 1, "_embedded": {"webhooks": [ANSWER]}}
    )
    page = await amo.webhooks.get(WebhooksFilter(destination=HOOK))
    assert route.calls.last.request.url.params.multi_items() == [("filter[destination]", HOOK)]
    assert ([w.id for w in page], page.total_items, page.has_next) == ([1_011_001], 1, False)


@pytest.mark.parametrize(
    ("destination", "settings", "sort", "error", "match"),
    [
        ("hooks.example/x", ["add_lead"], None, ValueError, "destination"),
        ("ftp://hooks.example/x", ["add_lead"], None, ValueError, "destination"),
        (42, ["add_lead"], None, TypeError, "destination"),
        (HOOK, [], None, ValueError, "settings: a subscription needs"),
        (HOOK, ["add_leads"], None, ValueError, "settings: 'add_leads' at 0"),
        (HOOK, "add_lead", None, TypeError, "settings"),
        (HOOK, ["add_lead"], "1", TypeError, "sort"),
        (HOOK, ["add_lead"], True, TypeError, "sort"),
    ],
)
async def test_bad_input_is_refused_before_sending(
    router: respx.MockRouter,
    amo: AmoCRMClient,
    destination: object,
    settings: object,
    sort: object,
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        await amo.webhooks.subscribe(destination, settings, sort=sort)  # type: ignore[arg-type]
    with pytest.raises((TypeError, ValueError), match="destination"):
        await amo.webhooks.unsubscribe("not a url")
    assert not router.calls


async def test_subscribe_is_not_retried_when_it_may_have_been_applied(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post(PATH).respond(502, text="<html>Bad gateway</html>")
    with pytest.raises(errors.AmoCRMError):
        await amo.webhooks.subscribe(HOOK, ["add_lead"])
    assert route.call_count == 1


# ----------------------------------------------------------------------------------------------
# End to end against the fake amoCRM
# ----------------------------------------------------------------------------------------------


async def test_subscribe_list_resubscribe_unsubscribe_on_the_fake(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    other = "https://other.example/hook"
    first = await on_fake.webhooks.subscribe(HOOK, ["add_lead"])
    await on_fake.webhooks.subscribe(other, [WebhookEventCode.ADD_CONTACT], sort=1)
    again = await on_fake.webhooks.subscribe(HOOK, ["update_lead", "note_lead"])
    assert again.id == first.id
    listed = [w async for w in on_fake.webhooks.iterate()]
    assert [(w.destination, w.settings) for w in listed] == [
        (HOOK, [WebhookEventCode.UPDATE_LEAD, WebhookEventCode.NOTE_LEAD]),
        (other, [WebhookEventCode.ADD_CONTACT]),
    ]
    (only,) = await on_fake.webhooks.get(WebhooksFilter(destination=other))
    assert (only.destination, only.sort, only.created_by) == (other, 1, fake.users()[0]["id"])
    await on_fake.webhooks.unsubscribe(HOOK)
    assert [w.destination for w in await on_fake.webhooks.get()] == [other]
    with pytest.raises(errors.NotFoundError):
        await on_fake.webhooks.unsubscribe(HOOK)
    await on_fake.webhooks.unsubscribe(other)
    assert len(await on_fake.webhooks.get()) == 0
    assert [(r.method, r.status) for r in fake.requests if r.path == PATH][-5:] == [
        ("DELETE", 204),
        ("GET", 200),
        ("DELETE", 404),
        ("DELETE", 204),
        ("GET", 204),
    ]
