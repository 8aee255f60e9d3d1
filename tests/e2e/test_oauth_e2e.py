"""OAuth end to end: the real ``AmoCRMClient`` against ``FakeAmoCRM``.

Everything goes through the SDK's public surface (``AmoCRMClient(oauth=..., token_store=...)``)
and the fake's token endpoint, rotation and grace rule — no hand-written token endpoint (the unit
tests in ``tests/auth/`` have that). Time is a ``VirtualClock`` shared by the fake and the client,
except over loopback and across processes, where both use the system clock.

Every test runs under a secret-leak guard (the ``secrets`` fixture): the client secret and every
access token, refresh token and authorisation code the fakes issued must be absent from the log
records (DEBUG, all loggers), from ``repr``/``str`` of the client, auth, store and token objects
the tests handled, and from ``str``/``repr`` (and the kept body) of every error the tests saw,
including the errors chained below them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import Any

import anyio
import anyio.lowlevel
import httpx
import pytest

from amocrm_async import (
    AmoCRMClient,
    FileTokenStore,
    MemoryRateLimiter,
    MemoryTokenStore,
    OAuthConfig,
    OAuthToken,
    RefreshingAuth,
    StoredToken,
    SystemClock,
    TokenStore,
)
from amocrm_async._auth import decode_jwt_claims
from amocrm_async.errors import (
    NotFoundError,
    ReauthorizationRequiredError,
    UnauthorizedError,
)
from amocrm_async.testing import FakeAmoCRM, Integration, VirtualClock

from .._processes import run_together

pytestmark = pytest.mark.anyio


TOKEN_PATH = "/oauth2/access_token"
LOOKUP_PATH = "/oauth2/account/current/subdomain"
LEADS_PATH = "/api/v4/leads"
DAY = 86_400
WORKERS = 4


# --------------------------------------------------------------------------- secret hygiene


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    stack = [error]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        stack.extend(e for e in (current.__cause__, current.__context__) if e is not None)


class Secrets:
    """Collects what the tests handled; at teardown nothing may contain a secret of the fakes."""

    def __init__(self) -> None:
        self.values: set[str] = set()
        self.fakes: list[FakeAmoCRM] = []
        self.objects: list[object] = []
        self.errors: list[BaseException] = []
        self.texts: list[tuple[str, str]] = []

    def watch(self, fake: FakeAmoCRM) -> FakeAmoCRM:
        self.fakes.append(fake)
        return fake

    def track(self, *objects: object) -> None:
        """Objects whose ``repr``/``str`` must stay clean (client, auth, store, tokens...)."""
        for obj in objects:
            if isinstance(obj, BaseException):
                self.errors.append(obj)
            else:
                self.objects.append(obj)

    def track_text(self, label: str, text: str) -> None:
        self.texts.append((label, text))

    def harvest(self) -> None:
        """Every credential the watched fakes ever issued (read from the fake's registry)."""
        for fake in self.fakes:
            registry = fake._oauth
            self.values.update(registry.access)
            self.values.update(registry.refresh)
            self.values.update(registry.codes)
            self.values.update(i.client_secret for i in registry.integrations.values())
        assert all(len(value) >= 16 for value in self.values)

    def leaked(self, text: str) -> list[str]:
        return sorted(v[:6] + "…" for v in self.values if v in text)

    def redacted(self, text: str) -> str:
        """``text`` with every secret cut to a prefix, for failure messages."""
        for value in self.values:
            text = text.replace(value, value[:6] + "…")
        return text

    def check(self, records: list[logging.LogRecord]) -> None:
        self.harvest()
        formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
        for record in records:
            text = formatter.format(record)
            assert not self.leaked(text), f"secret in a log of {record.name}: {self.redacted(text)}"
        for obj in self.objects:
            for text in (repr(obj), str(obj)):
                assert not self.leaked(text), (
                    f"secret in {type(obj).__name__}: {self.redacted(text)}"
                )
        for error in self.errors:
            for link in _chain(error):
                body = getattr(link, "body", "")
                for text in (repr(link), str(link), body if isinstance(body, str) else ""):
                    assert not self.leaked(text), (
                        f"secret in {type(link).__name__}: {self.redacted(text)}"
                    )
        for label, text in self.texts:
            assert not self.leaked(text), f"secret in {label}: {self.leaked(text)}"


@pytest.fixture(autouse=True)
def secrets(caplog: pytest.LogCaptureFixture) -> Iterator[Secrets]:
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="amocrm_async")
    guard = Secrets()
    yield guard
    records = caplog.get_records("setup") + caplog.get_records("call")
    if any(isinstance(obj, AmoCRMClient) for obj in guard.objects):
        # the guard only means something if the SDK's DEBUG records were captured
        assert any(
            r.name.startswith("amocrm_async") and r.levelno == logging.DEBUG for r in records
        )
    guard.check(records)


