"""Fixtures of the end-to-end service tests: a fake amoCRM and a client on its transport.

Modules that need another setup define their own ``fake`` / ``on_fake``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from amocrm_async import AmoCRMClient
from amocrm_async.testing import FakeAmoCRM


@pytest.fixture
def fake() -> FakeAmoCRM:
    return FakeAmoCRM()


@pytest.fixture
async def on_fake(fake: FakeAmoCRM) -> AsyncIterator[AmoCRMClient]:
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as client:
        yield client
