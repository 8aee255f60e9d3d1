"""IntegrationCore without a web framework: replay cache, queue delivery, lifecycle, config."""

from __future__ import annotations

import builtins
import importlib
import sys
from typing import Any

import anyio
import pytest

from amocrm_async import MemoryTokenStore, OAuthConfig, VirtualClock
from amocrm_async.integrations import IntegrationCore, IntegrationError, MemoryReplayCache
from amocrm_async.testing import FakeAmoCRM, Integration
from amocrm_async.webhooks import (
    LeadData,
    LeadEvent,
    WebhookAccount,
    WebhookEvent,
    encode_webhook_form,
)

from .conftest import REDIRECT_URI, WEBHOOK_SECRET

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def make_core(fake: FakeAmoCRM, registered: Integration, **kwargs: Any) -> IntegrationCore:
    kwargs.setdefault("webhook_secret", WEBHOOK_SECRET)
    kwargs.setdefault("client_options", {"transport": fake.transport})
    return IntegrationCore(
        oauth=OAuthConfig(registered.client_id, registered.client_secret, REDIRECT_URI),
        token_store=MemoryTokenStore(),
        clock=fake.clock,
        **kwargs,
    )


async def test_replay_cache_forgets_a_token_only_after_it_expires(clock: VirtualClock) -> None:
    cache = MemoryReplayCache(clock=clock)
    now = clock.time()
    assert await cache.claim("a", now + 10)
    assert not await cache.claim("a", now + 10)
    assert await cache.claim("b", now + 100)
    clock.advance(11)
    assert await cache.claim("c", now + 100)
    assert len(cache) == 2  # "a" expired and was dropped
    assert await cache.claim("a", now + 20)


async def test_replay_cache_is_bounded(clock: VirtualClock) -> None:
    cache = MemoryReplayCache(clock=clock, max_entries=3)
    now = clock.time()
    for i in range(10):
        assert await cache.claim(f"t{i}", now + 100 + i)
    assert len(cache) == 3
    assert not await cache.claim("t9", now + 109)
    with pytest.raises(ValueError, match="max_entries"):
        MemoryReplayCache(max_entries=0)


async def test_events_go_to_a_queue_in_order(fake: FakeAmoCRM, registered: Integration) -> None:
    send, receive = anyio.create_memory_object_stream[WebhookEvent](10)
    core = make_core(fake, registered, queue=send, accounts=[fake.account_id])
    events = [LeadEvent(action="add", data=LeadData(id=i)) for i in (1, 2, 3)]
    body = encode_webhook_form(events, account=WebhookAccount(id=fake.account_id))
    async with core.running():
        payload = core.accept_webhook(body.encode(), None)
        assert len(payload.events) == 3
        await core.drain()
        got = [receive.receive_nowait() for _ in range(3)]
    assert [getattr(e.data, "id", None) for e in got] == [1, 2, 3]
    assert all(e.account == WebhookAccount(id=fake.account_id) for e in got)
    send.close()
    receive.close()


async def test_event_handler_decorator_and_the_client_of_an_event(
    fake: FakeAmoCRM, registered: Integration
) -> None:
    core = make_core(fake, registered, accounts=["acme.amocrm.ru"])
    seen: list[str] = []

    @core.event_handler
    async def handle(event: WebhookEvent) -> None:
        assert event.account is not None
        seen.append(core.client_for(event.account).base_domain)

    body = encode_webhook_form(
        [LeadEvent(action="add", data=LeadData(id=1))], account=WebhookAccount(subdomain="acme")
    )
    async with core.running():
        core.accept_webhook(body.encode(), "application/x-www-form-urlencoded")
        await core.drain()
    assert seen == ["acme.amocrm.ru"]


async def test_clients_exist_only_while_running_and_are_shared(
    fake: FakeAmoCRM, registered: Integration
) -> None:
    core = make_core(fake, registered, default_account="acme.amocrm.ru")
    with pytest.raises(RuntimeError, match="not running"):
        core.client()
    with pytest.raises(IntegrationError) as info:
        core.accept_webhook(b"", None)
    assert info.value.status == 403  # no accounts listed: the shared path serves none
    async with core.running():
        first = core.client()
        assert core.client("https://ACME.amocrm.ru/") is first
        with pytest.raises(RuntimeError, match="already running"):
            async with core.running():
                pass
    assert first._closed


