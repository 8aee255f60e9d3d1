"""pytest plugin (entry point ``amocrm_async``): fixtures ``amocrm_fake`` and ``amocrm_client``.

``amocrm_fake`` is a fresh :class:`~amocrm_async.testing.FakeAmoCRM` per test; override it in
your ``conftest.py`` to configure one (clock, rate limits, seed data).

``amocrm_client`` is an opened ``amocrm_async.AmoCRMClient`` bound to the fake's transport with
a long-lived token. It is an async fixture for pytest-asyncio (``@pytest.mark.asyncio``); with
anyio's pytest plugin build the client from ``amocrm_fake`` inside the test instead.
"""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from amocrm_async.testing._fake import FakeAmoCRM

__all__ = ["amocrm_client", "amocrm_fake"]


@pytest.fixture
def amocrm_fake() -> FakeAmoCRM:
    """A fresh in-memory amoCRM (default account ``acme.amocrm.ru``)."""
    return FakeAmoCRM()


async def _amocrm_client(amocrm_fake: FakeAmoCRM) -> AsyncIterator[Any]:
    """An ``AmoCRMClient`` on ``amocrm_fake.transport`` with a long-lived token, opened."""
    client_class = importlib.import_module("amocrm_async").AmoCRMClient
    client = client_class(
        amocrm_fake.base_domain,
        access_token=amocrm_fake.long_lived_token(),
        transport=amocrm_fake.transport,
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
