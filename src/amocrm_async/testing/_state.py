"""In-memory state of fake accounts: id counters, stored entities and the account container.

The account knows no resource by name: every resource keeps its objects in
``account.stores[<store name>]`` (created from the registry's list of stores), and the shared
mechanisms — custom-field definitions, tags, links — are keyed by entity type.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from amocrm_async.testing._fields import FieldDef

__all__ = ["ACCOUNTS", "Account", "Entity", "IdAllocator", "LinkKey", "WriteObserver"]

ACCOUNTS = "accounts"
"""The id counter of accounts themselves (the only counter the core owns)."""
ACCOUNT_ID_BASE = 29_000_001


class IdAllocator:
    """Deterministic id counters, one per kind of object, shared by all accounts."""

    def __init__(self, bases: Mapping[str, int]) -> None:
        self._counters: dict[str, Iterator[int]] = {
            kind: itertools.count(start)
            for kind, start in {ACCOUNTS: ACCOUNT_ID_BASE, **bases}.items()
        }

    def next(self, kind: str) -> int:
        return next(self._counters[kind])


class Entity:
    """One stored entity (a lead, a contact, a task, ...).

    ``data`` holds the scalar wire fields in wire order; custom-field values live in ``cf``
    (field id → list of wire value dicts), tags in ``tags`` (shared wire dicts), and ``hidden``
    keeps what a resource stores but renders only on request (``with=``).
    """

    __slots__ = ("cf", "data", "hidden", "id", "tags")

    def __init__(
        self,
        entity_id: int,
        data: dict[str, Any],
        cf: dict[int, list[dict[str, Any]]] | None = None,
        tags: list[dict[str, Any]] | None = None,
    ) -> None:
        self.id = entity_id
        self.data = data
        self.cf: dict[int, list[dict[str, Any]]] = cf if cf is not None else {}
        self.tags: list[dict[str, Any]] = tags if tags is not None else []
        self.hidden: dict[str, Any] | None = None

    @property
    def deleted(self) -> bool:
        return bool(self.data.get("is_deleted"))


LinkKey = tuple[str, int]
"""``(entity_type, id)`` of one end of a link."""

WriteObserver = Callable[[Any, str, Entity, "dict[str, Any] | None"], None]
"""``observe(call, entity_type, entity, before)``: told of every entity written through the API;
``before`` holds the previous values of the fields an update changed (None for a create)."""


class Account:
    """One amoCRM account (a subdomain) with everything that lives in it."""

    def __init__(
        self,
        account_id: int,
        subdomain: str,
        tld: str,
        name: str,
        created_at: int,
        stores: Iterable[str],
    ) -> None:
        self.id = account_id
        self.subdomain = subdomain
        self.tld = tld
        self.name = name
        self.created_at = created_at
        self.stores: dict[str, dict[int, Any]] = {store: {} for store in stores}
        self.fields: defaultdict[str, dict[int, FieldDef]] = defaultdict(dict)
        self.fields_by_code: defaultdict[str, dict[str, FieldDef]] = defaultdict(dict)
        self.tags: defaultdict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
        self.tags_by_id: defaultdict[str, dict[int, dict[str, Any]]] = defaultdict(dict)
        # (entity_type, id) -> {(to_type, to_id): metadata}
        self.links: dict[LinkKey, dict[LinkKey, dict[str, Any] | None]] = {}
        self.blocked = False
        self.query_cache: dict[str, list[Entity]] = {}
        self.observers: list[WriteObserver] = []

    @property
    def base_domain(self) -> str:
        return f"{self.subdomain}.{self.tld}"

    def touch(self) -> None:
        """Invalidate cached list queries after a write."""
        if self.query_cache:
            self.query_cache.clear()

    def link(
        self,
        a: LinkKey,
        b: LinkKey,
        meta_ab: dict[str, Any] | None = None,
        meta_ba: dict[str, Any] | None = None,
    ) -> None:
        self.links.setdefault(a, {})[b] = meta_ab
        self.links.setdefault(b, {})[a] = meta_ba

    def unlink(self, a: LinkKey, b: LinkKey) -> None:
        self.links.get(a, {}).pop(b, None)
        self.links.get(b, {}).pop(a, None)

    def linked(
        self, entity_type: str, entity_id: int, to_type: str
    ) -> list[tuple[int, dict[str, Any] | None]]:
        targets = self.links.get((entity_type, entity_id))
        if not targets:
            return []
        return [(tid, meta) for (ttype, tid), meta in targets.items() if ttype == to_type]
