"""Tasks: ``/api/v4/tasks`` — list (filters, order), get one, batch and single create/update.

A task has ``text`` and ``complete_till`` (both required on create), a type (``task_type_id``:
1 follow-up call, 2 meeting — the system types), an optional entity it is about
(``entity_type`` + ``entity_id``), and ``is_completed`` with a ``result`` (``{"text": ...}``;
amoCRM sends ``[]`` while there is none). Completing one is a PATCH with ``is_completed: true``
and a ``result``. PATCH answers echo ``request_id`` per item, as amoCRM's do for tasks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._issues import required
from amocrm_async.testing._listing import (
    NOTHING,
    Predicate,
    ids,
    int_or_range,
    ints,
    ints_in,
)
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import (
    Changes,
    Draft,
    audit_fields,
    boolean,
    integer,
    nullable,
    one_of,
    owner_fields,
    string,
    whole_number,
)
from amocrm_async.testing.resources._seeding import Dice, live_ids, timestamps
from amocrm_async.testing.resources.users import AUTHORSHIP_RULES, users_of

__all__ = ["FOLLOW_UP", "MEETING", "RESOURCE", "TASK_TYPES", "Tasks"]

FOLLOW_UP = 1
MEETING = 2
TASK_TYPES: dict[int, dict[str, Any]] = {
    FOLLOW_UP: {"id": 1, "name": "Связаться", "color": None, "icon_id": None, "code": "FOLLOW_UP"},
    MEETING: {"id": 2, "name": "Встреча", "color": None, "icon_id": None, "code": "MEETING"},
}
"""The system task types every account has (``GET /api/v4/account?with=task_types``)."""

ENTITY_TYPES = ("leads", "contacts", "companies", "customers")
"""What a task can be about (customers are not stored by the fake: any id is accepted)."""

NO_RESULT: list[Any] = []
"""How amoCRM renders the result of a task that has none."""

_REQUIRED_ON_CREATE = ("text", "complete_till")
_ABOUT = ("entity_type", "entity_id")


def _result(draft: Draft, key: str, value: Any) -> None:
    """``{"text": ...}``; null or ``[]`` (amoCRM's own "no result") clears it."""
    if value is None or value == NO_RESULT:
        draft.changes.fields[key] = []
    elif not isinstance(value, dict):
        draft.invalid(key, "object")
    elif set(value) != {"text"} or not isinstance(value["text"], str):
        draft.invalid(f"{key}.text", "string")
    else:
        draft.changes.fields[key] = {"text": value["text"]}


def _completion(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    """``filter[is_completed]``: ``1`` / ``0`` (both, or neither: no filtering)."""
    wanted = {str(v).strip().lower() in ("1", "true") for v in as_list(condition) if str(v)}
    if len(wanted) != 1:
        return None
    completed = wanted.pop()
    return lambda task: task.data["is_completed"] is completed


def _about(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    """``filter[entity_type]``, narrowed by ``filter[entity_id]`` (which means nothing alone)."""
    values = [str(v) for v in as_list(condition) if str(v)]
    if not values:
        return None
    entity_type = values[0]
    if entity_type not in ENTITY_TYPES:
        return NOTHING
    wanted = ints(as_list(filters.get("entity_id")))
    if not wanted:
        return lambda task: task.data["entity_type"] == entity_type
    return lambda task: task.data["entity_type"] == entity_type and task.data["entity_id"] in wanted


class Tasks(EntityResource):
    name = "tasks"
    path = "/api/v4/tasks"
    id_base = 40_000_001
    read_only = frozenset({"id", "group_id", "account_id", "_links"})
    rules = {
        "text": string,
        **AUTHORSHIP_RULES,
        "duration": whole_number,
        "entity_id": nullable(integer),
        "entity_type": nullable(one_of(ENTITY_TYPES, str, "string")),
        "is_completed": boolean,
        "task_type_id": one_of(TASK_TYPES, int, "int"),
        "result": _result,
        "complete_till": whole_number,
    }
    filters = {
        "id": ids,
        "responsible_user_id": ints_in("responsible_user_id"),
        "created_by": ints_in("created_by"),
        "is_completed": _completion,
        "task_type": ints_in("task_type_id"),
        "entity_type": _about,
        "updated_at": int_or_range("updated_at"),
    }
    sortable = ("created_at", "complete_till", "id")
    update_echoes_request_id = True

    def check(self, draft: Draft) -> None:
        if draft.mode != "update":
            missing = [key for key in _REQUIRED_ON_CREATE if draft.item.get(key, "") == ""]
            draft.issues.extend(required(draft.path(key)) for key in missing)
        paths = {draft.path(key) for key in _ABOUT}
        sent = any(key in draft.item for key in _ABOUT)
        if sent and not any(issue.path in paths for issue in draft.issues):
            self._check_entity(draft)

    def _check_entity(self, draft: Draft) -> None:
        """Both or neither of ``entity_type`` / ``entity_id``; a stored entity must exist."""
        entity_type, entity_id = draft.value_of("entity_type"), draft.value_of("entity_id")
        if entity_type is None and entity_id is not None:
            draft.issues.append(required(draft.path("entity_type")))
        elif entity_id is None and entity_type is not None:
            draft.issues.append(required(draft.path("entity_id")))
        elif draft.call.stores(entity_type):
            target = draft.call.account.stores[entity_type].get(entity_id)
            if target is None or target.deleted:
                draft.unsupported("entity_id")

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        return {
            "id": entity_id,
            **audit_fields(call, fields),
            **owner_fields(call, fields),
            "entity_id": fields.get("entity_id"),
            "entity_type": fields.get("entity_type"),
            "duration": fields.get("duration", 0),
            "is_completed": fields.get("is_completed", False),
            "task_type_id": fields.get("task_type_id", FOLLOW_UP),
            "text": fields["text"],
            "result": fields.get("result", []),
            "complete_till": fields["complete_till"],
            "account_id": call.account.id,
        }

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        return _TaskSeeder(self, ctx).run(count)


_TEXTS = {
    FOLLOW_UP: [
        "Перезвонить клиенту",
        "Уточнить детали заказа",
        "Напомнить про оплату счёта",
        "Отправить коммерческое предложение",
    ],
    MEETING: ["Встреча в офисе клиента", "Презентация продукта", "Подписание договора"],
}
_RESULTS = [
    "Клиент подтвердил заказ",
    "Договорились созвониться на следующей неделе",
    "Отправил КП на почту",
    "Клиент не ответил, перенёс звонок",
]
_TWO_WEEKS = 14 * 86_400


class _TaskSeeder:
    """Tasks about seeded leads (60 %) or contacts (20 %) when there are any; a third done."""

    def __init__(self, tasks: Tasks, ctx: SeedCtx) -> None:
        self.tasks, self.ctx, self.dice = tasks, ctx, Dice(ctx.rng)
        self.store = tasks.store(ctx.account)
        self.users = list(users_of(ctx.account))
        self.targets = [
            (entity_type, share, live_ids(ctx.account, entity_type))
            for entity_type, share in (("leads", 0.6), ("contacts", 0.5))
        ]

    def run(self, count: int) -> list[int]:
        return [self._task() for _ in range(count)]

    def _about(self) -> tuple[str | None, int | None]:
        for entity_type, share, candidates in self.targets:
            if candidates and self.dice.chance(share):
                return entity_type, self.dice.pick(candidates)
        return None, None

    def _task(self) -> int:
        dice, ctx = self.dice, self.ctx
        task_id = ctx.ids.next(self.tasks.name)
        created, updated = timestamps(dice.random, ctx.now, span=90 * 86_400)
        task_type = FOLLOW_UP if dice.chance(0.7) else MEETING
        entity_type, entity_id = self._about()
        user = dice.pick(self.users)
        completed = dice.chance(0.35)
        self.store[task_id] = Entity(
            task_id,
            {
                "id": task_id,
                "created_by": user,
                "updated_by": user,
                "created_at": created,
                "updated_at": updated,
                "responsible_user_id": user,
                "group_id": 0,
                "entity_id": entity_id,
                "entity_type": entity_type,
                "duration": 3600 if task_type == MEETING else 0,
                "is_completed": completed,
                "task_type_id": task_type,
                "text": dice.pick(_TEXTS[task_type]),
                "result": {"text": dice.pick(_RESULTS)} if completed else [],
                "complete_till": created + dice.between(3600, _TWO_WEEKS),
                "account_id": ctx.account.id,
            },
        )
        return task_id


RESOURCE = Tasks()
