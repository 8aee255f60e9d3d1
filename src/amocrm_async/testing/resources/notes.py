"""Notes: ``/api/v4/{entity}/notes`` of leads, contacts, companies (and customers, when kept).

One store holds the notes of every entity type; each note remembers its entity type (not part of
its wire JSON, as in amoCRM) and is only found under that type's paths:

* ``GET|POST|PATCH /api/v4/{entity}/notes`` — list (``filter[id|note_type|updated_at|
  entity_id]``, ``order[updated_at|id]``, ``with=is_pinned``), batch create, batch update;
* ``GET|PATCH /api/v4/{entity}/notes/{id}``;
* ``GET /api/v4/{entity}/{entity_id}/notes`` (the notes of one entity, same filters) and
  ``GET|PATCH /api/v4/{entity}/{entity_id}/notes/{id}`` (the PHP library's ``getOne`` and
  ``updateOne`` paths).

The registered resource is the leads' notes; the other entity types get a view of the same
store (same rules, their own paths), one per entity type the fake keeps.

Writes are validated like every entity's (all-or-nothing, amoCRM's ``validation-errors``):
``entity_id`` (an existing entity of the path's type) and ``note_type`` are required on create;
the types amoCRM writes itself (mail, chat, transaction, Dropbox, followed link) are refused
(``NotSupportedChoice``); ``params`` are checked per type — unknown keys ``FieldNotExpected``,
wrong types ``InvalidType``, the type's main params ``NotBlank`` when missing on create. A PATCH
cannot change ``note_type``; its ``params`` are merged into the note's. A single ``updated_at``
value selects notes updated since then, as the API documents.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, cast

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import crud_routes, update_one
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import is_int, not_expected, required
from amocrm_async.testing._listing import (
    FilterBuilder,
    Predicate,
    filters_of,
    ids,
    ints_in,
    modified_since,
    paged,
    range_predicate,
)
from amocrm_async.testing._query import as_list, is_range
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import (
    Changes,
    Draft,
    audit_fields,
    boolean,
    integer,
    one_of,
    owner_fields,
)
from amocrm_async.testing.resources._seeding import Dice, live_ids, timestamps
from amocrm_async.testing.resources.users import AUTHORSHIP_RULES, users_of

__all__ = ["NOTE_PARENTS", "NOTE_TYPES", "READ_ONLY_TYPES", "RESOURCE", "Notes"]

NOTE_PARENTS = ("leads", "contacts", "companies", "customers")
"""Entity types with notes; the fake serves the ones it keeps."""

_PARENT = "@parent"
"""Internal filter key: the entity type of a list (never a ``filter[...]`` amoCRM reads)."""


@dataclass(frozen=True, slots=True)
class _Param:
    """One key of a note type's ``params``: its type check, and whether create needs it."""

    check: Callable[[Any], bool]
    type_name: str
    required: bool = False
    choices: Collection[Any] | None = None


def _string(required: bool = False, choices: Collection[str] | None = None) -> _Param:
    return _Param(lambda v: isinstance(v, str), "string", required, choices)


def _whole(required: bool = False, choices: Collection[int] | None = None) -> _Param:
    return _Param(lambda v: is_int(v) and v >= 0, "int", required, choices)


_ANY = _Param(lambda v: True, "any")
_FLAG = _Param(lambda v: isinstance(v, bool), "bool")
_USER = _Param(lambda v: isinstance(v, str) or is_int(v), "int|string")
_COORDINATE = _Param(lambda v: isinstance(v, str | float) or is_int(v), "string", required=True)

CALL_STATUSES = frozenset(range(1, 9))
_CALL = {
    "uniq": _string(required=True),
    "duration": _whole(required=True),
    "source": _string(required=True),
    "link": _string(),
    "phone": _string(required=True),
    "call_result": _string(),
    "call_status": _whole(choices=CALL_STATUSES),
    "call_responsible": _USER,
}
_SMS = {"text": _string(required=True), "phone": _string(required=True)}
_SERVICE = {"service": _string(required=True), "text": _string(required=True)}
_PAID = {"service": _string(), "text": _string(required=True), "icon_url": _string()}
_TARGETING = {
    "service": _string(True, ("facebook", "vkontakte", "mailchimp", "adwords")),
    "campaign": _ANY,
    "contacts": _ANY,
}

