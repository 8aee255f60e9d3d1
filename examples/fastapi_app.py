"""A FastAPI integration: install by OAuth, webhooks as typed events that update the lead, and
an endpoint for the integration's widget (one-time ``X-Auth-Token``).

After an admin installs the integration (``/amocrm/oauth/login`` → amoCRM → the callback), the
app subscribes its own webhook URL (a secret path) to new leads and stage changes. A new lead
gets the tag ``webhook``; a lead moved to "won" gets a note. The widget calls
``GET /widget/leads`` with ``this.$authorizedAjax``; the token is verified (HS256, the client
secret, the redirect URI's origin) and accepted once.

Serve it (the settings come from the environment, see :meth:`Settings.from_env`)::

    uvicorn --app-dir examples fastapi_app:app

or run the whole flow against the embedded fake amoCRM — browser login, a lead created in
"amoCRM", the webhook, the app's update, the widget call::

    python examples/fastapi_app.py
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
from fastapi import Depends, FastAPI

from amocrm_async import DisposableToken, FileTokenStore, OAuthConfig
from amocrm_async.integrations.fastapi import AmoCRMIntegration
from amocrm_async.models import CommonNote, CommonNoteParams, Lead, Tag
from amocrm_async.models import WebhookEventCode as EventCode
from amocrm_async.webhooks import LeadEvent, WebhookEvent

WON = 142
TAG = "webhook"
EVENTS = (EventCode.ADD_LEAD, EventCode.STATUS_LEAD)


@dataclass(frozen=True)
class Settings:
    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    """``{public_url}/amocrm/oauth/callback``, as set in the integration's settings."""
    webhook_secret: str = field(repr=False)
    account: str
    """The account served, e.g. ``acme.amocrm.ru``."""
    public_url: str
    """Where amoCRM reaches this app (webhook destinations start with it)."""
    token_dir: str
    authorize_url: str | None = None
    """amoCRM's own page by default; the fake's ``/oauth`` in the demo."""
    cookie_secure: bool = True
    client_options: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            client_id=env["AMOCRM_CLIENT_ID"],
            client_secret=env["AMOCRM_CLIENT_SECRET"],
            redirect_uri=env["AMOCRM_REDIRECT_URI"],
            webhook_secret=env["AMOCRM_WEBHOOK_SECRET"],
            account=env["AMOCRM_ACCOUNT"],
            public_url=env["PUBLIC_URL"].rstrip("/"),
            token_dir=env.get("AMOCRM_TOKEN_DIR", "tokens"),
        )


def create_app(settings: Settings) -> FastAPI:
    async def subscribe_webhooks(client: Any, callback: Any) -> None:
        destination = settings.public_url + amo.webhook_path()
        await client.webhooks.subscribe(destination, EVENTS)

    amo = AmoCRMIntegration(
        oauth=OAuthConfig(settings.client_id, settings.client_secret, settings.redirect_uri),
        token_store=FileTokenStore(settings.token_dir),
        accounts=[settings.account],
        default_account=settings.account,
        webhook_secret=settings.webhook_secret,
        on_authorized=subscribe_webhooks,
        authorize_url=settings.authorize_url,
        cookie_secure=settings.cookie_secure,
        client_options=settings.client_options,
    )

    @amo.event_handler
    async def on_event(event: WebhookEvent) -> None:
        if not isinstance(event, LeadEvent) or event.data.id is None or event.account is None:
            return
        client = amo.client_for(event.account)
        if event.action == "add":
            await client.leads.update_one(Lead(id=event.data.id, tags_to_add=[Tag(name=TAG)]))
        elif event.action == "status" and event.data.status_id == WON:
            note = CommonNote(entity_id=event.data.id, params=CommonNoteParams(text="Won 🎉"))
            await client.leads.notes.add_one(note)

    app = FastAPI(lifespan=amo.lifespan)
    app.include_router(amo.router())

    @app.get("/widget/leads")
    async def widget_leads(
        token: DisposableToken = Depends(amo.widget_token),  # noqa: B008 (FastAPI's idiom)
    ) -> dict[str, Any]:
        client = amo.client_for(token)
        page = await client.leads.get(limit=5)
        return {
            "account_id": token.account_id,
            "user_id": token.user_id,
            "leads": [lead.name for lead in page],
        }

    app.state.amo = amo
    return app


# ----------------------------------------------------------------------------------------------
# The demo: the whole flow against the embedded fake amoCRM
# ----------------------------------------------------------------------------------------------


async def demo(token_dir: str) -> dict[str, Any]:
    """Install, get a webhook, update the lead, call the widget endpoint; returns what happened."""
    import httpx

    from amocrm_async import AmoCRMClient
    from amocrm_async.testing import FakeAmoCRM

    fake = FakeAmoCRM()
    public_url = "https://app.example"
    integration = fake.register_integration(f"{public_url}/amocrm/oauth/callback")
    settings = Settings(
        client_id=integration.client_id,
        client_secret=integration.client_secret,
        redirect_uri=integration.redirect_uri,
        webhook_secret="demo-webhook-secret-0123456789",
        account=fake.base_domain,
        public_url=public_url,
        token_dir=token_dir,
        authorize_url=f"{fake.base_url}/oauth",
        client_options={"transport": fake.transport},
    )
    app = create_app(settings)
    amo: AmoCRMIntegration = app.state.amo
    fake.deliver_webhooks_to(app, public_url)
    app_http = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=public_url)
    browser = httpx.AsyncClient(transport=fake.transport)
    async with amo.lifespan(app), app_http, browser:
        login = await app_http.get("/amocrm/oauth/login")
        consent = await browser.get(login.headers["location"])  # the admin allows
        callback = await app_http.get(consent.headers["location"])
        authorized = callback.json()

        # someone creates a lead in amoCRM; amoCRM posts the webhook; the app tags the lead
        async with AmoCRMClient(
            fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
        ) as user:
            lead = await user.leads.add_one(Lead(name="Website request"))
            await fake.webhooks.flush()
            await amo.drain()
            tagged = await user.leads.get_one(lead.id or 0)
            await user.leads.update_one(
                Lead(id=lead.id, status_id=WON, pipeline_id=lead.pipeline_id)
            )
            await fake.webhooks.flush()
            await amo.drain()
            notes = [n async for n in user.leads.notes.iterate_by_parent_id(lead.id or 0)]

        token = fake.widget_token(integration)
        widget = await app_http.get("/widget/leads", headers={"X-Auth-Token": token})
        replayed = await app_http.get("/widget/leads", headers={"X-Auth-Token": token})
    return {
        "authorized": authorized,
        "subscriptions": fake.webhooks.subscriptions(),
        "deliveries": fake.webhooks.deliveries,
        "tags": [tag.name for tag in (tagged.embedded.tags if tagged.embedded else None) or []],
        "notes": notes,
        "widget": (widget.status_code, widget.json()),
        "replayed": replayed.status_code,
        "failures": amo.failures,
    }


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        result = await demo(directory)
    print(f"installed on {result['authorized']['account']}")
    print(f"{len(result['deliveries'])} webhooks delivered, lead tagged {result['tags']}")
    print(f"widget saw {result['widget'][1]['leads']}; a replayed token got {result['replayed']}")


if os.environ.get("AMOCRM_CLIENT_ID"):
    app = create_app(Settings.from_env())

if __name__ == "__main__":
    anyio.run(main)
