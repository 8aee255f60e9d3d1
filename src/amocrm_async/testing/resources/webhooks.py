"""Webhooks: ``GET|POST|DELETE /api/v4/webhooks``, and the webhooks the fake sends.

* ``GET`` lists the subscriptions (``filter[destination]``), whole, with ``_total_items``; 204
  when there are none.
* ``POST`` takes one object ``{destination, settings, sort?}``; a destination already subscribed
  gets the new settings and is enabled again (as re-saving it in amoCRM's UI does). At most 100
  subscriptions per account.
* ``DELETE`` takes ``{destination}`` in the body (amoCRM deletes by URL); 204, or 404 for a
  destination that is not subscribed. Deliveries still waiting for it are dropped.

Every entity written through the API (the account's write observers) becomes the events
amoCRM would post: ``add``/``update``/``delete``/``restore``, ``status`` (leads) and
``responsible`` for leads, contacts, companies, customers and tasks, ``note`` on the parent of
a new note, and ``add``/``delete`` (with ``action=accept|decline``) of incoming leads. The
events of one API request that a subscription asked for are queued as one delivery, rendered
in the old v2 vocabulary of the form-encoded body (``leads[status][0][old_status_id]``,
``contacts[add][0][type]=company``, ``task[...]``, ``account[subdomain]``; all values
strings); :mod:`amocrm_async.testing._webhook_delivery` posts them.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any, cast
from urllib.parse import urlsplit

from amocrm_async.models.webhooks import WebhookEventCode
from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import not_allowed
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import collection, filters_of
from amocrm_async.testing._resource import Resource, Route
from amocrm_async.testing._state import Account, Entity, IdAllocator

__all__ = [
    "MAX_WEBHOOKS",
    "RESOURCE",
    "Outgoing",
    "Subscription",
    "Webhooks",
    "queued",
    "subscribe",
    "subscription_json",
    "subscriptions_of",
    "take_outgoing",
    "unsubscribe",
]

MAX_WEBHOOKS = 100
"""Subscriptions per account (protocol.md §7)."""
_CODES = frozenset(event.value for event in WebhookEventCode)
_OUTBOX = "webhook_outbox"


@dataclass(slots=True, eq=False)
class Subscription:
    """One subscribed destination, with the failed deliveries that may disable it."""

    id: int
    destination: str
    settings: list[str]
    sort: int
    created_by: int
    created_at: int
    updated_at: int
    account_id: int
    disabled: bool = False
    failures: deque[float] = field(default_factory=deque)


@dataclass(slots=True, eq=False)
class Outgoing:
    """A delivery waiting to be sent: the events of one request for one subscription."""

    id: int
    webhook_id: int
    destination: str
    request_key: str
    events: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    """``(event code, top-level key, action, v2 item)`` in the order they happened."""

    def tree(self, account: Account) -> dict[str, Any]:
        """The nested body (``{"leads": {"add": [...]}, "account": {...}}``) to form-encode."""
        out: dict[str, Any] = {}
        for _, top, action, item in self.events:
            out.setdefault(top, {}).setdefault(action, []).append(item)
        out["account"] = {
            "subdomain": account.subdomain,
            "id": str(account.id),
            "_links": {"self": f"https://{account.base_domain}"},
        }
        return out

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(code for code, *_ in self.events))


def subscriptions_of(account: Account) -> dict[int, Subscription]:
    return cast("dict[int, Subscription]", account.stores["webhooks"])


def _outbox(account: Account) -> dict[int, Outgoing]:
    return cast("dict[int, Outgoing]", account.stores[_OUTBOX])


def subscription_json(sub: Subscription) -> dict[str, Any]:
    return {
        "id": sub.id,
        "destination": sub.destination,
        "created_at": sub.created_at,
        "updated_at": sub.updated_at,
        "account_id": sub.account_id,
        "created_by": sub.created_by,
        "sort": sub.sort,
        "disabled": sub.disabled,
        "settings": list(sub.settings),
    }


def subscribe(
    account: Account,
    ids: IdAllocator,
    destination: str,
    settings: Sequence[str],
    *,
    sort: int | None,
    user_id: int,
    now: int,
) -> Subscription:
    """Subscribe ``destination`` (or replace its settings and enable it again)."""
    store = subscriptions_of(account)
    found = next((s for s in store.values() if s.destination == destination), None)
    codes = list(dict.fromkeys(settings))
    if found is not None:
        found.settings, found.updated_at, found.disabled = codes, now, False
        found.failures.clear()
        if sort is not None:
            found.sort = sort
        return found
    if len(store) >= MAX_WEBHOOKS:
        raise OverflowError(f"an account has at most {MAX_WEBHOOKS} webhooks")
    sub = Subscription(
        ids.next("webhooks"), destination, codes, sort or 0, user_id, now, now, account.id
    )
    store[sub.id] = sub
    account.touch()
    return sub


def unsubscribe(account: Account, destination: str) -> bool:
    store = subscriptions_of(account)
    found = next((s for s in store.values() if s.destination == destination), None)
    if found is None:
        return False
    del store[found.id]
    outbox = _outbox(account)
    for key in [k for k, job in outbox.items() if job.webhook_id == found.id]:
        del outbox[key]
    return True


def queued(account: Account) -> int:
    """Deliveries waiting in the account's queue."""
    return len(_outbox(account))


