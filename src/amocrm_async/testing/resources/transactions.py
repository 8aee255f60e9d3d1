"""Transactions (purchases of customers): ``GET /api/v4/customers/transactions[/{id}]`` for all
customers, ``GET|POST /api/v4/customers/{id}/transactions`` for one, and
``DELETE /api/v4/customers/transactions/{id}`` (also under ``/customers/{customer_id}/``, the
PHP library's form).

A transaction needs a ``price``; ``completed_at`` defaults to now; ``next_price`` and
``next_date`` move the customer's next expected purchase, and the customer's ``ltv``,
``purchases_count`` and ``average_check`` follow its transactions. ``POST`` answers every
transaction in full, with its ``request_id``. Transactions cannot be changed (``PATCH``: 405)
and a deleted one is gone. ``accrue_bonus`` is accepted and has no effect here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import not_allowed, record_writes, validate_batch
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import is_int, required
from amocrm_async.testing._listing import ids, modified_since, paged
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import (
    Changes,
    Draft,
    embedded,
    string,
    whole_number,
)
from amocrm_async.testing.resources._customers import (
    TRANSACTIONS,
    recount_purchases,
)
from amocrm_async.testing.resources.customers import RESOURCE as CUSTOMERS
from amocrm_async.testing.resources.customers import transaction_data
from amocrm_async.testing.resources.users import users_of

__all__ = ["RESOURCE", "Transactions"]

_CUSTOMER_PATH = r"/api/v4/customers/(\d+)/transactions"
_NEXT = ("next_price", "next_date")


def _catalog_elements(draft: Draft, key: str, value: Any) -> None:
    """``[{id, metadata: {catalog_id, quantity}}]`` (elements are not stored: any id goes)."""
    if not isinstance(value, list):
        draft.invalid(key, "array")
        return
    for index, item in enumerate(value):
        if not isinstance(item, dict) or not is_int(item.get("id")):
            draft.invalid(f"{key}.{index}.id", "int")
        elif not isinstance(item.get("metadata", {}), dict):
            draft.invalid(f"{key}.{index}.metadata", "object")
    draft.changes.extra["catalog_elements"] = value


class Transactions(EntityResource):
    name = TRANSACTIONS
    path = "/api/v4/customers/transactions"
    id_base = 54_000_001
    read_only = frozenset(
        {
            "id",
            "customer_id",
            "created_by",
            "updated_by",
            "created_at",
            "updated_at",
            "is_deleted",
            "account_id",
            "_links",
        }
    )
    rules = {
        "price": whole_number,
        "completed_at": whole_number,
        "comment": string,
        "next_price": whole_number,
        "next_date": whole_number,
        "_embedded": embedded({"catalog_elements": _catalog_elements}),
    }
    filters = {"id": ids}
    sortable = ("created_at", "id")

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"POST": not_allowed, "PATCH": not_allowed}),
            (rf"{self.path}/(\d+)", {"PATCH": not_allowed, "DELETE": self.delete}),
            (_CUSTOMER_PATH, {"GET": self.list_of, "POST": self.add_to}),
            (rf"{_CUSTOMER_PATH}/(\d+)", {"DELETE": self.delete_of}),
        ]

    def check(self, draft: Draft) -> None:
        if "price" not in draft.item:
            draft.issues.append(required(draft.path("price")))

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = {"created_at": call.now, "created_by": call.user_id, **changes.fields}
        return transaction_data(call.account, entity_id, changes.extra["customer_id"], fields)

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        elements = changes.extra.get("catalog_elements")
        if elements is not None:
            entity.hidden = {"catalog_elements": elements}
        customer = CUSTOMERS.store(call.account)[entity.data["customer_id"]]
        customer.data.update({key: changes.fields[key] for key in _NEXT if key in changes.fields})
        recount_purchases(call.account, customer)

    def trash(self, account: Account, entity: Entity, now: int) -> None:
        super().trash(account, entity, now)
        customer = CUSTOMERS.store(account).get(entity.data["customer_id"])
        if customer is not None:
            recount_purchases(account, customer)

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        href, customers = f"{base}{self.path}/", f"{base}{CUSTOMERS.path}/"

        def render(transaction: Entity) -> dict[str, Any]:
            out = dict(transaction.data)
            customer_id = out["customer_id"]
            out["_links"] = {"self": {"href": f"{href}{transaction.id}"}}
            elements = (transaction.hidden or {}).get("catalog_elements", [])
            out["_embedded"] = {
                "customer": {
                    "id": customer_id,
                    "_links": {"self": {"href": f"{customers}{customer_id}"}},
                },
                "catalog_elements": elements,
            }
            return out

        return render

    # -- the routes of one customer --------------------------------------------------------

    def _customer(self, call: Call, customer_id: str) -> Entity | None:
        return CUSTOMERS.live(call.account, int(customer_id))

    def list_of(self, call: Call, customer_id: str) -> FakeResponse:
        customer = self._customer(call, customer_id)
        if customer is None:
            return no_content()
        req = call.req
        rows = self.select(call.account, req.query, frozenset(), modified_since(req))
        mine = [t for t in rows if t.data["customer_id"] == customer.id]
        return paged(req, self.key, mine, self.renderer(call.account, req.base, frozenset()))

    def add_to(self, call: Call, customer_id: str) -> FakeResponse:
        customer = self._customer(call, customer_id)
        if customer is None:
            return problem(404, "Customer not found")
        changes, error = validate_batch(self, call, call.req.json_array(), "create", self.max_batch)
        if error is not None:
            return error
        render = self.renderer(call.account, call.base, frozenset())
        items = []
        for change in changes:
            change.extra["customer_id"] = customer.id
            items.append({**render(self.create(call, change)), "request_id": change.request_id})
        record_writes(call, call.stats.entities_created, self.name, len(items))
        here = f"{call.base}{CUSTOMERS.path}/{customer.id}/transactions"
        return json_response(
            200, {"_links": {"self": {"href": here}}, "_embedded": {self.key: items}}
        )

    def delete(self, call: Call, transaction_id: str) -> FakeResponse:
        transaction = self.store(call.account).get(int(transaction_id))
        if transaction is None:
            return problem(404, "Transaction not found")
        self.trash(call.account, transaction, call.now)
        call.account.touch()
        return no_content()

    def delete_of(self, call: Call, customer_id: str, transaction_id: str) -> FakeResponse:
        transaction = self.store(call.account).get(int(transaction_id))
        if transaction is None or transaction.data["customer_id"] != int(customer_id):
            return problem(404, "Transaction not found")
        return self.delete(call, transaction_id)

    # -- seeding ---------------------------------------------------------------------------

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """``count`` purchases spread over the account's customers (none without customers)."""
        account, rng = ctx.account, ctx.rng
        customers = [c for c in CUSTOMERS.store(account).values() if not c.deleted]
        users, store, created = list(users_of(account)), self.store(account), []
        for _ in range(count if customers else 0):
            customer = rng.choice(customers)
            transaction_id = ctx.ids.next(self.name)
            at = ctx.now - rng.randrange(1, 180) * 86_400
            fields = {"price": 100 * rng.randrange(5, 500), "created_at": at}
            fields["created_by"] = rng.choice(users)
            store[transaction_id] = Entity(
                transaction_id, transaction_data(account, transaction_id, customer.id, fields)
            )
            created.append(transaction_id)
        for customer in {store[i].data["customer_id"] for i in created}:
            recount_purchases(account, CUSTOMERS.store(account)[customer])
        return created


RESOURCE = Transactions()
