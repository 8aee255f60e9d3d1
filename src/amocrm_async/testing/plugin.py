"""pytest plugin (entry point ``amocrm_async``): fixtures ``amocrm_fake`` and ``amocrm_client``.

``amocrm_fake`` is a fresh :class:`~amocrm_async.testing.FakeAmoCRM` per test, on a
:class:`~amocrm_async.VirtualClock`; override it in your ``conftest.py`` to configure one
(clock, rate limits, seed data).

``amocrm_client`` is an opened ``amocrm_async.AmoCRMClient`` bound to the fake's transport with
a long-lived token, on the fake's clock. It is an async fixture for pytest-asyncio
(``@pytest.mark.asyncio``); with anyio's pytest plugin build the client from ``amocrm_fake``
inside the test instead.

Both run on virtual time by default: the client's rate limiter and retries still space
requests exactly as in production, but waiting costs nothing, so iterating 10,000 leads takes
a fraction of a second. Mark a test ``@pytest.mark.amocrm_real_time`` to run both on the real
clock (real pacing: 7 requests a second).
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from amocrm_async._clock import SystemClock, VirtualClock
from amocrm_async.testing._fake import FakeAmoCRM

__all__ = ["amocrm_client", "amocrm_fake", "pytest_configure"]

REAL_TIME_MARKER = "amocrm_real_time"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{REAL_TIME_MARKER}: run amocrm_fake and amocrm_client on the real clock (real pacing)",
    )


@pytest.fixture
def amocrm_fake(request: pytest.FixtureRequest) -> FakeAmoCRM:
    """A fresh in-memory amoCRM (default account ``acme.amocrm.ru``) on virtual time."""
    real = request.node.get_closest_marker(REAL_TIME_MARKER) is not None
    return FakeAmoCRM(clock=SystemClock() if real else VirtualClock())


async def _amocrm_client(amocrm_fake: FakeAmoCRM) -> AsyncIterator[Any]:
    """An ``AmoCRMClient`` on ``amocrm_fake.transport`` and its clock, with a long-lived
    token, opened."""
    client_class = importlib.import_module("amocrm_async").AmoCRMClient
    client = client_class(
        amocrm_fake.base_domain,
        access_token=amocrm_fake.long_lived_token(),
        transport=amocrm_fake.transport,
        clock=amocrm_fake.clock,
    )
    async with client:
        yield client


def _async_fixture(name: str) -> Callable[[Any], Any]:
    """``pytest_asyncio.fixture`` when pytest-asyncio is installed, else a plain fixture."""
    try:
        import pytest_asyncio
    except ImportError:  # pragma: no cover - depends on the environment
        plain: Callable[[Any], Any] = pytest.fixture(name=name)
        return plain
    decorator: Callable[[Any], Any] = pytest_asyncio.fixture(name=name)
    return decorator


amocrm_client = _async_fixture("amocrm_client")(_amocrm_client)
