from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

# The package registers these through its ``pytest11`` entry point once installed; importing
# them here keeps the suite working from a plain source checkout (PYTHONPATH=src) as well.
from amocrm_async.testing.plugin import amocrm_client, amocrm_fake  # noqa: F401


@pytest.fixture
async def api(fake: FakeAmoCRM) -> AsyncIterator[httpx.AsyncClient]:
    """A raw httpx client on the fake's transport, authorised with a long-lived token."""
    headers = {"Authorization": f"Bearer {fake.long_lived_token()}"}
    async with httpx.AsyncClient(
        transport=fake.transport, base_url=fake.base_url, headers=headers
    ) as client:
        yield client


@pytest.fixture
async def anon(fake: FakeAmoCRM) -> AsyncIterator[httpx.AsyncClient]:
    """A raw httpx client on the fake's transport without credentials."""
    async with httpx.AsyncClient(transport=fake.transport, base_url=fake.base_url) as client:
        yield client
