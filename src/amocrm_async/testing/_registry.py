"""The registry: one place that turns the list of resources into the fake's API.

From the registered descriptors it builds the route table, the id counters, the stores and
reference data of a new account, ``fake.seed(**counts)``, the entity lookups behind
``fake.entities()`` / ``fake.entity()`` / ``fake.count()``, and the counts of ``GET /_fake``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping, Sequence

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import crud_routes, link_routes
from amocrm_async.testing._http import BadBody, FakeResponse, problem
from amocrm_async.testing._resource import EntityResource, Handler, Resource, SeedCtx
from amocrm_async.testing._state import Account, IdAllocator

__all__ = ["Registry", "SeedResult"]


class SeedResult:
    """Ids created by :meth:`FakeAmoCRM.seed`, per entity type: ``result.leads``,
    ``result.tasks`` (or ``result["tasks"]``); a type that was not seeded has ``[]``."""

    def __init__(self, ids: Mapping[str, list[int]]) -> None:
        self._ids = dict(ids)

    def __getattr__(self, name: str) -> list[int]:
        if name.startswith("_"):
            raise AttributeError(name)
        try:
            return self._ids[name]
        except KeyError:
            raise AttributeError(f"SeedResult has no entity type {name!r}") from None

    def __getitem__(self, name: str) -> list[int]:
        return self._ids[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._ids)

    def as_dict(self) -> dict[str, list[int]]:
        return {name: list(ids) for name, ids in self._ids.items()}

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SeedResult) and other._ids == self._ids

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(ids)}" for name, ids in self._ids.items())
        return f"SeedResult({counts})"


class Registry:
    """The registered resources and everything derived from them."""

    def __init__(self, resources: Sequence[Resource]) -> None:
        names = [r.name for r in resources]
        if len(set(names)) != len(names):
            raise ValueError(f"resource names must be unique: {names}")
        self.resources = tuple(resources)
        self.entities: dict[str, EntityResource] = {
            r.name: r for r in resources if isinstance(r, EntityResource)
        }
        self.link_rules = {name: r.links for name, r in self.entities.items()}
        self._bases: dict[str, int] = {}
        for resource in resources:
            for kind, base in resource.counters().items():
                if kind in self._bases:
                    raise ValueError(f"id counter {kind!r} is declared twice")
                self._bases[kind] = base
        self._stores = [store for r in resources for store in r.store_names()]
        self._routes = self._route_table()

    def _route_table(self) -> list[tuple[re.Pattern[str], dict[str, Handler]]]:
        table: dict[str, dict[str, Handler]] = {}
        for resource in self.resources:
            routes = resource.routes(self.resources)
            if isinstance(resource, EntityResource):
                # own routes last: they replace a generic handler of the same path and method
                routes = [*crud_routes(resource), *link_routes(resource), *routes]
            for pattern, methods in routes:
                table.setdefault(pattern, {}).update(methods)
        return [(re.compile(pattern), methods) for pattern, methods in table.items()]

    # -- accounts --------------------------------------------------------------------------

    def new_ids(self) -> IdAllocator:
        return IdAllocator(self._bases)

    def new_account(
        self, ids: IdAllocator, subdomain: str, tld: str, now: int, name: str | None
    ) -> Account:
        """A fresh account with every resource's reference data (users, pipelines, fields...)."""
        account = Account(
            ids.next("accounts"),
            subdomain,
            tld,
            name or subdomain.capitalize(),
            now - 400 * 86_400,
            self._stores,
        )
        for resource in self.resources:
            resource.setup(account, ids)
        return account

    # -- requests --------------------------------------------------------------------------

    def dispatch(self, call: Call) -> FakeResponse:
        req = call.req
        for pattern, methods in self._routes:
            match = pattern.fullmatch(req.path)
            if match is None:
                continue
            handler = methods.get(req.method)
            if handler is None:
                return problem(405, f"Method {req.method} is not allowed for {req.path}")
            try:
                return handler(call, *match.groups())
            except BadBody as exc:
                return exc.response
        return problem(404, f"Cannot {req.method} {req.path}")

    # -- data ------------------------------------------------------------------------------

    def entity(self, name: str) -> EntityResource:
        try:
            return self.entities[name]
        except KeyError:
            known = ", ".join(self.entities)
            raise KeyError(f"no entity type {name!r} (known: {known})") from None

    def seed(
        self,
        account: Account,
        ids: IdAllocator,
        rng: random.Random,
        now: int,
        counts: Mapping[str, int],
    ) -> SeedResult:
        """Seed entity types in registration order (so tasks find the leads seeded with them)."""
        unknown = sorted(set(counts) - set(self.entities))
        if unknown:
            raise TypeError(f"seed() got unknown entity types: {', '.join(unknown)}")
        ctx = SeedCtx(account, ids, rng, now)
        created = {
            name: resource.seed(ctx, counts[name]) if counts.get(name, 0) > 0 else []
            for name, resource in self.entities.items()
        }
        account.touch()
        return SeedResult(created)

    def counts(self, account: Account) -> dict[str, int]:
        """Entities per type that are not in the trash."""
        return {
            name: sum(1 for e in resource.store(account).values() if not e.deleted)
            for name, resource in self.entities.items()
        }
