"""Events: ``GET /api/v4/events`` (list, newest first, at most 100 a page), ``/{id}`` and
``/types``.

Events are recorded as the fake sees writes through the API: every lead, contact, company,
customer or task created gives ``<entity>_added``; an update gives ``lead_status_changed``,
``entity_responsible_changed``, ``name_field_changed``, ``sale_field_changed``,
``customer_status_changed``, ``task_completed``, ``task_deadline_changed``, and a delete or
restore ``<entity>_deleted`` / ``<entity>_restored`` (all with amoCRM's ``value_before`` /
``value_after`` shapes). ``fake.seed(events=n)`` adds events about the entities already seeded.
Event ids are strings (ULID-like); the int keys of the store are internal.

Filters as the API reads them: ``filter[id|type|entity|entity_id]`` comma-joined or as lists,
``filter[created_by]``, ``filter[created_at]`` (a time: "since"; ``[from]``/``[to]``; or
``from,to``), and with ``filter[type]`` also ``filter[value_before|value_after]`` by
``leads_statuses[i][pipeline_id|status_id]`` or ``responsible_user_id``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import not_allowed
from amocrm_async.testing._http import FakeResponse, json_response, no_content
from amocrm_async.testing._listing import Predicate, modified_since, page_response, paging
from amocrm_async.testing._query import as_list, is_range
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity, IdAllocator
from amocrm_async.testing._writes import Rule
from amocrm_async.testing.resources._seeding import Dice, live_ids
from amocrm_async.testing.resources.pipelines import pipelines_of
from amocrm_async.testing.resources.users import users_of

__all__ = ["EVENT_TYPES", "RESOURCE", "Events", "event_id"]

MAX_LIMIT = 100
SINGULAR = {
    "leads": "lead",
    "contacts": "contact",
    "companies": "company",
    "customers": "customer",
    "tasks": "task",
}
"""Entity types that have events, and the singular name events use for them."""
SINGULAR_NAMES = ("contact", "lead", "company", "catalog_element", "customer", "catalog")
"""``with=<name>_name`` adds the entity's name to ``_embedded.entity``."""

EVENT_TYPES: dict[str, tuple[str, str]] = {
    "lead_added": ("Новая сделка", "New lead"),
    "lead_deleted": ("Сделка удалена", "Lead deleted"),
    "lead_restored": ("Сделка восстановлена", "Lead restored"),
    "lead_status_changed": ("Изменение этапа продажи", "Lead status changed"),
    "contact_added": ("Новый контакт", "New contact"),
    "contact_deleted": ("Контакт удалён", "Contact deleted"),
    "contact_restored": ("Контакт восстановлен", "Contact restored"),
    "company_added": ("Новая компания", "New company"),
    "company_deleted": ("Компания удалена", "Company deleted"),
    "company_restored": ("Компания восстановлена", "Company restored"),
    "customer_added": ("Новый покупатель", "New customer"),
    "customer_deleted": ("Покупатель удалён", "Customer deleted"),
    "customer_status_changed": ("Изменение этапа покупателя", "Customer status changed"),
    "task_added": ("Новая задача", "New task"),
    "task_deleted": ("Задача удалена", "Task deleted"),
    "task_completed": ("Завершение задачи", "Task completed"),
    "task_deadline_changed": ("Изменение срока задачи", "Task deadline changed"),
    "entity_responsible_changed": ("Ответственный изменен", "Responsible changed"),
    "name_field_changed": ("Изменение названия", "Name changed"),
    "sale_field_changed": ("Изменение бюджета", "Sale changed"),
    "common_note_added": ("Новое примечание", "Note added"),
    "incoming_call": ("Входящий звонок", "Incoming call"),
    "outgoing_call": ("Исходящий звонок", "Outgoing call"),
    "entity_tag_added": ("Теги добавлены", "Tags added"),
}
"""The catalogue of ``GET /api/v4/events/types`` (key → Russian and English captions)."""

_CROCKFORD = "0123456789abcdefghjkmnpqrstvwxyz"


def event_id(n: int) -> str:
    """A 26-character ULID-like id (lowercase Crockford base32), stable for an internal key."""
    out = []
    for _ in range(24):
        n, digit = divmod(n, 32)
        out.append(_CROCKFORD[digit])
    return "01" + "".join(reversed(out))


def _strings(condition: Any) -> set[str]:
    """A comma-joined string (what the PHP library sends) or a list, as a set of values."""
    values: set[str] = set()
    for value in as_list(condition):
        values.update(part.strip() for part in str(value).split(",") if part.strip())
    return values


def _ints(condition: Any) -> set[int]:
    return {int(v) for v in _strings(condition) if v.isdigit()}