# --------------------------------------------------------------------------- fixtures, helpers


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def fake(clock: VirtualClock, secrets: Secrets) -> FakeAmoCRM:
    fake = secrets.watch(FakeAmoCRM(clock=clock))
    fake.seed(leads=5)
    return fake


@pytest.fixture
def integration(fake: FakeAmoCRM) -> Integration:
    return fake.register_integration(redirect_uri="https://integration.example/amo/callback")


@pytest.fixture
def config(integration: Integration, secrets: Secrets) -> OAuthConfig:
    config = OAuthConfig(integration.client_id, integration.client_secret, integration.redirect_uri)
    secrets.track(config)
    return config


class Recorder(httpx.AsyncBaseTransport):
    """Passes requests to the fake and appends ``"METHOD /path STATUS"`` to a shared event log."""

    def __init__(self, inner: httpx.AsyncBaseTransport, events: list[str]) -> None:
        self.inner = inner
        self.events = events

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        label = f"{request.method} {request.url.path}"
        try:
            response = await self.inner.handle_async_request(request)
        except httpx.TransportError:
            self.events.append(f"{label} dropped")
            raise
        self.events.append(f"{label} {response.status_code}")
        return response


class CountingStore:
    """A token store wrapper that appends ``"load"`` / ``"cas"`` to the shared event log."""

    def __init__(self, inner: TokenStore, events: list[str]) -> None:
        self.inner = inner
        self.events = events

    @property
    def loads(self) -> int:
        return self.events.count("load")

    async def load(self, key: str) -> StoredToken | None:
        self.events.append("load")
        return await self.inner.load(key)

    async def compare_and_set(
        self, key: str, expected_version: int | None, token: OAuthToken, base_domain: str
    ) -> StoredToken | None:
        self.events.append("cas")
        return await self.inner.compare_and_set(key, expected_version, token, base_domain)

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        return self.inner.lock(key)

    def __repr__(self) -> str:
        return f"CountingStore({self.inner!r})"


def make_client(
    fake: FakeAmoCRM,
    config: OAuthConfig,
    clock: VirtualClock,
    store: TokenStore,
    secrets: Secrets,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    base_domain: str | None = None,
    **kwargs: Any,
) -> AmoCRMClient:
    """A client on the fake's transport and the shared clock, with limits that never bind."""
    amo = AmoCRMClient(
        base_domain or fake.base_domain,
        oauth=config,
        token_store=store,
        transport=transport or fake.transport,
        clock=clock,
        rate_limiter=MemoryRateLimiter(clock),
        rate_limit=10_000,
        account_rate_limit=10_000,
        **kwargs,
    )
    secrets.track(amo, amo.auth, store)
    return amo


def current(amo: AmoCRMClient) -> StoredToken:
    """The record the client's auth uses right now."""
    auth = amo.auth
    assert isinstance(auth, RefreshingAuth)
    assert auth.stored is not None
    return auth.stored


def bearer(headers: dict[str, str]) -> str | None:
    value = headers.get("authorization")
    return value.removeprefix("Bearer ") if value else None


def log_of(fake: FakeAmoCRM) -> list[tuple[str, str, int]]:
    return [(r.method, r.path, r.status) for r in fake.requests]


def token_posts(fake: FakeAmoCRM) -> list[Any]:
    return [r for r in fake.requests if r.method == "POST" and r.path == TOKEN_PATH]


def fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()[:16]