def take_outgoing(account: Account) -> list[Outgoing]:
    """Pop every queued delivery of the account, oldest first."""
    outbox = _outbox(account)
    jobs = list(outbox.values())
    outbox.clear()
    return jobs


# ----------------------------------------------------------------------------------------------
# The v2 vocabulary of webhook bodies
# ----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Family:
    singular: str
    """The entity part of the event codes (``lead`` in ``add_lead``)."""
    top: str
    """The body's top-level key (``leads``; companies come under ``contacts``)."""
    element_type: int
    """The v2 numeric entity type (what notes and tasks point at)."""
    kind: str | None = None
    """``type`` of a contact-like item (``contact`` / ``company``)."""


_FAMILIES: Mapping[str, _Family] = {
    "leads": _Family("lead", "leads", 2),
    "contacts": _Family("contact", "contacts", 1, "contact"),
    "companies": _Family("company", "contacts", 3, "company"),
    "customers": _Family("customer", "customers", 12),
    "tasks": _Family("task", "task", 0),
}
_V2_NOTE_TYPES = {
    "common": 4,
    "call_in": 10,
    "call_out": 11,
    "service_message": 25,
    "sms_in": 102,
    "sms_out": 103,
}
"""v4 note types with a known v2 number; others are sent by name."""


def _stamp(value: Any) -> str | None:
    """Task dates come as ``YYYY-MM-DD HH:MM:SS`` (UTC here) in v2 bodies."""
    if not is_int(value):
        return None
    return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M:%S")


def _audit(data: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "created_user_id": data.get("created_by"),
        "modified_user_id": data.get("updated_by"),
        "date_create": data.get("created_at"),
        "last_modified": data.get("updated_at"),
        "created_at": data.get("created_at"),
        "updated_at": data.get("updated_at"),
        "account_id": data.get("account_id"),
    }


def _custom_fields(account: Account, entity_type: str, entity: Entity) -> list[dict[str, Any]]:
    definitions = account.fields.get(entity_type, {})
    out = []
    for field_id, values in entity.cf.items():
        definition = definitions.get(field_id)
        out.append(
            {
                "id": field_id,
                "name": definition.name if definition is not None else None,
                "code": definition.code if definition is not None else None,
                "values": [{"value": v.get("value"), "enum": v.get("enum_id")} for v in values],
            }
        )
    return out


