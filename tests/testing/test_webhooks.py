"""The fake's webhooks: the ``/api/v4/webhooks`` resource over raw HTTP, and the webhooks it
sends — what a write queues (v2 form bodies, one per request and subscription), delivery to an
ASGI app in-process and to a loopback server, amoCRM's retry rule on the virtual clock, the
2-second deadline, unsubscribe and disable; plus the authorize step and one-time tokens."""

from __future__ import annotations

from collections.abc import AsyncIterator, MutableMapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

import anyio
import httpx
import pytest

from amocrm_async import (
    AmoCRMClient,
    MemoryTokenStore,
    OAuthConfig,
    VirtualClock,
    parse_bot_disposable_token,
    parse_disposable_token,
    parse_oauth_callback,
)
from amocrm_async.errors import DisposableTokenSignatureError
from amocrm_async.models import CommonNote, CommonNoteParams, Company, Contact, Lead, Task
from amocrm_async.testing import FakeAmoCRM, WebhookDelivery
from amocrm_async.testing._asgi import ThreadedServer
from amocrm_async.testing._webhook_delivery import DEFAULT_RETRY_SCHEDULE

pytestmark = pytest.mark.anyio

PATH = "/api/v4/webhooks"
HOOK = "https://hooks.example/amo/7d1e"


class Receiver:
    """An ASGI app that records every webhook and answers the statuses it is given."""

    def __init__(self, *statuses: int, delay: float = 0, clock: VirtualClock | None = None):
        self.statuses = list(statuses)
        self.delay, self.clock = delay, clock
        self.calls: list[tuple[str, str, dict[str, list[str]]]] = []

    async def __call__(self, scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode(): v.decode() for k, v in scope["headers"]}
        self.calls.append((scope["path"], headers["content-type"], parse_qs(body.decode())))
        if self.delay and self.clock is not None:
            await self.clock.sleep(self.delay)
        status = self.statuses.pop(0) if self.statuses else 200
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})


def form(delivery: WebhookDelivery) -> dict[str, str]:
    return dict(delivery.form())


@pytest.fixture
async def amo(fake: FakeAmoCRM, clock: VirtualClock) -> AsyncIterator[AmoCRMClient]:
    async with AmoCRMClient(
        fake.base_domain,
        access_token=fake.long_lived_token(),
        transport=fake.transport,
        clock=clock,
    ) as client:
        yield client


# ----------------------------------------------------------------------------------------------
# The resource
# ----------------------------------------------------------------------------------------------


