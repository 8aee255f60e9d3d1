"""Incoming leads ("unsorted"): ``/api/v4/leads/unsorted`` — list, get by ``uid``, create
(``/forms``, ``/sip``), accept, decline, link, summary.

Creating an entry creates its lead right away, in the "unsorted" stage of the pipeline, with
its contacts and company linked (as amoCRM does: the answer carries their ids). Accepting moves
the lead to ``status_id`` (default: the pipeline's first working stage); declining deletes the
lead and the contacts created with it; linking (``chats`` and ``mail`` entries only) attaches the
entry's contacts to an existing lead and deletes the entry's own lead. A processed entry leaves
the list and ``GET /{uid}`` but is counted by ``/summary``. Entries are keyed by ``uid`` on the
wire; the int keys of the store are internal. ``chats``/``mail`` entries come from seeding only.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from functools import partial
from typing import Any, ClassVar

from amocrm_async.testing import _issues as check
from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import list_entities, not_allowed, record_writes
from amocrm_async.testing._http import FakeResponse, json_response, problem
from amocrm_async.testing._links import add_link
from amocrm_async.testing._listing import Predicate, filters_of, ints_in, range_predicate
from amocrm_async.testing._query import as_list, is_range
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import Changes, Draft, Rule
from amocrm_async.testing.resources._seeding import Dice, timestamps
from amocrm_async.testing.resources.companies import RESOURCE as COMPANIES
from amocrm_async.testing.resources.contacts import RESOURCE as CONTACTS
from amocrm_async.testing.resources.leads import RESOURCE as LEADS
from amocrm_async.testing.resources.pipelines import main_pipeline, pipelines_of

__all__ = ["CATEGORIES", "RESOURCE", "Unsorted"]

CATEGORIES = ("forms", "sip", "chats", "mail")
WRITABLE = ("forms", "sip")
_NEW, _ACCEPTED, _DECLINED = "new", "accepted", "declined"
_ITEM_KEYS = frozenset({"request_id", "source_uid", "source_name", "pipeline_id", "created_at"})
_REQUIRED_METADATA = {
    "forms": ("form_id", "form_name", "form_page", "form_sent_at"),
    "sip": ("uniq", "duration", "service_code", "link", "phone", "called_at", "from"),
}
_MAX_BATCH = 250


def _uids(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    wanted = {str(v) for v in as_list(condition) if str(v)}
    return (lambda entry: entry.data["uid"] in wanted) if wanted else None


def _categories(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    wanted = {str(v) for v in as_list(condition) if str(v)}
    return (lambda entry: entry.data["category"] in wanted) if wanted else None


class Unsorted(EntityResource):
    name = "unsorted"
    path = "/api/v4/leads/unsorted"
    id_base = 70_000_001
    rules: ClassVar[Mapping[str, Rule]] = {}
    filters = {"uid": _uids, "category": _categories, "pipeline_id": ints_in("pipeline_id")}
    sortable = ("created_at", "updated_at")

    # -- routes ----------------------------------------------------------------------------

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        path = self.path
        return [
            (
                path,
                {"GET": partial(list_entities, self), "POST": not_allowed, "PATCH": not_allowed},
            ),
            (rf"{path}/(\d+)", {"GET": self.get_one, "PATCH": not_allowed}),
            (rf"{path}/summary", {"GET": self.summary}),
            (rf"{path}/(forms|sip)", {"POST": self.add}),
            (rf"{path}/([^/]+)/accept", {"POST": self.accept}),
            (rf"{path}/([^/]+)/decline", {"DELETE": self.decline}),
            (rf"{path}/([^/]+)/link", {"POST": self.link}),
            (rf"{path}/([^/]+)", {"GET": self.get_one}),
        ]

    def by_uid(self, account: Account, uid: str) -> Entity | None:
        return next((e for e in self.store(account).values() if e.data["uid"] == uid), None)

    def _pending(self, call: Call, uid: str) -> tuple[Entity | None, FakeResponse | None]:
        entry = self.by_uid(call.account, uid)
        if entry is None:
            return None, problem(404, f"Unsorted {uid} not found")
        if entry.deleted:
            return None, problem(400, f"Unsorted {uid} is already processed")
        return entry, None

    # -- rendering -------------------------------------------------------------------------

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        def render(entry: Entity) -> dict[str, Any]:
            out = {k: v for k, v in entry.data.items() if k not in ("is_deleted", "_embedded")}
            out["_embedded"] = _refs(base, entry.data["_embedded"])
            out["_links"] = {"self": {"href": f"{base}{self.path}/{entry.data['uid']}"}}
            return out

        return render

    def get_one(self, call: Call, uid: str) -> FakeResponse:
        entry = self.by_uid(call.account, uid)
        if entry is None or entry.deleted:
            return call.missing()
        return json_response(200, self.render(call.account, entry, call.base, frozenset()))

    def _action_answer(self, call: Call, entry: Entity, embedded: dict[str, Any]) -> FakeResponse:
        data = entry.data
        return json_response(
            200,
            {
                "uid": data["uid"],
                "category": data["category"],
                "pipeline_id": data["pipeline_id"],
                "created_at": data["created_at"],
                "_embedded": _refs(call.base, embedded),
                "_links": {"self": {"href": f"{call.base}{self.path}/{data['uid']}"}},
            },
        )

    # -- create ----------------------------------------------------------------------------

    def add(self, call: Call, category: str) -> FakeResponse:
        items = call.req.json_array()
        if len(items) > _MAX_BATCH:
            return problem(422, f"Limit {_MAX_BATCH} per page", title="Unprocessable Entity")
        checked = [
            self._check_item(call, category, item, index) for index, item in enumerate(items)
        ]
        errors = [(rid, issues) for rid, issues, _ in checked if issues]
        if errors:
            return check.validation_failed(errors)
        answers = [self._create(call, category, rid, plan) for rid, _, plan in checked]
        record_writes(call, call.stats.entities_created, self.name, len(answers))
        return json_response(
            200,
            {
                "_total_items": len(answers),
                "_links": {"self": {"href": f"{call.base}{self.path}/{category}"}},
                "_embedded": {self.name: answers},
            },
        )

    def _check_item(
        self, call: Call, category: str, item: Any, index: int
    ) -> tuple[str, list[check.Issue], dict[str, Any]]:
        rid = str(index)
        if not isinstance(item, dict):
            return rid, [check.invalid_type(str(index), "object")], {}
        raw_rid = item.get("request_id")
        rid = str(raw_rid) if isinstance(raw_rid, str | int) else rid
        issues: list[check.Issue] = []
        plan: dict[str, Any] = {}
        for key in item:
            if key not in _ITEM_KEYS and key not in ("metadata", "_embedded"):
                issues.append(check.not_expected(key))
        for key in ("source_uid", "source_name"):
            if not isinstance(item.get(key), str) or not item[key]:
                issues.append(
                    check.required(key) if key not in item else check.invalid_type(key, "string")
                )
        pipeline = main_pipeline(call.account)
        if "pipeline_id" in item:
            found = (
                pipelines_of(call.account).get(item["pipeline_id"])
                if check.is_int(item["pipeline_id"])
                else None
            )
            if found is None:
                issues.append(check.not_supported("pipeline_id"))
            else:
                pipeline = found
        if "created_at" in item and not check.is_int(item["created_at"]):
            issues.append(check.invalid_type("created_at", "int"))
        issues.extend(_metadata_issues(category, item.get("metadata")))
        plan["pipeline"] = pipeline
        plan["item"] = item
        plan["drafts"] = self._nested(call, pipeline.id, item.get("_embedded"), issues)
        return rid, issues, plan

    def _nested(
        self, call: Call, pipeline_id: int, embedded: Any, issues: list[check.Issue]
    ) -> dict[str, list[Draft]]:
        """Validate ``_embedded.leads`` (exactly one), ``contacts`` and ``companies``."""
        drafts: dict[str, list[Draft]] = {"leads": [], "contacts": [], "companies": []}
        if not isinstance(embedded, dict):
            issues.append(check.required("_embedded.leads"))
            return drafts
        resources = {"leads": LEADS, "contacts": CONTACTS, "companies": COMPANIES}
        for key in embedded:
            if key not in resources:
                issues.append(check.not_expected(f"_embedded.{key}"))
        leads = embedded.get("leads")
        if not isinstance(leads, list) or len(leads) != 1:
            issues.append(check.not_supported("_embedded.leads"))
        for key, resource in resources.items():
            items = embedded.get(key) or []
            if not isinstance(items, list):
                issues.append(check.invalid_type(f"_embedded.{key}", "array"))
                continue
            for position, nested in enumerate(items):
                if key == "leads" and isinstance(nested, dict):
                    nested = {k: v for k, v in nested.items() if k != "status_id"}
                    nested["pipeline_id"] = pipeline_id
                prefix = f"_embedded.{key}.{position}."
                draft = resource.validate(call, nested, position, "create", prefix)
                issues.extend(draft.issues)
                drafts[key].append(draft)
        return drafts

    def _create(self, call: Call, category: str, rid: str, plan: dict[str, Any]) -> dict[str, Any]:
        item, pipeline, drafts = plan["item"], plan["pipeline"], plan["drafts"]
        lead_changes = drafts["leads"][0].changes
        lead_changes.fields["status_id"] = pipeline.unsorted_status.id
        lead = LEADS.create(call, lead_changes)
        created = call.stats.entities_created
        created[LEADS.name] += 1
        embedded: dict[str, list[int]] = {"leads": [lead.id], "contacts": [], "companies": []}
        account, rules = call.account, call.link_rules
        for key, resource in (("contacts", CONTACTS), ("companies", COMPANIES)):
            for draft in drafts[key]:
                entity = resource.create(call, draft.changes)
                created[resource.name] += 1
                embedded[key].append(entity.id)
                meta = {"is_main": len(embedded[key]) == 1} if key == "contacts" else None
                add_link(account, rules, (LEADS.name, lead.id), (resource.name, entity.id), meta)
        entry_id = call.ids.next(self.name)
        uid = _uid(account, entry_id)
        self.store(account)[entry_id] = Entity(
            entry_id,
            {
                "uid": uid,
                "source_uid": item["source_uid"],
                "source_name": item["source_name"],
                "category": category,
                "pipeline_id": pipeline.id,
                "created_at": item.get("created_at", call.now),
                "metadata": item.get("metadata") or {},
                "account_id": account.id,
                "_embedded": embedded,
                "is_deleted": False,
            },
        )
        self.notify(call, self.store(account)[entry_id], None)
        return {
            "uid": uid,
            "account_id": account.id,
            "request_id": rid,
            "_embedded": _refs(call.base, embedded),
            "_links": {"self": {"href": f"{call.base}{self.path}/{uid}"}},
        }

    # -- accept, decline, link ---------------------------------------------------------------

    def _done(self, call: Call, entry: Entity, state: str) -> None:
        entry.data["is_deleted"] = True
        entry.hidden = {"state": state, "sorted_at": call.now}
        call.account.touch()
        self.notify(call, entry, {"is_deleted": False})

    def accept(self, call: Call, uid: str) -> FakeResponse:
        entry, error = self._pending(call, uid)
        if entry is None:
            assert error is not None
            return error
        body = call.req.json() if call.req.body.strip() else {}
        if not isinstance(body, dict):
            return check.validation_failed([("0", [check.invalid_type("", "object")])])
        pipeline = pipelines_of(call.account)[entry.data["pipeline_id"]]
        status_id = body.get("status_id", pipeline.first_open_status.id)
        status = pipeline.statuses.get(status_id) if check.is_int(status_id) else None
        issues = (
            [] if status is not None and status.type == 0 else [check.not_supported("status_id")]
        )
        user_id = body.get("user_id")
        if user_id is not None and not check.is_int(user_id):
            issues.append(check.invalid_type("user_id", "int"))
        if issues:
            return check.validation_failed([("0", issues)])
        embedded = entry.data["_embedded"]
        lead = LEADS.live(call.account, embedded["leads"][0])
        if lead is not None:
            changes = Changes("0", lead.id, {"status_id": status_id, "pipeline_id": pipeline.id})
            if user_id is not None:
                changes.fields["updated_by"] = user_id
            LEADS.update(call, changes)
            record_writes(call, call.stats.entities_updated, LEADS.name, 1)
        self._done(call, entry, _ACCEPTED)
        return self._action_answer(call, entry, embedded)

    def decline(self, call: Call, uid: str) -> FakeResponse:
        entry, error = self._pending(call, uid)
        if entry is None:
            assert error is not None
            return error
        embedded = entry.data["_embedded"]
        self._trash(call, LEADS, embedded["leads"])
        self._trash(call, CONTACTS, embedded["contacts"])
        self._done(call, entry, _DECLINED)
        return self._action_answer(call, entry, embedded)

    def _trash(self, call: Call, resource: EntityResource, entity_ids: list[int]) -> None:
        for entity_id in entity_ids:
            entity = resource.live(call.account, entity_id)
            if entity is not None:
                resource.trash(call.account, entity, call.now)
                resource.notify(call, entity, {"is_deleted": False})

    def link(self, call: Call, uid: str) -> FakeResponse:
        entry, error = self._pending(call, uid)
        if entry is None:
            assert error is not None
            return error
        if entry.data["category"] not in ("chats", "mail"):
            category = entry.data["category"]
            return problem(400, f"Unsorted of category {category} cannot be linked")
        body = call.req.json()
        link = body.get("link") if isinstance(body, dict) else None
        if not isinstance(link, dict):
            return check.validation_failed([("0", [check.required("link")])])
        issues = []
        if link.get("entity_type") != "leads":
            issues.append(check.not_supported("link.entity_type"))
        target_id = link.get("entity_id")
        target = LEADS.live(call.account, target_id) if check.is_int(target_id) else None
        if target is None:
            issues.append(check.not_supported("link.entity_id"))
        if issues or target is None:
            return check.validation_failed([("0", issues)])
        embedded = entry.data["_embedded"]
        account, rules = call.account, call.link_rules
        for contact_id in embedded["contacts"]:
            add_link(account, rules, (LEADS.name, target.id), (CONTACTS.name, contact_id), None)
        self._trash(call, LEADS, [i for i in embedded["leads"] if i != target.id])
        self._done(call, entry, _ACCEPTED)
        linked = {**embedded, "leads": [target.id]}
        return self._action_answer(call, entry, linked)

    # -- summary ---------------------------------------------------------------------------

    def summary(self, call: Call) -> FakeResponse:
        filters = filters_of(call.req.query)
        entries = list(self.store(call.account).values())
        created = filters.get("created_at")
        if created is not None:
            bounds = created if is_range(created) else {"from": created}
            entries = [e for e in entries if range_predicate("created_at", bounds)(e)]
        pipelines = {int(v) for v in as_list(filters.get("pipeline_id")) if str(v).isdigit()}
        if pipelines:
            entries = [e for e in entries if e.data["pipeline_id"] in pipelines]
        states = [(e.hidden or {}).get("state", _NEW) for e in entries]
        times = [
            e.hidden["sorted_at"] - e.data["created_at"]
            for e in entries
            if e.hidden and "sorted_at" in e.hidden
        ]
        categories = {category: 0 for category in CATEGORIES}
        for entry in entries:
            categories[entry.data["category"]] = categories.get(entry.data["category"], 0) + 1
        return json_response(
            200,
            {
                "total": len(entries),
                "accepted": states.count(_ACCEPTED),
                "declined": states.count(_DECLINED),
                "average_sort_time": sum(times) // len(times) if times else 0,
                "categories": categories,
                "_links": {"self": {"href": f"{call.base}{self.path}/summary"}},
            },
        )

    # -- data ------------------------------------------------------------------------------

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """Entries of every category over the last 30 days, each with a new lead (in the
        pipeline's "unsorted" stage) and a contact; about a fifth already sorted."""
        dice, account = Dice(ctx.rng), ctx.account
        pipelines = list(pipelines_of(account).values())
        created_ids = []
        contact_ids = CONTACTS.seed(ctx, count)
        for lead_id, contact_id in zip(LEADS.seed(ctx, count), contact_ids, strict=True):
            category = dice.pick(("forms", "forms", "sip", "chats", "chats", "mail"))
            pipeline = pipelines[0] if dice.chance(0.7) else dice.pick(pipelines)
            lead = LEADS.store(account)[lead_id]
            created, _ = timestamps(dice.random, ctx.now, span=30 * 86_400)
            lead.data.update(
                pipeline_id=pipeline.id,
                status_id=pipeline.unsorted_status.id,
                closed_at=None,
                loss_reason_id=None,
                created_at=created,
                updated_at=created,
            )
            account.links.setdefault(("leads", lead_id), {})[("contacts", contact_id)] = {
                "is_main": True
            }
            account.links.setdefault(("contacts", contact_id), {})[("leads", lead_id)] = None
            entry_id = ctx.ids.next(self.name)
            entry = Entity(
                entry_id,
                {
                    "uid": _uid(account, entry_id),
                    "source_uid": f"src-{category}-{dice.between(1, 6)}",
                    "source_name": _SOURCE_NAMES[category],
                    "category": category,
                    "pipeline_id": pipeline.id,
                    "created_at": created,
                    "metadata": _seed_metadata(dice, category, created),
                    "account_id": account.id,
                    "_embedded": {"leads": [lead_id], "contacts": [contact_id], "companies": []},
                    "is_deleted": False,
                },
            )
            if dice.chance(0.2):
                entry.data["is_deleted"] = True
                state = _ACCEPTED if dice.chance(0.7) else _DECLINED
                entry.hidden = {"state": state, "sorted_at": created + dice.between(60, 86_400)}
                if state == _ACCEPTED:
                    lead.data["status_id"] = pipeline.first_open_status.id
                else:
                    lead.data["is_deleted"] = True
            self.store(account)[entry_id] = entry
            created_ids.append(entry_id)
        return created_ids


_SOURCE_NAMES = {
    "forms": "Форма на сайте",
    "sip": "Телефония",
    "chats": "Онлайн-чат",
    "mail": "Почта",
}


def _uid(account: Account, entry_id: int) -> str:
    """A stable 32-hex uid (never all digits, so it cannot be taken for an int id)."""
    digest = hashlib.sha1(f"{account.id}:{entry_id}".encode()).hexdigest()
    return "a" + digest[1:32]


def _refs(base: str, embedded: Mapping[str, list[int]]) -> dict[str, list[dict[str, Any]]]:
    return {
        key: [{"id": i, "_links": {"self": {"href": f"{base}/api/v4/{key}/{i}"}}} for i in ids]
        for key, ids in embedded.items()
    }


def _metadata_issues(category: str, metadata: Any) -> list[check.Issue]:
    if metadata is None:
        return [check.required("metadata")]
    if not isinstance(metadata, dict):
        return [check.invalid_type("metadata", "object")]
    return [
        check.required(f"metadata.{key}")
        for key in _REQUIRED_METADATA[category]
        if key not in metadata
    ]


def _seed_metadata(dice: Dice, category: str, created: int) -> dict[str, Any]:
    if category == "forms":
        return {
            "form_id": str(dice.between(1, 5)),
            "form_name": "Заявка с сайта",  # noqa: RUF001
            "form_page": "https://example.com/contacts",
            "form_sent_at": created,
            "ip": f"192.0.2.{dice.between(1, 255)}",
            "referer": "https://www.google.com/",
        }
    if category == "sip":
        return {
            "uniq": f"call-{created}-{dice.between(1000, 9999)}",
            "duration": dice.between(10, 600),
            "service_code": "fake_telephony",
            "link": "https://example.com/records/1.mp3",
            "phone": f"+7999{dice.between(1_000_000, 9_999_999)}",
            "called_at": created,
            "from": "Менеджер",
        }
    if category == "chats":
        return {
            "from": "Клиент",
            "received_at": created,
            "service": "telegram",
            "client": {"name": "Клиент", "avatar": None},
            "origin": {"chat_id": f"chat-{created}", "ref": None, "visitor_uid": None},
            "last_message_text": "Здравствуйте! Хочу узнать цену",
            "source_name": "Telegram",
        }
    return {
        "from": {"email": "client@example.com", "name": "Клиент"},
        "subject": "Запрос цены",
        "received_at": created,
        "thread_id": dice.between(1, 10_000),
        "message_id": dice.between(1, 100_000),
        "content_summary": "Добрый день! Пришлите, пожалуйста, прайс",
    }


RESOURCE = Unsorted()
