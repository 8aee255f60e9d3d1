"""What the customer resources share: the customers mode, the purchase totals, a few rules.

The mode (``PATCH /api/v4/customers/mode``) decides which of statuses and segments work: the
statuses answer 422 unless customers are on in periodicity mode (as amoCRM documents), the
segments 422 unless they are on in segments mode. Customers, transactions and bonus points
answer in every mode (a simplification: amoCRM may refuse them while customers are off).
A fresh account has customers on, in periodicity mode.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import wraps
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, problem
from amocrm_async.testing._resource import Handler, Route
from amocrm_async.testing._state import Account, Entity

__all__ = [
    "BONUS_STORE",
    "MODES",
    "MODE_STORE",
    "TRANSACTIONS",
    "mode_of",
    "only_in_mode",
    "recount_purchases",
]

MODE_STORE = "customers_mode"
"""Store of the customers mode: ``{0: {"mode": ..., "is_enabled": ...}}``."""
BONUS_STORE = "bonus_points"
"""Store of bonus point balances: customer id → points."""
TRANSACTIONS = "transactions"
"""Store (and id counter) of transactions, shared by the customers' seeding."""
MODES = ("periodicity", "segments")
_DEFAULT_MODE = {"mode": "periodicity", "is_enabled": True}


def mode_of(account: Account) -> dict[str, Any]:
    """The account's customers mode (a copy): ``{"mode": ..., "is_enabled": ...}``."""
    return dict(account.stores[MODE_STORE].get(0, _DEFAULT_MODE))


def only_in_mode(mode: str, detail: str, routes: Sequence[Route]) -> list[Route]:
    """``routes`` answering 422 problem+json unless customers are on in ``mode``."""

    def gate(handler: Handler) -> Handler:
        @wraps(handler)
        def gated(call: Call, *groups: str) -> FakeResponse:
            current = mode_of(call.account)
            if not current["is_enabled"] or current["mode"] != mode:
                return problem(422, detail, title="Unprocessable Entity")
            return handler(call, *groups)

        return gated

    return [(path, {verb: gate(h) for verb, h in methods.items()}) for path, methods in routes]


def recount_purchases(account: Account, customer: Entity) -> None:
    """Work out ``ltv``, ``purchases_count`` and ``average_check`` from the transactions."""
    prices = [
        t.data["price"]
        for t in account.stores[TRANSACTIONS].values()
        if t.data["customer_id"] == customer.id and not t.deleted
    ]
    data = customer.data
    data["ltv"] = sum(prices)
    data["purchases_count"] = len(prices)
    data["average_check"] = sum(prices) // len(prices) if prices else 0
