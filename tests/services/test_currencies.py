"""Currencies: the contract of ``amo.currencies`` (a paged read-only list) and every page of
the fake's list."""

from __future__ import annotations

import pytest

from amocrm_async import AmoCRMClient
from amocrm_async.models import Currency
from amocrm_async.testing.resources.currencies import CODES

from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio


class TestContract(ServiceContract):
    spec = ServiceSpec("currencies", make=lambda i: Currency(code=f"C{i:02d}"))


async def test_every_currency_page_by_page(on_fake: AmoCRMClient) -> None:
    page = await on_fake.currencies.get(limit=5)
    assert ([c.code for c in page], page.total_items, page.has_next) == (list(CODES[:5]), 12, True)
    codes = [currency.code async for currency in on_fake.currencies.iterate(limit=5)]
    assert codes == list(CODES)
    assert len(await on_fake.currencies.get(page=4, limit=5)) == 0