async def authorized(
    amo: AmoCRMClient, fake: FakeAmoCRM, integration: Integration, secrets: Secrets
) -> OAuthToken:
    token = await amo.authorize(fake.issue_authorization_code(integration))
    secrets.track(token)
    return token


# --------------------------------------------------------------------------- 1. code flow


async def test_code_flow_stores_the_pair_beside_the_base_domain(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
) -> None:
    store = MemoryTokenStore()
    async with make_client(fake, config, clock, store, secrets) as amo:
        code = fake.issue_authorization_code(integration)
        token = await amo.authorize(code)
        page = await amo.leads.get()

    assert len(page.items) == 5
    stored = await store.load(fake.base_domain)
    assert stored is not None
    assert stored == StoredToken(token, fake.base_domain, 1)
    assert token.expires_at == pytest.approx(clock.time() + DAY, abs=1)
    claims = decode_jwt_claims(token.access_token)
    assert claims["aud"] == integration.client_id
    assert claims["account_id"] == fake.account_id
    assert claims["base_domain"] == fake.base_domain

    assert log_of(fake) == [("POST", TOKEN_PATH, 200), ("GET", LEADS_PATH, 200)]
    grant, call = fake.requests
    assert grant.json["grant_type"] == "authorization_code"
    assert grant.json["code"] == code
    assert grant.host == fake.base_domain
    assert "authorization" not in grant.headers
    assert bearer(call.headers) == token.access_token
    assert fake.stats.tokens_issued == 1
    assert fake.stats.token_refreshes == 0
    secrets.track(token, stored, page)


# --------------------------------------------------------------------------- 2. single flight


@pytest.mark.parametrize("expired_by", ["clock", "server"])
async def test_hundred_concurrent_requests_with_an_expired_token_refresh_once(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
    expired_by: str,
) -> None:
    """``clock``: 24 h passed, the client knows it and refreshes before sending anything.

    ``server``: the fake expired the token but the client believes it fresh. Each API call
    takes one (virtual) second in the fake, so all 100 are in flight with the old token when
    the first 401 comes back: 100 x 401, and still one refresh (compare before invalidate).
    """
    store = MemoryTokenStore()
    async with make_client(fake, config, clock, store, secrets) as amo:
        first = await authorized(amo, fake, integration, secrets)
        if expired_by == "clock":
            clock.advance(DAY + 1)
        else:
            assert fake.expire_tokens() == 1
            fake.faults.add("latency", seconds=1.0, path=LEADS_PATH)
        fake.reset_stats()

        counts: list[int] = []
        failures: list[BaseException] = []

        async def one() -> None:
            try:
                counts.append(len((await amo.leads.get()).items))
            except Exception as exc:
                failures.append(exc)

        async with anyio.create_task_group() as tg:
            for _ in range(100):
                tg.start_soon(one)
        new = current(amo)

    secrets.track(*failures, new)
    assert failures == []
    assert counts == [5] * 100
    assert fake.stats.token_refreshes == 1
    assert fake.stats.rejected_refreshes == 0
    posts = token_posts(fake)
    assert len(posts) == 1
    assert posts[0].status == 200
    assert posts[0].json["grant_type"] == "refresh_token"
    assert posts[0].json["refresh_token"] == first.refresh_token
    assert new.version == 2
    assert new.token.access_token != first.access_token
    assert await store.load(fake.base_domain) == new

    api = [r for r in fake.requests if r.path == LEADS_PATH]
    ok = [r for r in api if r.status == 200]
    rejected = [r for r in api if r.status != 200]
    assert len(ok) == 100
    assert {bearer(r.headers) for r in ok} == {new.token.access_token}
    if expired_by == "clock":
        assert fake.requests[0] is posts[0]  # refreshed before anything was sent
        assert rejected == []
        assert fake.stats.unauthorized == 0
    else:
        assert len(rejected) == 100
        assert {r.status for r in rejected} == {401}
        assert fake.stats.unauthorized == 100
        assert {bearer(r.headers) for r in rejected} == {first.access_token}


# --------------------------------------------------------------------------- 3. ahead of expiry


