"""The README's FastAPI example and the examples of docs/fastapi.md and docs/aiohttp.md run as
written, against the fake amoCRM."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from amocrm_async import VirtualClock
from amocrm_async.models import Lead
from amocrm_async.testing import FakeAmoCRM, Integration
from amocrm_async.webhooks import LeadData, LeadEvent, WebhookAccount, encode_webhook_form

from .conftest import ORIGIN, REDIRECT_URI, WEBHOOK_SECRET, bot_token, widget_token

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def example(path: str) -> str:
    """The first python block of ``path`` that builds an AmoCRMIntegration."""
    text = (ROOT / path).read_text()
    blocks: list[str] = re.findall(r"```python\n(.*?)```", text, re.S)
    return next(block for block in blocks if "AmoCRMIntegration(" in block)


def run(
    source: str, fake: FakeAmoCRM, registered: Integration, clock: VirtualClock, tmp: Path
) -> dict[str, Any]:
    """Execute an example with the fake amoCRM's transport given to every client."""
    source = source.replace("FileTokenStore(", "FileTokenStore(TOKENS or ", 1)
    source = source.replace("accounts=", "client_options=FAKE, clock=CLOCK, accounts=", 1)
    namespace: dict[str, Any] = {
        "CLIENT_ID": registered.client_id,
        "CLIENT_SECRET": registered.client_secret,
        "REDIRECT_URI": REDIRECT_URI,
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "TOKENS": str(tmp / "tokens"),
        "FAKE": {"transport": fake.transport},
        "CLOCK": clock,
    }
    exec(compile(source, "<example>", "exec"), namespace)
    return namespace


async def test_readme_example_receives_a_typed_status_event(
    fake: FakeAmoCRM,
    registered: Integration,
    clock: VirtualClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ns = run(example("README.md"), fake, registered, clock, tmp_path)
    amo, app = ns["amo"], ns["app"]
    body = encode_webhook_form(
        [LeadEvent(action="status", data=LeadData(id=42, status_id=142, old_status_id=7))],
        account=WebhookAccount(subdomain="acme", id=fake.account_id),
    )
    transport = httpx.ASGITransport(app=app)
    async with amo.lifespan(app), httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        reply = await http.post(
            amo.webhook_path(),
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        await amo.drain()
    assert reply.status_code == 200
    assert capsys.readouterr().out == "42 7 -> 142\n"


async def test_fastapi_doc_example_end_to_end(
    fake: FakeAmoCRM, registered: Integration, clock: VirtualClock, tmp_path: Path
) -> None:
    source = example("docs/fastapi.md").replace(
        '"https://app.example.com/amocrm/oauth/callback"', "REDIRECT_URI"
    )
    source = source.replace('"/var/lib/myapp/tokens"', "TOKENS")
    ns = run(source, fake, registered, clock, tmp_path)
    amo, app = ns["amo"], ns["app"]
    transport = httpx.ASGITransport(app=app)
    async with amo.lifespan(app), httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        await amo.client().authorize(fake.issue_authorization_code(registered))
        [lead] = await amo.client().leads.add([ns["Lead"](name="Deal")])
        assert (await http.get(f"/leads/{lead.id}")).json() == {"name": "Deal"}
        body = encode_webhook_form(
            [LeadEvent(action="status", data=LeadData(id=lead.id, status_id=142))],
            account=WebhookAccount(subdomain="acme", id=fake.account_id),
        )
        reply = await http.post(
            amo.webhook_path(),
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert reply.status_code == 200
        await amo.drain()
        assert (await http.get(f"/leads/{lead.id}")).json() == {"name": "Won!"}
    assert amo.failures == 0


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_aiohttp_doc_example_end_to_end(
    fake: FakeAmoCRM, registered: Integration, clock: VirtualClock, tmp_path: Path
) -> None:
    from aiohttp import DummyCookieJar
    from aiohttp.test_utils import TestClient, TestServer

    source = example("docs/aiohttp.md").replace("web.run_app(app)\n", "")
    source = source.replace('"https://bot.example.com/amocrm/oauth/callback"', "REDIRECT_URI")
    source = source.replace('"/var/lib/mybot/tokens"', "TOKENS")
    ns = run(source, fake, registered, clock, tmp_path)
    amo = ns["amo"]
    async with TestClient(TestServer(ns["app"]), cookie_jar=DummyCookieJar()) as http:
        await amo.client().authorize(fake.issue_authorization_code(registered))
        [lead] = await amo.client().leads.add([Lead(name="Bot deal")])
        token = widget_token(registered, clock, fake)
        async with http.post("/widget", headers={"X-Auth-Token": token}) as reply:
            assert reply.status == 200
            assert (await reply.json())["user"] == 7
        async with http.post("/widget", headers={"X-Auth-Token": token}) as replayed:
            assert replayed.status == 401
        body = {"token": bot_token(registered, clock, fake, entity_id=lead.id)}
        async with http.post("/salesbot", json=body) as reply:
            assert (reply.status, await reply.json()) == (200, {"lead": "Bot deal"})
