"""Write validation building blocks: the validated ``Changes``, the ``Draft`` and field rules.

A resource declares its writable fields as ``{key: rule}``; a rule validates one key of one
item, records issues on the draft and stores what is valid in its ``Changes``. Nothing is
applied until every item of the request validated (amoCRM's writes are all-or-nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Container, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import validate_custom_fields
from amocrm_async.testing._issues import Issue, invalid_type, is_int, not_expected, not_supported
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._tags import TagRef, tag_refs

__all__ = [
    "Changes",
    "Draft",
    "Mode",
    "Rule",
    "audit_fields",
    "boolean",
    "custom_fields",
    "embedded",
    "embedded_links",
    "embedded_tags",
    "integer",
    "member_of",
    "nullable",
    "one_of",
    "owner_fields",
    "string",
    "tags_to_add",
    "tags_to_delete",
    "whole_number",
]

Mode = Literal["create", "update", "complex", "nested"]
"""``create`` (POST), ``update`` (PATCH), ``complex`` (a lead of /leads/complex) or ``nested``
(an entity embedded in another's create, such as the contact of a complex lead)."""


@dataclass(slots=True)
class Changes:
    """A validated write for one entity, applied only after the whole request validated."""

    request_id: str
    entity_id: int | None = None
    """The entity a PATCH changes (or an existing entity a nested item names)."""
    fields: dict[str, Any] = field(default_factory=dict)
    cf: dict[int, list[dict[str, Any]] | None] = field(default_factory=dict)
    tags: list[TagRef] | None = None
    """``_embedded.tags`` replacing the current tags; None when not sent."""
    tags_add: list[TagRef] = field(default_factory=list)
    tags_del: list[TagRef] = field(default_factory=list)
    links: list[tuple[str, int, dict[str, Any] | None]] = field(default_factory=list)
    """``(to_type, to_id, metadata)`` linked on create (``_embedded.contacts`` ...)."""
    extra: dict[str, Any] = field(default_factory=dict)
    """What one resource validated for itself (a lead's source, a complex lead's contact)."""


@dataclass(slots=True)
class Draft:
    """One item of a write request while its keys are validated."""

    call: Call
    entity_type: str
    item: dict[str, Any]
    mode: Mode
    prefix: str
    changes: Changes
    issues: list[Issue] = field(default_factory=list)
    current: Entity | None = None
    """The stored entity a PATCH changes."""

    def path(self, key: str) -> str:
        return f"{self.prefix}{key}"

    def invalid(self, key: str, type_name: str) -> None:
        self.issues.append(invalid_type(self.path(key), type_name))

    def unsupported(self, key: str) -> None:
        self.issues.append(not_supported(self.path(key)))

    def value_of(self, key: str) -> Any:
        """The value after this write: sent in the request, else the stored one."""
        if key in self.changes.fields:
            return self.changes.fields[key]
        return self.current.data.get(key) if self.current is not None else None


Rule = Callable[[Draft, str, Any], None]
"""Validates ``item[key]``; ``key`` is also the path below the item (``_embedded.tags``)."""


def _checked(check: Callable[[Any], bool], type_name: str) -> Rule:
    def rule(draft: Draft, key: str, value: Any) -> None:
        if check(value):
            draft.changes.fields[key] = value
        else:
            draft.invalid(key, type_name)

    return rule


string = _checked(lambda value: isinstance(value, str), "string")
integer = _checked(is_int, "int")
whole_number = _checked(lambda value: is_int(value) and value >= 0, "int")
"""A non-negative int: timestamps, durations."""
boolean = _checked(lambda value: isinstance(value, bool), "bool")


def one_of(allowed: Collection[Any], type_: type, type_name: str) -> Rule:
    """A value of ``type_`` among ``allowed`` (anything else of that type: not a valid choice)."""

    def rule(draft: Draft, key: str, value: Any) -> None:
        if not isinstance(value, type_) or isinstance(value, bool):
            draft.invalid(key, type_name)
        elif value not in allowed:
            draft.unsupported(key)
        else:
            draft.changes.fields[key] = value

    return rule


def member_of(ids_of: Callable[[Account], Container[int]]) -> Rule:
    """An id among ``ids_of(account)``: the account's pipelines, loss reasons …"""

    def rule(draft: Draft, key: str, value: Any) -> None:
        if not is_int(value):
            draft.invalid(key, "int")
        elif value not in ids_of(draft.call.account):
            draft.unsupported(key)
        else:
            draft.changes.fields[key] = value

    return rule


def nullable(rule: Rule) -> Rule:
    """``rule``, or an explicit null that clears the field."""

    def check(draft: Draft, key: str, value: Any) -> None:
        if value is None:
            draft.changes.fields[key] = None
        else:
            rule(draft, key, value)

    return check


def custom_fields(draft: Draft, key: str, value: Any) -> None:
    account = draft.call.account
    issues, cf = validate_custom_fields(
        account.fields[draft.entity_type],
        account.fields_by_code[draft.entity_type],
        value,
        draft.path(key),
    )
    draft.issues.extend(issues)
    draft.changes.cf = cf


def _tag_refs(draft: Draft, key: str, value: Any) -> list[TagRef]:
    return tag_refs(draft.call.account, draft.entity_type, value, draft.path(key), draft.issues)


def tags_to_add(draft: Draft, key: str, value: Any) -> None:
    draft.changes.tags_add = _tag_refs(draft, key, value)


def tags_to_delete(draft: Draft, key: str, value: Any) -> None:
    draft.changes.tags_del = _tag_refs(draft, key, value)


def embedded_tags(draft: Draft, key: str, value: Any) -> None:
    """``_embedded.tags`` replaces the tags; null clears them."""
    draft.changes.tags = [] if value is None else _tag_refs(draft, key, value)


def _link_ref(
    draft: Draft, to_type: str, item: object, path: str, with_main: bool
) -> tuple[str, int, dict[str, Any] | None] | None:
    if not isinstance(item, dict):
        draft.invalid(path, "object")
        return None
    allowed = ("id", "is_main") if with_main else ("id",)
    draft.issues.extend(
        not_expected(draft.path(f"{path}.{key}")) for key in item if key not in allowed
    )
    entity_id = item.get("id")
    if not is_int(entity_id):
        draft.invalid(f"{path}.id", "int")
        return None
    target = draft.call.account.stores[to_type].get(entity_id)
    if target is None or target.deleted:
        draft.unsupported(f"{path}.id")
        return None
    is_main = item.get("is_main", False)
    if not isinstance(is_main, bool):
        draft.invalid(f"{path}.is_main", "bool")
        return None
    return (to_type, entity_id, {"is_main": is_main} if with_main else None)


def embedded_links(to_type: str, *, with_main: bool) -> Rule:
    """``_embedded.<to_type>: [{id, is_main?}]`` — existing entities linked on create."""

    def rule(draft: Draft, key: str, value: Any) -> None:
        if not isinstance(value, list):
            draft.invalid(key, "array")
            return
        for index, item in enumerate(value):
            ref = _link_ref(draft, to_type, item, f"{key}.{index}", with_main)
            if ref is not None:
                draft.changes.links.append(ref)

    return rule


def embedded(rules: Mapping[str, Rule], *, create_only: Collection[str] = ()) -> Rule:
    """The ``_embedded`` object; ``create_only`` keys are ignored on update, as amoCRM does."""

    def rule(draft: Draft, key: str, value: Any) -> None:
        if not isinstance(value, dict):
            draft.invalid(key, "object")
            return
        for sub_key, sub_value in value.items():
            path = f"{key}.{sub_key}"
            sub_rule = rules.get(sub_key)
            if sub_rule is None:
                draft.issues.append(not_expected(draft.path(path)))
            elif draft.mode != "update" or sub_key not in create_only:
                sub_rule(draft, path, sub_value)

    return rule


def owner_fields(call: Call, fields: Mapping[str, Any]) -> dict[str, Any]:
    """``responsible_user_id`` and ``group_id`` of a new entity (default: the caller)."""
    return {"responsible_user_id": fields.get("responsible_user_id", call.user_id), "group_id": 0}


def audit_fields(call: Call, fields: Mapping[str, Any]) -> dict[str, Any]:
    """Who created/updated a new entity and when (defaults: the caller, now)."""
    return {
        "created_by": fields.get("created_by", call.user_id),
        "updated_by": fields.get("updated_by", call.user_id),
        "created_at": fields.get("created_at", call.now),
        "updated_at": fields.get("updated_at", call.now),
    }