async def test_refresh_ahead_of_expiry_happens_once_before_the_token_is_used(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
) -> None:
    events: list[str] = []
    store = CountingStore(MemoryTokenStore(), events)
    transport = Recorder(fake.transport, events)
    async with make_client(fake, config, clock, store, secrets, transport=transport) as amo:
        first = await authorized(amo, fake, integration, secrets)

        # 310 s left: outside the 300 s margin, the token is used as is.
        clock.advance(DAY - 310)
        events.clear()
        fake.reset_stats()
        await amo.leads.get()
        assert events == [f"GET {LEADS_PATH} 200"]
        assert bearer(fake.requests[0].headers) == first.access_token

        # 290 s left: inside the margin. Ten concurrent calls, one refresh, saved before use.
        clock.advance(20)
        events.clear()
        fake.reset_stats()
        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(amo.leads.get)
        second = current(amo)
        assert [e for e in events if e != "load"] == [
            f"POST {TOKEN_PATH} 200",
            "cas",
            "GET /api/v4/account 200",
            *[f"GET {LEADS_PATH} 200"] * 10,
        ]
        assert fake.stats.token_refreshes == 1
        assert fake.stats.unauthorized == 0
        assert token_posts(fake)[0].json["refresh_token"] == first.refresh_token
        assert {bearer(r.headers) for r in fake.requests[1:]} == {second.token.access_token}
        assert second.version == 2
        assert second.token.expires_at == pytest.approx(clock.time() + DAY, abs=1)

        # The new pair is used as is until it, too, enters the margin.
        clock.advance(DAY - 310)
        fake.reset_stats()
        await amo.leads.get()
        assert fake.stats.token_refreshes == 0
        clock.advance(20)
        await amo.leads.get()
        assert fake.stats.token_refreshes == 1
        assert fake.stats.rejected_refreshes == 0
        assert current(amo).version == 3
        secrets.track(second, current(amo))


# --------------------------------------------------------------------------- 4. lost response


async def test_lost_refresh_response_is_recovered_with_the_old_refresh_token(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
) -> None:
    events: list[str] = []
    store = CountingStore(MemoryTokenStore(), events)
    transport = Recorder(fake.transport, events)
    async with make_client(fake, config, clock, store, secrets, transport=transport) as amo:
        first = await authorized(amo, fake, integration, secrets)
        clock.advance(DAY + 1)
        events.clear()
        fake.reset_stats()
        # The fake stores the refresh (issues a new pair), then the response is lost.
        fault = fake.faults.add("apply_then_drop", path=TOKEN_PATH, method="POST", times=1)

        page = await amo.leads.get()

        assert len(page.items) == 5
        assert fault.fired == 1
        assert [e for e in events if e != "load"] == [
            f"POST {TOKEN_PATH} dropped",
            f"POST {TOKEN_PATH} 200",
            "cas",
            "GET /api/v4/account 200",
            f"GET {LEADS_PATH} 200",
        ]
        posts = token_posts(fake)
        assert [p.fault for p in posts] == ["apply_then_drop", None]
        assert {p.json["refresh_token"] for p in posts} == {first.refresh_token}
        assert fake.stats.token_refreshes == 2  # the dropped one was applied by the fake
        assert fake.stats.rejected_refreshes == 0
        recovered = await store.load(fake.base_domain)
        assert recovered is not None
        assert recovered.version == 2
        assert recovered == current(amo)
        assert bearer(fake.requests[-1].headers) == recovered.token.access_token

        # The stored pair is one the fake accepts: the next refresh (on expiry) works...
        clock.advance(DAY + 1)
        fake.reset_stats()
        await amo.leads.get()
        assert fake.stats.token_refreshes == 1
        assert fake.stats.rejected_refreshes == 0
        assert token_posts(fake)[0].json["refresh_token"] == recovered.token.refresh_token
        # ...and so does a forced one.
        auth = amo.auth
        assert isinstance(auth, RefreshingAuth)
        forced = await auth.refresh()
        assert fake.stats.token_refreshes == 2
        assert fake.stats.rejected_refreshes == 0
        assert current(amo).version == 4
        await amo.leads.get()
        assert bearer(fake.requests[-1].headers) == forced.access_token
        secrets.track(recovered, forced)


