"""Calls: ``POST /api/v4/calls`` — at most 50 per request, each placed by its phone number.

A call goes to the contact whose phone matches (its open lead, if it has one, takes it instead),
or else to a company with that phone, and shows there as a ``call_in``/``call_out`` note. A
valid call nobody owns the number of is not added: the 200 answer lists it under
``_embedded.errors`` with its ``request_id``, next to the calls that were added
(``_embedded.calls``: id, entity_id, entity_type, ``_embedded.entity``). Invalid items fail the
whole request with the usual 400 ``validation-errors``. Calls cannot be read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import not_allowed, record_writes, validate_batch
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._issues import is_int, required
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import (
    Changes,
    Draft,
    nullable,
    one_of,
    string,
    whole_number,
)
from amocrm_async.testing.resources._seeding import Dice, field_def, live_ids
from amocrm_async.testing.resources.pipelines import CLOSED
from amocrm_async.testing.resources.users import AUTHORSHIP_RULES

__all__ = ["MAX_CALLS", "RESOURCE", "Calls", "owner_of_phone"]

MAX_CALLS = 50
DIRECTIONS = ("inbound", "outbound")
CALL_STATUSES = tuple(range(1, 9))
_REQUIRED = ("direction", "duration", "source", "phone")
_SINGULAR = {"leads": "lead", "contacts": "contact", "companies": "company"}
_NOT_PLACED = "Entity with this phone number not found"


def _digits(phone: object) -> str:
    """The last ten digits of a number: ``+7 912 …`` and ``8 912 …`` are the same phone."""
    return re.sub(r"\D", "", str(phone))[-10:]


def _call_responsible(draft: Draft, key: str, value: Any) -> None:
    """A user id, or a name (amoCRM shows the name when no user has it)."""
    if is_int(value) or isinstance(value, str):
        draft.changes.fields[key] = value
    else:
        draft.invalid(key, "int")


def _phones(account: Account, entity_type: str, entity: Entity) -> list[str]:
    phone = account.fields_by_code[entity_type].get("PHONE")
    values = entity.cf.get(phone.id, []) if phone is not None else []
    return [_digits(v.get("value", "")) for v in values]


def _open_lead(account: Account, contact_id: int) -> int | None:
    leads = account.stores["leads"]
    candidates = [
        lead_id
        for lead_id, _ in account.linked("contacts", contact_id, "leads")
        if lead_id in leads
        and not leads[lead_id].deleted
        and leads[lead_id].data.get("status_id") not in CLOSED
    ]
    return max(candidates) if candidates else None


def owner_of_phone(account: Account, phone: str) -> tuple[str, int] | None:
    """Where amoCRM puts a call to ``phone``: ``(entity type, id)``, or None."""
    wanted = _digits(phone)
    if not wanted:
        return None
    for entity_type in ("contacts", "companies"):
        for entity in account.stores[entity_type].values():
            if not entity.deleted and wanted in _phones(account, entity_type, entity):
                lead = _open_lead(account, entity.id) if entity_type == "contacts" else None
                return ("leads", lead) if lead is not None else (entity_type, entity.id)
    return None


_NOTE_PARAMS = ("uniq", "duration", "source", "link", "phone", "call_result", "call_status")


def _note_of(call: Call, entity_type: str, added: Entity) -> None:
    """The ``call_in``/``call_out`` note amoCRM writes on the entity a call was placed on."""
    data = added.data
    note_id = call.ids.next("notes")
    params = {key: data.get(key) for key in _NOTE_PARAMS}
    if data.get("call_responsible") is not None:
        params["call_responsible"] = data["call_responsible"]
    note = Entity(
        note_id,
        {
            "id": note_id,
            "entity_id": data["entity_id"],
            "created_by": data["created_by"],
            "updated_by": data["updated_by"],
            "created_at": data["created_at"],
            "updated_at": data["updated_at"],
            "responsible_user_id": data["responsible_user_id"],
            "group_id": 0,
            "note_type": "call_in" if data["direction"] == "inbound" else "call_out",
            "params": params,
            "account_id": call.account.id,
        },
    )
    note.hidden = {"parent": entity_type}
    call.account.stores["notes"][note_id] = note


class Calls(EntityResource):
    name = "calls"
    path = "/api/v4/calls"
    id_base = 6_104_257
    max_batch = MAX_CALLS
    rules = {
        "direction": one_of(DIRECTIONS, str, "string"),
        "uniq": nullable(string),
        "duration": whole_number,
        "source": string,
        "link": nullable(string),
        "phone": string,
        "call_result": nullable(string),
        "call_status": nullable(one_of(CALL_STATUSES, int, "int")),
        "call_responsible": _call_responsible,
        **AUTHORSHIP_RULES,
    }

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"GET": not_allowed, "POST": self.add, "PATCH": not_allowed}),
            (rf"{self.path}/(\d+)", {"GET": not_allowed, "PATCH": not_allowed}),
        ]

    def check(self, draft: Draft) -> None:
        missing = [key for key in _REQUIRED if draft.item.get(key) in (None, "")]
        draft.issues.extend(required(draft.path(key)) for key in missing)

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        data = super().new_data(call, changes, entity_id)
        data.setdefault("responsible_user_id", call.user_id)
        data["account_id"] = call.account.id
        return data

    def add(self, call: Call) -> FakeResponse:
        changes, error = validate_batch(self, call, call.req.json_array(), "create", MAX_CALLS)
        if error is not None:
            return error
        placed: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for change in changes:
            owner = owner_of_phone(call.account, change.fields["phone"])
            if owner is None:
                errors.append({"request_id": change.request_id, "msg": _NOT_PLACED, "code": 404})
                continue
            entity_type, owner_id = owner
            change.fields.update(entity_id=owner_id, entity_type=_SINGULAR[entity_type])
            call_entity = self.create(call, change)
            _note_of(call, entity_type, call_entity)
            placed.append(self._placed_json(call, call_entity, change.request_id, entity_type))
        if placed:
            record_writes(call, call.stats.entities_created, self.name, len(placed))
        return json_response(
            200,
            {
                "_total_items": len(placed),
                "_embedded": {"calls": placed, "errors": errors},
            },
        )

    def _placed_json(
        self, call: Call, entity: Entity, request_id: str, entity_type: str
    ) -> dict[str, Any]:
        owner_id = entity.data["entity_id"]
        return {
            "id": entity.id,
            "entity_id": owner_id,
            "entity_type": entity.data["entity_type"],
            "account_id": call.account.id,
            "request_id": request_id,
            "_embedded": {
                "entity": {
                    "id": owner_id,
                    "_links": {"self": {"href": f"{call.base}/api/v4/{entity_type}/{owner_id}"}},
                }
            },
        }

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """Calls on seeded contacts (their first phone); none without contacts."""
        contacts = live_ids(ctx.account, "contacts")
        if not contacts:
            return []
        dice, store = Dice(ctx.rng), self.store(ctx.account)
        phone = field_def(ctx.account, "contacts", code="PHONE")
        created = []
        for n in range(count):
            contact_id = dice.pick(contacts)
            number = ctx.account.stores["contacts"][contact_id].cf[phone.id][0]["value"]
            call_id = ctx.ids.next(self.name)
            at = ctx.now - dice.between(60, 30 * 86_400)
            store[call_id] = Entity(
                call_id,
                {
                    "id": call_id,
                    "direction": DIRECTIONS[n % 2],
                    "uniq": f"seed-call-{call_id}",
                    "duration": dice.between(5, 900),
                    "source": "fake-pbx",
                    "phone": number,
                    "call_status": 4,
                    "created_at": at,
                    "updated_at": at,
                    "entity_id": contact_id,
                    "entity_type": "contact",
                    "account_id": ctx.account.id,
                },
            )
            created.append(call_id)
        return created


RESOURCE = Calls()
