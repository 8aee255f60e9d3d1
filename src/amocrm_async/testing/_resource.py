"""Resource descriptors: what one resource of the fake declares, and the hooks it may override.

A resource file (``resources/<name>.py``) subclasses :class:`Resource` (its own routes),
:class:`ReferenceResource` (read-only reference data such as users or pipelines: a list and a
get-by-id route) or :class:`EntityResource` (a CRUD entity: the generic
handlers of :mod:`._crud` serve its list/get/add/update routes, and its link routes when it
declares ``link_targets``). The registry (:mod:`._registry`) collects the instances of
``resources.RESOURCES`` and builds everything else from them.
"""

from __future__ import annotations

import abc
import json
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Generic, TypeVar, cast

from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import FieldSpec, add_fields
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._issues import invalid_type, is_int, not_expected, required
from amocrm_async.testing._links import NO_RULES, LinkRules
from amocrm_async.testing._listing import (
    NOTHING,
    FilterBuilder,
    Predicate,
    collection,
    filters_of,
    ids,
    paged,
    range_predicate,
)
from amocrm_async.testing._state import Account, Entity, IdAllocator
from amocrm_async.testing._writes import Changes, Draft, Mode, Rule, audit_fields

__all__ = ["EntityResource", "Handler", "ReferenceResource", "Resource", "Route", "SeedCtx"]

T = TypeVar("T")

Handler = Callable[..., FakeResponse]
"""``handler(call, *path_groups)``."""
Route = tuple[str, Mapping[str, Handler]]
"""``(path regex, {method: handler})``."""

_IDENTITY = frozenset({"id", "request_id"})
_QUERY_CACHE_SIZE = 32


@dataclass(slots=True)
class SeedCtx:
    """What seeding writes with: straight into the stores, no requests, no stats."""

    account: Account
    ids: IdAllocator
    rng: random.Random
    now: int