# --------------------------------------------------------------------------- 5. refused token


@pytest.mark.parametrize("how", ["revoked", "reused"])
async def test_refused_refresh_token_rereads_the_store_once_then_requires_reauthorisation(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
    how: str,
) -> None:
    """``revoked``: the integration was uninstalled (access and refresh token revoked).
    ``reused``: the store holds a stale pair whose refresh token was already rotated away
    (a restored backup); its access token has expired."""
    events: list[str] = []
    store = CountingStore(MemoryTokenStore(), events)
    transport = Recorder(fake.transport, events)
    if how == "revoked":
        amo = make_client(fake, config, clock, store, secrets, transport=transport)
        await authorized(amo, fake, integration, secrets)
        fake.revoke_tokens(integration)
    else:
        async with make_client(fake, config, clock, MemoryTokenStore(), secrets) as earlier:
            stale = await authorized(earlier, fake, integration, secrets)
            clock.advance(DAY + 1)
            await earlier.leads.get()  # rotates the pair and uses the new one: grace is over
            assert fake.stats.token_refreshes == 1
        assert await store.inner.compare_and_set(fake.base_domain, None, stale, fake.base_domain)
        amo = make_client(fake, config, clock, store, secrets, transport=transport)
    events.clear()
    fake.reset_stats()

    async with amo:
        with pytest.raises(ReauthorizationRequiredError) as refused:
            await amo.leads.get()
        secrets.track(refused.value)
        assert isinstance(refused.value.__cause__, UnauthorizedError)
        assert refused.value.__cause__.hint == "Token has been revoked"

        refusal = events.index(f"POST {TOKEN_PATH} 401")
        assert events[refusal + 1 :] == ["load"]  # exactly one re-read, then the error
        assert events.count(f"POST {TOKEN_PATH} 401") == 1
        assert fake.stats.rejected_refreshes == 1
        assert fake.stats.token_refreshes == 0

        # Later calls fail fast: no token-endpoint call, no request to amoCRM at all.
        sent = len(fake.requests)
        for _ in range(3):
            with pytest.raises(ReauthorizationRequiredError) as again:
                await amo.leads.get()
            secrets.track(again.value)
        assert len(fake.requests) == sent
        assert len(token_posts(fake)) == 1
        assert fake.stats.rejected_refreshes == 1

        # A new grant revives the client.
        await authorized(amo, fake, integration, secrets)
        assert len((await amo.leads.get()).items) == 5
        assert fake.stats.rejected_refreshes == 1


# --------------------------------------------------------------------------- 6. rename


@pytest.mark.parametrize(
    ("api_status", "token_status", "expired"),
    [
        pytest.param(404, 401, True, id="api404-token401-expired"),
        pytest.param(404, 404, True, id="api404-token404-expired"),
        pytest.param(401, 401, True, id="api401-token401-expired"),
        pytest.param(401, 401, False, id="api401-token401-fresh"),
        pytest.param(401, 404, False, id="api401-token404-fresh"),
    ],
)
async def test_renamed_subdomain_is_followed_persisted_and_reported(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
    api_status: int,
    token_status: int,
    expired: bool,
) -> None:
    old = fake.base_domain
    store = MemoryTokenStore()
    reported: list[tuple[OAuthToken, str]] = []

    async def on_token_refreshed(token: OAuthToken, base_domain: str) -> None:
        await anyio.lowlevel.checkpoint()
        reported.append((token, base_domain))

    async with make_client(
        fake, config, clock, store, secrets, on_token_refreshed=on_token_refreshed
    ) as amo:
        first = await authorized(amo, fake, integration, secrets)
        new = fake.rename_subdomain(
            "acme", "acme-new", api_status=api_status, token_status=token_status
        )
        if expired:
            clock.advance(DAY + 1)
        fake.reset_stats()

        page = await amo.leads.get()

        assert len(page.items) == 5
        assert new == "acme-new.amocrm.ru"
        assert amo.base_domain == new
        stored = await store.load(old)  # the key stays the configured domain
        assert stored is not None
        assert stored.base_domain == new
        assert stored.version == 2
        assert stored == current(amo)
        assert reported == [(stored.token, new)]

        expected = [
            ("POST", TOKEN_PATH, token_status, old),
            ("GET", LOOKUP_PATH, 200, fake.api_domain),
            ("POST", TOKEN_PATH, 200, new),
            ("GET", "/api/v4/account", 200, new),
            ("GET", LEADS_PATH, 200, new),
        ]
        if not expired:
            expected.insert(0, ("GET", LEADS_PATH, 401, old))
        assert [(r.method, r.path, r.status, r.host) for r in fake.requests] == expected
        lookup = fake.requests[-4]
        assert lookup.headers["x-refresh-token"] == first.refresh_token
        assert "authorization" not in lookup.headers
        assert fake.stats.token_refreshes == 1
        assert bearer(fake.requests[-1].headers) == stored.token.access_token

    # Another client configured with the old domain adopts the stored one on its first call.
    async with make_client(fake, config, clock, store, secrets, base_domain=old) as later:
        assert later.base_domain == old
        fake.reset_stats()
        assert len((await later.leads.get()).items) == 5
        assert later.base_domain == new
        assert log_of(fake) == [("GET", LEADS_PATH, 200)]
        assert fake.requests[0].host == new
    secrets.track(stored, *(t for t, _ in reported))


