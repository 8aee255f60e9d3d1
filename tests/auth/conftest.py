"""Fixtures for the auth tests; every test also runs under a secret-leak guard on the logs."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest

from amocrm_async._clock import VirtualClock
from amocrm_async._oauth import OAuthConfig
from amocrm_async._refreshing_auth import RefreshingAuth
from amocrm_async._token_store import MemoryTokenStore, TokenStore

from ._support import (
    CLIENT_ID,
    CLIENT_SECRET,
    REDIRECT_URI,
    DomainHolder,
    FakeTokenEndpoint,
    RecordingStore,
    Secrets,
    http_send,
    make_context,
)

Send = Callable[..., Awaitable[httpx.Response]]


@pytest.fixture
def secret_values() -> Secrets:
    return Secrets()


@pytest.fixture(autouse=True)
def leak_guard(caplog: pytest.LogCaptureFixture, secret_values: Secrets) -> Iterator[None]:
    """Capture everything at DEBUG; afterwards no secret may appear in any log record."""
    caplog.set_level(logging.DEBUG)
    yield
    formatter = logging.Formatter("%(name)s %(levelname)s %(message)s")
    for when in ("setup", "call"):
        for record in caplog.get_records(when):
            text = formatter.format(record)
            leaked = secret_values.found_in(text)
            assert not leaked, f"secret in log record {record.name}: {text!r}"


@pytest.fixture
def config() -> OAuthConfig:
    return OAuthConfig(CLIENT_ID, CLIENT_SECRET, REDIRECT_URI)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def endpoint(clock: VirtualClock, secret_values: Secrets) -> FakeTokenEndpoint:
    return FakeTokenEndpoint(clock, secret_values)


@pytest.fixture
def events(endpoint: FakeTokenEndpoint) -> list[str]:
    log: list[str] = []
    endpoint.events = log
    return log


@pytest.fixture
def domains() -> DomainHolder:
    return DomainHolder()


@pytest.fixture
async def send(endpoint: FakeTokenEndpoint) -> AsyncIterator[Send]:
    async with http_send(endpoint.handle) as send:
        yield send


@pytest.fixture
def store(events: list[str]) -> RecordingStore:
    return RecordingStore(MemoryTokenStore(), events)


MakeAuth = Callable[..., RefreshingAuth]


@pytest.fixture
def make_auth(
    config: OAuthConfig,
    clock: VirtualClock,
    send: Send,
    domains: DomainHolder,
    store: RecordingStore,
) -> MakeAuth:
    def make(*, token_store: TokenStore | None = None, **kwargs: Any) -> RefreshingAuth:
        auth = RefreshingAuth(
            config, token_store if token_store is not None else store, key="acme", **kwargs
        )
        auth.bind(make_context(clock, send, domains))
        return auth

    return make