def _in(key: str, convert: Callable[[Any], set[Any]]) -> Callable[..., Predicate | None]:
    def build(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
        wanted = convert(condition)
        return (lambda event: event.data[key] in wanted) if wanted else None

    return build


def _created_at(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    if is_range(condition):
        low, high = _bound(condition.get("from")), _bound(condition.get("to"))
    else:
        parts = [_bound(part) for part in str(condition).split(",")]
        low, high = parts[0], parts[1] if len(parts) > 1 else None
    if low is None and high is None:
        return None
    return lambda event: (
        (low is None or event.data["created_at"] >= low)
        and (high is None or event.data["created_at"] <= high)
    )


def _bound(value: Any) -> int | None:
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() else None


def _value_filter(side: str) -> Callable[..., Predicate | None]:
    """``filter[value_after|value_before]``: lead statuses or a responsible user (with type)."""

    def build(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
        if not isinstance(condition, dict) or not filters.get("type"):
            return None
        statuses = {
            (_bound(entry.get("pipeline_id")), _bound(entry.get("status_id")))
            for entry in as_list(condition.get("leads_statuses"))
            if isinstance(entry, dict)
        }
        users = _ints(condition.get("responsible_user_id"))
        if not statuses and not users:
            return None

        def matches(event: Entity) -> bool:
            for item in event.data[side]:
                status = item.get("lead_status")
                if status and (status.get("pipeline_id"), status.get("id")) in statuses:
                    return True
                user = item.get("responsible_user")
                if user and user.get("id") in users:
                    return True
            return False

        return matches

    return build


class Events(EntityResource):
    name = "events"
    path = "/api/v4/events"
    id_base = 80_000_001
    rules: ClassVar[Mapping[str, Rule]] = {}
    with_allowed = frozenset({"note", *(f"{kind}_name" for kind in SINGULAR_NAMES)})
    filters = {
        "id": _in("id", _strings),
        "type": _in("type", _strings),
        "entity": _in("entity_type", _strings),
        "entity_id": _in("entity_id", _ints),
        "created_by": _in("created_by", _ints),
        "created_at": _created_at,
        "value_after": _value_filter("value_after"),
        "value_before": _value_filter("value_before"),
    }

    def setup(self, account: Account, ids: IdAllocator) -> None:
        account.observers.append(partial(self.observe, account))

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        path = self.path
        return [
            (path, {"GET": self.list_items, "POST": not_allowed, "PATCH": not_allowed}),
            (rf"{path}/(\d+)", {"GET": self.get_one, "PATCH": not_allowed}),
            (rf"{path}/types", {"GET": self.types}),
            (rf"{path}/([0-9a-z]+)", {"GET": self.get_one}),
        ]

    # -- reading ---------------------------------------------------------------------------

    def _sorted(self, rows: list[Entity], order: object) -> None:
        rows.sort(key=lambda event: (event.data["created_at"], event.id), reverse=True)

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        names = {SINGULAR[t]: t for t in SINGULAR}

        def render(event: Entity) -> dict[str, Any]:
            out = dict(event.data)
            plural = names.get(out["entity_type"], out["entity_type"])
            entity: dict[str, Any] = {"id": out["entity_id"]}
            if f"{out['entity_type']}_name" in with_:
                stored = account.stores.get(plural, {}).get(out["entity_id"])
                entity["name"] = stored.data.get("name", "") if stored is not None else ""
            entity["_links"] = {"self": {"href": f"{base}/api/v4/{plural}/{out['entity_id']}"}}
            out["_embedded"] = {"entity": entity}
            out["_links"] = {"self": {"href": f"{base}{self.path}/{out['id']}"}}
            return out

        return render

    def list_items(self, call: Call) -> FakeResponse:
        req = call.req
        with_ = self.parse_with(req.query.get("with"))
        rows = self.select(call.account, req.query, with_, modified_since(req))
        page, limit = paging(req.query)
        limit = min(limit, MAX_LIMIT)
        start = (page - 1) * limit
        chunk = rows[start : start + limit]
        if not chunk:
            return no_content()
        render = self.renderer(call.account, req.base, with_)
        items = [render(row) for row in chunk]
        return page_response(req, self.name, items, page, limit, len(rows) > start + limit)

    def get_one(self, call: Call, wire_id: str) -> FakeResponse:
        with_ = self.parse_with(call.req.query.get("with"))
        event = next(
            (e for e in self.store(call.account).values() if e.data["id"] == wire_id), None
        )
        if event is None:
            return call.missing()
        return json_response(200, self.render(call.account, event, call.base, with_))

    def types(self, call: Call) -> FakeResponse:
        english = str(call.req.query.get("language_code", "ru")) == "en"
        items = [
            {"key": key, "type": number, "lang": captions[1] if english else captions[0]}
            for number, (key, captions) in enumerate(EVENT_TYPES.items(), start=1)
        ]
        return json_response(
            200,
            {
                "_total_items": len(items),
                "_links": {"self": {"href": f"{call.base}{self.path}/types"}},
                "_embedded": {"events_types": items},
            },
        )

    # -- recording -------------------------------------------------------------------------

    def record(
        self,
        account: Account,
        ids: IdAllocator,
        event_type: str,
        entity_type: str,
        entity_id: int,
        user_id: int,
        at: int,
        before: list[dict[str, Any]] | None = None,
        after: list[dict[str, Any]] | None = None,
    ) -> int:
        key = ids.next(self.name)
        self.store(account)[key] = Entity(
            key,
            {
                "id": event_id(key),
                "type": event_type,
                "entity_id": entity_id,
                "entity_type": entity_type,
                "created_by": user_id,
                "created_at": at,
                "value_after": after or [],
                "value_before": before or [],
                "account_id": account.id,
            },
        )
        account.touch()
        return key

    def observe(
        self, account: Account, call: Call, entity_type: str, entity: Entity, before: Any
    ) -> None:
        """A write seen through the API: the events amoCRM would record for it."""
        singular = SINGULAR.get(entity_type)
        if singular is None:
            return
        emit = partial(self.record, account, call.ids, entity_type=singular, entity_id=entity.id)
        user, now = call.user_id, call.now
        data = entity.data
        if before is None:
            after = [_lead_status(data)] if entity_type == "leads" else []
            emit(f"{singular}_added", user_id=user, at=now, after=after)
            return
        for event_type, old, new in _changes(singular, before, data):
            emit(event_type, user_id=user, at=now, before=old, after=new)

    # -- seeding ---------------------------------------------------------------------------

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """Events about the entities already in the account (or about new lead ids when there
        are none), spread over the last 90 days, by the account's users."""
        account, dice = ctx.account, Dice(ctx.rng)
        users = list(users_of(account))
        targets = [(t, live_ids(account, t)) for t in ("leads", "contacts", "companies", "tasks")]
        targets = [(t, found) for t, found in targets if found]
        statuses = [
            (pipeline.id, status.id)
            for pipeline in pipelines_of(account).values()
            for status in pipeline.statuses.values()
        ]
        out = []
        for _ in range(count):
            entity_type, candidates = dice.pick(targets) if targets else ("leads", [10_000_001])
            singular = SINGULAR[entity_type]
            at = ctx.now - dice.between(60, 90 * 86_400)
            before: list[dict[str, Any]] = []
            after: list[dict[str, Any]] = []
            roll = dice.random()
            if entity_type == "leads" and roll < 0.4:
                event_type = "lead_status_changed"
                (p1, s1), (p2, s2) = dice.pick(statuses), dice.pick(statuses)
                before = [{"lead_status": {"id": s1, "pipeline_id": p1}}]
                after = [{"lead_status": {"id": s2, "pipeline_id": p2}}]
            elif roll < 0.6:
                event_type = "entity_responsible_changed"
                before = [{"responsible_user": {"id": dice.pick(users)}}]
                after = [{"responsible_user": {"id": dice.pick(users)}}]
            elif roll < 0.8:
                event_type = "common_note_added"
                after = [{"note": {"id": 50_000_000 + dice.between(1, 1_000_000)}}]
            else:
                event_type = f"{singular}_added"
            out.append(
                self.record(
                    account,
                    ctx.ids,
                    event_type,
                    singular,
                    dice.pick(candidates),
                    dice.pick(users),
                    at,
                    before,
                    after,
                )
            )
        return out


def _lead_status(data: Mapping[str, Any]) -> dict[str, Any]:
    return {"lead_status": {"id": data.get("status_id"), "pipeline_id": data.get("pipeline_id")}}


def _changes(
    singular: str, before: Mapping[str, Any], data: Mapping[str, Any]
) -> list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]]:
    """``(type, value_before, value_after)`` of every change an update made."""

    def changed(key: str) -> bool:
        return key in before and before[key] != data.get(key)

    out: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]]]] = []
    if singular == "lead" and (changed("status_id") or changed("pipeline_id")):
        old = {"status_id": before.get("status_id", data.get("status_id"))}
        old["pipeline_id"] = before.get("pipeline_id", data.get("pipeline_id"))
        out.append(("lead_status_changed", [_lead_status(old)], [_lead_status(data)]))
    if singular == "customer" and changed("status_id"):
        old_status = {"customer_status": {"id": before["status_id"]}}
        out.append(
            (
                "customer_status_changed",
                [old_status],
                [{"customer_status": {"id": data["status_id"]}}],
            )
        )
    if changed("responsible_user_id"):
        out.append(
            (
                "entity_responsible_changed",
                [{"responsible_user": {"id": before["responsible_user_id"]}}],
                [{"responsible_user": {"id": data["responsible_user_id"]}}],
            )
        )
    if singular != "task" and changed("name"):
        out.append(
            (
                "name_field_changed",
                [{"name_field_value": {"name": before["name"]}}],
                [{"name_field_value": {"name": data["name"]}}],
            )
        )
    if singular == "lead" and changed("price"):
        out.append(
            (
                "sale_field_changed",
                [{"sale_field_value": {"sale": before["price"]}}],
                [{"sale_field_value": {"sale": data["price"]}}],
            )
        )
    if singular == "task" and changed("is_completed") and data.get("is_completed"):
        out.append(("task_completed", [], []))
    if singular == "task" and changed("complete_till"):
        out.append(
            (
                "task_deadline_changed",
                [{"task_deadline": {"timestamp": before["complete_till"]}}],
                [{"task_deadline": {"timestamp": data["complete_till"]}}],
            )
        )
    if changed("is_deleted"):
        out.append((f"{singular}_{'deleted' if data.get('is_deleted') else 'restored'}", [], []))
    return out


RESOURCE = Events()