async def test_renamed_subdomain_with_a_fresh_token_and_404_on_the_api(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
) -> None:
    store = MemoryTokenStore()
    reported: list[tuple[OAuthToken, str]] = []
    async with make_client(
        fake, config, clock, store, secrets, on_token_refreshed=lambda t, d: reported.append((t, d))
    ) as amo:
        first = await authorized(amo, fake, integration, secrets)
        new = fake.rename_subdomain("acme", "acme-new")  # API 404, token endpoint 401
        fake.reset_stats()
        page = await amo.leads.get()
        assert len(page.items) == 5
        assert amo.base_domain == new
        # one lookup, no refresh: the pair is still fresh, only its domain changed
        assert fake.stats.token_refreshes == 0
        assert [(r.method, r.path, r.status) for r in fake.requests] == [
            ("GET", LEADS_PATH, 404),
            ("GET", "/oauth2/account/current/subdomain", 200),
            ("GET", LEADS_PATH, 200),
        ]
        stored = await store.load("acme.amocrm.ru")
        assert stored is not None
        assert stored.base_domain == new
        assert stored.token.access_token == first.access_token
        assert [d for _, d in reported] == [new]
        # a real 404 later does not start another lookup (throttled)
        fake.reset_stats()
        with pytest.raises(NotFoundError) as info:
            await amo.request("GET", "/api/v4/no_such_thing")
        secrets.track(info.value)
        assert [(r.method, r.path) for r in fake.requests] == [("GET", "/api/v4/no_such_thing")]


# --------------------------------------------------------------------------- 7. 401 on API


async def test_401_on_an_api_call_refreshes_once_and_retries_that_request_once(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
) -> None:
    store = MemoryTokenStore()
    async with make_client(fake, config, clock, store, secrets) as amo:
        first = await authorized(amo, fake, integration, secrets)
        # The fake expires the access token (the refresh token stays valid); the client's own
        # clock says the token is still fresh, so only the 401 can tell it.
        assert fake.expire_tokens() == 1
        fake.reset_stats()

        assert len((await amo.leads.get()).items) == 5
        second = current(amo)
        assert log_of(fake) == [
            ("GET", LEADS_PATH, 401),
            ("POST", TOKEN_PATH, 200),
            ("GET", "/api/v4/account", 200),
            ("GET", LEADS_PATH, 200),
        ]
        assert [bearer(r.headers) for r in fake.requests if r.path == LEADS_PATH] == [
            first.access_token,
            second.token.access_token,
        ]
        assert token_posts(fake)[0].json["refresh_token"] == first.refresh_token
        assert second.version == 2

        # If the retry is refused as well, the error is raised: one refresh, one retry, no loop.
        fake.reset_stats()
        fake.faults.add("status", status=401, path=LEADS_PATH, method="GET", times=2)
        with pytest.raises(UnauthorizedError) as refused:
            await amo.leads.get()
        secrets.track(refused.value)
        assert refused.value.status == 401
        assert log_of(fake) == [
            ("GET", LEADS_PATH, 401),
            ("POST", TOKEN_PATH, 200),
            ("GET", "/api/v4/account", 200),
            ("GET", LEADS_PATH, 401),
        ]
        assert fake.stats.token_refreshes == 1
        assert current(amo).version == 3

        # The pair obtained on the way is good.
        fake.reset_stats()
        assert len((await amo.leads.get()).items) == 5
        assert log_of(fake) == [("GET", LEADS_PATH, 200)]
        secrets.track(second, current(amo))


