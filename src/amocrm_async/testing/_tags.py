"""Tags of tagged entity types: references in writes, one shared wire dict per tag name."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    required,
)
from amocrm_async.testing._state import Account, Entity

__all__ = ["TagRef", "apply_tags", "tag_named", "tag_refs"]

TagRef = tuple[str, Any]
"""``("id", 5)`` or ``("name", "VIP")``."""

_TAG_KEYS = frozenset({"id", "name", "color"})


def _tag_ref(
    known: dict[int, dict[str, Any]], tag: object, path: str, issues: list[Issue]
) -> TagRef | None:
    if not isinstance(tag, dict):
        issues.append(invalid_type(path, "object"))
        return None
    issues.extend(not_expected(f"{path}.{key}") for key in tag if key not in _TAG_KEYS)
    tag_id = tag.get("id")
    if tag_id is not None:
        if not is_int(tag_id):
            issues.append(invalid_type(f"{path}.id", "int"))
        elif tag_id not in known:
            issues.append(not_supported(f"{path}.id"))
        else:
            return ("id", tag_id)
        return None
    name = tag.get("name")
    if isinstance(name, str) and name.strip():
        return ("name", name.strip())
    issues.append(required(f"{path}.name"))
    return None


def tag_refs(
    account: Account, entity_type: str, raw: object, path: str, issues: list[Issue]
) -> list[TagRef]:
    """Validate a list of ``{id}`` / ``{name}`` tag references."""
    if not isinstance(raw, list):
        issues.append(invalid_type(path, "array"))
        return []
    known = account.tags_by_id[entity_type]
    refs = [_tag_ref(known, tag, f"{path}.{index}", issues) for index, tag in enumerate(raw)]
    return [ref for ref in refs if ref is not None]


def tag_named(
    account: Account, entity_type: str, name: str, next_id: Callable[[str], int]
) -> dict[str, Any]:
    """The tag with this name (case-insensitive), created on first use."""
    key = name.casefold()
    existing = account.tags[entity_type].get(key)
    if existing is not None:
        return existing
    tag: dict[str, Any] = {"id": next_id("tags"), "name": name, "color": None}
    account.tags[entity_type][key] = tag
    account.tags_by_id[entity_type][tag["id"]] = tag
    return tag


def _add(
    account: Account,
    entity_type: str,
    entity: Entity,
    ref: TagRef,
    next_id: Callable[[str], int],
) -> None:
    kind, value = ref
    if kind == "id":
        tag = account.tags_by_id[entity_type][value]
    else:
        tag = tag_named(account, entity_type, str(value), next_id)
    if all(t["id"] != tag["id"] for t in entity.tags):
        entity.tags.append(tag)


def _drop(entity: Entity, ref: TagRef) -> None:
    kind, value = ref
    if kind == "id":
        entity.tags = [t for t in entity.tags if t["id"] != value]
    else:
        wanted = str(value).casefold()
        entity.tags = [t for t in entity.tags if t["name"].casefold() != wanted]


def apply_tags(
    account: Account,
    entity_type: str,
    entity: Entity,
    replace: list[TagRef] | None,
    add: list[TagRef],
    delete: list[TagRef],
    next_id: Callable[[str], int],
) -> None:
    """``replace`` (``_embedded.tags``; None: leave as is) first, then additions and deletions."""
    if replace is not None:
        entity.tags = []
        add = [*replace, *add]
    for ref in add:
        _add(account, entity_type, entity, ref, next_id)
    for ref in delete:
        _drop(entity, ref)