def issues(response: httpx.Response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.text
    return [(e["code"], e["path"]) for e in response.json()["validation-errors"][0]["errors"]]


async def test_subscribe_validation(api: httpx.AsyncClient) -> None:
    bad = {
        "destination": "hooks.example",
        "settings": ["add_lead", "add_leads"],
        "sort": "1",
        "x": 1,
    }
    assert issues(await api.post(PATH, json=bad)) == [
        ("FieldNotExpected", "x"),
        ("InvalidUrl", "destination"),
        ("NotSupportedChoice", "settings.1"),
        ("InvalidType", "sort"),
    ]
    assert issues(await api.post(PATH, json={"settings": []})) == [
        ("NotBlank", "destination"),
        ("NotBlank", "settings"),
    ]
    assert (await api.post(PATH, json=[{"destination": HOOK}])).status_code == 400
    assert (await api.get(PATH)).status_code == 204
    assert (await api.patch(PATH, json={})).status_code == 405


async def test_subscribe_list_and_delete_by_destination(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    created = await api.post(PATH, json={"destination": HOOK, "settings": ["add_lead"], "sort": 3})
    assert created.status_code == 200
    hook = created.json()
    assert {k: hook[k] for k in ("destination", "settings", "sort", "disabled")} == {
        "destination": HOOK,
        "settings": ["add_lead"],
        "sort": 3,
        "disabled": False,
    }
    assert hook["account_id"] == fake.account_id
    again = (await api.post(PATH, json={"destination": HOOK, "settings": ["update_lead"]})).json()
    assert (again["id"], again["settings"], again["sort"]) == (hook["id"], ["update_lead"], 3)
    await api.post(PATH, json={"destination": "http://127.0.0.1:9/x", "settings": ["add_task"]})
    listed = (await api.get(PATH)).json()
    assert listed["_total_items"] == 2
    only = await api.get(PATH, params={"filter[destination]": HOOK})
    assert [w["id"] for w in only.json()["_embedded"]["webhooks"]] == [hook["id"]]
    assert (await api.request("DELETE", PATH, json={"destination": HOOK})).status_code == 204
    assert (await api.request("DELETE", PATH, json={"destination": HOOK})).status_code == 404
    assert issues(await api.request("DELETE", PATH, json={})) == [("NotBlank", "destination")]
    assert [w["destination"] for w in fake.webhooks.subscriptions()] == ["http://127.0.0.1:9/x"]


async def test_at_most_100_subscriptions(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    for number in range(100):
        fake.webhooks.subscribe(f"https://hooks.example/{number}", ["add_lead"])
    response = await api.post(PATH, json={"destination": HOOK, "settings": ["add_lead"]})
    assert (response.status_code, response.json()["detail"]) == (
        400,
        "an account has at most 100 webhooks",
    )
    with pytest.raises(ValueError, match="settings"):
        fake.webhooks.subscribe(HOOK, ["add_leads"])


# ----------------------------------------------------------------------------------------------
# Delivery
# ----------------------------------------------------------------------------------------------


async def test_a_lead_added_through_the_sdk_is_delivered_exactly_once(
    fake: FakeAmoCRM, amo: AmoCRMClient
) -> None:
    receiver = Receiver()
    fake.deliver_webhooks_to(receiver)
    await amo.webhooks.subscribe(HOOK, ["add_lead", "update_lead"])
    lead = await amo.leads.add_one(Lead(name="Deal", price=1500))
    assert fake.webhooks.pending() == 1
    (delivery,) = await fake.webhooks.flush()
    assert await fake.webhooks.flush() == []
    assert len(receiver.calls) == 1
    path, content_type, body = receiver.calls[0]
    assert (path, content_type) == ("/amo/7d1e", "application/x-www-form-urlencoded")
    assert body["leads[add][0][id]"] == [str(lead.id)]
    assert body["leads[add][0][name]"] == ["Deal"]
    assert body["leads[add][0][price]"] == ["1500"]
    assert body["account[subdomain]"] == ["acme"]
    assert body["account[id]"] == [str(fake.account_id)]
    assert body["account[_links][self]"] == ["https://acme.amocrm.ru"]
    assert (delivery.state, delivery.events, len(delivery.attempts)) == (
        "delivered",
        ("add_lead",),
        1,
    )
    assert delivery.attempts[0].status == 200
    assert fake.webhooks.to(HOOK) == [delivery]


async def test_a_500_is_retried_on_the_schedule(
    fake: FakeAmoCRM, amo: AmoCRMClient, clock: VirtualClock
) -> None:
    receiver = Receiver(500, 503)
    fake.deliver_webhooks_to(receiver, HOOK)
    await amo.webhooks.subscribe(HOOK, ["add_contact"])
    await amo.contacts.add_one(Contact(name="Ivan"))
    start = clock.time()
    (delivery,) = await fake.webhooks.flush()
    assert [a.status for a in delivery.attempts] == [500, 503, 200]
    assert [a.number for a in delivery.attempts] == [1, 2, 3]
    waits = [b.at - a.at for a, b in zip(delivery.attempts, delivery.attempts[1:], strict=False)]
    assert waits == list(DEFAULT_RETRY_SCHEDULE[:2])
    assert delivery.attempts[0].at == start
    assert delivery.state == "delivered"
    assert [call[2] for call in receiver.calls] == [receiver.calls[0][2]] * 3  # same body


async def test_retries_end_and_the_delivery_fails(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    receiver = Receiver(*[500] * 10)
    fake.deliver_webhooks_to(receiver)
    fake.webhooks.retry_schedule = (60.0, 120.0)
    await amo.webhooks.subscribe(HOOK, ["add_task"])
    await amo.tasks.add_one(Task(text="Call", complete_till=1_767_312_000))
    (delivery,) = await fake.webhooks.flush()
    assert (delivery.state, [a.status for a in delivery.attempts]) == ("failed", [500] * 3)
    assert len(receiver.calls) == 3


async def test_an_answer_after_two_seconds_counts_as_failed(
    fake: FakeAmoCRM, amo: AmoCRMClient, clock: VirtualClock
) -> None:
    slow = Receiver(delay=3, clock=clock)
    fake.deliver_webhooks_to(slow)
    fake.webhooks.retry_schedule = (10.0,)
    await amo.webhooks.subscribe(HOOK, ["add_lead"])
    await amo.leads.add_one(Lead(name="Slow"))
    (delivery,) = await fake.webhooks.flush()
    assert [(a.status, a.ok) for a in delivery.attempts] == [(200, False), (200, False)]
    assert "after more than 2.0 s" in (delivery.attempts[0].error or "")


async def test_unsubscribe_stops_deliveries_and_pending_retries(
    fake: FakeAmoCRM, amo: AmoCRMClient
) -> None:
    receiver = Receiver(500)

    async def unsubscribes_then_fails(scope: MutableMapping[str, Any], *rest: Any) -> None:
        assert fake.webhooks.unsubscribe(HOOK)  # meanwhile, the admin removes the webhook
        await receiver(scope, *rest)

    fake.deliver_webhooks_to(unsubscribes_then_fails)
    await amo.webhooks.subscribe(HOOK, ["add_lead", "update_lead"])
    await amo.leads.add_one(Lead(name="A"))
    (delivery,) = await fake.webhooks.flush()
    assert (delivery.state, len(delivery.attempts), len(receiver.calls)) == ("cancelled", 1, 1)

    fake.deliver_webhooks_to(receiver)
    await amo.webhooks.subscribe(HOOK, ["update_lead"])
    lead = await amo.leads.add_one(Lead(name="B"))
    await amo.leads.update_one(Lead(id=lead.id, name="C"))
    await amo.webhooks.unsubscribe(HOOK)  # through the API: the queued delivery is dropped
    assert fake.webhooks.pending() == 0
    await amo.leads.update_one(Lead(id=lead.id, name="D"))
    assert fake.webhooks.pending() == 0
    assert await fake.webhooks.flush() == []
    assert len(receiver.calls) == 1


async def test_status_and_responsible_changes(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.deliver_webhooks_to(Receiver())
    only_status = "https://hooks.example/status"
    await amo.webhooks.subscribe(HOOK, ["update_lead", "status_lead", "responsible_lead"])
    await amo.webhooks.subscribe(only_status, ["status_lead"])
    lead = await amo.leads.add_one(Lead(name="Deal"))
    users = [user["id"] for user in fake.users()]
    working = [s["id"] for s in fake.pipelines()[0]["statuses"] if s["type"] == 0]
    old_status = fake.entity("leads", lead.id or 0)["status_id"]  # type: ignore[index]
    new_status = next(s for s in working if s != old_status)
    await amo.leads.update_one(Lead(id=lead.id, status_id=new_status, responsible_user_id=users[1]))
    deliveries = await fake.webhooks.flush()
    by_destination = {d.destination: d for d in deliveries}
    full = by_destination[HOOK]
    assert full.events == ("update_lead", "status_lead", "responsible_lead")
    body = form(full)
    assert body["leads[status][0][id]"] == str(lead.id)
    assert body["leads[status][0][old_status_id]"] == str(old_status)
    assert body["leads[status][0][status_id]"] == str(new_status)
    assert body["leads[responsible][0][old_responsible_user_id]"] == str(users[0])
    assert body["leads[responsible][0][responsible_user_id]"] == str(users[1])
    assert body["leads[update][0][id]"] == str(lead.id)
    assert by_destination[only_status].events == ("status_lead",)
    assert not any(key.startswith("leads[update]") for key in form(by_destination[only_status]))


async def test_one_request_is_one_delivery(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.deliver_webhooks_to(Receiver())
    await amo.webhooks.subscribe(HOOK, ["add_lead"])
    leads = await amo.leads.add([Lead(name=f"L{i}") for i in range(3)])
    (delivery,) = await fake.webhooks.flush()
    body = form(delivery)
    assert [body[f"leads[add][{i}][id]"] for i in range(3)] == [str(lead.id) for lead in leads]


async def test_contacts_companies_tasks_and_notes_in_the_v2_vocabulary(
    fake: FakeAmoCRM, amo: AmoCRMClient
) -> None:
    fake.deliver_webhooks_to(Receiver())
    codes = ["add_contact", "add_company", "add_task", "note_lead", "responsible_company"]
    await amo.webhooks.subscribe(HOOK, codes)
    lead = await amo.leads.add_one(Lead(name="Deal"))
    contact = await amo.contacts.add_one(Contact(name="Ivan"))
    company = await amo.companies.add_one(Company(name="Acme"))
    task = await amo.tasks.add_one(
        Task(text="Call", complete_till=1_767_312_000, entity_id=lead.id, entity_type="leads")
    )
    note = await amo.leads.notes.add_one(
        CommonNote(entity_id=lead.id, params=CommonNoteParams(text="Called back"))
    )
    users = [user["id"] for user in fake.users()]
    await amo.companies.update_one(Company(id=company.id, responsible_user_id=users[2]))
    bodies = [(d.events, form(d)) for d in await fake.webhooks.flush()]
    assert [events for events, _ in bodies] == [
        ("add_contact",),
        ("add_company",),
        ("add_task",),
        ("note_lead",),
        ("responsible_company",),
    ]
    contact_body, company_body, task_body, note_body, responsible = (b for _, b in bodies)
    assert (contact_body["contacts[add][0][id]"], contact_body["contacts[add][0][type]"]) == (
        str(contact.id),
        "contact",
    )
    assert (company_body["contacts[add][0][id]"], company_body["contacts[add][0][type]"]) == (
        str(company.id),
        "company",
    )
    assert task_body["task[add][0][id]"] == str(task.id)
    assert task_body["task[add][0][element_id]"] == str(lead.id)
    assert task_body["task[add][0][element_type]"] == "2"
    assert task_body["task[add][0][complete_till]"] == "2026-01-02 00:00:00"
    assert note_body["leads[note][0][note][id]"] == str(note.id)
    assert note_body["leads[note][0][note][element_id]"] == str(lead.id)
    assert note_body["leads[note][0][note][note_type]"] == "4"
    assert note_body["leads[note][0][note][text]"] == "Called back"
    assert responsible["contacts[responsible][0][type]"] == "company"
    assert responsible["contacts[responsible][0][old_responsible_user_id]"] == str(users[0])


async def test_custom_fields_go_out_in_the_v2_shape(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.deliver_webhooks_to(Receiver())
    await amo.webhooks.subscribe(HOOK, ["add_contact"])
    phone = fake.field_id("contacts", code="PHONE")
    work = fake.enum_id("contacts", phone, "WORK")
    await amo.contacts.add_one(
        Contact.model_validate(
            {
                "name": "Ivan",
                "custom_fields_values": [
                    {"field_id": phone, "values": [{"value": "+79990000000", "enum_code": "WORK"}]}
                ],
            }
        )
    )
    body = form((await fake.webhooks.flush())[0])
    assert body["contacts[add][0][custom_fields][0][id]"] == str(phone)
    assert body["contacts[add][0][custom_fields][0][code]"] == "PHONE"
    assert body["contacts[add][0][custom_fields][0][values][0][value]"] == "+79990000000"
    assert body["contacts[add][0][custom_fields][0][values][0][enum]"] == str(work)


async def test_unsorted_add_and_decline(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.deliver_webhooks_to(Receiver())
    fake.webhooks.subscribe(HOOK, ["add_unsorted", "add_lead", "delete_unsorted", "delete_lead"])
    entry = {
        "source_uid": "site",
        "source_name": "Site",
        "metadata": {"form_id": "1", "form_name": "F", "form_page": "https://x", "form_sent_at": 1},
        "_embedded": {"leads": [{"name": "Request"}], "contacts": [{"name": "Ivan"}]},
    }
    created = (await api.post("/api/v4/leads/unsorted/forms", json=[entry])).json()
    uid = created["_embedded"]["unsorted"][0]["uid"]
    lead_id = created["_embedded"]["unsorted"][0]["_embedded"]["leads"][0]["id"]
    assert (await api.request("DELETE", f"/api/v4/leads/unsorted/{uid}/decline")).status_code == 200
    added, declined = await fake.webhooks.flush()
    assert added.events == ("add_lead", "add_unsorted")
    body = form(added)
    assert (body["unsorted[add][0][uid]"], body["unsorted[add][0][category]"]) == (uid, "forms")
    assert body["unsorted[add][0][data][leads][0][id]"] == str(lead_id)
    assert body["unsorted[add][0][source_data][form_name]"] == "F"
    assert declined.events == ("delete_lead", "delete_unsorted")
    gone = form(declined)
    assert (gone["unsorted[delete][0][uid]"], gone["unsorted[delete][0][action]"]) == (
        uid,
        "decline",
    )
    assert gone["leads[delete][0][id]"] == str(lead_id)


async def test_a_receiver_that_keeps_failing_gets_its_webhook_disabled(
    fake: FakeAmoCRM, amo: AmoCRMClient
) -> None:
    assert fake.webhooks.disable_after == 100
    fake.webhooks.disable_after = 4
    fake.deliver_webhooks_to(Receiver(*[500] * 20))
    fake.webhooks.retry_schedule = (60.0,)
    await amo.webhooks.subscribe(HOOK, ["add_lead"])
    for number in range(3):
        await amo.leads.add_one(Lead(name=f"L{number}"))
        await fake.webhooks.flush()
    (hook,) = await amo.webhooks.get()
    assert hook.disabled is True  # the 5th failure: the first attempt of the third
    assert [d.state for d in fake.webhooks.deliveries] == ["failed", "failed", "cancelled"]
    await amo.leads.add_one(Lead(name="ignored"))
    assert fake.webhooks.pending() == 0
    assert len(fake.webhooks.deliveries) == 3
    again = await amo.webhooks.subscribe(HOOK, ["add_lead"])
    assert again.disabled is False


async def test_routes_by_exact_destination_then_origin(fake: FakeAmoCRM) -> None:
    exact, origin, fallback = Receiver(), Receiver(), Receiver()
    fake.webhooks.route(HOOK, exact)
    fake.webhooks.route("https://hooks.example", origin)
    fake.deliver_webhooks_to(fallback)
    for destination in (HOOK, "https://hooks.example/other", "https://else.example/x"):
        fake.webhooks.subscribe(destination, ["add_lead"])
    fake.seed()
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as amo:
        await amo.leads.add_one(Lead(name="x"))
    await fake.webhooks.flush()
    assert [len(r.calls) for r in (exact, origin, fallback)] == [1, 1, 1]
    assert [exact.calls[0][0], origin.calls[0][0], fallback.calls[0][0]] == [
        "/amo/7d1e",
        "/other",
        "/x",
    ]


async def test_no_route_and_not_loopback_is_never_sent(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.webhooks.retry_schedule = ()
    await amo.webhooks.subscribe("https://example.com/hook", ["add_lead"])
    await amo.leads.add_one(Lead(name="x"))
    (delivery,) = await fake.webhooks.flush()
    assert delivery.state == "failed"
    assert delivery.attempts[0].status is None
    assert "not loopback" in (delivery.attempts[0].error or "")


async def test_background_sending_while_a_block_runs(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    receiver = Receiver()
    fake.deliver_webhooks_to(receiver)
    await amo.webhooks.subscribe(HOOK, ["add_lead"])
    async with fake.webhooks.running() as sender:
        await amo.leads.add_one(Lead(name="x"))
        await sender.settle()
        assert len(receiver.calls) == 1
    assert [d.state for d in fake.webhooks.deliveries] == ["delivered"]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_over_loopback_http_to_a_served_receiver() -> None:
    clock = VirtualClock()  # the retry waits on the fake's clock, not on the sockets
    fake = FakeAmoCRM(clock=clock)
    receiver = Receiver(500)
    server = ThreadedServer(receiver, "127.0.0.1", 0)
    await anyio.to_thread.run_sync(server.start)
    try:
        destination = f"{server.base_url}/hooks/amo?secret=s3"
        fake.webhooks.subscribe(destination, ["add_lead"])
        async with AmoCRMClient(
            fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
        ) as amo:
            lead = await amo.leads.add_one(Lead(name="Loopback"))
        (delivery,) = await fake.webhooks.flush()
    finally:
        await anyio.to_thread.run_sync(server.stop)
    assert [a.status for a in delivery.attempts] == [500, 200]
    assert delivery.attempts[1].at - delivery.attempts[0].at == DEFAULT_RETRY_SCHEDULE[0]
    assert [call[0] for call in receiver.calls] == ["/hooks/amo", "/hooks/amo"]
    assert receiver.calls[1][2]["leads[add][0][id]"] == [str(lead.id)]


# ----------------------------------------------------------------------------------------------
# Authorize step and one-time tokens
# ----------------------------------------------------------------------------------------------


async def test_authorize_redirects_with_code_state_and_referer(fake: FakeAmoCRM) -> None:
    integration = fake.register_integration("https://app.example/oauth/callback")
    url = fake.authorize(integration, state="st-1")
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == integration.redirect_uri
    assert (query["state"], query["referer"], query["client_id"]) == (
        "st-1",
        "acme.amocrm.ru",
        integration.client_id,
    )
    callback = parse_oauth_callback(
        query, expected_state="st-1", client_id=integration.client_id
    )  # what the SDK checks on the redirect back
    config = OAuthConfig(integration.client_id, integration.client_secret, integration.redirect_uri)
    async with AmoCRMClient(
        callback.base_domain, oauth=config, token_store=MemoryTokenStore(), transport=fake.transport
    ) as amo:
        await amo.authorize(callback.code)
        assert len(await amo.webhooks.get()) == 0  # an API call with the new pair
    assert fake.stats.tokens_issued == 1
    denied = parse_qs(urlsplit(fake.authorize(integration, state="s", deny=True)).query)
    assert (denied["error"], denied["state"]) == (["access_denied"], ["s"])
    assert "code" not in denied


async def test_the_oauth_page_answers_a_302(fake: FakeAmoCRM) -> None:
    integration = fake.register_integration("https://app.example/cb")
    async with httpx.AsyncClient(transport=fake.transport) as browser:
        page = await browser.get(
            "https://www.amocrm.ru/oauth",
            params={"client_id": integration.client_id, "state": "abc", "mode": "popup"},
        )
        unknown = await browser.get("https://www.amocrm.ru/oauth", params={"client_id": "x"})
    assert page.status_code == 302
    location = urlsplit(page.headers["location"])
    assert (location.netloc, location.path) == ("app.example", "/cb")
    assert parse_qs(location.query)["state"] == ["abc"]
    assert parse_qs(location.query)["referer"] == ["acme.amocrm.ru"]
    assert unknown.status_code == 400


async def test_widget_and_bot_tokens_verify_with_the_client_secret(
    fake: FakeAmoCRM, clock: VirtualClock
) -> None:
    integration = fake.register_integration("https://app.example/oauth/callback")
    users = fake.users()
    token = fake.widget_token(integration, user_id=users[1]["id"])
    verified = parse_disposable_token(
        token,
        client_secret=integration.client_secret,
        redirect_uri=integration.redirect_uri,
        now=clock.time(),
    )
    assert (verified.account_id, verified.user_id, verified.client_uuid) == (
        fake.account_id,
        users[1]["id"],
        integration.client_id,
    )
    assert (verified.account_subdomain, verified.account_domain) == (
        "acme",
        "https://acme.amocrm.ru",
    )
    assert verified.expires_at == int(clock.time()) + 1800
    assert (
        verified.token_uuid
        != parse_disposable_token(
            fake.widget_token(integration),
            client_secret=integration.client_secret,
            redirect_uri=integration.redirect_uri,
            now=clock.time(),
        ).token_uuid
    )
    bot = fake.bot_token(
        integration, entity_id=42, entity_type="customers", receiver="https://app.example/bot"
    )
    parsed = parse_bot_disposable_token(
        bot,
        client_secret=integration.client_secret,
        receiver_path="https://app.example/bot",
        now=clock.time(),
    )
    assert (parsed.entity_id, parsed.entity_type, parsed.bot_type) == (42, "customers", "salesbot")
    tampered = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    with pytest.raises(DisposableTokenSignatureError):
        parse_disposable_token(
            tampered,
            client_secret=integration.client_secret,
            redirect_uri=integration.redirect_uri,
            now=clock.time(),
        )


async def test_customers_and_task_responsible(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.deliver_webhooks_to(Receiver())
    fake.webhooks.subscribe(HOOK, ["add_customer", "responsible_task"])
    users = [user["id"] for user in fake.users()]
    customers = await api.post("/api/v4/customers", json=[{"name": "Buyer", "next_price": 900}])
    customer_id = customers.json()["_embedded"]["customers"][0]["id"]
    tasks = await api.post("/api/v4/tasks", json=[{"text": "Call", "complete_till": 1_767_312_000}])
    task_id = tasks.json()["_embedded"]["tasks"][0]["id"]
    moved = await api.patch(f"/api/v4/tasks/{task_id}", json={"responsible_user_id": users[3]})
    assert moved.status_code == 200
    added, responsible = await fake.webhooks.flush()
    assert added.events == ("add_customer",)
    assert form(added)["customers[add][0][id]"] == str(customer_id)
    assert form(added)["customers[add][0][next_price]"] == "900"
    assert responsible.events == ("responsible_task",)
    body = form(responsible)
    assert (
        body["task[responsible][0][id]"],
        body["task[responsible][0][responsible_user_id]"],
    ) == (
        str(task_id),
        str(users[3]),
    )
    assert body["task[responsible][0][old_responsible_user_id]"] == str(users[0])


async def test_a_receiver_that_triggers_its_own_webhook_is_stopped(
    fake: FakeAmoCRM, amo: AmoCRMClient
) -> None:
    async def echo(scope: MutableMapping[str, Any], receive: Any, send: Any) -> None:
        while (await receive()).get("more_body"):
            pass
        lead_id = int(fake.webhooks.deliveries[-1].form()[0][1])  # leads[add|update][0][id]
        await amo.leads.update_one(Lead(id=lead_id, name=f"seen {len(fake.webhooks.deliveries)}"))
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    fake.deliver_webhooks_to(echo)
    await amo.webhooks.subscribe(HOOK, ["add_lead", "update_lead"])
    await amo.leads.add_one(Lead(name="loop"))
    with pytest.raises(RuntimeError, match="keep triggering"):
        await fake.webhooks.flush(max_rounds=5)
    assert len(fake.webhooks.deliveries) == 5


async def test_reset_forgets_subscriptions_queue_and_deliveries(
    fake: FakeAmoCRM, amo: AmoCRMClient
) -> None:
    receiver = Receiver()
    fake.deliver_webhooks_to(receiver)
    await amo.webhooks.subscribe(HOOK, ["add_lead"])
    await amo.leads.add_one(Lead(name="a"))
    await fake.webhooks.flush()
    await amo.leads.add_one(Lead(name="b"))
    fake.reset()
    assert (fake.webhooks.subscriptions(), fake.webhooks.pending()) == ([], 0)
    assert fake.webhooks.deliveries == []
    fake.webhooks.subscribe(HOOK, ["add_lead"])  # the route to the receiver stays
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as again:
        await again.leads.add_one(Lead(name="c"))
    await fake.webhooks.flush()
    assert len(receiver.calls) == 2


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_a_served_fake_sends_on_the_flush_control_route() -> None:
    fake = FakeAmoCRM()
    receiver = Receiver()
    server = ThreadedServer(receiver, "127.0.0.1", 0)
    await anyio.to_thread.run_sync(server.start)
    try:
        async with fake.serving() as base_url, httpx.AsyncClient(base_url=base_url) as control:
            token = (await control.post("/_fake/token", json={})).json()["access_token"]
            auth = {"Authorization": f"Bearer {token}"}
            destination = f"{server.base_url}/hook"
            subscribed = await control.post(
                PATH, json={"destination": destination, "settings": ["add_lead"]}, headers=auth
            )
            assert subscribed.status_code == 200
            await control.post("/api/v4/leads", json=[{"name": "Out of process"}], headers=auth)
            flushed = (await control.post("/_fake/webhooks/flush")).json()
            listed = (await control.get("/_fake/webhooks")).json()
    finally:
        await anyio.to_thread.run_sync(server.stop)
    assert [(d["destination"], d["events"], d["state"]) for d in flushed] == [
        (destination, ["add_lead"], "delivered")
    ]
    assert [a["status"] for a in flushed[0]["attempts"]] == [200]
    assert listed == flushed
    assert receiver.calls[0][2]["leads[add][0][name]"] == ["Out of process"]
