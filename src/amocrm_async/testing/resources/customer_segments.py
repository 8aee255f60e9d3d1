"""Customer segments: ``/api/v4/customers/segments`` — list, get one, create one (the body is
the segment object itself), update one, delete one, and the custom-field definitions of
segments (``/api/v4/customers/segments/custom_fields``: list, get, create, update, delete, as
for any entity); segments themselves in segments mode only (422 otherwise).

A segment has a ``name`` (required), a ``color`` from amoCRM's segment palette (anything else
is ``NotSupportedChoice``; the PHP library would have replaced it), custom-field values and
``available_products_price_types``; ``customers_count`` counts the customers in it. Every
account starts with three segments. amoCRM has no batch create or update of segments, so
``POST`` of an array and ``PATCH`` of the list are refused.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import crud_routes, not_allowed, record_writes
from amocrm_async.testing._fields import FieldSpec, add_fields, render_values
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import is_int, required, validation_failed
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity, IdAllocator
from amocrm_async.testing._writes import Changes, Draft, custom_fields, one_of, string
from amocrm_async.testing.resources._customers import only_in_mode
from amocrm_async.testing.resources.custom_fields import RESOURCE as CUSTOM_FIELDS

__all__ = ["COLORS", "RESOURCE", "CustomerSegments", "segments_of"]

_PALETTE = (
    "10599d 2176ff 006acc 07a0c3 247ba0 177e89 046e8f 598381 0c7c59 495f41 00a44b 08605f bf2600 "
    "06d6a0 e14945 79b473 ae003f a2ad59 cd0f53 8e936d 832161 2e5339 bf126f 6f7c12 ff5376 dd1c1a "
    "bb304e 631d76 9d2b32 4a001f b118c8 6a0f49 6610f2 b38a58 8963ba 4b3666 932f6d 6b2d5c 6461a0 "
    "4f517d"
)
COLORS = tuple(_PALETTE.split())
"""The segment palette (hex without ``#``)."""

_FIELDS = (
    FieldSpec("text", "Описание"),
    FieldSpec("numeric", "Скидка, %"),
    FieldSpec("select", "Уровень", enums=("Бронза", "Серебро", "Золото")),  # noqa: RUF001
    FieldSpec("checkbox", "Рассылка"),
    FieldSpec("date", "Действует до"),
)
_START = (("Новые", "2176ff"), ("Постоянные", "0c7c59"), ("VIP", "bf2600"))
_GENERIC_HREF = b"/api/v4/segments/custom_fields"
"""Where the shared custom-field renderer points; segments' fields live under customers."""


def segments_of(account: Account) -> dict[int, Entity]:
    return RESOURCE.store(account)


def _price_types(draft: Draft, key: str, value: Any) -> None:
    if isinstance(value, list) and all(is_int(item) for item in value):
        draft.changes.fields[key] = list(value)
    else:
        draft.invalid(key, "array")


class CustomerSegments(EntityResource):
    name = "segments"
    path = "/api/v4/customers/segments"
    id_base = 56_000_001
    read_only = frozenset(
        {"id", "created_at", "updated_at", "customers_count", "account_id", "_links"}
    )
    rules = {
        "name": string,
        "color": one_of(COLORS, str, "string"),
        "available_products_price_types": _price_types,
        "custom_fields_values": custom_fields,
    }
    detail = "Customers segments mode is off: segments are only available in segments mode"

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        own: list[Route] = [
            *crud_routes(self),
            (self.path, {"POST": self.add_one, "PATCH": not_allowed}),
            (rf"{self.path}/(\d+)", {"DELETE": self.delete}),
        ]
        fields = f"{self.path}/custom_fields"
        one = {
            "GET": CUSTOM_FIELDS.one,
            "PATCH": CUSTOM_FIELDS.update,
            "DELETE": CUSTOM_FIELDS.delete,
        }
        return [
            *only_in_mode("segments", self.detail, own),
            (fields, self._definitions({"GET": CUSTOM_FIELDS.list, "POST": CUSTOM_FIELDS.add})),
            (rf"{fields}/(\d+)", self._definitions(one)),
        ]

    def setup(self, account: Account, ids: IdAllocator) -> None:
        """Custom fields of segments, and three segments to start with."""
        name = self.name
        add_fields(account.fields[name], account.fields_by_code[name], name, _FIELDS, ids.next)
        store = self.store(account)
        for title, color in _START:
            segment_id = ids.next(name)
            store[segment_id] = Entity(segment_id, self._data(account, segment_id, title, color))

    def _data(
        self, account: Account, segment_id: int, name: str, color: str, now: int | None = None
    ) -> dict[str, Any]:
        at = account.created_at if now is None else now
        return {
            "id": segment_id,
            "name": name,
            "created_at": at,
            "updated_at": at,
            "color": color,
            "available_products_price_types": [],
            "account_id": account.id,
        }

    def _definitions(
        self, handlers: dict[str, Callable[..., FakeResponse]]
    ) -> dict[str, Callable[..., FakeResponse]]:
        return {verb: partial(self.definitions, handler) for verb, handler in handlers.items()}

    def definitions(
        self, handler: Callable[..., FakeResponse], call: Call, *ids: str
    ) -> FakeResponse:
        """A custom-field handler of segments' fields, with the items' hrefs under
        ``customers/``: list, get, create, update and delete, as for any entity's fields."""
        response = handler(self.name, call, *ids)
        response.body = response.body.replace(_GENERIC_HREF, f"{self.path}/custom_fields".encode())
        return response

    def check(self, draft: Draft) -> None:
        if draft.mode == "create" and not draft.item.get("name"):
            draft.issues.append(required(draft.path("name")))

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        data = self._data(call.account, entity_id, fields["name"], fields.get("color", COLORS[0]))
        data.update(created_at=call.now, updated_at=call.now)
        data["available_products_price_types"] = fields.get("available_products_price_types", [])
        return data

    def update(self, call: Call, changes: Changes) -> Entity:
        segment = super().update(call, changes)
        segment.data.pop("updated_by", None)  # a segment has no author fields
        return segment

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        """Values sent replace a field's values; ``"values": null`` clears the field."""
        entity.cf.update({k: v for k, v in changes.cf.items() if v is not None})
        for cleared in [key for key, values in changes.cf.items() if values is None]:
            entity.cf.pop(cleared, None)

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        definitions, href = account.fields[self.name], f"{base}{self.path}/"
        links = account.links

        def render(segment: Entity) -> dict[str, Any]:
            out = dict(segment.data)
            members = links.get((self.name, segment.id), {})
            out["customers_count"] = sum(1 for kind, _ in members if kind == "customers")
            out["custom_fields_values"] = render_values(definitions, segment.cf)
            out["_links"] = {"self": {"href": f"{href}{segment.id}"}}
            return out

        return render

    def add_one(self, call: Call) -> FakeResponse:
        """``POST`` of one segment object; answers the segment."""
        item = call.req.json()
        if isinstance(item, list):
            return problem(400, "Segments are added one at a time: send an object")
        draft = self.validate(call, item, 0, "create")
        if draft.issues:
            return validation_failed([(draft.changes.request_id, draft.issues)])
        segment = self.create(call, draft.changes)
        record_writes(call, call.stats.entities_created, self.name, 1)
        rendered = self.render(call.account, segment, call.base, frozenset())
        return json_response(200, {**rendered, "request_id": draft.changes.request_id})

    def delete(self, call: Call, segment_id: str) -> FakeResponse:
        account = call.account
        segment = self.store(account).get(int(segment_id))
        if segment is None:
            return problem(404, "Segment not found")
        for member in list(account.links.get((self.name, segment.id), {})):
            account.unlink((self.name, segment.id), member)
        self.trash(account, segment, call.now)
        account.touch()
        return no_content()

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        store, created = self.store(ctx.account), []
        for n in range(1, count + 1):
            segment_id = ctx.ids.next(self.name)
            color = COLORS[ctx.rng.randrange(len(COLORS))]
            store[segment_id] = Entity(
                segment_id, self._data(ctx.account, segment_id, f"Сегмент {n}", color, ctx.now)
            )
            created.append(segment_id)
        return created


RESOURCE = CustomerSegments()