NOTE_TYPES: Mapping[str, Mapping[str, _Param]] = {
    "common": {"text": _string(required=True)},
    "call_in": _CALL,
    "call_out": _CALL,
    "service_message": _SERVICE,
    "extended_service_message": _SERVICE,
    "message_cashier": {
        "status": _string(True, ("created", "shown", "canceled")),
        "text": _string(required=True),
    },
    "invoice_paid": _PAID,
    "bill_paid": _PAID,
    "geolocation": {
        "text": _string(),
        "address": _string(required=True),
        "latitude": _COORDINATE,
        "longitude": _COORDINATE,
    },
    "sms_in": _SMS,
    "sms_out": _SMS,
    "attachment": {
        "version_uuid": _string(required=True),
        "file_uuid": _string(required=True),
        "file_name": _string(required=True),
    },
    "site_visit": {"url": _string(required=True)},
    "targeting_in": _TARGETING,
    "targeting_out": _TARGETING,
    "zoom_meeting": {"conference": _ANY, "recordings": _ANY},
    "ai_result": {
        "text": _string(required=True),
        "answer_id": _string(),
        "talk_id": _whole(),
        "is_error": _FLAG,
    },
}
"""The note types a write may create, and the ``params`` each takes."""

READ_ONLY_TYPES = frozenset(
    {"amomail_message", "chat", "transaction", "dropbox_attachment", "link_followed"}
)
"""Note types amoCRM writes itself: they are read and seeded, never accepted in writes."""


_PINNED = "_pinned"
"""Where a note keeps its pin (rendered as ``is_pinned`` only with ``with=is_pinned``)."""


def _parent_of(note: Entity) -> str:
    return str((note.hidden or {}).get("parent"))


def _params(draft: Draft, key: str, value: Any) -> None:
    """``params`` must be an object; its keys are checked against the type in ``check``."""
    if isinstance(value, dict):
        draft.changes.fields[key] = value
    else:
        draft.invalid(key, "object")


