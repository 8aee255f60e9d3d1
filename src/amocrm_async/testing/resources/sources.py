"""Sources of the integration: ``/api/v4/sources[/{id}]`` — list (unpaged, ``filter[external_id]``,
204 when there are none), get one, create and update in batches or one at a time, delete in a
batch (``DELETE`` with ``[{"id": …}]``) or one at a time.

A source needs a ``name`` and an ``external_id`` unique among live sources; ``pipeline_id``
(default: the main pipeline) must be a pipeline of the account; ``services`` are WhatsApp
pages. At most 50 sources are live at once. Only one source is the ``default``: making one the
default unsets the previous one, and deleting the default leaves none. Re-creating a deleted
``external_id`` answers the old id, as amoCRM documents. A lead created with
``_embedded.source.external_id`` is linked to that source (created on the fly if unknown).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import delete_many, delete_one
from amocrm_async.testing._issues import not_expected, not_supported, required
from amocrm_async.testing._listing import Predicate
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import Changes, Draft, boolean, member_of, string
from amocrm_async.testing.resources.pipelines import main_pipeline, pipelines_of

__all__ = ["MAX_SOURCES", "RESOURCE", "Sources", "lead_source", "source_for_external_id"]

MAX_SOURCES = 50
_KEYS = ("id", "name", "pipeline_id", "external_id", "default", "origin_code", "services")
_PAGE_KEYS = frozenset({"id", "name", "link"})
_PARAM_KEYS = frozenset({"waba", "is_supports_list_message"})


def _service(draft: Draft, path: str, item: object) -> bool:
    if not isinstance(item, dict):
        draft.invalid(path, "object")
        return False
    ok = True
    for key in sorted(item.keys() - {"type", "pages", "params"}):
        draft.issues.append(not_expected(draft.path(f"{path}.{key}")))
        ok = False
    if item.get("type") != "whatsapp":
        draft.unsupported(f"{path}.type")
        ok = False
    pages, params = item.get("pages", []), item.get("params", {})
    if not isinstance(pages, list) or not all(
        isinstance(page, dict) and page.keys() <= _PAGE_KEYS for page in pages
    ):
        draft.invalid(f"{path}.pages", "array")
        ok = False
    if not isinstance(params, dict) or not all(
        key in _PARAM_KEYS and isinstance(value, bool) for key, value in params.items()
    ):
        draft.invalid(f"{path}.params", "object")
        ok = False
    return ok


def _services(draft: Draft, key: str, value: Any) -> None:
    """``[{type: "whatsapp", pages: [{id, name, link}], params: {waba, …}}]``."""
    if not isinstance(value, list):
        draft.invalid(key, "array")
    elif all([_service(draft, f"{key}.{index}", item) for index, item in enumerate(value)]):
        draft.changes.fields[key] = value


def _external_ids(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    wanted = {str(value) for value in as_list(condition) if str(value)}
    return (lambda source: source.data["external_id"] in wanted) if wanted else None


def lead_source(account: Account, source_id: int) -> dict[str, Any]:
    """``_embedded.source`` of a lead (``with=source``)."""
    data = RESOURCE.store(account)[source_id].data
    return {"id": source_id, "name": data["name"], "external_id": data["external_id"]}


def source_for_external_id(call: Call, external_id: str) -> int:
    """The id of the live source with ``external_id``, created if there is none."""
    store = RESOURCE.store(call.account)
    found = next((s for s in store.values() if RESOURCE.matches(s, external_id)), None)
    if found is not None:
        return found.id
    source_id = call.ids.next(RESOURCE.name)
    data = RESOURCE.data(call.account, source_id, external_id, external_id)
    store[source_id] = Entity(source_id, data)
    return source_id


class Sources(EntityResource):
    name = "sources"
    path = "/api/v4/sources"
    id_base = 6_000_001
    paged = False
    answers_in_full = True
    read_only = frozenset({"id", "_links"})
    rules = {
        "name": string,
        "external_id": string,
        "default": boolean,
        "origin_code": string,
        "pipeline_id": member_of(pipelines_of),
        "services": _services,
    }
    filters = {"external_id": _external_ids}
    sortable = ("id",)
    rendered = _KEYS
    max_live = MAX_SOURCES

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"DELETE": partial(delete_many, self)}),
            (rf"{self.path}/(\d+)", {"DELETE": partial(delete_one, self)}),
        ]

    @staticmethod
    def matches(source: Entity, external_id: str) -> bool:
        return not source.deleted and source.data["external_id"] == external_id

    def data(self, account: Account, source_id: int, name: str, external_id: str) -> dict[str, Any]:
        return {
            "id": source_id,
            "name": name,
            "pipeline_id": main_pipeline(account).id,
            "external_id": external_id,
            "default": False,
            "origin_code": None,
            "services": [],
            "is_deleted": False,
        }

    def check(self, draft: Draft) -> None:
        if draft.mode == "create":
            draft.issues.extend(
                required(draft.path(key))
                for key in ("name", "external_id")
                if key not in draft.item
            )
        external_id = draft.changes.fields.get("external_id")
        if external_id is not None and any(
            self.matches(source, external_id) and source.id != draft.changes.entity_id
            for source in self.store(draft.call.account).values()
        ):
            draft.issues.append(not_supported(draft.path("external_id")))

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        data = self.data(call.account, entity_id, fields["name"], fields["external_id"])
        data.update({key: fields[key] for key in _KEYS if key in fields})
        return data

    def create(self, call: Call, changes: Changes) -> Entity:
        """A deleted source's ``external_id`` brings the old source (and id) back."""
        external_id = changes.fields["external_id"]
        store = self.store(call.account)
        old = next(
            (s for s in store.values() if s.deleted and s.data["external_id"] == external_id),
            None,
        )
        if old is None:
            return super().create(call, changes)
        old.data = self.new_data(call, changes, old.id)
        self.after_write(call, old, changes)
        return old

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        """The new default unsets the previous one."""
        if changes.fields.get("default"):
            for other in self.store(call.account).values():
                if other.id != entity.id:
                    other.data["default"] = False

    def trash(self, account: Account, entity: Entity, now: int) -> None:
        entity.data.update(is_deleted=True, default=False)

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        store, created = self.store(ctx.account), []
        if sum(1 for source in store.values() if not source.deleted) + count > MAX_SOURCES:
            raise ValueError(f"seed: an integration has at most {MAX_SOURCES} sources")
        for n in range(1, count + 1):
            source_id = ctx.ids.next(self.name)
            data = self.data(ctx.account, source_id, f"Источник {n}", f"seed-{source_id}")
            store[source_id] = Entity(source_id, data)
            created.append(source_id)
        return created


RESOURCE = Sources()