def _entity_item(
    account: Account,
    entity_type: str,
    entity: Entity,
    before: Mapping[str, Any] | None,
    action: str,
) -> dict[str, Any]:
    family, data = _FAMILIES[entity_type], entity.data
    item: dict[str, Any] = {"id": entity.id}
    if action == "delete":
        if entity_type == "leads":
            item.update(status_id=data.get("status_id"), pipeline_id=data.get("pipeline_id"))
        if family.kind:
            item["type"] = family.kind
        return item
    if entity_type == "tasks":
        item.update(
            element_id=data.get("entity_id"),
            element_type=_FAMILIES[data["entity_type"]].element_type
            if data.get("entity_type") in _FAMILIES
            else None,
            task_type=data.get("task_type_id"),
            text=data.get("text"),
            status=1 if data.get("is_completed") else 0,
            responsible_user_id=data.get("responsible_user_id"),
            complete_till=_stamp(data.get("complete_till")),
            **_audit(data),
        )
    else:
        item.update(
            name=data.get("name"),
            responsible_user_id=data.get("responsible_user_id"),
            status_id=data.get("status_id"),
            pipeline_id=data.get("pipeline_id"),
            price=data.get("price"),
            next_price=data.get("next_price"),
            next_date=data.get("next_date"),
            **_audit(data),
            custom_fields=_custom_fields(account, entity_type, entity),
            tags=[{"id": tag.get("id"), "name": tag.get("name")} for tag in entity.tags],
        )
        if family.kind:
            item["type"] = family.kind
        if entity_type == "contacts":
            companies = account.linked(entity_type, entity.id, "companies")
            item["linked_company_id"] = companies[0][0] if companies else None
    before = before or {}
    if action == "status":
        item["old_status_id"] = before.get("status_id", data.get("status_id"))
        item["old_pipeline_id"] = before.get("pipeline_id", data.get("pipeline_id"))
    if action == "responsible":
        item["old_responsible_user_id"] = before.get("responsible_user_id")
    return item


def _entity_events(
    account: Account, entity_type: str, entity: Entity, before: Mapping[str, Any] | None
) -> list[tuple[str, str, str, dict[str, Any]]]:
    family = _FAMILIES[entity_type]
    data = entity.data

    def changed(key: str) -> bool:
        return before is not None and key in before and before[key] != data.get(key)

    if before is None:
        actions = ["add"]
    elif changed("is_deleted"):
        actions = ["delete" if data.get("is_deleted") else "restore"]
    else:
        actions = ["update"]
        if changed("status_id") or changed("pipeline_id"):
            actions.append("status")
        if changed("responsible_user_id"):
            actions.append("responsible")
    return [
        (f"{action}_{family.singular}", family.top, action, item)
        for action in actions
        if f"{action}_{family.singular}" in _CODES
        for item in [_entity_item(account, entity_type, entity, before, action)]
    ]


def _note_events(
    account: Account, note: Entity, before: Mapping[str, Any] | None
) -> list[tuple[str, str, str, dict[str, Any]]]:
    parent = str((note.hidden or {}).get("parent"))
    family = _FAMILIES.get(parent)
    if before is not None or family is None:
        return []
    data = note.data
    params = data.get("params") or {}
    text = params.get("text") if isinstance(params.get("text"), str) else json.dumps(params)
    body = {
        "id": note.id,
        "note_type": _V2_NOTE_TYPES.get(data.get("note_type", ""), data.get("note_type")),
        "element_id": data.get("entity_id"),
        "element_type": family.element_type,
        "text": text,
        "responsible_user_id": data.get("responsible_user_id"),
        "created_by": data.get("created_by"),
        **_audit(data),
    }
    return [(f"note_{family.singular}", family.top, "note", {"note": body})]


def _unsorted_events(
    account: Account, entry: Entity, before: Mapping[str, Any] | None
) -> list[tuple[str, str, str, dict[str, Any]]]:
    data = entry.data
    embedded = data.get("_embedded") or {}
    leads = embedded.get("leads") or []
    item: dict[str, Any] = {
        "uid": data.get("uid"),
        "source_uid": data.get("source_uid"),
        "source": data.get("source_name"),
        "category": data.get("category"),
        "pipeline_id": data.get("pipeline_id"),
        "lead_id": leads[0] if leads else None,
        "created_at": data.get("created_at"),
        "date_create": data.get("created_at"),
        "account_id": data.get("account_id"),
        "data": {
            key: [{"id": entity_id} for entity_id in embedded.get(key) or []]
            for key in ("leads", "contacts", "companies")
        },
        "source_data": data.get("metadata") or None,
    }
    if before is None:
        return [("add_unsorted", "unsorted", "add", item)]
    if data.get("is_deleted") and not before.get("is_deleted", True):
        item["action"] = "accept" if (entry.hidden or {}).get("state") == "accepted" else "decline"
        return [("delete_unsorted", "unsorted", "delete", item)]
    return []