def _note_types(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    """``filter[note_type]``: one code or several."""
    wanted = {str(v) for v in as_list(condition) if str(v)}
    return (lambda note: note.data["note_type"] in wanted) if wanted else None


def _updated_since(
    account: Account, condition: Any, filters: Mapping[str, Any]
) -> Predicate | None:
    """``filter[updated_at]``: a timestamp (updated since then) or ``[from]``/``[to]``."""
    if is_range(condition):
        return range_predicate("updated_at", condition)
    values = [str(v).strip() for v in as_list(condition)]
    since = [int(v) for v in values if v.isdigit()]
    return range_predicate("updated_at", {"from": min(since)}) if since else None


def _of_parent(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate:
    return lambda note: _parent_of(note) == condition


class Notes(EntityResource):
    """The notes of one entity type (``parent``); the registered instance serves leads."""

    name = "notes"
    parent: ClassVar[str] = "leads"
    path = "/api/v4/leads/notes"
    id_base = 70_000_001
    read_only = frozenset({"id", "group_id", "account_id", "is_pinned", "_links"})
    with_allowed = frozenset({"is_pinned"})
    rules = {
        "entity_id": integer,
        "note_type": one_of(NOTE_TYPES, str, "string"),
        "params": _params,
        **AUTHORSHIP_RULES,
        "is_need_to_trigger_digital_pipeline": boolean,
    }
    filters: ClassVar[Mapping[str, FilterBuilder]] = {
        "id": ids,
        "note_type": _note_types,
        "updated_at": _updated_since,
        "entity_id": ints_in("entity_id"),
        _PARENT: _of_parent,
    }
    sortable = ("updated_at", "id")

    def view(self, parent: str) -> Notes:
        """The notes of another entity type: the same store and rules under its paths."""
        if parent == self.parent:
            return self
        cls = type(
            f"{parent.capitalize()}Notes",
            (Notes,),
            {"parent": parent, "path": f"/api/v4/{parent}/notes"},
        )
        return cast("Notes", cls())

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        routes: list[Route] = []
        for peer in peers:
            if isinstance(peer, EntityResource) and peer.name in NOTE_PARENTS:
                routes.extend(self.view(peer.name).own_routes())
        return routes

    def own_routes(self) -> list[Route]:
        """Generic list/add/update; get-by-id and the per-entity paths check the entity type."""
        (collection, (item, methods)), parent = crud_routes(self), f"/api/v4/{self.parent}"
        return [
            collection,
            (item, {**methods, "GET": self.get_note}),
            (rf"{parent}/(\d+)/notes", {"GET": self.notes_of}),
            (
                rf"{parent}/(\d+)/notes/(\d+)",
                {"GET": self.get_note_of, "PATCH": self.update_note_of},
            ),
            (rf"{parent}/notes/(\d+)/pin", {"POST": self.pin}),
            (rf"{parent}/notes/(\d+)/unpin", {"POST": self.unpin}),
        ]

    # -- reading ---------------------------------------------------------------------------

    def live(self, account: Account, entity_id: int) -> Entity | None:
        note = super().live(account, entity_id)
        return note if note is not None and _parent_of(note) == self.parent else None

    def select(self, account: Account, query: Mapping[str, Any], *rest: Any) -> list[Entity]:
        """The list of this entity type's notes only (cached apart from the other types')."""
        scoped = {**query, "filter": {**filters_of(query), _PARENT: self.parent}}
        return super().select(account, scoped, *rest)

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        pinned = "is_pinned" in with_

        def render(note: Entity) -> dict[str, Any]:
            out = dict(note.data)
            is_pinned = bool(out.pop(_PINNED, False))
            if pinned:
                out["is_pinned"] = is_pinned
            out["_links"] = {"self": {"href": f"{base}/api/v4/{_parent_of(note)}/notes/{note.id}"}}
            return out

        return render

    def get_note(self, call: Call, note_id: str, entity_id: int | None = None) -> FakeResponse:
        note = self.live(call.account, int(note_id))
        if note is None or (entity_id is not None and note.data["entity_id"] != entity_id):
            return call.missing()
        with_ = self.parse_with(call.req.query.get("with"))
        return json_response(200, self.render(call.account, note, call.base, with_))

    def get_note_of(self, call: Call, entity_id: str, note_id: str) -> FakeResponse:
        return self.get_note(call, note_id, int(entity_id))

    def notes_of(self, call: Call, entity_id: str) -> FakeResponse:
        """``GET /api/v4/{entity}/{entity_id}/notes``: the list, narrowed to one entity."""
        req = call.req
        with_ = self.parse_with(req.query.get("with"))
        query = {**req.query, "filter": {**filters_of(req.query), "entity_id": entity_id}}
        rows = self.select(call.account, query, with_, modified_since(req))
        return paged(req, self.name, rows, self.renderer(call.account, req.base, with_))

    # -- writing ---------------------------------------------------------------------------

    def pin(self, call: Call, note_id: str) -> FakeResponse:
        """``POST /api/v4/{entity}/notes/{id}/pin``: 204, the note reads ``is_pinned``."""
        return self._set_pinned(call, note_id, True)

    def unpin(self, call: Call, note_id: str) -> FakeResponse:
        return self._set_pinned(call, note_id, False)

    def _set_pinned(self, call: Call, note_id: str, pinned: bool) -> FakeResponse:
        note = self.live(call.account, int(note_id))
        if note is None:
            return problem(404, "Entity not found")
        note.data[_PINNED] = pinned
        return no_content()

    def update_note_of(self, call: Call, entity_id: str, note_id: str) -> FakeResponse:
        note = self.live(call.account, int(note_id))
        if note is None or note.data["entity_id"] != int(entity_id):
            return problem(404, "Entity not found")
        return update_one(self, call, note_id)

    def check(self, draft: Draft) -> None:
        item, fields, creating = draft.item, draft.changes.fields, draft.mode != "update"
        if creating:
            missing = [key for key in ("entity_id", "note_type") if item.get(key) is None]
            draft.issues.extend(required(draft.path(key)) for key in missing)
        if "entity_id" in fields:
            target = draft.call.account.stores[self.parent].get(fields["entity_id"])
            if target is None or target.deleted:
                draft.unsupported("entity_id")
        current = draft.current.data["note_type"] if draft.current is not None else None
        if current is not None and fields.get("note_type", current) != current:
            draft.unsupported("note_type")  # a note keeps its type
        note_type, params = draft.value_of("note_type"), draft.path("params")
        if note_type in NOTE_TYPES and all(issue.path != params for issue in draft.issues):
            self._check_params(draft, NOTE_TYPES[note_type], creating)

    def _check_params(self, draft: Draft, spec: Mapping[str, _Param], creating: bool) -> None:
        sent: dict[str, Any] | None = draft.changes.fields.get("params")
        if sent is None:
            if creating and any(p.required for p in spec.values()):
                draft.issues.append(required(draft.path("params")))
            return
        for key, value in sent.items():
            param, path = spec.get(key), f"params.{key}"
            if param is None:
                draft.issues.append(not_expected(draft.path(path)))
            elif not param.check(value):
                draft.invalid(path, param.type_name)
            elif param.choices is not None and value not in param.choices:
                draft.unsupported(path)
        if creating:
            draft.issues.extend(
                required(draft.path(f"params.{key}"))
                for key, param in spec.items()
                if param.required and key not in sent
            )

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        owner = owner_fields(call, fields)
        return {
            "id": entity_id,
            "entity_id": fields["entity_id"],
            **audit_fields(call, fields),
            **owner,
            "note_type": fields["note_type"],
            "params": _stored_params(fields["note_type"], fields.get("params") or {}),
            "account_id": call.account.id,
        }

    def before_update(self, call: Call, entity: Entity, fields: dict[str, Any]) -> None:
        fields.pop("is_need_to_trigger_digital_pipeline", None)
        if "params" in fields:
            fields["params"] = {**entity.data["params"], **fields["params"]}

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        if entity.hidden is None:
            entity.hidden = {"parent": self.parent}

    # -- seeding ---------------------------------------------------------------------------

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        return _NoteSeeder(self, ctx).run(count)


def _stored_params(note_type: str, params: dict[str, Any]) -> dict[str, Any]:
    """What amoCRM adds to written params: an attachment's ``original_name`` and drive flag."""
    if note_type == "attachment":
        return {**params, "original_name": params.get("file_name"), "is_drive_attachment": True}
    return dict(params)


# ----------------------------------------------------------------------------------------------
# Seeding
# ----------------------------------------------------------------------------------------------

_TEXTS = [
    "Клиент просил перезвонить после обеда",
    "Отправил коммерческое предложение на почту",
    "Договорились встретиться в офисе в четверг",
    "Уточнить реквизиты для счёта",
    "Клиент сравнивает цены конкурентов, ждёт скидку",
]
_CALL_RESULTS = ["Разговор состоялся", "Абонент недоступен", "Перезвонить позже", "Занято"]
_SOURCES = ["Mango Office", "Телфин", "Zadarma", "onlinePBX"]
_SMS_TEXTS = ["Ваш заказ готов к выдаче", "Напоминаем: встреча завтра в 11:00", "Спасибо!"]
_SERVICES = ["Учётная система", "Сайт", "Телефония"]
_PLACES = [
    ("Москва, Тверская ул., 7", "55.7578", "37.6133"),
    ("Санкт-Петербург, Невский пр., 28", "59.9357", "30.3260"),
    ("Казань, ул. Баумана, 44", "55.7907", "49.1146"),
]
_FILES = ["Договор.pdf", "Счёт №154.pdf", "КП.docx", "Фото объекта.jpg"]
_TYPE_SHARES = [
    ("common", 0.40),
    ("call_out", 0.15),
    ("call_in", 0.12),
    ("service_message", 0.08),
    ("sms_out", 0.06),
    ("attachment", 0.06),
    ("amomail_message", 0.06),
    ("geolocation", 0.04),
    ("sms_in", 0.03),
]
_PARENT_SHARES = {"leads": 0.6, "contacts": 0.25, "companies": 0.1, "customers": 0.05}


class _NoteSeeder:
    """Notes of seeded leads (most), contacts, companies (and customers): texts, calls with
    recordings and statuses, SMS, service messages, files, mails, places."""

    def __init__(self, notes: Notes, ctx: SeedCtx) -> None:
        account = ctx.account
        self.notes, self.ctx, self.dice = notes, ctx, Dice(ctx.rng)
        self.store = notes.store(account)
        self.users = list(users_of(account))
        self.parents = [
            (parent, share, live_ids(account, parent))
            for parent, share in _PARENT_SHARES.items()
            if parent in account.stores and live_ids(account, parent)
        ]
        if not self.parents:
            raise ValueError("seed(notes=...) needs leads, contacts or companies to attach them to")
        self.params: dict[str, Callable[[], dict[str, Any]]] = {
            "common": lambda: {"text": self.dice.pick(_TEXTS)},
            "call_in": self._call,
            "call_out": self._call,
            "service_message": lambda: {
                "service": self.dice.pick(_SERVICES),
                "text": "Оплата по счёту получена",
            },
            "sms_out": self._sms,
            "sms_in": self._sms,
            "attachment": self._file,
            "amomail_message": self._mail,
            "geolocation": self._place,
        }

    def run(self, count: int) -> list[int]:
        return [self._note() for _ in range(count)]

    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.ctx.rng.getrandbits(128), version=4))

    def _phone(self) -> str:
        return f"+7 9{self.dice.between(10, 100)} {self.dice.between(100, 1000)}-" + "".join(
            f"{self.dice.between(10, 100)}" for _ in range(2)
        )

    def _call(self) -> dict[str, Any]:
        dice, uniq = self.dice, self._uuid()
        status = dice.pick([4, 4, 4, 1, 6, 7])
        return {
            "uniq": uniq,
            "duration": dice.between(20, 900) if status == 4 else 0,
            "source": dice.pick(_SOURCES),
            "link": f"https://records.example.com/{uniq}.mp3",
            "phone": self._phone(),
            "call_result": dice.pick(_CALL_RESULTS),
            "call_status": status,
        }

    def _sms(self) -> dict[str, Any]:
        return {"text": self.dice.pick(_SMS_TEXTS), "phone": self._phone()}

    def _file(self) -> dict[str, Any]:
        name = self.dice.pick(_FILES)
        return _stored_params(
            "attachment",
            {"version_uuid": self._uuid(), "file_uuid": self._uuid(), "file_name": name},
        )

    def _mail(self) -> dict[str, Any]:
        dice = self.dice
        income = dice.chance(0.5)
        client = {"email": f"client{dice.between(1, 999)}@example.com", "name": "Клиент"}
        manager = {
            "email": f"sales@{self.ctx.account.subdomain}.example.com",
            "name": "Отдел продаж",
        }
        return {
            "thread_id": dice.between(1000, 100_000),
            "message_id": dice.between(100_000, 10_000_000),
            "private": False,
            "income": income,
            "from": client if income else manager,
            "to": manager if income else client,
            "subject": "Коммерческое предложение",
            "content_summary": dice.pick(_TEXTS),
            "attach_cnt": dice.between(0, 3),
            "delivery": {"status": "delivered", "time": self.ctx.now},
        }

    def _place(self) -> dict[str, Any]:
        address, latitude, longitude = self.dice.pick(_PLACES)
        return {
            "text": "Встреча в офисе клиента",
            "address": address,
            "latitude": latitude,
            "longitude": longitude,
        }

    def _pick_type(self) -> str:
        roll, total = self.dice.random(), 0.0
        for note_type, share in _TYPE_SHARES:
            total += share
            if roll < total:
                return note_type
        return "common"

    def _parent(self) -> tuple[str, int]:
        for parent, share, candidates in self.parents:
            if self.dice.chance(share):
                return parent, self.dice.pick(candidates)
        parent, _, candidates = self.parents[0]
        return parent, self.dice.pick(candidates)

    def _note(self) -> int:
        dice, ctx = self.dice, self.ctx
        note_id = ctx.ids.next(self.notes.name)
        parent, entity_id = self._parent()
        note_type = self._pick_type()
        created, updated = timestamps(dice.random, ctx.now, span=180 * 86_400)
        user = dice.pick(self.users)
        note = Entity(
            note_id,
            {
                "id": note_id,
                "entity_id": entity_id,
                "created_by": user,
                "updated_by": user,
                "created_at": created,
                "updated_at": updated if dice.chance(0.2) else created,
                "responsible_user_id": user,
                "group_id": 0,
                "note_type": note_type,
                "params": self.params[note_type](),
                "account_id": ctx.account.id,
            },
        )
        note.hidden = {"parent": parent}
        self.store[note_id] = note
        return note_id


RESOURCE = Notes()
