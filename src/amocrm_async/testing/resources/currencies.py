"""Currencies: ``GET /api/v4/currencies`` — the currencies amoCRM knows, in HAL pages with
``_total_items`` (``page``/``limit``, 204 past the end); there is no item route."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amocrm_async.testing._resource import ReferenceResource, Resource, Route
from amocrm_async.testing._state import Account, IdAllocator

__all__ = ["CODES", "RESOURCE", "Currencies"]

CODES = ("RUB", "USD", "EUR", "KZT", "UAH", "BYN", "UZS", "GEL", "AMD", "TRY", "AED", "CNY")
"""ISO 4217 codes, in the order the fake lists them."""


class Currencies(ReferenceResource[str]):
    name = "currencies"
    path = "/api/v4/currencies"
    paged = True

    def setup(self, account: Account, ids: IdAllocator) -> None:
        self.items(account).update(enumerate(CODES, start=1))

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [(self.path, {"GET": self.list})]

    def render(self, item: str, account: Account, base: str) -> dict[str, Any]:
        return {"code": item}


RESOURCE = Currencies()
