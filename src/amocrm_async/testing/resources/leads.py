"""Leads: ``/api/v4/leads`` — CRUD, filters, ``with=``, links, custom fields, tags, and
``POST /api/v4/leads/complex`` (a lead with a new or existing contact and company).

Statuses follow amoCRM's rules: a lead lives in one pipeline; 142 (won) and 143 (lost) exist in
every pipeline, so they need ``pipeline_id`` on create; an open status implies its pipeline; a
lead created with ``_embedded.metadata`` (complex) lands in the pipeline's "unsorted" stage;
closing sets ``closed_at``, reopening clears it; only a lost lead keeps its loss reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import record_writes, validate_batch
from amocrm_async.testing._fields import COMMON_FIELDS, FieldSpec
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._issues import Issue, not_expected
from amocrm_async.testing._links import LinkRules, add_link
from amocrm_async.testing._listing import (
    Predicate,
    int_or_range,
    ints,
    ints_in,
    range_only,
)
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import (
    Changes,
    Draft,
    Mode,
    Rule,
    audit_fields,
    embedded,
    embedded_tags,
    integer,
    nullable,
    owner_fields,
    whole_number,
)
from amocrm_async.testing.resources._crm import (
    CRM_FILTERS,
    CRM_READ_ONLY,
    CrmEntity,
    Extra,
    crm_rules,
)
from amocrm_async.testing.resources._seeding import (
    Dice,
    enum_values,
    field_def,
    live_ids,
    seed_tags,
    tag_picker,
    timestamps,
)
from amocrm_async.testing.resources.companies import RESOURCE as COMPANIES
from amocrm_async.testing.resources.contacts import RESOURCE as CONTACTS
from amocrm_async.testing.resources.loss_reasons import RESOURCE as LOSS_REASONS
from amocrm_async.testing.resources.loss_reasons import loss_reason_ref, loss_reasons_of
from amocrm_async.testing.resources.pipelines import (
    CLOSED,
    LOST,
    WON,
    Pipeline,
    main_pipeline,
    pipeline_of_status,
    pipelines_of,
)
from amocrm_async.testing.resources.sources import lead_source, source_for_external_id
from amocrm_async.testing.resources.users import users_of

__all__ = ["RESOURCE", "Leads"]

MAX_COMPLEX = 50

_TRACKING = ("UTM_SOURCE", "UTM_MEDIUM", "UTM_CAMPAIGN", "UTM_CONTENT", "UTM_TERM", "REFERRER")
_CATALOG = {"1001": {"catalog_id": 1001, "parent_catalog_id": None, "title": "Товары"}}

_DEAL_WORDS = [
    "Поставка оборудования",
    "Внедрение CRM",
    "Годовая подписка",
    "Консультация",
    "Обучение персонала",
]
_TAGS = ["VIP", "опт", "повторная", "сайт", "выставка", "партнёр", "срочно", "тендер"]
_UTM = ["google", "yandex", "vk", "telegram", "email"]
_EXTRAS = frozenset({"source_id", "is_price_modified_by_robot", "loss_reason", "source"})
"""``with=`` values that add the lead's own keys."""