class HoldingTransport(httpx.AsyncBaseTransport):
    """Passes requests to the fake, but holds back the answer to the first one on ``path``."""

    def __init__(self, inner: httpx.AsyncBaseTransport, path: str) -> None:
        self.inner = inner
        self.path = path
        self.answered = anyio.Event()
        self.release = anyio.Event()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.path == self.path and not self.answered.is_set():
            self.answered.set()
            await self.release.wait()
        return response


async def test_late_401_for_an_older_token_does_not_refresh_again(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
) -> None:
    """Compare before invalidate: a 401 for a token that was already replaced only retries."""
    store = MemoryTokenStore()
    holding = HoldingTransport(fake.transport, "/api/v4/account")
    async with make_client(fake, config, clock, store, secrets, transport=holding) as amo:
        first = await authorized(amo, fake, integration, secrets)
        assert fake.expire_tokens() == 1
        fake.reset_stats()
        slow: dict[str, Any] = {}

        async def slow_request() -> None:
            slow["response"] = await amo.request("GET", "/api/v4/account")

        async with anyio.create_task_group() as tg:
            tg.start_soon(slow_request)
            await holding.answered.wait()  # its 401 (for the first token) is held back
            page = await amo.leads.get()  # 401 → refresh → retry with the second token
            second = current(amo)
            holding.release.set()  # now the late 401 for the first token arrives

        assert len(page.items) == 5
        assert slow["response"].status == 200
        assert [(m, p, s) for m, p, s in log_of(fake)] == [
            ("GET", "/api/v4/account", 401),
            ("GET", LEADS_PATH, 401),
            ("POST", TOKEN_PATH, 200),
            ("GET", "/api/v4/account", 200),
            ("GET", LEADS_PATH, 200),
            ("GET", "/api/v4/account", 200),
        ]
        assert [bearer(r.headers) for r in fake.requests if r.method == "GET"] == [
            first.access_token,
            first.access_token,
            second.token.access_token,
            second.token.access_token,
            second.token.access_token,
        ]
        assert fake.stats.token_refreshes == 1
        assert current(amo) == second
        assert await store.load(fake.base_domain) == second
        assert second.version == 2
        secrets.track(second)


# --------------------------------------------------------------------------- 8. processes


