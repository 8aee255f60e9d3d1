"""Leads, contacts and companies: write validation, applying writes, rendering, list queries."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from amocrm_async.testing._fields import (
    TEXT_TYPES,
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    render_values,
    required,
    validate_custom_fields,
)
from amocrm_async.testing._query import as_list, is_range
from amocrm_async.testing._state import LOST, WON, Account, Entity, IdAllocator

__all__ = [
    "SPECS",
    "Changes",
    "Spec",
    "WriteCtx",
    "apply_complex",
    "create_entity",
    "link_targets_ok",
    "parse_with",
    "remove_link",
    "render_entity",
    "select_entities",
    "update_entity",
    "validate_item",
]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()

Predicate = Callable[[Entity], bool]


@dataclass(frozen=True, slots=True)
class Spec:
    name: str
    singular: str
    str_fields: frozenset[str]
    readonly: frozenset[str]
    with_allowed: frozenset[str]
    link_targets: frozenset[str]
    multi_filters: frozenset[str]
    range_filters: frozenset[str]
    embedded_create: frozenset[str]


_COMMON_RO = frozenset(
    {
        "id",
        "group_id",
        "account_id",
        "is_deleted",
        "closest_task_at",
        "_links",
        "score",
        "is_unsorted",
    }
)

SPECS: dict[str, Spec] = {
    "leads": Spec(
        name="leads",
        singular="lead",
        str_fields=frozenset({"name", "visitor_uid"}),
        readonly=_COMMON_RO | {"source_id", "is_price_modified_by_robot", "labor_cost"},
        with_allowed=frozenset(
            {
                "contacts",
                "only_deleted",
                "loss_reason",
                "is_price_modified_by_robot",
                "catalog_elements",
                "source_id",
                "source",
            }
        ),
        link_targets=frozenset({"contacts", "companies", "catalog_elements"}),
        multi_filters=frozenset({"created_by", "updated_by", "responsible_user_id", "pipeline_id"}),
        range_filters=frozenset({"created_at", "updated_at", "closed_at", "closest_task_at"}),
        embedded_create=frozenset({"tags", "contacts", "companies", "source"}),
    ),
    "contacts": Spec(
        name="contacts",
        singular="contact",
        str_fields=frozenset({"name", "first_name", "last_name"}),
        readonly=_COMMON_RO | {"is_main"},
        with_allowed=frozenset(
            {"leads", "customers", "catalog_elements", "social_profiles", "only_deleted"}
        ),
        link_targets=frozenset({"leads", "companies", "customers", "catalog_elements"}),
        multi_filters=frozenset({"created_by", "updated_by", "responsible_user_id"}),
        range_filters=frozenset({"created_at", "updated_at", "closest_task_at"}),
        embedded_create=frozenset({"tags", "companies"}),
    ),
    "companies": Spec(
        name="companies",
        singular="company",
        str_fields=frozenset({"name"}),
        readonly=_COMMON_RO,
        with_allowed=frozenset(
            {"leads", "customers", "contacts", "catalog_elements", "only_deleted"}
        ),
        link_targets=frozenset({"contacts", "leads", "customers", "catalog_elements"}),
        multi_filters=frozenset({"created_by", "updated_by", "responsible_user_id"}),
        range_filters=frozenset({"created_at", "updated_at", "closest_task_at"}),
        embedded_create=frozenset({"tags", "contacts"}),
    ),
}

_DEFAULT_NAMES = {"leads": "Сделка #{}", "contacts": "Контакт #{}", "companies": "Компания #{}"}


@dataclass(slots=True)
class WriteCtx:
    account: Account
    ids: IdAllocator
    now: int
    user_id: int
    base: str


class Changes:
    """A validated write for one entity, applied only after the whole request validated."""

    __slots__ = (
        "cf",
        "companies",
        "company",
        "contact",
        "contacts",
        "entity_id",
        "fields",
        "metadata",
        "request_id",
        "source",
        "tags",
        "tags_add",
        "tags_del",
    )

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self.entity_id: int | None = None
        self.fields: dict[str, Any] = {}
        self.cf: dict[int, list[dict[str, Any]] | None] = {}
        self.tags: list[tuple[str, Any]] | _Missing | None = MISSING
        self.tags_add: list[tuple[str, Any]] = []
        self.tags_del: list[tuple[str, Any]] = []
        self.contacts: list[tuple[int, bool]] = []
        self.companies: list[int] = []
        self.source: dict[str, Any] | None = None
        self.metadata: dict[str, Any] | None = None
        self.contact: Changes | None = None
        self.company: Changes | None = None


# ----------------------------------------------------------------------------------------------
# Validation
# ----------------------------------------------------------------------------------------------


def _one_nested(
    ctx: WriteCtx, entity_type: str, value: Any, path: str, issues: list[Issue]
) -> Changes | None:
    """The single contact or company a complex lead may carry, validated as a nested create."""
    if not isinstance(value, list):
        issues.append(invalid_type(path, "array"))
        return None
    if len(value) > 1:
        issues.append(not_expected(f"{path}.1"))
        return None
    if not value:
        return None
    _, nested_issues, nested = validate_item(
        ctx, SPECS[entity_type], value[0], 0, "nested", f"{path}.0."
    )
    issues.extend(nested_issues)
    return nested


def _tag_refs(
    account: Account, entity_type: str, raw: object, path: str, issues: list[Issue]
) -> list[tuple[str, Any]]:
    refs: list[tuple[str, Any]] = []
    if not isinstance(raw, list):
        issues.append(invalid_type(path, "array"))
        return refs
    for index, tag in enumerate(raw):
        tpath = f"{path}.{index}"
        if not isinstance(tag, dict):
            issues.append(invalid_type(tpath, "object"))
            continue
        for key in tag:
            if key not in ("id", "name", "color"):
                issues.append(not_expected(f"{tpath}.{key}"))
        if tag.get("id") is not None:
            if not is_int(tag["id"]):
                issues.append(invalid_type(f"{tpath}.id", "int"))
            elif tag["id"] not in account.tags_by_id[entity_type]:
                issues.append(not_supported(f"{tpath}.id"))
            else:
                refs.append(("id", tag["id"]))
        elif isinstance(tag.get("name"), str) and tag["name"].strip():
            refs.append(("name", tag["name"].strip()))
        else:
            issues.append(required(f"{tpath}.name"))
    return refs


def _id_refs(
    ctx: WriteCtx, to_type: str, raw: object, path: str, issues: list[Issue], *, with_main: bool
) -> list[tuple[int, bool]]:
    refs: list[tuple[int, bool]] = []
    if not isinstance(raw, list):
        issues.append(invalid_type(path, "array"))
        return refs
    store = ctx.account.stores[to_type]
    for index, item in enumerate(raw):
        ipath = f"{path}.{index}"
        if not isinstance(item, dict):
            issues.append(invalid_type(ipath, "object"))
            continue
        allowed = ("id", "is_main") if with_main else ("id",)
        for key in item:
            if key not in allowed:
                issues.append(not_expected(f"{ipath}.{key}"))
        entity_id = item.get("id")
        if not isinstance(entity_id, int) or isinstance(entity_id, bool):
            issues.append(invalid_type(f"{ipath}.id", "int"))
            continue
        target = store.get(entity_id)
        if target is None or target.deleted:
            issues.append(not_supported(f"{ipath}.id"))
            continue
        is_main = item.get("is_main", False)
        if not isinstance(is_main, bool):
            issues.append(invalid_type(f"{ipath}.is_main", "bool"))
            continue
        refs.append((entity_id, is_main))
    return refs


def _check_user(
    ctx: WriteCtx, value: object, path: str, issues: list[Issue], *, allow_robot: bool
) -> bool:
    if not is_int(value):
        issues.append(invalid_type(path, "int"))
        return False
    if allow_robot and value == 0:
        return True
    if value not in ctx.account.users:
        issues.append(not_supported(path))
        return False
    return True


def validate_item(
    ctx: WriteCtx,
    spec: Spec,
    item: object,
    index: int,
    mode: str,
    prefix: str = "",
) -> tuple[str, list[Issue], Changes]:
    """Validate one entity of a write request.

    ``mode``: ``create`` (POST), ``update`` (PATCH), ``complex`` (a lead of /leads/complex) or
    ``nested`` (the contact/company embedded in a complex lead).
    """
    issues: list[Issue] = []
    request_id = str(index)
    if not isinstance(item, dict):
        changes = Changes(request_id)
        issues.append(invalid_type(prefix.rstrip(".") or "0", "object"))
        return request_id, issues, changes
    raw_rid = item.get("request_id")
    if raw_rid is not None:
        if isinstance(raw_rid, str):
            request_id = raw_rid
        elif is_int(raw_rid):
            request_id = str(raw_rid)
        else:
            issues.append(invalid_type(f"{prefix}request_id", "string"))
    changes = Changes(request_id)
    account = ctx.account
    current: Entity | None = None

    if mode == "update":
        entity_id = item.get("id")
        if entity_id is None:
            issues.append(required(f"{prefix}id"))
        elif not is_int(entity_id):
            issues.append(invalid_type(f"{prefix}id", "int"))
        else:
            current = account.stores[spec.name].get(entity_id)
            if current is None or current.deleted:
                issues.append(not_supported(f"{prefix}id"))
            else:
                changes.entity_id = entity_id
    elif mode == "nested" and item.get("id") is not None:
        entity_id = item["id"]
        if not is_int(entity_id):
            issues.append(invalid_type(f"{prefix}id", "int"))
        elif (
            entity_id not in account.stores[spec.name]
            or account.stores[spec.name][entity_id].deleted
        ):
            issues.append(not_supported(f"{prefix}id"))
        else:
            changes.entity_id = entity_id
            return request_id, issues, changes  # an existing entity is linked as-is

    fields = changes.fields
    for key, value in item.items():
        path = f"{prefix}{key}"
        if key in ("request_id", "id"):
            continue
        if key in spec.str_fields:
            if not isinstance(value, str):
                issues.append(invalid_type(path, "string"))
            else:
                fields[key] = value
        elif key in ("created_at", "updated_at"):
            if not is_int(value) or value < 0:
                issues.append(invalid_type(path, "int"))
            else:
                fields[key] = value
        elif key in ("created_by", "updated_by"):
            if _check_user(ctx, value, path, issues, allow_robot=True):
                fields[key] = value
        elif key == "responsible_user_id":
            if _check_user(ctx, value, path, issues, allow_robot=False):
                fields[key] = value
        elif key == "custom_fields_values":
            cf_issues, cf = validate_custom_fields(account, spec.name, value, path)
            issues.extend(cf_issues)
            changes.cf = cf
        elif key in ("tags_to_add", "tags_to_delete"):
            refs = _tag_refs(account, spec.name, value, path, issues)
            if key == "tags_to_add":
                changes.tags_add = refs
            else:
                changes.tags_del = refs
        elif key == "_embedded":
            _validate_embedded(ctx, spec, value, mode, changes, issues, path)
        elif spec.name == "leads" and key in ("price", "price_with_minor_units"):
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                issues.append(invalid_type(path, "int"))
            elif key == "price" or "price" not in item:
                fields["price"] = int(value)
        elif spec.name == "leads" and key in ("status_id", "pipeline_id"):
            if not is_int(value):
                issues.append(invalid_type(path, "int"))
            else:
                fields[key] = value
        elif spec.name == "leads" and key == "loss_reason_id":
            if value is not None and not is_int(value):
                issues.append(invalid_type(path, "int"))
            elif value is not None and value not in account.loss_reasons:
                issues.append(not_supported(path))
            else:
                fields[key] = value
        elif spec.name == "leads" and key == "closed_at":
            if value is not None and (not is_int(value) or value < 0):
                issues.append(invalid_type(path, "int"))
            else:
                fields[key] = value
        elif key in spec.readonly:
            continue
        else:
            issues.append(not_expected(path))

    if spec.name == "leads" and not issues:
        _resolve_status(account, changes, current, mode, prefix, issues)
    return request_id, issues, changes


def _validate_embedded(
    ctx: WriteCtx,
    spec: Spec,
    value: object,
    mode: str,
    changes: Changes,
    issues: list[Issue],
    path: str,
) -> None:
    if not isinstance(value, dict):
        issues.append(invalid_type(path, "object"))
        return
    account = ctx.account
    for key, sub in value.items():
        spath = f"{path}.{key}"
        if key == "tags":
            changes.tags = (
                None if sub is None else _tag_refs(account, spec.name, sub, spath, issues)
            )
        elif mode == "update" and key in spec.embedded_create:
            continue  # create-only links are ignored on update, as by the real API
        elif mode == "complex" and key == "contacts":
            changes.contact = _one_nested(ctx, "contacts", sub, spath, issues)
        elif mode == "complex" and key == "companies":
            changes.company = _one_nested(ctx, "companies", sub, spath, issues)
        elif mode == "complex" and key == "metadata":
            if not isinstance(sub, dict):
                issues.append(invalid_type(spath, "object"))
            else:
                changes.metadata = dict(sub)
        elif key == "contacts" and "contacts" in spec.embedded_create:
            changes.contacts = _id_refs(ctx, "contacts", sub, spath, issues, with_main=True)
        elif key == "companies" and "companies" in spec.embedded_create:
            changes.companies = [
                i for i, _ in _id_refs(ctx, "companies", sub, spath, issues, with_main=False)
            ]
        elif key == "source" and spec.name == "leads" and mode in ("create", "complex"):
            if not isinstance(sub, dict) or not isinstance(sub.get("external_id"), str | int):
                issues.append(invalid_type(f"{spath}.external_id", "string"))
            else:
                changes.source = dict(sub)
        else:
            issues.append(not_expected(spath))


def _resolve_status(
    account: Account,
    changes: Changes,
    current: Entity | None,
    mode: str,
    prefix: str,
    issues: list[Issue],
) -> None:
    fields = changes.fields
    status_id = fields.get("status_id")
    pipeline_id = fields.get("pipeline_id")
    if changes.metadata is not None:
        # An incoming (unsorted) lead: any status other than "unsorted" is ignored.
        target = (
            account.pipelines.get(pipeline_id) if pipeline_id is not None else account.main_pipeline
        )
        if target is None:
            issues.append(not_supported(f"{prefix}pipeline_id"))
            return
        fields["pipeline_id"] = target.id
        fields["status_id"] = target.unsorted_status.id
        return
    if pipeline_id is not None:
        pipeline = account.pipelines.get(pipeline_id)
        if pipeline is None:
            issues.append(not_supported(f"{prefix}pipeline_id"))
            return
        if status_id is None:
            if current is not None and current.data["pipeline_id"] == pipeline_id:
                return
            fields["status_id"] = pipeline.first_open_status.id
        elif status_id not in pipeline.statuses:
            issues.append(not_supported(f"{prefix}status_id"))
        return
    if status_id is not None:
        if status_id in (WON, LOST):
            if current is None:
                issues.append(
                    Issue(
                        "NotBlank",
                        f"{prefix}pipeline_id",
                        "pipeline_id is required for statuses 142 and 143.",
                    )
                )
            else:
                fields["pipeline_id"] = current.data["pipeline_id"]
            return
        owner = account.pipeline_of_status(status_id)
        if owner is None:
            issues.append(not_supported(f"{prefix}status_id"))
            return
        fields["pipeline_id"] = owner.id
        return
    if current is None:
        main = account.main_pipeline
        fields["pipeline_id"] = main.id
        fields["status_id"] = main.first_open_status.id


# ----------------------------------------------------------------------------------------------
# Applying writes
# ----------------------------------------------------------------------------------------------


def _apply_common(ctx: WriteCtx, spec: Spec, entity: Entity, changes: Changes) -> None:
    account = ctx.account
    for field_id, values in changes.cf.items():
        if values is None:
            entity.cf.pop(field_id, None)
        else:
            entity.cf[field_id] = values
    if changes.tags is not MISSING:
        entity.tags = []
        if isinstance(changes.tags, list):
            for ref in changes.tags:
                _add_tag(ctx, spec, entity, ref)
    for ref in changes.tags_add:
        _add_tag(ctx, spec, entity, ref)
    for kind, value in changes.tags_del:
        if kind == "id":
            entity.tags = [t for t in entity.tags if t["id"] != value]
        else:
            entity.tags = [t for t in entity.tags if t["name"].casefold() != str(value).casefold()]
    for contact_id, is_main in changes.contacts:
        _link_contact(account, spec.name, entity.id, contact_id, is_main)
    for company_id in changes.companies:
        _link_company(account, spec.name, entity.id, company_id)


def _add_tag(ctx: WriteCtx, spec: Spec, entity: Entity, ref: tuple[str, Any]) -> None:
    kind, value = ref
    if kind == "id":
        tag = ctx.account.tags_by_id[spec.name][value]
    else:
        tag = ctx.account.tag(spec.name, str(value), ctx.ids)
    if all(t["id"] != tag["id"] for t in entity.tags):
        entity.tags.append(tag)


def _link_contact(
    account: Account, entity_type: str, entity_id: int, contact_id: int, is_main: bool
) -> None:
    if entity_type == "companies":
        _link_company(account, "contacts", contact_id, entity_id)
        return
    if entity_type != "leads":
        account.link((entity_type, entity_id), ("contacts", contact_id))
        return
    existing = dict(account.linked("leads", entity_id, "contacts"))
    if contact_id in existing and not is_main:
        return  # re-linking keeps the current role
    if is_main or not existing:
        is_main = True  # the first contact of a lead is its main contact
        for other_id, meta in existing.items():
            if other_id != contact_id and meta and meta.get("is_main"):
                account.links[("leads", entity_id)][("contacts", other_id)] = {"is_main": False}
    account.link(("leads", entity_id), ("contacts", contact_id), {"is_main": is_main}, None)


def remove_link(
    account: Account, entity_type: str, entity_id: int, to_type: str, to_id: int
) -> None:
    """Unlink both directions; a lead that loses its main contact promotes the next one."""
    account.unlink((entity_type, entity_id), (to_type, to_id))
    pair = {entity_type: entity_id, to_type: to_id}
    if set(pair) == {"leads", "contacts"}:
        remaining = account.linked("leads", pair["leads"], "contacts")
        if remaining and not any(meta and meta.get("is_main") for _, meta in remaining):
            first = remaining[0][0]
            account.links[("leads", pair["leads"])][("contacts", first)] = {"is_main": True}


def _link_company(account: Account, entity_type: str, entity_id: int, company_id: int) -> None:
    if entity_type in ("leads", "contacts"):
        # a lead or a contact has at most one company
        for other_id, _ in account.linked(entity_type, entity_id, "companies"):
            account.unlink((entity_type, entity_id), ("companies", other_id))
    account.link((entity_type, entity_id), ("companies", company_id))


def _apply_lead_status(ctx: WriteCtx, entity: Entity, fields: dict[str, Any]) -> None:
    data = entity.data
    status_id = fields.get("status_id", data.get("status_id"))
    was_closed = data.get("status_id") in (WON, LOST)
    closed = status_id in (WON, LOST)
    if closed and "closed_at" not in fields and (not was_closed or data.get("closed_at") is None):
        data["closed_at"] = ctx.now
    if not closed and was_closed and "closed_at" not in fields:
        data["closed_at"] = None
    if status_id != LOST:
        data["loss_reason_id"] = None
        fields.pop("loss_reason_id", None)


def create_entity(ctx: WriteCtx, spec: Spec, changes: Changes) -> Entity:
    account = ctx.account
    entity_id = ctx.ids.next(spec.name)
    fields = changes.fields
    now = ctx.now
    user = ctx.user_id
    data: dict[str, Any] = {"id": entity_id, "name": fields.get("name", "")}
    if spec.name == "leads":
        data.update(
            price=fields.get("price", 0),
            responsible_user_id=fields.get("responsible_user_id", user),
            group_id=0,
            status_id=fields["status_id"],
            pipeline_id=fields["pipeline_id"],
            loss_reason_id=None,
            created_by=fields.get("created_by", user),
            updated_by=fields.get("updated_by", user),
            created_at=fields.get("created_at", now),
            updated_at=fields.get("updated_at", now),
            closed_at=None,
            closest_task_at=None,
            is_deleted=False,
            score=None,
            account_id=account.id,
        )
    else:
        if spec.name == "contacts":
            first = fields.get("first_name", "")
            last = fields.get("last_name", "")
            data["first_name"] = first
            data["last_name"] = last
            if not data["name"]:
                data["name"] = f"{first} {last}".strip()
        data.update(
            responsible_user_id=fields.get("responsible_user_id", user),
            group_id=0,
            created_by=fields.get("created_by", user),
            updated_by=fields.get("updated_by", user),
            created_at=fields.get("created_at", now),
            updated_at=fields.get("updated_at", now),
            closest_task_at=None,
            is_deleted=False,
        )
        if spec.name == "contacts":
            data["is_unsorted"] = False
        data["account_id"] = account.id
    if not data["name"]:
        data["name"] = _DEFAULT_NAMES[spec.name].format(entity_id)
    entity = Entity(entity_id, data)
    if spec.name == "leads":
        status_id = fields["status_id"]
        closed = status_id in (WON, LOST)
        data["closed_at"] = fields.get("closed_at", ctx.now if closed else None)
        data["loss_reason_id"] = fields.get("loss_reason_id") if status_id == LOST else None
        if changes.source is not None:
            external = str(changes.source["external_id"])
            source_id = account.sources.get(external)
            if source_id is None:
                source_id = ctx.ids.next("sources")
                account.sources[external] = source_id
            entity.source_id = source_id
    account.stores[spec.name][entity_id] = entity
    _apply_common(ctx, spec, entity, changes)
    return entity


def update_entity(ctx: WriteCtx, spec: Spec, changes: Changes) -> Entity:
    assert changes.entity_id is not None
    entity = ctx.account.stores[spec.name][changes.entity_id]
    data = entity.data
    fields = dict(changes.fields)
    if spec.name == "leads":
        _apply_lead_status(ctx, entity, fields)
        if "price" in fields and fields["price"] != data.get("price"):
            entity.robot_price = False
    if (
        spec.name == "contacts"
        and ("first_name" in fields or "last_name" in fields)
        and "name" not in fields
    ):
        first = fields.get("first_name", data.get("first_name", ""))
        last = fields.get("last_name", data.get("last_name", ""))
        fields["name"] = f"{first} {last}".strip() or data["name"]
    data.update(fields)
    data["updated_at"] = fields.get("updated_at", ctx.now)
    data["updated_by"] = fields.get("updated_by", ctx.user_id)
    _apply_common(ctx, spec, entity, changes)
    return entity


def apply_complex(ctx: WriteCtx, changes: Changes) -> dict[str, Any]:
    account = ctx.account
    lead = create_entity(ctx, SPECS["leads"], changes)
    contact_id: int | None = None
    company_id: int | None = None
    if changes.contact is not None:
        if changes.contact.entity_id is not None:
            contact_id = changes.contact.entity_id
        else:
            contact_id = create_entity(ctx, SPECS["contacts"], changes.contact).id
        _link_contact(account, "leads", lead.id, contact_id, True)
    if changes.company is not None:
        if changes.company.entity_id is not None:
            company_id = changes.company.entity_id
        else:
            company_id = create_entity(ctx, SPECS["companies"], changes.company).id
        _link_company(account, "leads", lead.id, company_id)
        if contact_id is not None:
            _link_company(account, "contacts", contact_id, company_id)
    return {
        "id": lead.id,
        "contact_id": contact_id,
        "company_id": company_id,
        "request_id": [changes.request_id],
        "merged": False,
    }


# ----------------------------------------------------------------------------------------------
# Links
# ----------------------------------------------------------------------------------------------


def link_targets_ok(account: Account, to_type: str, to_id: int) -> bool:
    """Stored entity types must exist; catalog elements and customers are not emulated."""
    if to_type in account.stores:
        target = account.stores[to_type].get(to_id)
        return target is not None and not target.deleted
    return True


def add_link(
    account: Account, entity_type: str, entity_id: int, to_type: str, to_id: int, meta: Any
) -> None:
    metadata = dict(meta) if isinstance(meta, dict) else None
    if to_type == "contacts":
        is_main = bool(metadata and metadata.get("is_main"))
        if entity_type == "leads":
            _link_contact(account, entity_type, entity_id, to_id, is_main)
            return
    if to_type == "companies":
        _link_company(account, entity_type, entity_id, to_id)
        return
    if entity_type == "contacts" and to_type == "leads":
        is_main = bool(metadata and metadata.get("is_main"))
        _link_contact(account, "leads", to_id, entity_id, is_main)
        return
    if entity_type == "companies" and to_type in ("leads", "contacts"):
        _link_company(account, to_type, to_id, entity_id)
        return
    account.link((entity_type, entity_id), (to_type, to_id), metadata, None)


def link_json(
    entity_type: str, entity_id: int, to_type: str, to_id: int, meta: Any
) -> dict[str, Any]:
    return {
        "entity_id": entity_id,
        "entity_type": entity_type,
        "to_entity_id": to_id,
        "to_entity_type": to_type,
        "metadata": meta,
    }


# ----------------------------------------------------------------------------------------------
# Rendering
# ----------------------------------------------------------------------------------------------


def parse_with(spec: Spec, raw: object) -> frozenset[str]:
    if not isinstance(raw, str) or not raw:
        return frozenset()
    return frozenset(part.strip() for part in raw.split(",") if part.strip() in spec.with_allowed)


def _ref(base: str, entity_type: str, entity_id: int) -> dict[str, Any]:
    return {
        "id": entity_id,
        "_links": {"self": {"href": f"{base}/api/v4/{entity_type}/{entity_id}"}},
    }


def render_entity(
    account: Account, spec: Spec, entity: Entity, base: str, with_: frozenset[str]
) -> dict[str, Any]:
    name = spec.name
    out = dict(entity.data)
    out["custom_fields_values"] = render_values(account, name, entity.cf)
    embedded: dict[str, Any] = {"tags": [dict(t) for t in entity.tags]}
    if name == "leads":
        if "source_id" in with_:
            out["source_id"] = entity.source_id
        if "is_price_modified_by_robot" in with_:
            out["is_price_modified_by_robot"] = entity.robot_price
        embedded["companies"] = [
            _ref(base, "companies", i) for i, _ in account.linked(name, entity.id, "companies")
        ]
        if "contacts" in with_:
            embedded["contacts"] = [
                {
                    "id": i,
                    "is_main": bool(meta and meta.get("is_main")),
                    **_ref(base, "contacts", i),
                }
                for i, meta in account.linked(name, entity.id, "contacts")
            ]
        if "loss_reason" in with_:
            reason = account.loss_reasons.get(entity.data.get("loss_reason_id") or 0)
            embedded["loss_reason"] = (
                [
                    {
                        "id": reason.id,
                        "name": reason.name,
                        "sort": reason.sort,
                        "created_at": reason.created_at,
                        "updated_at": reason.created_at,
                        "_links": {
                            "self": {"href": f"{base}/api/v4/leads/loss_reasons/{reason.id}"}
                        },
                    }
                ]
                if reason is not None
                else []
            )
        if "source" in with_ and entity.source_id is not None:
            external = next((k for k, v in account.sources.items() if v == entity.source_id), "")
            embedded["source"] = {"id": entity.source_id, "name": external, "external_id": external}
    elif name == "contacts":
        embedded["companies"] = [
            _ref(base, "companies", i) for i, _ in account.linked(name, entity.id, "companies")
        ]
        if "leads" in with_:
            embedded["leads"] = [
                _ref(base, "leads", i) for i, _ in account.linked(name, entity.id, "leads")
            ]
        if "customers" in with_:
            embedded["customers"] = [
                _ref(base, "customers", i) for i, _ in account.linked(name, entity.id, "customers")
            ]
        if "social_profiles" in with_:
            embedded["social_profiles"] = []
    else:
        if "contacts" in with_:
            embedded["contacts"] = [
                _ref(base, "contacts", i) for i, _ in account.linked(name, entity.id, "contacts")
            ]
        if "leads" in with_:
            embedded["leads"] = [
                _ref(base, "leads", i) for i, _ in account.linked(name, entity.id, "leads")
            ]
        if "customers" in with_:
            embedded["customers"] = [
                _ref(base, "customers", i) for i, _ in account.linked(name, entity.id, "customers")
            ]
    if "catalog_elements" in with_:
        embedded["catalog_elements"] = [
            {"id": i, "metadata": meta}
            for i, meta in account.linked(name, entity.id, "catalog_elements")
        ]
    out["_links"] = {"self": {"href": f"{base}/api/v4/{name}/{entity.id}"}}
    out["_embedded"] = embedded
    return out


# ----------------------------------------------------------------------------------------------
# List queries (filters, query=, order)
# ----------------------------------------------------------------------------------------------


def _ints(values: list[Any]) -> set[int]:
    out: set[int] = set()
    for value in values:
        text = str(value).strip()
        if text.lstrip("-").isdigit():
            out.add(int(text))
    return out


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _range_predicate(key: str, spec_value: dict[str, Any]) -> Predicate:
    low = _number(spec_value.get("from")) if spec_value.get("from") not in (None, "") else None
    high = _number(spec_value.get("to")) if spec_value.get("to") not in (None, "") else None

    def check(entity: Entity) -> bool:
        value = entity.data.get(key)
        if value is None:
            return False
        if low is not None and value < low:
            return False
        return not (high is not None and value > high)

    return check


def _id_in(wanted: set[int]) -> Predicate:
    return lambda entity: entity.id in wanted


def _field_in(key: str, wanted: set[int]) -> Predicate:
    return lambda entity: entity.data.get(key) in wanted


def _name_in(names: set[str]) -> Predicate:
    return lambda entity: str(entity.data.get("name", "")).casefold() in names


def _status_in(pairs: set[tuple[int, int]]) -> Predicate:
    return lambda entity: (entity.data.get("pipeline_id"), entity.data.get("status_id")) in pairs


def _sort_key(key: str) -> Callable[[Entity], tuple[int, int]]:
    if key == "id":
        return lambda entity: (entity.id, 0)
    return lambda entity: (entity.data.get(key) or 0, entity.id)


def _cf_predicate(field_id: int, condition: Any) -> Predicate:
    if is_range(condition):
        low = _number(condition.get("from"))
        high = _number(condition.get("to"))

        def in_range(entity: Entity) -> bool:
            for item in entity.cf.get(field_id, ()):
                number = _number(item.get("value"))
                if number is None:
                    continue
                if (low is None or number >= low) and (high is None or number <= high):
                    return True
            return False

        return in_range
    wanted = {str(v).casefold() for v in as_list(condition)}

    def matches(entity: Entity) -> bool:
        for item in entity.cf.get(field_id, ()):
            candidates = (item.get("value"), item.get("enum_id"), item.get("enum_code"))
            for candidate in candidates:
                if candidate is None:
                    continue
                text = (
                    ("1" if candidate else "0") if isinstance(candidate, bool) else str(candidate)
                )
                if text.casefold() in wanted:
                    return True
        return False

    return matches


def _query_predicate(account: Account, spec: Spec, text: str) -> Predicate:
    needle = text.strip().casefold()
    text_fields = {fid for fid, d in account.fields[spec.name].items() if d.type in TEXT_TYPES}
    digits = needle.isdigit()

    def matches(entity: Entity) -> bool:
        if needle in str(entity.data.get("name", "")).casefold():
            return True
        if digits and str(entity.id) == needle:
            return True
        for field_id, values in entity.cf.items():
            if field_id in text_fields:
                for item in values:
                    value = item.get("value")
                    if isinstance(value, str) and needle in value.casefold():
                        return True
        return False

    return matches


def _build_predicates(
    account: Account, spec: Spec, query: dict[str, Any]
) -> list[Predicate] | None:
    """Predicates for the query, or None when the query can match nothing."""
    predicates: list[Predicate] = []
    raw_filter = query.get("filter")
    filters: dict[str, Any] = raw_filter if isinstance(raw_filter, dict) else {}
    for key, condition in filters.items():
        if key == "id":
            wanted = _ints(as_list(condition))
            if wanted:
                predicates.append(_id_in(wanted))
        elif key == "name":
            names = {str(v).casefold() for v in as_list(condition) if str(v)}
            if names:
                predicates.append(_name_in(names))
        elif key in spec.multi_filters:
            wanted = _ints(as_list(condition))
            if wanted:
                predicates.append(_field_in(key, wanted))
        elif key == "price" and spec.name == "leads":
            if is_range(condition):
                predicates.append(_range_predicate("price", condition))
            else:
                prices = _ints(as_list(condition))
                if prices:
                    predicates.append(_field_in("price", prices))
        elif key in spec.range_filters:
            if is_range(condition):
                predicates.append(_range_predicate(key, condition))
            elif condition not in ("", None):
                return None  # scalar date filters match nothing (issue #358: the API answers 204)
        elif key == "statuses" and spec.name == "leads":
            pairs = set()
            for entry in as_list(condition):
                if isinstance(entry, dict):
                    pipes = _ints([entry.get("pipeline_id", "")])
                    statuses = _ints([entry.get("status_id", "")])
                    if pipes and statuses:
                        pairs.add((next(iter(pipes)), next(iter(statuses))))
            if pairs:
                predicates.append(_status_in(pairs))
        elif key == "custom_fields_values" and isinstance(condition, dict):
            for field_key, field_condition in condition.items():
                field_ids = _ints([field_key])
                if field_ids:
                    predicates.append(_cf_predicate(next(iter(field_ids)), field_condition))
    text = query.get("query")
    if isinstance(text, str) and text.strip():
        predicates.append(_query_predicate(account, spec, text))
    return predicates


_ORDER_KEYS = ("created_at", "updated_at", "id")


def select_entities(
    account: Account,
    spec: Spec,
    query: dict[str, Any],
    with_: frozenset[str],
    modified_since: int | None,
) -> list[Entity]:
    """All entities matching the list query, in response order (cached until the next write)."""
    only_deleted = "only_deleted" in with_
    cache_key = json.dumps(
        [
            spec.name,
            query.get("filter"),
            query.get("query"),
            query.get("order"),
            only_deleted,
            modified_since,
        ],
        sort_keys=True,
        default=str,
    )
    cached = account.query_cache.get(cache_key)
    if cached is not None:
        return cached
    predicates = _build_predicates(account, spec, query)
    rows: list[Entity]
    if predicates is None:
        rows = []
    else:
        if modified_since is not None:
            predicates.append(_range_predicate("updated_at", {"from": modified_since}))
        store = account.stores[spec.name].values()
        if predicates:
            rows = [e for e in store if e.deleted == only_deleted and all(p(e) for p in predicates)]
        elif only_deleted:
            rows = [e for e in store if e.deleted]
        else:
            rows = [e for e in store if not e.deleted]
        order = query.get("order")
        if isinstance(order, dict):
            for key in order:
                if key in _ORDER_KEYS:
                    descending = str(order[key]).lower() == "desc"
                    rows.sort(key=_sort_key(key), reverse=descending)
                    break
    if len(account.query_cache) > 32:
        account.query_cache.clear()
    account.query_cache[cache_key] = rows
    return rows
