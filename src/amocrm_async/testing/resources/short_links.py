"""Short links: ``POST /api/v4/short_links`` — shorten URLs tied to a contact.

Each item is ``{url, metadata: {entity_id, entity_type}}``; the answer lists the short links in
request order (amoCRM echoes no ``request_id`` here), each with its short ``url`` on the
account's host. There is no way to read or change them afterwards.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import not_allowed, record_writes, validate_batch
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._issues import not_expected, required
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Entity
from amocrm_async.testing._writes import Changes, Draft
from amocrm_async.testing.resources._seeding import live_ids

__all__ = ["ENTITY_TYPES", "RESOURCE", "ShortLinks"]

ENTITY_TYPES = ("contacts",)


def _url(draft: Draft, key: str, value: Any) -> None:
    if not isinstance(value, str):
        draft.invalid(key, "string")
    elif not value.startswith(("https://", "http://")) or len(value) < 11:
        draft.unsupported(key)
    else:
        draft.changes.fields[key] = value


def _metadata(draft: Draft, key: str, value: Any) -> None:
    """``{entity_id, entity_type}`` of a live entity."""
    if not isinstance(value, dict):
        draft.invalid(key, "object")
        return
    draft.issues.extend(
        not_expected(draft.path(f"{key}.{k}"))
        for k in value
        if k not in ("entity_id", "entity_type")
    )
    entity_type, entity_id = value.get("entity_type"), value.get("entity_id")
    if entity_type not in ENTITY_TYPES:
        draft.unsupported(f"{key}.entity_type")
    elif not isinstance(entity_id, int) or isinstance(entity_id, bool):
        draft.invalid(f"{key}.entity_id", "int")
    else:
        target = draft.call.account.stores[str(entity_type)].get(entity_id)
        if target is None or target.deleted:
            draft.unsupported(f"{key}.entity_id")
        else:
            draft.changes.fields[key] = {"entity_id": entity_id, "entity_type": entity_type}


class ShortLinks(EntityResource):
    name = "short_links"
    path = "/api/v4/short_links"
    id_base = 71_000_001
    rules = {"url": _url, "metadata": _metadata}

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"GET": not_allowed, "POST": self.add, "PATCH": not_allowed}),
            (rf"{self.path}/(\d+)", {"GET": not_allowed, "PATCH": not_allowed}),
        ]

    def check(self, draft: Draft) -> None:
        draft.issues.extend(
            required(draft.path(key)) for key in ("url", "metadata") if key not in draft.item
        )

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        return {
            "id": entity_id,
            "url": f"{call.base}/s/{entity_id:x}",
            "original_url": changes.fields["url"],
            "metadata": changes.fields["metadata"],
            "account_id": call.account.id,
            "created_at": call.now,
        }

    def render_link(self, entity: Entity) -> dict[str, Any]:
        data = entity.data
        return {
            "url": data["url"],
            "metadata": dict(data["metadata"]),
            "account_id": data["account_id"],
        }

    def add(self, call: Call) -> FakeResponse:
        changes, error = validate_batch(self, call, call.req.json_array(), "create", self.max_batch)
        if error is not None:
            return error
        links = [self.render_link(self.create(call, change)) for change in changes]
        record_writes(call, call.stats.entities_created, self.name, len(links))
        return json_response(200, {"_total_items": len(links), "_embedded": {self.name: links}})

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """Short links of seeded contacts (none without contacts)."""
        contacts = live_ids(ctx.account, "contacts")
        created: list[int] = []
        for n in range(count if contacts else 0):
            link_id = ctx.ids.next(self.name)
            self.store(ctx.account)[link_id] = Entity(
                link_id,
                {
                    "id": link_id,
                    "url": f"https://{ctx.account.base_domain}/s/{link_id:x}",
                    "original_url": f"https://example.com/offer/{n}",
                    "metadata": {
                        "entity_id": contacts[n % len(contacts)],
                        "entity_type": "contacts",
                    },
                    "account_id": ctx.account.id,
                    "created_at": ctx.now,
                },
            )
            created.append(link_id)
        return created


RESOURCE = ShortLinks()
