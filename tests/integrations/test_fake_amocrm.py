"""The integration against the fake amoCRM's own browser leg, webhooks and one-time tokens.

FastAPI gets the webhooks in-process (``fake.deliver_webhooks_to``); aiohttp over loopback HTTP
from the fake's sender. Subscriptions are made through the SDK (``amo.webhooks.subscribe``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import anyio
import anyio.lowlevel
import pytest

from amocrm_async.models import CommonNote, CommonNoteParams, Company, Contact, Lead, Task
from amocrm_async.testing import FakeAmoCRM, Integration

from .conftest import Driver, Recorder, cookie_header
from .test_routes import start_login

pytestmark = pytest.mark.anyio


async def authorize_through_the_fake(
    app: Driver, fake: FakeAmoCRM, registered: Integration
) -> None:
    """Login → the fake's consent step → the redirect back to our callback."""
    state, cookie, _ = await start_login(app)
    redirect = urlsplit(fake.authorize(registered, state=state))
    reply = await app.request(
        "GET", f"{redirect.path}?{redirect.query}", headers=cookie_header(cookie)
    )
    assert (reply.status, reply.json()["account"]) == (200, fake.base_domain)


async def subscribe(app: Driver, fake: FakeAmoCRM, *codes: str) -> str:
    destination = app.url(app.amo.webhook_path(fake.account_id))
    if app.asgi is not None:
        fake.deliver_webhooks_to(app.asgi, destination)
    await app.amo.client().webhooks.subscribe(destination, list(codes))
    return destination


async def test_oauth_through_the_fake_then_webhooks_exactly_once(
    app: Driver, fake: FakeAmoCRM, registered: Integration, recorder: Recorder
) -> None:
    await authorize_through_the_fake(app, fake, registered)
    destination = await subscribe(app, fake, "add_lead", "status_lead")
    client = app.amo.client()
    lead = await client.leads.add_one(Lead(name="From the fake", price=900))
    [delivery] = await fake.webhooks.flush()
    await app.amo.drain()
    assert (delivery.destination, delivery.state, delivery.events) == (
        destination,
        "delivered",
        ("add_lead",),
    )
    assert [a.status for a in delivery.attempts] == [200]
    [event] = recorder.events
    assert (event.entity_type, event.action, event.code) == ("leads", "add", "add_lead")
    assert event.entity_type == "leads"
    assert (event.data.id, event.data.name, event.data.price) == (lead.id, "From the fake", 900)
    assert event.account is not None and event.account.id == fake.account_id
    assert app.amo.client_for(event.account) is client
    assert await fake.webhooks.flush() == []
    assert len(recorder.events) == 1


# in-process only: the retry waits on the virtual clock, which loopback sockets do not follow
@pytest.mark.parametrize("stack", ["fastapi-asyncio", "fastapi-trio"])
async def test_a_refused_delivery_is_retried_and_handled_once(
    stack: str, app: Driver, fake: FakeAmoCRM, registered: Integration, recorder: Recorder
) -> None:
    """The receiver answers 503 while its handlers are saturated; the fake retries later."""
    await authorize_through_the_fake(app, fake, registered)
    await subscribe(app, fake, "add_lead")
    app.amo._max_pending = 1
    recorder.gate = gate = anyio.Event()
    client = app.amo.client()
    first = await client.leads.add_one(Lead(name="First"))
    [accepted] = await fake.webhooks.flush()  # its handler now waits on the gate
    second = await client.leads.add_one(Lead(name="Second"))

    async def open_gate_on_refusal() -> None:
        while not any(a.status == 503 for a in fake.webhooks.attempts):
            await anyio.lowlevel.checkpoint()
        gate.set()

    async with anyio.create_task_group() as group:
        group.start_soon(open_gate_on_refusal)
        [retried] = await fake.webhooks.flush()
    await app.amo.drain()
    assert [a.status for a in accepted.attempts] == [200]
    assert [a.status for a in retried.attempts] == [503, 200]
    assert retried.attempts[1].at - retried.attempts[0].at == 300
    assert [getattr(e.data, "id", 0) for e in recorder.events] == [first.id, second.id]


async def test_the_fakes_one_time_tokens_pass_once(
    app: Driver, fake: FakeAmoCRM, registered: Integration
) -> None:
    await authorize_through_the_fake(app, fake, registered)
    user = fake.users()[1]["id"]
    token = fake.widget_token(registered, user_id=user)
    reply = await app.request("POST", "/widget", headers={"X-Auth-Token": token})
    assert (reply.status, reply.json()["user_id"]) == (200, user)
    assert (await app.request("POST", "/widget", headers={"X-Auth-Token": token})).status == 401
    lead = await app.amo.client().leads.add_one(Lead(name="Bot lead"))
    assert lead.id is not None
    bot = fake.bot_token(registered, entity_id=lead.id)
    import json

    body = json.dumps({"token": bot, "data": {"step": 1}})
    headers = {"content-type": "application/json"}
    reply = await app.request("POST", "/bot", content=body, headers=headers)
    assert (reply.status, reply.json()) == (200, {"lead": "Bot lead", "data": {"step": 1}})
    assert (await app.request("POST", "/bot", content=body, headers=headers)).status == 401


@pytest.mark.parametrize("stack", ["fastapi-asyncio", "fastapi-trio"])
async def test_every_family_the_fake_sends_arrives_typed(
    stack: str, app: Driver, fake: FakeAmoCRM, registered: Integration, recorder: Recorder
) -> None:
    """What the fake posts for each kind of write parses into the event the contract names."""
    await authorize_through_the_fake(app, fake, registered)
    codes = ["add_contact", "add_company", "add_task", "note_lead", "status_lead"]
    await subscribe(app, fake, *codes)
    client = app.amo.client()
    lead = await client.leads.add_one(Lead(name="Deal"))
    await client.contacts.add_one(Contact(name="Ivan"))
    await client.companies.add_one(Company(name="Acme"))
    await client.tasks.add_one(
        Task(text="Call", complete_till=1_767_312_000, entity_id=lead.id, entity_type="leads")
    )
    await client.leads.notes.add_one(
        CommonNote(entity_id=lead.id, params=CommonNoteParams(text="Called back"))
    )
    working = [s["id"] for s in fake.pipelines()[0]["statuses"] if s["type"] == 0]
    stored = fake.entity("leads", lead.id or 0)
    assert stored is not None
    status = next(s for s in working if s != stored["status_id"])
    await client.leads.update_one(Lead(id=lead.id, status_id=status))
    await fake.webhooks.flush()
    await app.amo.drain()
    # one delivery per write, sent and handled concurrently: compare without order
    assert sorted((e.entity_type, e.action, e.code) for e in recorder.events) == [
        ("companies", "add", "add_company"),
        ("contacts", "add", "add_contact"),
        ("leads", "status", "status_lead"),
        ("notes", "note", "note_lead"),
        ("tasks", "add", "add_task"),
    ]
    by_type = {e.entity_type: e for e in recorder.events}
    task, note, moved = by_type["tasks"], by_type["notes"], by_type["leads"]
    assert task.entity_type == "tasks" and task.data.element_id == lead.id
    assert note.entity_type == "notes" and note.data.text == "Called back"
    assert moved.entity_type == "leads" and moved.data.status_id == status
