"""A failing token endpoint is asked once per attempt, however many requests wait for it.

An expired pair and a token endpoint that answers 503 or 429, resets the connection or times
out: 200 concurrent requests through a real ``AmoCRMClient`` share one refresh attempt and its
error; callers arriving within the backoff get the same error without a token call; the next
attempt after it is again a single one. Everything counts token calls, never wall time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio
import httpx
import pytest

from amocrm_async import AmoCRMClient, MemoryRateLimiter
from amocrm_async._clock import VirtualClock
from amocrm_async._oauth import OAuthConfig
from amocrm_async.errors import (
    AmoCRMError,
    APIConnectionError,
    APITimeoutError,
    RateLimitedError,
    ServerError,
)

from ._support import DOMAIN, Call, FakeTokenEndpoint, RecordingStore, Secrets, seed
from .conftest import MakeAuth

pytestmark = pytest.mark.anyio

BURST = 200


def _answer(kind: str) -> Callable[[Call], httpx.Response]:
    """What the token endpoint does for one failure kind (raising = no usable answer)."""

    def answer(call: Call) -> httpx.Response:
        request = httpx.Request("POST", f"https://{call.host}/oauth2/access_token")
        if kind == "503":
            return httpx.Response(503, text="<html><title>Service Unavailable</title></html>")
        if kind == "429":
            return httpx.Response(429, headers={"Retry-After": "5"}, json={"status": 429})
        if kind == "reset":
            raise httpx.ReadError("connection reset by peer", request=request)
        raise httpx.ReadTimeout("timed out", request=request)

    return answer


EXPECTED: dict[str, tuple[type[AmoCRMError], int]] = {
    # kind: (error every request gets, token calls per attempt)
    "503": (ServerError, 1),
    "429": (RateLimitedError, 1),
    "reset": (APIConnectionError, 2),  # the lost-answer retry with the same refresh token
    "timeout": (APITimeoutError, 2),
}


@asynccontextmanager
async def _client(
    config: OAuthConfig, store: RecordingStore, endpoint: FakeTokenEndpoint, clock: VirtualClock
) -> AsyncIterator[tuple[AmoCRMClient, MemoryRateLimiter]]:
    limiter = MemoryRateLimiter(clock)
    async with AmoCRMClient(
        DOMAIN,
        oauth=config,
        token_store=store,
        token_key="acme",
        transport=httpx.MockTransport(endpoint.handle),
        clock=clock,
        rate_limiter=limiter,
        rate_limit=1000.0,
        account_rate_limit=1000.0,
    ) as amo:
        yield amo, limiter


async def _burst(amo: AmoCRMClient, n: int = BURST) -> list[BaseException | int]:
    outcomes: list[BaseException | int] = []

    async def one() -> None:
        try:
            outcomes.append((await amo.request("GET", "/api/v4/leads")).status)
        except AmoCRMError as exc:
            outcomes.append(exc)

    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    return outcomes


@pytest.mark.parametrize("kind", list(EXPECTED))
async def test_concurrent_requests_share_one_failing_refresh(
    kind: str,
    config: OAuthConfig,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    clock: VirtualClock,
    secret_values: Secrets,
) -> None:
    await seed(store, endpoint, expires_in=-10)
    answer = _answer(kind)

    async def failing(call: Call) -> httpx.Response:
        return answer(call)

    endpoint.before_response = failing
    error_class, per_attempt = EXPECTED[kind]
    async with _client(config, store, endpoint, clock) as (amo, limiter):
        outcomes = await _burst(amo)

        assert endpoint.count("refresh_token") == per_attempt <= 3
        assert len(outcomes) == BURST
        assert all(isinstance(o, error_class) for o in outcomes), {type(o) for o in outcomes}
        assert len({id(o) for o in outcomes}) == BURST  # one instance per caller
        secret_values.assert_absent(*outcomes)
        if kind == "429":
            assert limiter.cooldown_remaining(DOMAIN) > 0  # the whole account pauses

        # within the backoff: the same error, no token call
        again = await _burst(amo)
        assert all(isinstance(o, error_class) for o in again)
        assert endpoint.count("refresh_token") == per_attempt

        # after it: one more attempt for the whole burst, then a longer backoff
        clock.advance(1)
        assert all(isinstance(o, error_class) for o in await _burst(amo))
        assert endpoint.count("refresh_token") == 2 * per_attempt
        clock.advance(1)
        await _burst(amo)
        assert endpoint.count("refresh_token") == 2 * per_attempt

        # the endpoint recovers: one refresh, one confirmation, and every request goes out
        endpoint.before_response = None
        clock.advance(2)
        recovered = await _burst(amo)
        assert recovered == [200] * BURST
        assert endpoint.count("refresh_token") == 2 * per_attempt + 1
        assert endpoint.count("account") == 1
        assert endpoint.count("api") == BURST
        assert endpoint.calls[-1].kind == "api"
        stored = await store.inner.load("acme")
        assert stored is not None and stored.version == 2


async def test_callers_waiting_on_a_refresh_share_its_failure_even_without_backoff(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    """``retry_interval=0`` disables the backoff; those already waiting still share the outcome."""
    await seed(store, endpoint, expires_in=-10)
    endpoint.unreachable = True
    auth = make_auth(retry_interval=0)
    failures: list[BaseException] = []

    async def call() -> None:
        try:
            await auth.get_access_token()
        except httpx.ConnectError as exc:
            failures.append(exc)

    for attempt in (1, 2):
        async with anyio.create_task_group() as tg:
            for _ in range(BURST):
                tg.start_soon(call)
        assert len(failures) == attempt * BURST
        assert endpoint.count("refresh_token") == 2 * attempt


async def test_backoff_doubles_up_to_the_retry_interval_and_resets_after_success(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, clock: VirtualClock
) -> None:
    await seed(store, endpoint, expires_in=-10)

    async def unavailable(call: Call) -> httpx.Response:
        return httpx.Response(503)

    endpoint.before_response = unavailable
    auth = make_auth(retry_interval=5)

    async def attempts_after(wait: float) -> int:
        clock.advance(wait)
        with pytest.raises(ServerError):
            await auth.get_access_token()
        return endpoint.count("refresh_token")

    assert await attempts_after(0) == 1
    assert await attempts_after(0.9) == 1  # 1 s
    assert await attempts_after(0.1) == 2
    assert await attempts_after(1.9) == 2  # 2 s
    assert await attempts_after(0.1) == 3
    assert await attempts_after(3.9) == 3  # 4 s
    assert await attempts_after(0.1) == 4
    assert await attempts_after(4.9) == 4  # 8 s, capped at retry_interval = 5 s
    assert await attempts_after(0.1) == 5

    endpoint.before_response = None
    clock.advance(5)
    await auth.get_access_token()
    assert endpoint.count("refresh_token") == 6


async def test_a_429_with_retry_after_backs_off_at_least_that_long(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, clock: VirtualClock
) -> None:
    await seed(store, endpoint, expires_in=-10)

    async def limited(call: Call) -> httpx.Response:
        return httpx.Response(429, json={"status": 429, "retry_after": 12})

    endpoint.before_response = limited
    auth = make_auth()
    for wait in (0, 11.5):
        clock.advance(wait)
        with pytest.raises(RateLimitedError):
            await auth.get_access_token()
    assert endpoint.count("refresh_token") == 1
    clock.advance(0.5)
    with pytest.raises(RateLimitedError):
        await auth.get_access_token()
    assert endpoint.count("refresh_token") == 2


async def test_a_pair_saved_elsewhere_ends_the_backoff(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-10)
    endpoint.unreachable = True
    auth = make_auth()
    with pytest.raises(httpx.ConnectError):
        await auth.get_access_token()
    newer = await seed(store, endpoint)  # another process refreshed

    assert await auth.get_access_token() == newer.token.access_token
    assert endpoint.count("refresh_token") == 2


async def test_forced_refresh_and_401_share_the_failure_too(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    record = await seed(store, endpoint)
    endpoint.unreachable = True
    auth = make_auth()
    with pytest.raises(httpx.ConnectError):
        await auth.refresh()
    calls = endpoint.count("refresh_token")

    with pytest.raises(httpx.ConnectError):
        await auth.refresh()
    with pytest.raises(httpx.ConnectError):
        await auth.handle_unauthorized(record.token.access_token)
    assert endpoint.count("refresh_token") == calls
