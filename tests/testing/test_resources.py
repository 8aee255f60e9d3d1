"""The resource descriptors and the registry: what adding a resource takes, and the layout."""

from __future__ import annotations

import ast
import random
from pathlib import Path
from typing import Any

import pytest

import amocrm_async.testing
from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, Request
from amocrm_async.testing._registry import Registry
from amocrm_async.testing._resource import EntityResource, SeedCtx
from amocrm_async.testing._state import Entity
from amocrm_async.testing._stats import FakeStats
from amocrm_async.testing._writes import Changes, audit_fields, string
from amocrm_async.testing.resources import RESOURCES


class Memos(EntityResource):
    """A resource as small as they come: one descriptor, nothing else."""

    name = "memos"
    path = "/api/v4/memos"
    id_base = 70_000_001
    rules = {"text": string}

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        return {"id": entity_id, "text": changes.fields.get("text", ""), **audit_fields(call, {})}

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        store = self.store(ctx.account)
        for _ in range(count):
            memo_id = ctx.ids.next(self.name)
            store[memo_id] = Entity(memo_id, {"id": memo_id, "text": "seeded", "updated_at": 0})
        return list(store)[-count:]


def test_a_registered_descriptor_gets_the_generic_crud_and_seeding() -> None:
    registry = Registry((*RESOURCES, Memos()))
    ids = registry.new_ids()
    account = registry.new_account(ids, "acme", "amocrm.ru", 1_700_000_000, None)
    user = next(iter(account.stores["users"]))

    def call(method: str, path: str, body: bytes = b"") -> FakeResponse:
        req = Request(method, f"https://acme.amocrm.ru{path}", {}, body, "request-id")
        return registry.dispatch(
            Call(req, account, user, 1_700_000_000, ids, FakeStats(), registry.link_rules)
        )

    created = call("POST", "/api/v4/memos", b'[{"text": "hello"}, {"text": 5}]')
    assert created.status == 400
    assert created.json()["validation-errors"][0]["errors"][0]["path"] == "text"
    created = call("POST", "/api/v4/memos", b'[{"text": "hello", "request_id": "n1"}]')
    [item] = created.json()["_embedded"]["memos"]
    assert item["request_id"] == "n1"
    one = call("GET", f"/api/v4/memos/{item['id']}").json()
    assert one["text"] == "hello"
    assert one["_links"]["self"]["href"] == f"https://acme.amocrm.ru/api/v4/memos/{item['id']}"
    assert call("PATCH", f"/api/v4/memos/{item['id']}", b'{"text": "bye"}').status == 200
    assert call("GET", "/api/v4/memos").json()["_embedded"]["memos"][0]["text"] == "bye"
    assert call("GET", "/api/v4/memos?page=2").status == 204

    seeded = registry.seed(account, ids, random.Random(0), 0, {"memos": 3})
    assert len(seeded.memos) == 3
    assert registry.counts(account)["memos"] == 4


def test_resource_names_and_counters_are_unique() -> None:
    registry = Registry(RESOURCES)
    assert set(registry.entities) == {
        *("leads", "contacts", "companies", "tasks", "notes"),
        *("customers", "customer_statuses", "segments", "transactions"),
        *("unsorted", "events", "catalogs", "elements"),
        *("users", "roles"),
        *("pipelines", "loss_reasons", "sources"),
        *("calls", "short_links", "talks", "website_buttons", "chat_templates"),
    }
    with pytest.raises(ValueError, match="unique"):
        Registry((*RESOURCES, Memos(), Memos()))


def _imports(package: Path) -> dict[str, set[str]]:
    """Module → the ``amocrm_async.testing`` modules it imports (TYPE_CHECKING ones too)."""
    modules = {
        ".".join(path.relative_to(package.parent.parent).with_suffix("").parts).removesuffix(
            ".__init__"
        ): path
        for path in package.rglob("*.py")
    }
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in modules:
                graph[name].add(node.module)
                graph[name].update(
                    f"{node.module}.{alias.name}"
                    for alias in node.names
                    if f"{node.module}.{alias.name}" in modules
                )
    return graph


def test_no_import_cycles_in_the_fake() -> None:
    package = Path(amocrm_async.testing.__file__).parent
    graph = _imports(package)
    done: set[str] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in trail:
            raise AssertionError(f"import cycle: {' -> '.join((*trail, name))}")
        if name in done:
            return
        for target in graph[name]:
            if not name.startswith(target):  # a module's own package is not a cycle
                visit(target, (*trail, name))
        done.add(name)

    for name in graph:
        visit(name, ())
    for adapter in ("_asgi", "_transport", "_registry", "_crud"):
        assert "amocrm_async.testing._fake" not in graph[f"amocrm_async.testing.{adapter}"]