@pytest.mark.slow
def test_four_processes_sharing_a_file_store_refresh_exactly_once(
    tmp_path: Path, secrets: Secrets
) -> None:
    """Four OS processes, one FileTokenStore, one fake on loopback, an expired pair: 1 refresh."""
    fake = secrets.watch(FakeAmoCRM())  # system clock: the server thread handles requests
    fake.seed(leads=5)
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    assert fake.expire_tokens() == 1
    expired = OAuthToken(pair["access_token"], pair["refresh_token"], expires_at=time.time() - 60)
    store_dir = tmp_path / "tokens"
    key = "acme"
    # Each refresh takes 0.3 s, so the other processes arrive while it is under way.
    fake.faults.add("latency", seconds=0.3, path=TOKEN_PATH, method="POST")

    with fake.serve_in_thread() as base_url:
        host = base_url.removeprefix("http://")

        async def seed() -> None:
            assert await FileTokenStore(store_dir).compare_and_set(key, None, expired, host)

        anyio.run(seed)
        config_file = tmp_path / "worker.json"
        config_file.write_text(
            json.dumps(
                {
                    "base_url": base_url,
                    "client_id": integration.client_id,
                    "client_secret": integration.client_secret,
                    "redirect_uri": integration.redirect_uri,
                    "store_dir": str(store_dir),
                    "key": key,
                    "calls": 3,
                }
            )
        )
        config_file.chmod(0o600)
        backends = ["asyncio", "trio"] * (WORKERS // 2)
        worker = str(Path(__file__).with_name("_oauth_worker.py"))
        outputs = run_together(
            WORKERS,
            lambda n, ready, go: [worker, str(config_file), str(ready), str(go), backends[n]],
            tmp_path,
            start_timeout=15,
            timeout=20,
        )

    for n, (returncode, _, stderr) in enumerate(outputs):
        secrets.track_text(f"stderr of worker {n}", stderr)
        assert returncode == 0, stderr[-3000:]
    results = [json.loads(stdout) for _, stdout, _ in outputs]

    final = anyio.run(FileTokenStore(store_dir).load, key)
    assert final is not None
    assert final.version == 2
    assert final.base_domain == host
    assert final.token.access_token != expired.access_token
    assert fake.stats.token_refreshes == 1
    assert fake.stats.rejected_refreshes == 0
    assert len(token_posts(fake)) == 1
    assert token_posts(fake)[0].json["refresh_token"] == expired.refresh_token
    assert fake.stats.unauthorized == 0

    new = fingerprint(final.token.access_token)
    assert len({r["pid"] for r in results}) == WORKERS
    for result in results:
        assert result["counts"] == [5, 5, 5]
        assert result["fingerprint"] == result["stored_fingerprint"] == new
        assert result["version"] == result["stored_version"] == 2
        assert result["stored_base_domain"] == host
    api = [r for r in fake.requests if r.path == LEADS_PATH]
    assert len(api) == WORKERS * 3
    assert {(r.status, bearer(r.headers)) for r in api} == {(200, final.token.access_token)}
    saved_by = [n for n, (_, _, err) in enumerate(outputs) if "refreshed the token pair" in err]
    assert len(saved_by) == 1, saved_by
    secrets.track(final, expired)


# --------------------------------------------------------------------------- 10. loopback


async def test_code_flow_over_loopback(secrets: Secrets) -> None:
    fake = secrets.watch(FakeAmoCRM())  # system clock on both sides
    fake.seed(leads=5)
    integration = fake.register_integration()
    config = OAuthConfig(integration.client_id, integration.client_secret, integration.redirect_uri)
    store = MemoryTokenStore()
    clock = SystemClock()
    async with fake.serving(port=0) as base_url:
        host = base_url.removeprefix("http://")
        async with AmoCRMClient(
            base_url,
            oauth=config,
            token_store=store,
            allow_any_host=True,
            clock=clock,
            rate_limiter=MemoryRateLimiter(clock),
            timeout=10,
        ) as amo:
            secrets.track(amo, amo.auth, store, config)
            token = await amo.authorize(fake.issue_authorization_code(integration))
            page = await amo.leads.get()
            assert amo.base_domain == host

    assert len(page.items) == 5
    stored = await store.load(host)
    assert stored == StoredToken(token, host, 1)
    assert log_of(fake) == [("POST", TOKEN_PATH, 200), ("GET", LEADS_PATH, 200)]
    assert {r.host for r in fake.requests} == {host}
    assert bearer(fake.requests[1].headers) == token.access_token
    secrets.track(token, stored)


async def test_renamed_subdomain_with_concurrent_requests_in_flight(
    fake: FakeAmoCRM,
    integration: Integration,
    config: OAuthConfig,
    clock: VirtualClock,
    secrets: Secrets,
) -> None:
    store = MemoryTokenStore()
    async with make_client(fake, config, clock, store, secrets) as amo:
        await authorized(amo, fake, integration, secrets)
        new = fake.rename_subdomain("acme", "acme-new")
        fake.reset_stats()
        results: list[int] = []

        async def read() -> None:
            results.append(len((await amo.leads.get()).items))

        async with anyio.create_task_group() as tg:
            for _ in range(10):
                tg.start_soon(read)
        assert results == [5] * 10
        assert amo.base_domain == new
        assert fake.stats.count("GET", "/oauth2/account/current/subdomain") == 1
