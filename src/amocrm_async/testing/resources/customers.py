"""Customers: ``/api/v4/customers`` — CRUD, filters, ``with=``, links, custom fields, tags and
segments; the customers mode (``PATCH /api/v4/customers/mode``) and bonus points
(``POST /api/v4/customers/{id}/bonus_points``).

A customer has an expected next purchase (``next_price``, ``next_date``), a ``periodicity`` in
days and a status (a customer status; the first one by default); ``ltv``, ``purchases_count``
and ``average_check`` follow its transactions. It links to one company, to contacts (one of
them the main contact) and to catalog elements, and belongs to any number of segments
(``_embedded.segments: [{id}]``, sent on create or update, replaces them).

Bonus points: ``{"earn": n}`` or ``{"redeem": n}`` with a positive int; the answer is
``{"bonus_points": <new balance>}``. Redeeming more than the balance is refused (400, code
``NotEnoughBonusPoints`` at ``redeem``: the fake's own wording).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amocrm_async.testing import _issues
from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import COMMON_FIELDS
from amocrm_async.testing._http import FakeResponse, json_response, problem
from amocrm_async.testing._issues import Issue, is_int
from amocrm_async.testing._links import LinkRules
from amocrm_async.testing._listing import int_or_range, ints_in
from amocrm_async.testing._resource import Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import (
    Changes,
    Draft,
    audit_fields,
    embedded,
    embedded_tags,
    nullable,
    owner_fields,
    whole_number,
)
from amocrm_async.testing.resources import _crm
from amocrm_async.testing.resources import _seeding as seeding
from amocrm_async.testing.resources._customers import (
    BONUS_STORE,
    MODE_STORE,
    MODES,
    TRANSACTIONS,
    mode_of,
)
from amocrm_async.testing.resources.companies import RESOURCE as COMPANIES
from amocrm_async.testing.resources.contacts import RESOURCE as CONTACTS
from amocrm_async.testing.resources.customer_segments import RESOURCE as SEGMENTS
from amocrm_async.testing.resources.customer_statuses import first_status, statuses_of
from amocrm_async.testing.resources.users import users_of

__all__ = ["RESOURCE", "Customers", "transaction_data"]

_TYPE_NAMES = (
    "text numeric checkbox select multiselect date url date_time textarea radiobutton "
    "streetaddress monetary file"
)
_TYPES = frozenset(_TYPE_NAMES.split())
"""The field types amoCRM has on customers (api-surface.md §8.4)."""

_NAMES = ["Кофейня", "Пекарня", "Салон", "Магазин", "Студия", "Аптека", "Клиника", "Ателье"]
_PLACES = ["на Тверской", "у парка", "в центре", "на Невском", "«Уют»", "«Весна»", "№ 7"]  # noqa: RUF001
_TAGS = ["постоянный", "опт", "розница", "доставка"]
_PERIODS = [7, 14, 30, 30, 60, 90]
_COMMENTS = ["Оплата картой", "Наличные", "Заказ с сайта", "Повторная покупка", None]  # noqa: RUF001
DAY = 86_400


def _status(draft: Draft, key: str, value: Any) -> None:
    if not is_int(value):
        draft.invalid(key, "int")
    elif value not in statuses_of(draft.call.account):
        draft.unsupported(key)
    else:
        draft.changes.fields[key] = value


def _segments(draft: Draft, key: str, value: Any) -> None:
    """``[{id}, ...]`` of existing segments; other keys of an item (a whole segment, as the PHP
    library sends it) are ignored."""
    if not isinstance(value, list):
        draft.invalid(key, "array")
        return
    known, chosen = SEGMENTS.store(draft.call.account), []
    for index, item in enumerate(value):
        segment_id = item.get("id") if isinstance(item, dict) else None
        if not is_int(segment_id):
            draft.invalid(f"{key}.{index}.id", "int")
        elif segment_id not in known:
            draft.unsupported(f"{key}.{index}.id")
        else:
            chosen.append(segment_id)
    draft.changes.extra["segments"] = chosen


def transaction_data(
    account: Account, transaction_id: int, customer_id: int, fields: dict[str, Any]
) -> dict[str, Any]:
    """The wire fields of a transaction (``fields``: price, completed_at, comment, audit)."""
    return {
        "id": transaction_id,
        "comment": fields.get("comment"),
        "price": fields["price"],
        "completed_at": fields.get("completed_at", fields["created_at"]),
        "customer_id": customer_id,
        "created_by": fields["created_by"],
        "updated_by": fields["created_by"],
        "created_at": fields["created_at"],
        "updated_at": fields["created_at"],
        "is_deleted": False,
        "account_id": account.id,
    }


class Customers(_crm.CrmEntity):
    name = "customers"
    path = "/api/v4/customers"
    id_base = 50_000_001
    stores = (MODE_STORE, BONUS_STORE)
    read_only = _crm.CRM_READ_ONLY | {"ltv", "purchases_count", "average_check"}
    with_allowed = frozenset({"catalog_elements", "companies", "contacts", "group_id"})
    filters = {
        **_crm.CRM_FILTERS,
        "next_price": int_or_range("next_price"),
        "next_date": int_or_range("next_date"),
        "status_id": ints_in("status_id"),
    }
    link_targets = frozenset({"contacts", "companies", "catalog_elements"})
    links = LinkRules(single=frozenset({COMPANIES.name}), main=CONTACTS.name)
    embedded_refs = {"companies": False, "contacts": False}
    custom_field_specs = tuple(spec for spec in COMMON_FIELDS if spec.type in _TYPES)
    rules = {
        **_crm.crm_rules(
            ("name",),
            {},
            fields={
                "next_price": nullable(whole_number),
                "next_date": nullable(whole_number),
                "periodicity": nullable(whole_number),
                "status_id": _status,
            },
        ),
        "_embedded": embedded({"tags": embedded_tags, "segments": _segments}),
    }

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (f"{self.path}/mode", {"PATCH": self.set_mode}),
            (rf"{self.path}/(\d+)/bonus_points", {"POST": self.bonus_points}),
        ]

    # -- writes ----------------------------------------------------------------------------

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        return {
            "id": entity_id,
            "name": fields.get("name") or f"Покупатель #{entity_id}",
            "next_price": fields.get("next_price", 0),
            "next_date": fields.get("next_date"),
            **owner_fields(call, fields),
            "status_id": fields.get("status_id", first_status(call.account)),
            "periodicity": fields.get("periodicity", 0),
            **audit_fields(call, fields),
            "closest_task_at": None,
            "is_deleted": False,
            "ltv": 0,
            "purchases_count": 0,
            "average_check": 0,
            "account_id": call.account.id,
        }

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        super().after_write(call, entity, changes)
        chosen = changes.extra.get("segments")
        if chosen is None:
            return
        account, me = call.account, (self.name, entity.id)
        for other in [key for key in account.links.get(me, {}) if key[0] == SEGMENTS.name]:
            account.unlink(me, other)
        for segment_id in chosen:
            account.link(me, (SEGMENTS.name, segment_id))

    def extras(self, account: Account, base: str, with_: frozenset[str]) -> _crm.Extra:
        href = f"{base}{SEGMENTS.path}/"

        def extra(customer: Entity, out: dict[str, Any], embedded_json: dict[str, Any]) -> None:
            embedded_json["segments"] = [
                {"id": i, "_links": {"self": {"href": f"{href}{i}"}}}
                for i, _ in account.linked(self.name, customer.id, SEGMENTS.name)
            ]

        return extra

    # -- mode and bonus points -------------------------------------------------------------

    def set_mode(self, call: Call) -> FakeResponse:
        body = call.req.json()
        issues: list[Issue] = []
        if not isinstance(body, dict):
            return _issues.validation_failed([("0", [_issues.invalid_type("", "object")])])
        issues.extend(
            _issues.not_expected(key) for key in body if key not in ("mode", "is_enabled")
        )
        mode, enabled = body.get("mode"), body.get("is_enabled")
        if mode is None:
            issues.append(_issues.required("mode"))
        elif not isinstance(mode, str):
            issues.append(_issues.invalid_type("mode", "string"))
        elif mode not in MODES:
            issues.append(_issues.not_supported("mode"))
        if enabled is None:
            issues.append(_issues.required("is_enabled"))
        elif not isinstance(enabled, bool):
            issues.append(_issues.invalid_type("is_enabled", "bool"))
        if issues:
            return _issues.validation_failed([("0", issues)])
        call.account.stores[MODE_STORE][0] = {"mode": mode, "is_enabled": enabled}
        call.account.touch()
        return json_response(200, mode_of(call.account))

    def bonus_points(self, call: Call, customer_id: str) -> FakeResponse:
        customer = self.live(call.account, int(customer_id))
        if customer is None:
            return problem(404, "Customer not found")
        body = call.req.json()
        actions = [key for key in ("earn", "redeem") if isinstance(body, dict) and key in body]
        if not isinstance(body, dict) or len(actions) != 1 or len(body) != 1:
            return _issues.validation_failed([("0", [_issues.required("earn")])])
        action = actions[0]
        points = body[action]
        if not is_int(points) or points <= 0:
            return _issues.validation_failed([("0", [_issues.invalid_type(action, "int")])])
        balances: dict[int, int] = call.account.stores[BONUS_STORE]
        balance = balances.get(customer.id, 0)
        if action == "redeem" and points > balance:
            detail = f"The customer has {balance} bonus points, fewer than {points}."
            return _issues.validation_failed(
                [("0", [Issue("NotEnoughBonusPoints", action, detail)])]
            )
        balances[customer.id] = balance + points if action == "earn" else balance - points
        return json_response(200, {"bonus_points": balances[customer.id]})

    # -- seeding ---------------------------------------------------------------------------

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        return _CustomerSeeder(self, ctx).run(count)


class _CustomerSeeder:
    """Customers in every status, some in segments, with contacts and companies, tags, custom
    fields, bonus points and 0-4 purchases each (``ltv`` & co. match them)."""

    def __init__(self, customers: Customers, ctx: SeedCtx) -> None:
        account = ctx.account
        self.name, self.ctx, self.dice = customers.name, ctx, seeding.Dice(ctx.rng)
        self.store = customers.store(account)
        self.transactions: dict[int, Entity] = account.stores[TRANSACTIONS]
        self.bonus: dict[int, int] = account.stores[BONUS_STORE]
        self.users = list(users_of(account))
        self.statuses = list(statuses_of(account))
        self.segments = list(SEGMENTS.store(account))
        self.contacts = seeding.live_ids(account, CONTACTS.name)
        self.companies = seeding.live_ids(account, COMPANIES.name)
        self.pick_tags = seeding.tag_picker(
            ctx.rng, seeding.seed_tags(account, self.name, _TAGS, ctx.ids)
        )
        product = seeding.field_def(account, self.name, type_="select")
        self.product, self.products = product.id, [[v] for v in seeding.enum_values(product)]

    def run(self, count: int) -> list[int]:
        return [self._customer(n) for n in range(1, count + 1)]

    def _customer(self, n: int) -> int:
        dice, ctx, account = self.dice, self.ctx, self.ctx.account
        customer_id = ctx.ids.next(self.name)
        created, updated = seeding.timestamps(dice.random, ctx.now)
        user = dice.pick(self.users)
        data = {
            "id": customer_id,
            "name": f"{dice.pick(_NAMES)} {dice.pick(_PLACES)} #{n}",
            "next_price": 500 * dice.between(1, 200),
            "next_date": ctx.now + dice.between(-30 * DAY, 60 * DAY),
            "status_id": dice.pick(self.statuses),
            "periodicity": dice.pick(_PERIODS),
            **seeding.seeded_fields(user, created, updated),
            "account_id": account.id,
        }
        customer = Entity(customer_id, data, {self.product: dice.pick(self.products)})
        customer.tags = self.pick_tags()
        self.store[customer_id] = customer
        prices = [self._purchase(customer_id, user, created) for _ in range(dice.between(0, 5))]
        data["ltv"], data["purchases_count"] = sum(prices), len(prices)
        data["average_check"] = sum(prices) // len(prices) if prices else 0
        if dice.chance(0.3):
            self.bonus[customer_id] = 10 * dice.between(1, 100)
        self._link(customer_id)
        return customer_id

    def _purchase(self, customer_id: int, user: int, since: int) -> int:
        dice, ctx = self.dice, self.ctx
        transaction_id = ctx.ids.next(TRANSACTIONS)
        at = since + dice.between(0, max(ctx.now - since, 1))
        price = 100 * dice.between(5, 500)
        fields = {"price": price, "created_at": at, "created_by": user}
        data = transaction_data(ctx.account, transaction_id, customer_id, fields)
        data["comment"] = dice.pick(_COMMENTS)
        self.transactions[transaction_id] = Entity(transaction_id, data)
        return price

    def _link(self, customer_id: int) -> None:
        dice, account, me = self.dice, self.ctx.account, (self.name, customer_id)
        if self.contacts and dice.chance(0.7):
            account.link(me, (CONTACTS.name, dice.pick(self.contacts)), {"is_main": True})
        if self.companies and dice.chance(0.3):
            account.link(me, (COMPANIES.name, dice.pick(self.companies)))
        if self.segments and dice.chance(0.5):
            account.link(me, (SEGMENTS.name, dice.pick(self.segments)))


RESOURCE = Customers()
