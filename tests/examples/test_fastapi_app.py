"""examples/fastapi_app.py end to end against the fake amoCRM, in-process: the admin's browser
login through the fake's /oauth page, the app subscribing itself, a lead created in "amoCRM"
delivered once as a webhook and tagged by the app, a stage change that adds a note, and the
widget endpoint accepting a one-time token once."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from amocrm_async import AmoCRMClient, VirtualClock
from amocrm_async.models import CommonNote, Lead
from amocrm_async.testing import FakeAmoCRM
from amocrm_async.testing._webhook_delivery import DEFAULT_RETRY_SCHEDULE

from ._load import load_example

pytestmark = pytest.mark.anyio

example = load_example("fastapi_app")


async def test_install_webhooks_and_widget(tmp_path: Path) -> None:
    result = await example.demo(str(tmp_path))
    assert result["authorized"] == {"status": "authorized", "account": "acme.amocrm.ru"}
    (subscription,) = result["subscriptions"]
    assert subscription["destination"].startswith("https://app.example/amocrm/webhook/")
    assert subscription["settings"] == ["add_lead", "status_lead"]
    deliveries = result["deliveries"]
    assert [(d.events, d.state, len(d.attempts)) for d in deliveries] == [
        (("add_lead",), "delivered", 1),
        (("status_lead",), "delivered", 1),
    ]
    assert result["tags"] == ["webhook"]
    (note,) = result["notes"]
    assert isinstance(note, CommonNote) and note.params is not None
    assert note.params.text == "Won 🎉"
    status, body = result["widget"]
    assert (status, body["leads"]) == (200, ["Website request"])
    assert body["account_id"] > 0 and body["user_id"] > 0
    assert result["replayed"] == 401
    assert result["failures"] == 0
    assert list(tmp_path.iterdir()), "the token pair was stored"


def test_the_script_runs_as_documented(capsys: pytest.CaptureFixture[str]) -> None:
    anyio.run(example.main)
    out = capsys.readouterr().out
    assert "2 webhooks delivered, lead tagged ['webhook']" in out
    assert "a replayed token got 401" in out


async def test_a_webhook_to_a_wrong_secret_is_refused_and_retried(tmp_path: Path) -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    integration = fake.register_integration("https://app.example/amocrm/oauth/callback")
    settings = example.Settings(
        client_id=integration.client_id,
        client_secret=integration.client_secret,
        redirect_uri=integration.redirect_uri,
        webhook_secret="the-right-secret-0123456789",
        account=fake.base_domain,
        public_url="https://app.example",
        token_dir=str(tmp_path),
        client_options={"transport": fake.transport},
    )
    app = example.create_app(settings)
    fake.deliver_webhooks_to(app)
    fake.webhooks.subscribe("https://app.example/amocrm/webhook/a-guessed-secret-xyz", ["add_lead"])
    async with (
        app.state.amo.lifespan(app),
        AmoCRMClient(
            fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
        ) as user,
    ):
        await user.leads.add_one(Lead(name="x"))
        (delivery,) = await fake.webhooks.flush()
        await app.state.amo.drain()
    assert delivery.state == "failed"
    assert [a.status for a in delivery.attempts] == [403] * (len(DEFAULT_RETRY_SCHEDULE) + 1)
    assert [r.method for r in fake.requests if r.path.startswith("/api/v4/leads")] == ["POST"]