def _statuses(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    """``filter[statuses][i][pipeline_id|status_id]``: (pipeline, status) pairs, OR-ed."""
    pairs = set()
    for entry in as_list(condition):
        if isinstance(entry, dict):
            pipes, statuses = (
                ints([entry.get("pipeline_id", "")]),
                ints([entry.get("status_id", "")]),
            )
            if pipes and statuses:
                pairs.add((next(iter(pipes)), next(iter(statuses))))
    if not pairs:
        return None
    return lambda lead: (lead.data.get("pipeline_id"), lead.data.get("status_id")) in pairs


def _price(draft: Draft, key: str, value: Any) -> None:
    """``price`` (int; floats are cut) or ``price_with_minor_units`` when no ``price`` is sent."""
    if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
        draft.invalid(key, "int")
    elif key == "price" or "price" not in draft.item:
        draft.changes.fields["price"] = int(value)


def _source(draft: Draft, key: str, value: Any) -> None:
    if not isinstance(value, dict) or not isinstance(value.get("external_id"), str | int):
        draft.invalid(f"{key}.external_id", "string")
    else:
        draft.changes.extra["source"] = dict(value)


def _metadata(draft: Draft, key: str, value: Any) -> None:
    if not isinstance(value, dict):
        draft.invalid(key, "object")
    else:
        draft.changes.extra["metadata"] = dict(value)


def _one_nested(resource: EntityResource) -> Rule:
    """The single contact / company of a complex lead: a new one, or an existing one by id."""

    def rule(draft: Draft, key: str, value: Any) -> None:
        if not isinstance(value, list):
            draft.invalid(key, "array")
        elif len(value) > 1:
            draft.issues.append(not_expected(draft.path(f"{key}.1")))
        elif value:
            nested = resource.validate(draft.call, value[0], 0, "nested", draft.path(f"{key}.0."))
            draft.issues.extend(nested.issues)
            draft.changes.extra[resource.name] = nested.changes

    return rule


_LEAD_FIELDS: dict[str, Rule] = {
    "price": _price,
    "price_with_minor_units": _price,
    "status_id": integer,
    "pipeline_id": integer,
    "loss_reason_id": loss_reason_ref,
    "closed_at": nullable(whole_number),
}


class Leads(CrmEntity):
    name = "leads"
    path = "/api/v4/leads"
    id_base = 10_000_001
    read_only = CRM_READ_ONLY | {"source_id", "is_price_modified_by_robot", "labor_cost"}
    with_allowed = frozenset(
        {
            "contacts",
            "only_deleted",
            "loss_reason",
            "is_price_modified_by_robot",
            "catalog_elements",
            "source_id",
            "source",
        }
    )
    filters = {
        **CRM_FILTERS,
        "price": int_or_range("price"),
        "closed_at": range_only("closed_at"),
        "pipeline_id": ints_in("pipeline_id"),
        "statuses": _statuses,
    }
    link_targets = frozenset({"contacts", "companies", "catalog_elements"})
    links = LinkRules(single=frozenset({COMPANIES.name}), main=CONTACTS.name)
    embedded_refs = {"companies": True, "contacts": False}
    custom_field_specs = (
        *COMMON_FIELDS,
        *(FieldSpec("tracking_data", code.lower(), code) for code in _TRACKING),
        FieldSpec("chained_list", "Каталог", extra={"chained_lists": _CATALOG}, predefined=True),
    )
    rules = crm_rules(
        ("name", "visitor_uid"),
        {"contacts": True, "companies": False},
        fields=_LEAD_FIELDS,
        embedded_create={"source": _source},
    )
    complex_rules = {
        **rules,
        "_embedded": embedded(
            {
                "tags": embedded_tags,
                "contacts": _one_nested(CONTACTS),
                "companies": _one_nested(COMPANIES),
                "metadata": _metadata,
                "source": _source,
            }
        ),
    }

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [(f"{self.path}/complex", {"POST": self.add_complex})]

    def rules_for(self, mode: Mode) -> Mapping[str, Rule]:
        return self.complex_rules if mode == "complex" else self.rules

    # -- statuses --------------------------------------------------------------------------

    def check(self, draft: Draft) -> None:
        """Resolve the pipeline and status the lead ends up in."""
        if draft.issues:
            return
        fields = draft.changes.fields
        if "metadata" in draft.changes.extra:
            self._to_unsorted(draft)
        elif fields.get("pipeline_id") is not None:
            self._in_pipeline(draft, fields["pipeline_id"])
        elif fields.get("status_id") is not None:
            self._by_status(draft, fields["status_id"])
        elif draft.current is None:
            main = main_pipeline(draft.call.account)
            fields["pipeline_id"] = main.id
            fields["status_id"] = main.first_open_status.id

    def _pipeline(self, draft: Draft, pipeline_id: int) -> Pipeline | None:
        pipeline = pipelines_of(draft.call.account).get(pipeline_id)
        if pipeline is None:
            draft.unsupported("pipeline_id")
        return pipeline

    def _to_unsorted(self, draft: Draft) -> None:
        """An incoming lead: any status other than "unsorted" is ignored."""
        fields = draft.changes.fields
        pipeline_id = fields.get("pipeline_id")
        if pipeline_id is None:
            target: Pipeline | None = main_pipeline(draft.call.account)
        else:
            target = self._pipeline(draft, pipeline_id)
        if target is not None:
            fields["pipeline_id"] = target.id
            fields["status_id"] = target.unsorted_status.id

    def _in_pipeline(self, draft: Draft, pipeline_id: int) -> None:
        pipeline = self._pipeline(draft, pipeline_id)
        if pipeline is None:
            return
        fields = draft.changes.fields
        status_id = fields.get("status_id")
        if status_id is not None:
            if status_id not in pipeline.statuses:
                draft.unsupported("status_id")
        elif draft.current is None or draft.current.data["pipeline_id"] != pipeline_id:
            fields["status_id"] = pipeline.first_open_status.id

    def _by_status(self, draft: Draft, status_id: int) -> None:
        fields = draft.changes.fields
        if status_id in CLOSED:
            if draft.current is not None:
                fields["pipeline_id"] = draft.current.data["pipeline_id"]
            else:
                detail = "pipeline_id is required for statuses 142 and 143."
                draft.issues.append(Issue("NotBlank", draft.path("pipeline_id"), detail))
            return
        owner = pipeline_of_status(draft.call.account, status_id)
        if owner is None:
            draft.unsupported("status_id")
        else:
            fields["pipeline_id"] = owner.id

    # -- applying writes -------------------------------------------------------------------

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        status_id = fields["status_id"]
        return {
            "id": entity_id,
            "name": fields.get("name") or f"Сделка #{entity_id}",
            "price": fields.get("price", 0),
            **owner_fields(call, fields),
            "status_id": status_id,
            "pipeline_id": fields["pipeline_id"],
            "loss_reason_id": fields.get("loss_reason_id") if status_id == LOST else None,
            **audit_fields(call, fields),
            "closed_at": fields.get("closed_at", call.now if status_id in CLOSED else None),
            "closest_task_at": None,
            "is_deleted": False,
            "score": None,
            "account_id": call.account.id,
        }

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        super().after_write(call, entity, changes)
        source = changes.extra.get("source")
        if source is not None:
            entity.hidden = {"source_id": source_for_external_id(call, str(source["external_id"]))}

    def before_update(self, call: Call, entity: Entity, fields: dict[str, Any]) -> None:
        """Closing stamps ``closed_at``, reopening clears it; only a lost lead keeps its reason."""
        data = entity.data
        status_id = fields.get("status_id", data.get("status_id"))
        was_closed, closed = data.get("status_id") in CLOSED, status_id in CLOSED
        if "closed_at" not in fields:
            if closed and (not was_closed or data.get("closed_at") is None):
                data["closed_at"] = call.now
            elif not closed and was_closed:
                data["closed_at"] = None
        if status_id != LOST:
            data["loss_reason_id"] = None
            fields.pop("loss_reason_id", None)

    # -- complex ---------------------------------------------------------------------------

    def add_complex(self, call: Call) -> FakeResponse:
        changes, error = validate_batch(self, call, call.req.json_array(), "complex", MAX_COMPLEX)
        if error is not None:
            return error
        results = [self._create_complex(call, ch) for ch in changes]
        record_writes(call, call.stats.entities_created, self.name, len(results))
        return json_response(200, results)

    def _create_complex(self, call: Call, changes: Changes) -> dict[str, Any]:
        lead = (self.name, self.create(call, changes).id)
        contact_id = _nested_id(call, CONTACTS, changes.extra.get(CONTACTS.name))
        company_id = _nested_id(call, COMPANIES, changes.extra.get(COMPANIES.name))
        account, rules = call.account, call.link_rules
        if contact_id is not None:
            add_link(account, rules, lead, (CONTACTS.name, contact_id), {"is_main": True})
        if company_id is not None:
            add_link(account, rules, lead, (COMPANIES.name, company_id), None)
            if contact_id is not None:
                contact, company = (CONTACTS.name, contact_id), (COMPANIES.name, company_id)
                add_link(account, rules, contact, company, None)
        return {
            "id": lead[1],
            "contact_id": contact_id,
            "company_id": company_id,
            "request_id": [changes.request_id],
            "merged": False,
        }

    # -- reading ---------------------------------------------------------------------------

    def extras(self, account: Account, base: str, with_: frozenset[str]) -> Extra | None:
        if not with_ & _EXTRAS:
            return None

        def extra(lead: Entity, out: dict[str, Any], embedded_json: dict[str, Any]) -> None:
            source_id = (lead.hidden or {}).get("source_id")
            if "source_id" in with_:
                out["source_id"] = source_id
            if "is_price_modified_by_robot" in with_:
                out["is_price_modified_by_robot"] = False
            if "loss_reason" in with_:
                reason = loss_reasons_of(account).get(lead.data.get("loss_reason_id") or 0)
                rendered = (
                    [] if reason is None else [LOSS_REASONS.render(account, reason, base, with_)]
                )
                embedded_json["loss_reason"] = rendered
            if "source" in with_ and source_id is not None:
                embedded_json["source"] = lead_source(account, source_id)

        return extra

    # -- seeding ---------------------------------------------------------------------------

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        return _LeadSeeder(self, ctx).run(count)


def _nested_id(call: Call, resource: EntityResource, changes: Changes | None) -> int | None:
    """The id of a complex lead's contact or company, created unless it names an existing one."""
    if changes is None:
        return None
    if changes.entity_id is not None:
        return changes.entity_id
    call.stats.entities_created[resource.name] += 1
    return resource.create(call, changes).id


class _LeadSeeder:
    """Realistic leads: both pipelines, every status (closed ones with ``closed_at``, lost ones
    with a reason), several users, tags, custom-field values, linked contacts and companies."""

    def __init__(self, leads: Leads, ctx: SeedCtx) -> None:
        account = ctx.account
        self.name, self.ids, self.now, self.account_id = leads.name, ctx.ids, ctx.now, account.id
        self.dice = Dice(ctx.rng)
        self.links = account.links
        self.store = leads.store(account)
        self.users = list(users_of(account))
        main, *others = pipelines_of(account).values()
        self.main, self.others = main, others
        self.open_statuses = {p.id: [s.id for s in p.open_statuses] for p in (main, *others)}
        self.loss_reasons = list(loss_reasons_of(account))
        self.contacts = live_ids(account, CONTACTS.name)
        self.companies = live_ids(account, COMPANIES.name)
        self.pick_tags = tag_picker(ctx.rng, seed_tags(account, leads.name, _TAGS, ctx.ids))
        product = field_def(account, leads.name, type_="select")
        self.product, self.products = product.id, [[v] for v in enum_values(product)]
        self.quantity = field_def(account, leads.name, type_="numeric").id
        self.comment = field_def(account, leads.name, type_="text").id
        self.paid = field_def(account, leads.name, type_="checkbox").id
        self.deadline = field_def(account, leads.name, type_="date").id
        self.utm_source = field_def(account, leads.name, code="UTM_SOURCE").id
        self.utm_values = [[{"value": v}] for v in _UTM]
        self.checkbox_values = [[{"value": True}], [{"value": False}]]

    def run(self, count: int) -> list[int]:
        return [self._lead(n) for n in range(1, count + 1)]

    def _status(self, pipeline_id: int, updated: int) -> tuple[int, int | None, int | None]:
        """``(status_id, closed_at, loss_reason_id)``: 15 % won, 10 % lost, the rest open."""
        roll = self.dice.random()
        if roll < 0.15:
            return WON, updated, None
        if roll < 0.25:
            return LOST, updated, self.dice.pick(self.loss_reasons)
        return self.dice.pick(self.open_statuses[pipeline_id]), None, None

    def _custom_fields(self, n: int, updated: int) -> dict[int, list[dict[str, Any]]]:
        dice = self.dice
        chance, pick = dice.chance, dice.pick
        cf = {self.product: pick(self.products)}
        if chance(0.5):
            cf[self.quantity] = [{"value": dice.between(1, 100)}]
        if chance(0.3):
            cf[self.comment] = [{"value": f"Комментарий к сделке {n}"}]
        if chance(0.5):
            cf[self.paid] = pick(self.checkbox_values)
        if chance(0.2):
            cf[self.deadline] = [{"value": updated + dice.between(86_400, 60 * 86_400)}]
        if chance(0.4):
            cf[self.utm_source] = pick(self.utm_values)
        return cf

    def _link(self, lead_id: int) -> None:
        chance, pick, links = self.dice.chance, self.dice.pick, self.links
        lead = (self.name, lead_id)
        if self.contacts and chance(0.7):
            contact = (CONTACTS.name, pick(self.contacts))
            links.setdefault(lead, {})[contact] = {"is_main": True}
            links.setdefault(contact, {})[lead] = None
        if self.companies and chance(0.3):
            company = (COMPANIES.name, pick(self.companies))
            links.setdefault(lead, {})[company] = None
            links.setdefault(company, {})[lead] = None

    def _lead(self, n: int) -> int:
        dice, now = self.dice, self.now
        lead_id = self.ids.next(self.name)
        created, updated = timestamps(dice.random, now)
        others = self.others
        pipeline_id = (self.main if not others or dice.chance(0.7) else dice.pick(others)).id
        status_id, closed_at, loss_reason = self._status(pipeline_id, updated)
        user = dice.pick(self.users)
        soon = (
            None
            if closed_at is not None or dice.chance(0.7)
            else now + dice.between(3600, 14 * 86_400)
        )
        self.store[lead_id] = Entity(
            lead_id,
            {
                "id": lead_id,
                "name": f"{dice.pick(_DEAL_WORDS)} #{n}",
                "price": 500 * dice.between(0, 1000),
                "responsible_user_id": user,
                "group_id": 0,
                "status_id": status_id,
                "pipeline_id": pipeline_id,
                "loss_reason_id": loss_reason,
                "created_by": user if dice.chance(0.9) else 0,
                "updated_by": user,
                "created_at": created,
                "updated_at": updated,
                "closed_at": closed_at,
                "closest_task_at": soon,
                "is_deleted": False,
                "score": None,
                "account_id": self.account_id,
            },
            self._custom_fields(n, updated),
            self.pick_tags(),
        )
        self._link(lead_id)
        return lead_id


RESOURCE = Leads()
