"""An aiohttp bot: a Salesbot ``widget_request`` endpoint and webhook reactions.

* ``POST /bot`` is the URL of a Salesbot ``widget_request`` step. amoCRM posts
  ``{token, data, return_url}``; the token (HS512, the client secret) says which lead the bot
  talks about. The bot writes what it was sent as a note on that lead and answers.
* New leads arrive as webhooks (a secret path the bot subscribes at start); the bot gives each
  one a task "Call the new lead" for its responsible user, due in an hour.

The bot serves one account and was installed with the simplified flow (the authorization code
copied from the integration's settings, ``AMOCRM_CODE``). Serve it::

    AMOCRM_CLIENT_ID=... AMOCRM_CLIENT_SECRET=... AMOCRM_REDIRECT_URI=... AMOCRM_CODE=... \\
    AMOCRM_WEBHOOK_SECRET=... AMOCRM_ACCOUNT=acme.amocrm.ru PUBLIC_URL=https://bot.example \\
    python examples/aiohttp_bot.py --serve

or run it end to end against the embedded fake amoCRM, with the bot on a loopback port: the
fake posts its webhooks to the bot over HTTP, and "Salesbot" calls it over HTTP::

    python examples/aiohttp_bot.py
"""

from __future__ import annotations

import os
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from aiohttp import web

from amocrm_async import MemoryTokenStore, OAuthConfig
from amocrm_async.integrations.aiohttp import BOT_REQUEST, AmoCRMIntegration, BotRequest
from amocrm_async.models import CommonNote, CommonNoteParams, Task
from amocrm_async.models import WebhookEventCode as EventCode
from amocrm_async.webhooks import LeadEvent, WebhookEvent

TASK_TEXT = "Call the new lead"


@dataclass(frozen=True)
class BotSettings:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    webhook_secret: str = field(repr=False)
    account: str
    """The account served, e.g. ``acme.amocrm.ru``."""
    public_url: str
    """Where amoCRM reaches the bot."""
    client_options: Mapping[str, Any] = field(default_factory=dict)


def create_bot(settings: BotSettings) -> tuple[web.Application, AmoCRMIntegration]:
    amo = AmoCRMIntegration(
        oauth=OAuthConfig(settings.client_id, settings.client_secret, settings.redirect_uri),
        token_store=MemoryTokenStore(),
        accounts=[settings.account],
        default_account=settings.account,
        webhook_secret=settings.webhook_secret,
        bot_receiver_url=f"{settings.public_url}/bot",
        client_options=settings.client_options,
    )

    @amo.event_handler
    async def on_event(event: WebhookEvent) -> None:
        if isinstance(event, LeadEvent) and event.action == "add" and event.data.id is not None:
            due = int(amo.clock.time()) + 3600
            task = Task(
                text=TASK_TEXT,
                complete_till=due,
                entity_id=event.data.id,
                entity_type="leads",
                responsible_user_id=event.data.responsible_user_id,
            )
            await amo.client().tasks.add_one(task)

    @amo.require_bot_token
    async def bot(request: web.Request) -> web.Response:
        call: BotRequest = request[BOT_REQUEST]
        data = call.data if isinstance(call.data, dict) else {}
        text = str(data.get("text") or "(empty)")
        note = CommonNote(
            entity_id=call.token.entity_id, params=CommonNoteParams(text=f"Bot heard: {text}")
        )
        if call.token.entity_type == "leads":
            await amo.client().leads.notes.add_one(note)
        else:
            await amo.client().customers.notes.add_one(note)
        return web.json_response({"status": "ok", "entity_id": call.token.entity_id})

    app = web.Application()
    amo.setup(app)
    app.router.add_post("/bot", bot)
    return app, amo


async def install(amo: AmoCRMIntegration, settings: BotSettings, code: str) -> None:
    """First start: trade the authorization code for tokens, subscribe the webhook."""
    client = amo.client()
    await client.authorize(code)
    await client.webhooks.subscribe(settings.public_url + amo.webhook_path(), [EventCode.ADD_LEAD])


async def serve_bot(app: web.Application, host: str, port: int) -> web.AppRunner:
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


# ----------------------------------------------------------------------------------------------
# The demo: loopback HTTP both ways against the fake amoCRM served on 127.0.0.1
# ----------------------------------------------------------------------------------------------


async def demo() -> dict[str, Any]:
    """The bot on a loopback port; the fake posts webhooks to it over HTTP and "Salesbot" calls
    it over HTTP. The bot's own API calls reach the fake through its in-process transport."""
    import socket

    import httpx

    from amocrm_async import AmoCRMClient
    from amocrm_async.models import Lead
    from amocrm_async.testing import FakeAmoCRM

    fake = FakeAmoCRM()
    integration = fake.register_integration("https://bot.example/amocrm/oauth/callback")
    with socket.socket() as probe:  # a free port, so the bot knows its URL before it starts
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bot_url = f"http://127.0.0.1:{port}"
    settings = BotSettings(
        client_id=integration.client_id,
        client_secret=integration.client_secret,
        redirect_uri=integration.redirect_uri,
        webhook_secret="demo-bot-webhook-secret-42",
        account=fake.base_domain,
        public_url=bot_url,
        client_options={"transport": fake.transport},
    )
    app, amo = create_bot(settings)
    runner = await serve_bot(app, "127.0.0.1", port)
    try:
        await install(amo, settings, fake.issue_authorization_code(integration))
        async with AmoCRMClient(
            fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
        ) as user:
            lead = await user.leads.add_one(Lead(name="Chat request"))
            await fake.webhooks.flush()
            await amo.drain()
            tasks = [t async for t in user.tasks.iterate()]
            token = fake.bot_token(integration, entity_id=lead.id or 0, receiver=f"{bot_url}/bot")
            async with httpx.AsyncClient(base_url=bot_url) as salesbot:
                body = {"token": token, "data": {"text": "hi"}, "return_url": "https://x"}
                answer = await salesbot.post("/bot", json=body)
                replay = await salesbot.post("/bot", json=body)
            notes = [n async for n in user.leads.notes.iterate_by_parent_id(lead.id or 0)]
    finally:
        await runner.cleanup()
    return {
        "lead": lead,
        "deliveries": fake.webhooks.deliveries,
        "tasks": tasks,
        "answer": (answer.status_code, answer.json()),
        "replay": replay.status_code,
        "notes": notes,
        "failures": amo.failures,
    }


def main() -> None:
    if "--serve" in sys.argv:
        env = os.environ
        settings = BotSettings(
            client_id=env["AMOCRM_CLIENT_ID"],
            client_secret=env["AMOCRM_CLIENT_SECRET"],
            redirect_uri=env["AMOCRM_REDIRECT_URI"],
            webhook_secret=env["AMOCRM_WEBHOOK_SECRET"],
            account=env["AMOCRM_ACCOUNT"],
            public_url=env["PUBLIC_URL"].rstrip("/"),
        )
        app, amo = create_bot(settings)

        async def installed(app: web.Application) -> AsyncIterator[None]:
            await install(amo, settings, env["AMOCRM_CODE"])  # after amo's own cleanup_ctx
            yield

        app.cleanup_ctx.append(installed)
        web.run_app(app, port=int(env.get("PORT", "8080")))
        return
    result = anyio.run(demo)
    print(f"{len(result['deliveries'])} webhook over loopback, {len(result['tasks'])} task created")
    print(f"salesbot answer {result['answer'][0]}, replayed token {result['replay']}")


if __name__ == "__main__":
    main()
