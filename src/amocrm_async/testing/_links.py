"""Links between entities, governed by rules the entity resources declare.

A link is stored in both directions (``account.links``). Two rules shape it, each declared by
the resource on one side about the other:

* ``single`` — the entity links to at most one entity of that type (a lead has one company):
  linking another replaces the previous one;
* ``main`` — links to that type carry a main flag (a lead's main contact): the first link is
  the main one, a link made with ``is_main`` takes the flag over, re-linking keeps the current
  role, and removing the main one promotes the next.

Whichever side a request starts from, the side that declares the rule applies it, so
``contacts → leads`` behaves like ``leads → contacts``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from amocrm_async.testing._state import Account, LinkKey

__all__ = ["NO_RULES", "LinkRules", "add_link", "link_json", "link_meta", "remove_link"]


@dataclass(frozen=True, slots=True)
class LinkRules:
    """What an entity type declares about its links to other types."""

    single: frozenset[str] = field(default_factory=frozenset)
    main: str | None = None

    def governs(self, other_type: str) -> bool:
        return other_type == self.main or other_type in self.single


NO_RULES = LinkRules()

Rules = Mapping[str, LinkRules]


def _oriented(rules: Rules, a: LinkKey, b: LinkKey) -> tuple[LinkKey, LinkKey]:
    """``(a, b)`` with the side that declares a rule about the other first."""
    if rules.get(a[0], NO_RULES).governs(b[0]):
        return a, b
    if rules.get(b[0], NO_RULES).governs(a[0]):
        return b, a
    return a, b


def _main_of(meta: dict[str, Any] | None) -> bool:
    return bool(meta and meta.get("is_main"))


def _link_main(account: Account, owner: LinkKey, target: LinkKey, is_main: bool) -> None:
    existing = dict(account.linked(owner[0], owner[1], target[0]))
    if target[1] in existing and not is_main:
        return  # re-linking keeps the current role
    if is_main or not existing:
        is_main = True
        for other_id, meta in existing.items():
            if other_id != target[1] and _main_of(meta):
                account.links[owner][(target[0], other_id)] = {"is_main": False}
    account.link(owner, target, {"is_main": is_main}, None)


def add_link(
    account: Account, rules: Rules, a: LinkKey, b: LinkKey, meta: dict[str, Any] | None
) -> None:
    """Link ``a`` to ``b`` (``meta``: the request's metadata, e.g. ``{"is_main": true}``)."""
    owner, target = _oriented(rules, a, b)
    owner_rules = rules.get(owner[0], NO_RULES)
    if target[0] == owner_rules.main:
        _link_main(account, owner, target, _main_of(meta))
    elif target[0] in owner_rules.single:
        for other_id, _ in account.linked(owner[0], owner[1], target[0]):
            account.unlink(owner, (target[0], other_id))
        account.link(owner, target)
    else:
        account.link(a, b, dict(meta) if meta else None, None)


def remove_link(account: Account, rules: Rules, a: LinkKey, b: LinkKey) -> None:
    """Unlink both directions; losing the main link promotes the next one."""
    account.unlink(a, b)
    owner, target = _oriented(rules, a, b)
    if target[0] != rules.get(owner[0], NO_RULES).main:
        return
    remaining = account.linked(owner[0], owner[1], target[0])
    if remaining and not any(_main_of(meta) for _, meta in remaining):
        account.links[owner][(target[0], remaining[0][0])] = {"is_main": True}


def link_meta(account: Account, rules: Rules, a: LinkKey, b: LinkKey) -> Any:
    """Link metadata as amoCRM renders it (``{"main_contact": ...}`` on a main-flag link)."""
    owner, target = _oriented(rules, a, b)
    if target[0] == rules.get(owner[0], NO_RULES).main:
        return {"main_contact": _main_of(account.links.get(owner, {}).get(target))}
    meta = account.links.get(a, {}).get(b)
    return dict(meta) if meta else None


def link_json(account: Account, rules: Rules, a: LinkKey, b: LinkKey) -> dict[str, Any]:
    return {
        "entity_id": a[1],
        "entity_type": a[0],
        "to_entity_id": b[1],
        "to_entity_type": b[0],
        "metadata": link_meta(account, rules, a, b),
    }
