"""A new pair is put into use once, at once, so a late refresh cannot revoke it.

amoCRM keeps the old refresh token valid until the new access token is first used, and a second
refresh from the same token replaces the earlier, unused pair. A worker that was killed (or
timed out) with its refresh in flight can therefore revoke the pair its peers just saved, when
its request finally lands. The confirmation call closes that window.
"""

from __future__ import annotations

import logging

import anyio
import httpx
import pytest

from amocrm_async._clock import VirtualClock
from amocrm_async._oauth import OAuthConfig
from amocrm_async._refreshing_auth import RefreshingAuth
from amocrm_async._tokens import OAuthToken

from ._support import (
    DOMAIN,
    Call,
    DomainHolder,
    FakeTokenEndpoint,
    RecordingStore,
    http_send,
    make_context,
    seed,
)
from .conftest import MakeAuth

pytestmark = pytest.mark.anyio


async def test_a_refreshed_pair_is_confirmed_before_it_is_announced(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, events: list[str]
) -> None:
    old = await seed(store, endpoint, expires_in=-1)
    auth = make_auth(on_token_refreshed=lambda t, d: events.append("callback"))

    token = await auth.get_access_token()

    assert [c.kind for c in endpoint.calls] == ["refresh_token", "account"]
    confirm = endpoint.calls[1]
    assert confirm.host == DOMAIN and confirm.credential == token
    assert events.index("cas:1") < events.index("account") < events.index("callback")
    refreshed = await endpoint.late_refresh(old.token.refresh_token)
    assert refreshed.status_code == 401  # the old refresh token is retired already


async def test_refresh_tokens_confirms_too(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    old = await seed(store, endpoint)
    auth = make_auth()

    token = await auth.refresh()

    assert [c.kind for c in endpoint.calls] == ["refresh_token", "account"]
    assert endpoint.calls[1].credential == token.access_token
    assert (await endpoint.late_refresh(old.token.refresh_token)).status_code == 401


async def test_many_waiters_one_confirmation(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-1)
    endpoint.checkpoints = 20
    auth = make_auth()
    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(auth.get_access_token)
    assert endpoint.count("refresh_token") == 1
    assert endpoint.count("account") == 1


@pytest.mark.parametrize("confirm", [True, False])
async def test_late_refresh_of_a_killed_worker(
    confirm: bool, make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    """With confirmation the late refresh is refused; without, it revokes the saved pair."""
    old = await seed(store, endpoint, expires_in=-1)
    killed, peer = make_auth(confirm_refresh=confirm), make_auth(confirm_refresh=confirm)
    arrived = anyio.Event()

    async def in_flight_forever(call: Call) -> httpx.Response:
        arrived.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    endpoint.before_response = in_flight_forever
    async with anyio.create_task_group() as tg:
        tg.start_soon(killed.get_access_token)
        await arrived.wait()
        tg.cancel_scope.cancel()  # the worker dies; its request is still queued at amoCRM
    endpoint.before_response = None

    await peer.get_access_token()  # refreshes from the same (still valid) refresh token
    saved = await store.inner.load("acme")
    assert saved is not None and saved.version == 2

    late = await endpoint.late_refresh(old.token.refresh_token)  # the dead worker's request lands

    if confirm:
        assert late.status_code == 401
        assert endpoint.accepts(saved.token)
    else:
        assert late.status_code == 200
        assert not endpoint.accepts(saved.token)  # every worker's pair is gone


@pytest.mark.parametrize("failure", ["503", "429", "reset", "401"])
async def test_a_failed_confirmation_keeps_the_saved_pair(
    failure: str,
    make_auth: MakeAuth,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed(store, endpoint, expires_in=-1)

    def fail() -> httpx.Response:
        if failure == "reset":
            request = httpx.Request("GET", f"https://{DOMAIN}/api/v4/account")
            raise httpx.ReadError("connection reset by peer", request=request)
        return httpx.Response(int(failure), json={"status": int(failure)})

    endpoint.api_failure = fail
    seen: list[OAuthToken] = []
    auth = make_auth(on_token_refreshed=lambda t, d: seen.append(t))

    token = await auth.get_access_token()

    stored = await store.inner.load("acme")
    assert stored is not None and stored.version == 2 and stored.token.access_token == token
    assert seen == [stored.token]
    assert endpoint.count("account") == 1  # never retried
    level = logging.ERROR if failure == "401" else logging.WARNING
    assert any(
        r.levelno == level and "confirm" in r.getMessage() and "'acme'" in r.getMessage()
        for r in caplog.records
    )
    assert await auth.get_access_token() == token
    assert endpoint.count("refresh_token") == 1


async def test_cancelled_during_confirmation_the_pair_is_still_saved(
    config: OAuthConfig,
    clock: VirtualClock,
    domains: DomainHolder,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
) -> None:
    await seed(store, endpoint, expires_in=-1)
    arrived = anyio.Event()

    async def confirmation_hangs(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/api/v4/account":
            arrived.set()
            await anyio.sleep_forever()
        return await endpoint.handle(request)

    async with http_send(confirmation_hangs) as send:
        auth = RefreshingAuth(config, store, key="acme")
        auth.bind(make_context(clock, send, domains))
        async with anyio.create_task_group() as tg:
            tg.start_soon(auth.get_access_token)
            await arrived.wait()
            tg.cancel_scope.cancel()

    stored = await store.inner.load("acme")
    assert stored is not None and stored.version == 2
    assert auth.stored == stored


async def test_a_lost_compare_and_set_never_uses_the_discarded_pair(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-1)

    async def intruder() -> None:
        await seed(store, endpoint)

    store.before_cas = intruder
    auth = make_auth()
    await auth.get_access_token()
    assert endpoint.count("refresh_token") == 1
    assert endpoint.count("account") == 0


async def test_confirmation_can_be_turned_off(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-1)
    auth = make_auth(confirm_refresh=False)
    await auth.get_access_token()
    await auth.refresh()
    assert [c.kind for c in endpoint.calls] == ["refresh_token", "refresh_token"]


async def test_authorize_is_not_confirmed(make_auth: MakeAuth, endpoint: FakeTokenEndpoint) -> None:
    """A code exchange retires no refresh token, so there is nothing to confirm."""
    auth = make_auth()
    await auth.authorize(endpoint.issue_code())
    assert [c.kind for c in endpoint.calls] == ["authorization_code"]