async def test_webhooks_are_refused_with_503_when_not_running(
    fake: FakeAmoCRM, registered: Integration
) -> None:
    core = make_core(fake, registered, accounts=[fake.account_id], on_event=_ignore)
    body = encode_webhook_form(
        [LeadEvent(action="add", data=LeadData(id=1))], account=WebhookAccount(id=fake.account_id)
    )
    with pytest.raises(IntegrationError) as info:
        core.accept_webhook(body.encode(), None)
    assert info.value.status == 503


async def _ignore(event: WebhookEvent) -> None:
    return None


def test_configuration_errors(fake: FakeAmoCRM, registered: Integration) -> None:
    with pytest.raises(ValueError, match="at least 16"):
        make_core(fake, registered, webhook_secret="short")
    with pytest.raises(ValueError, match="prefix"):
        make_core(fake, registered, prefix="amocrm/")
    core = make_core(fake, registered, webhook_secret=None)
    with pytest.raises(ValueError, match="webhook_secret"):
        core.webhook_path()
    with pytest.raises(IntegrationError):
        core.check_webhook_token("anything")
    with pytest.raises(ValueError, match="host or an id"):
        make_core(fake, registered, accounts=[1.5])


def test_signed_paths_differ_per_account_and_hide_the_secret(
    fake: FakeAmoCRM, registered: Integration
) -> None:
    core = make_core(fake, registered)
    one, two = core.webhook_path(1), core.webhook_path(2)
    assert one.startswith("/amocrm/webhook/1/") and two.startswith("/amocrm/webhook/2/")
    assert one.rsplit("/", 1)[1] != two.rsplit("/", 1)[1]
    assert WEBHOOK_SECRET not in one
    assert core.check_webhook_signature("1", one.rsplit("/", 1)[1]) == 1
    for account, signature in (("2", one.rsplit("/", 1)[1]), ("x", "y"), ("1" * 30, "z")):
        with pytest.raises(IntegrationError):
            core.check_webhook_signature(account, signature)


def test_state_cookie_is_bound_to_the_key(fake: FakeAmoCRM, registered: Integration) -> None:
    core = make_core(fake, registered)
    url, cookie = core.login()
    assert core.read_state(cookie) in url
    other = make_core(fake, registered, cookie_secret="another cookie secret")
    with pytest.raises(IntegrationError, match="not ours"):
        other.read_state(cookie)


@pytest.mark.parametrize("module", ["fastapi", "aiohttp"])
def test_integrations_need_their_extra(monkeypatch: pytest.MonkeyPatch, module: str) -> None:
    real_import = builtins.__import__

    def without(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == module or name.startswith(module + "."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without)
    monkeypatch.delitem(sys.modules, f"amocrm_async.integrations.{module}", raising=False)
    with pytest.raises(ImportError, match=rf"pip install 'amocrm-async\[{module}\]'"):
        importlib.import_module(f"amocrm_async.integrations.{module}")


def test_repr_shows_no_secret(fake: FakeAmoCRM, registered: Integration) -> None:
    core = make_core(fake, registered, accounts=["acme.amocrm.ru", 7], cookie_secret="cookie-x")
    text = repr(core)
    assert "acme.amocrm.ru" in text and registered.client_id in text
    for secret in (registered.client_secret, WEBHOOK_SECRET, "cookie-x"):
        assert secret not in text


def test_built_before_any_event_loop_and_run_under_each_backend(
    fake: FakeAmoCRM, registered: Integration
) -> None:
    """Apps build the integration at import time; each run gets fresh primitives."""
    seen: list[WebhookEvent] = []

    async def record(event: WebhookEvent) -> None:
        seen.append(event)

    core = make_core(fake, registered, accounts=[fake.account_id], on_event=record)
    body = encode_webhook_form(
        [LeadEvent(action="add", data=LeadData(id=1))], account=WebhookAccount(id=fake.account_id)
    )

    async def one_webhook() -> None:
        async with core.running():
            core.accept_webhook(body.encode(), None)
            await core.drain()

    for backend in ("asyncio", "trio", "asyncio"):
        anyio.run(one_webhook, backend=backend)
    assert len(seen) == 3
