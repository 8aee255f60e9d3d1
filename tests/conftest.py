"""Shared fixtures: a client wired to a respx router and a virtual clock (no real sleeps)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, MemoryRateLimiter, VirtualClock
from amocrm_async.testing import FakeAmoCRM

BASE = "https://acme.amocrm.ru"
TOKEN = "test-long-lived-token-SECRET-abc123"


@pytest.fixture(params=["asyncio", "trio"])
def anyio_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def router() -> respx.MockRouter:
    return respx.MockRouter(base_url=BASE, assert_all_called=False)


ClientFactory = Callable[..., AmoCRMClient]


@pytest.fixture
def make_client(router: respx.MockRouter, clock: VirtualClock) -> ClientFactory:
    def make(**kwargs: Any) -> AmoCRMClient:
        kwargs.setdefault("access_token", TOKEN)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("rate_limiter", MemoryRateLimiter(clock))
        kwargs.setdefault("rate_limit", 1000.0)
        kwargs.setdefault("account_rate_limit", 1000.0)
        return AmoCRMClient(
            "acme.amocrm.ru", transport=httpx.MockTransport(router.async_handler), **kwargs
        )

    return make


@pytest.fixture
async def amo(make_client: ClientFactory) -> AsyncIterator[AmoCRMClient]:
    async with make_client() as client:
        yield client


@pytest.fixture
def fake(clock: VirtualClock) -> FakeAmoCRM:
    """A fresh fake amoCRM on the test's clock."""
    return FakeAmoCRM(clock=clock)


@pytest.fixture
async def fake_client(fake: FakeAmoCRM) -> AsyncIterator[AmoCRMClient]:
    """A client on the fake's transport and clock, with limits that pacing never reaches."""
    async with AmoCRMClient(
        fake.base_domain,
        access_token=fake.long_lived_token(),
        transport=fake.transport,
        clock=fake.clock,
        rate_limit=1000.0,
        account_rate_limit=1000.0,
    ) as client:
        yield client