class Resource:
    """One resource of the fake: its name, id counters, stores, routes and account setup."""

    name: ClassVar[str]
    """The plural name: the ``_embedded`` key, the store, the keyword of ``fake.seed()``."""
    path: ClassVar[str]
    """``/api/v4/...`` of the collection."""
    id_bases: ClassVar[Mapping[str, int]] = {}
    """First id of every id counter the resource owns (e.g. ``{"users": 9_000_001}``)."""
    stores: ClassVar[tuple[str, ...]] = ()
    """More ``account.stores`` the resource owns (entity and reference resources own ``name``)."""

    def counters(self) -> Mapping[str, int]:
        return self.id_bases

    def store_names(self) -> tuple[str, ...]:
        return self.stores

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        """Routes of its own; ``peers`` are all registered resources."""
        return []

    def setup(self, account: Account, ids: IdAllocator) -> None:
        """Create the reference data a fresh account starts with (nothing by default)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path}>"


class ReferenceResource(Resource, abc.ABC, Generic[T]):
    """Read-only reference data kept in ``account.stores[name]``: a list and a get-by-id route."""

    paged: ClassVar[bool] = False
    """Whether the list comes in pages with ``_total_items`` (users) or whole (pipelines)."""

    def store_names(self) -> tuple[str, ...]:
        return (self.name, *self.stores)

    def items(self, account: Account) -> dict[int, T]:
        return cast("dict[int, T]", account.stores[self.name])

    @abc.abstractmethod
    def render(self, item: T, account: Account, base: str) -> dict[str, Any]:
        """Wire JSON of one item."""

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [(self.path, {"GET": self.list}), (rf"{self.path}/(\d+)", {"GET": self.one})]

    def list(self, call: Call) -> FakeResponse:
        account, base = call.account, call.base
        rows = list(self.items(account).values())
        if self.paged:
            return paged(
                call.req, self.name, rows, lambda i: self.render(i, account, base), total=True
            )
        return collection(call.req, self.name, [self.render(i, account, base) for i in rows])

    def one(self, call: Call, item_id: str) -> FakeResponse:
        item = self.items(call.account).get(int(item_id))
        if item is None:
            return call.missing()
        return json_response(200, self.render(item, call.account, call.base))


class EntityResource(Resource, abc.ABC):
    """A CRUD entity: stored :class:`Entity` objects served by the generic handlers."""

    id_base: ClassVar[int]
    embedded_key: ClassVar[str | None] = None
    """The ``_embedded`` key of its lists and write answers, when it is not ``name``."""
    rules: ClassVar[Mapping[str, Rule]]
    """Writable keys → validation rule."""
    read_only: ClassVar[frozenset[str]] = frozenset({"id", "_links"})
    """Keys a write may carry and that are ignored (anything else unknown is rejected)."""
    with_allowed: ClassVar[frozenset[str]] = frozenset()
    filters: ClassVar[Mapping[str, FilterBuilder]] = {"id": ids}
    """``filter[<name>]`` → predicate builder; other filters are ignored, as amoCRM does."""
    sortable: ClassVar[tuple[str, ...]] = ("created_at", "updated_at", "id")
    """Keys of ``order[...]``."""
    link_targets: ClassVar[frozenset[str]] = frozenset()
    """``to_entity_type`` values of the link endpoints (none: no link routes)."""
    links: ClassVar[LinkRules] = NO_RULES
    custom_field_specs: ClassVar[tuple[FieldSpec, ...]] = ()
    """Custom fields a fresh account has on this entity (none: no custom-field routes)."""
    tagged: ClassVar[bool] = False
    """Whether the entity has tags (and a ``/tags`` list route)."""
    max_batch: ClassVar[int] = 250
    update_echoes_request_id: ClassVar[bool] = False
    """Whether PATCH answers carry ``request_id`` per item (tasks do, leads do not)."""
    paged: ClassVar[bool] = True
    """Whether lists come in pages (leads) or whole with ``_total_items`` (pipelines, sources)."""
    answers_in_full: ClassVar[bool] = False
    """Whether write answers carry each whole entity (pipelines, sources) or only its id."""
    rendered: ClassVar[tuple[str, ...]] = ()
    """The keys of ``data`` a read answers, in order (none: all of them)."""
    max_live: ClassVar[int | None] = None
    """How many live entities an account may hold (a ``POST`` past it answers 400)."""

    @property
    def key(self) -> str:
        """The ``_embedded`` key of the entity's lists and write answers."""
        return self.embedded_key or self.name

    def counters(self) -> Mapping[str, int]:
        return {self.name: self.id_base, **self.id_bases}

    def store_names(self) -> tuple[str, ...]:
        return (self.name, *self.stores)

    def setup(self, account: Account, ids: IdAllocator) -> None:
        """Create the entity's custom-field definitions in a fresh account."""
        if self.custom_field_specs:
            definitions, by_code = account.fields[self.name], account.fields_by_code[self.name]
            add_fields(definitions, by_code, self.name, self.custom_field_specs, ids.next)

    def store(self, account: Account) -> dict[int, Entity]:
        return cast("dict[int, Entity]", account.stores[self.name])

    def live(self, account: Account, entity_id: int) -> Entity | None:
        """The stored entity unless it is missing or in the trash."""
        entity = account.stores[self.name].get(entity_id)
        return None if entity is None or entity.deleted else cast("Entity", entity)

    # -- validation ------------------------------------------------------------------------

    def rules_for(self, mode: Mode) -> Mapping[str, Rule]:
        return self.rules

    def validate(self, call: Call, item: object, index: int, mode: Mode, prefix: str = "") -> Draft:
        """Validate one item of a write; the draft's ``changes`` apply when it has no issues."""
        draft = Draft(call, self.name, {}, mode, prefix, Changes(str(index)))
        if not isinstance(item, dict):
            draft.issues.append(invalid_type(prefix.rstrip(".") or "0", "object"))
            return draft
        draft.item = item
        self._request_id(draft)
        if mode == "update" or (mode == "nested" and item.get("id") is not None):
            found = self._existing(draft)
            if found and mode == "nested":
                return draft  # an existing entity is linked as it is
        rules = self.rules_for(mode)
        for key, value in item.items():
            if key in _IDENTITY:
                continue
            rule = rules.get(key)
            if rule is not None:
                rule(draft, key, value)
            elif key not in self.read_only:
                draft.issues.append(not_expected(draft.path(key)))
        self.check(draft)
        return draft

    def check(self, draft: Draft) -> None:
        """Cross-field checks after every key passed its rule (none by default)."""

    def _request_id(self, draft: Draft) -> None:
        raw = draft.item.get("request_id")
        if raw is None:
            return
        if isinstance(raw, str) or is_int(raw):
            draft.changes.request_id = str(raw)
        else:
            draft.invalid("request_id", "string")

    def _existing(self, draft: Draft) -> bool:
        entity_id = draft.item.get("id")
        if entity_id is None:
            draft.issues.append(required(draft.path("id")))
            return False
        if not is_int(entity_id):
            draft.invalid("id", "int")
            return False
        current = self.live(draft.call.account, entity_id)
        if current is None:
            draft.unsupported("id")
            return False
        draft.changes.entity_id = entity_id
        draft.current = current
        return True

    # -- applying writes -------------------------------------------------------------------

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        """The wire fields of a new entity, in wire order: its id, who made it and when, then
        the validated fields as sent (resources with defaults or derived fields override it)."""
        fields = changes.fields
        return {"id": entity_id, **audit_fields(call, fields), **fields}

    def create(self, call: Call, changes: Changes) -> Entity:
        entity_id = call.ids.next(self.name)
        entity = Entity(entity_id, self.new_data(call, changes, entity_id))
        self.store(call.account)[entity_id] = entity
        self.after_write(call, entity, changes)
        self.notify(call, entity, None)
        return entity

    def update(self, call: Call, changes: Changes) -> Entity:
        assert changes.entity_id is not None
        entity = self.store(call.account)[changes.entity_id]
        fields = dict(changes.fields)
        before = {key: entity.data.get(key) for key in fields}
        self.before_update(call, entity, fields)
        entity.data.update(fields)
        entity.data["updated_at"] = fields.get("updated_at", call.now)
        entity.data["updated_by"] = fields.get("updated_by", call.user_id)
        self.after_write(call, entity, changes)
        self.notify(call, entity, before)
        return entity

    def notify(self, call: Call, entity: Entity, before: dict[str, Any] | None) -> None:
        """Tell the account's write observers (the events journal) of a written entity."""
        for observe in call.account.observers:
            observe(call, self.name, entity, before)

    def before_update(self, call: Call, entity: Entity, fields: dict[str, Any]) -> None:
        """Adjust the fields a PATCH stores (derived fields; nothing by default)."""

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        """Apply what is not a scalar field (custom fields, tags, links; nothing by default)."""

    def before_delete(self, call: Call, entity: Entity) -> FakeResponse | None:
        """The answer refusing a ``DELETE`` of ``entity`` (None: it may be deleted)."""
        return None

    def trash(self, account: Account, entity: Entity, now: int) -> None:
        """``fake.delete_entities``: entities without a trash are deleted for good."""
        self.store(account).pop(entity.id, None)

    # -- reading ---------------------------------------------------------------------------

    def parse_with(self, raw: object) -> frozenset[str]:
        """The ``with=`` values this entity knows (others are dropped, as amoCRM does)."""
        if not isinstance(raw, str) or not raw:
            return frozenset()
        return frozenset(p.strip() for p in raw.split(",") if p.strip() in self.with_allowed)

    def render(
        self, account: Account, entity: Entity, base: str, with_: frozenset[str]
    ) -> dict[str, Any]:
        """Wire JSON of one entity, as ``GET`` answers it."""
        return self.renderer(account, base, with_)(entity)

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        """Render entities for one request (what ``with=`` asks for is worked out once)."""
        href = f"{base}{self.path}/"
        keys = self.rendered

        def render(entity: Entity) -> dict[str, Any]:
            data = entity.data
            out = {key: data[key] for key in keys} if keys else dict(data)
            out["_links"] = {"self": {"href": f"{href}{entity.id}"}}
            return out

        return render

    def search(self, account: Account, text: str) -> Predicate | None:
        """The predicate of ``query=`` (None: this entity has no search)."""
        return None

    def _predicates(self, account: Account, query: Mapping[str, Any]) -> list[Predicate]:
        filters = filters_of(query)
        predicates = []
        for key, condition in filters.items():
            builder = self.filters.get(key)
            predicate = builder(account, condition, filters) if builder is not None else None
            if predicate is not None:
                predicates.append(predicate)
        text = query.get("query")
        if isinstance(text, str) and text.strip():
            predicate = self.search(account, text)
            if predicate is not None:
                predicates.append(predicate)
        return predicates

    def _sorted(self, rows: list[Entity], order: object) -> None:
        if not isinstance(order, dict):
            return
        for key in order:
            if key in self.sortable:
                descending = str(order[key]).lower() == "desc"
                if key == "id":
                    rows.sort(key=lambda entity: entity.id, reverse=descending)
                else:
                    rows.sort(key=lambda e: (e.data.get(key) or 0, e.id), reverse=descending)
                return

    def select(
        self,
        account: Account,
        query: Mapping[str, Any],
        with_: frozenset[str],
        modified_since: int | None,
    ) -> list[Entity]:
        """All entities matching a list query, in response order (cached until the next write)."""
        only_deleted = "only_deleted" in with_
        cache_key = json.dumps(
            [
                self.name,
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
        predicates = self._predicates(account, query)
        if modified_since is not None:
            predicates.append(range_predicate("updated_at", {"from": modified_since}))
        store = self.store(account).values()
        rows: list[Entity]
        if NOTHING in predicates:
            rows = []
        elif predicates:
            rows = [e for e in store if e.deleted == only_deleted and all(p(e) for p in predicates)]
        else:
            rows = [e for e in store if e.deleted == only_deleted]
        self._sorted(rows, query.get("order"))
        if len(account.query_cache) > _QUERY_CACHE_SIZE:
            account.query_cache.clear()
        account.query_cache[cache_key] = rows
        return rows

    # -- seeding ---------------------------------------------------------------------------

    @abc.abstractmethod
    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """Create ``count`` realistic entities straight in the store; return their ids."""