_Renderer = Callable[
    [Account, str, Entity, "Mapping[str, Any] | None"], list[tuple[str, str, str, dict[str, Any]]]
]
_RENDERERS: dict[str, _Renderer] = {
    **{name: _entity_events for name in _FAMILIES},
    "notes": lambda account, _, entity, before: _note_events(account, entity, before),
    "unsorted": lambda account, _, entity, before: _unsorted_events(account, entity, before),
}
"""Entity types that have webhooks, and how a write of one becomes events."""


# ----------------------------------------------------------------------------------------------
# The resource
# ----------------------------------------------------------------------------------------------


def _destination(value: object, issues: list[Issue]) -> str | None:
    if value is None or value == "":
        issues.append(required("destination"))
        return None
    if not isinstance(value, str):
        issues.append(invalid_type("destination", "string"))
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        issues.append(Issue("InvalidUrl", "destination", "This value is not a valid URL."))
        return None
    return value


class Webhooks(Resource):
    name = "webhooks"
    path = "/api/v4/webhooks"
    id_bases = {"webhooks": 3_000_001, "webhook_deliveries": 1}
    stores = ("webhooks", _OUTBOX)

    def setup(self, account: Account, ids: IdAllocator) -> None:
        account.observers.append(partial(self.observe, account))

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (
                self.path,
                {
                    "GET": self.list_items,
                    "POST": self.add,
                    "DELETE": self.delete,
                    "PATCH": not_allowed,
                },
            ),
            (rf"{self.path}/(\d+)", {"GET": not_allowed, "PATCH": not_allowed}),
        ]

    def list_items(self, call: Call) -> FakeResponse:
        wanted = filters_of(call.req.query).get("destination")
        rows = [
            subscription_json(sub)
            for sub in sorted(subscriptions_of(call.account).values(), key=lambda s: (s.sort, s.id))
            if not isinstance(wanted, str) or not wanted or sub.destination == wanted
        ]
        return collection(call.req, self.name, rows) if rows else no_content()

    def add(self, call: Call) -> FakeResponse:
        body = call.req.json()
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        issues = [
            not_expected(key) for key in body if key not in ("destination", "settings", "sort")
        ]
        destination = _destination(body.get("destination"), issues)
        settings = body.get("settings")
        if not isinstance(settings, list) or not settings:
            issues.append(
                required("settings") if not settings else invalid_type("settings", "array")
            )
        else:
            issues.extend(
                not_supported(f"settings.{i}")
                for i, code in enumerate(settings)
                if code not in _CODES
            )
        sort = body.get("sort")
        if sort is not None and not is_int(sort):
            issues.append(invalid_type("sort", "int"))
        if issues or destination is None:
            return validation_failed([("0", issues)])
        try:
            sub = subscribe(
                call.account,
                call.ids,
                destination,
                cast("list[str]", settings),
                sort=sort,
                user_id=call.user_id,
                now=call.now,
            )
        except OverflowError as exc:
            return problem(400, str(exc))
        return json_response(200, subscription_json(sub))

    def delete(self, call: Call) -> FakeResponse:
        body = call.req.json()
        issues: list[Issue] = []
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        destination = _destination(body.get("destination"), issues)
        if destination is None:
            return validation_failed([("0", issues)])
        if not unsubscribe(call.account, destination):
            return problem(404, f"No webhook for {destination}")
        call.account.touch()
        return no_content()

    def observe(
        self, account: Account, call: Call, entity_type: str, entity: Entity, before: Any
    ) -> None:
        """A write seen through the API: queue what the subscriptions asked for."""
        render = _RENDERERS.get(entity_type)
        subs = [s for s in subscriptions_of(account).values() if not s.disabled]
        if render is None or not subs:
            return
        events = render(account, entity_type, entity, before)
        outbox = _outbox(account)
        for sub in subs:
            mine = [event for event in events if event[0] in sub.settings]
            if not mine:
                continue
            job = next(
                (
                    j
                    for j in outbox.values()
                    if j.webhook_id == sub.id and j.request_key == call.req.request_id
                ),
                None,
            )
            if job is None:
                key = call.ids.next("webhook_deliveries")
                job = outbox[key] = Outgoing(key, sub.id, sub.destination, call.req.request_id)
            job.events.extend(mine)


RESOURCE = Webhooks()
