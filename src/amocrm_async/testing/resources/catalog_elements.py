"""Catalog elements: ``/api/v4/catalogs/{catalog_id}/elements`` — list, get one, batch and single
create/update, and links to leads and customers.

One store holds the elements of every catalog, under amoCRM's short name for them:
``fake.entities("elements")``, ``fake.seed(elements=N)``. Each request works on a view of one
catalog (named ``catalog_elements``, the type links and ``with=`` use), so the generic handlers
serve it unchanged: an element of another catalog is missing, a new one belongs to the catalog
of the path, and custom-field values are validated against that catalog's fields. An unknown
catalog answers 404. Links *to* elements made from leads, contacts, companies or customers are
still taken without checking the element exists, as before elements were emulated.

* Filters, as the API and PHP put them: ``id[]`` and ``query`` at the TOP level (not under
  ``filter``); ``query`` is a case-insensitive substring of the name or of a text field.
* ``with=invoice_link`` adds the public link of an invoice (invoices catalog only).
* ``POST …/elements/{id}/link`` with ``[{to_entity_id, to_entity_type: leads|customers,
  metadata: {quantity, price_id?}}]``; the lead (or customer) then lists the element under
  ``with=catalog_elements`` with ``{quantity, catalog_id, price_id}``. ``/unlink``, ``/links``.
* Seeding puts products in the products catalog (with ``SKU`` and ``PRICE``) and attaches
  about a third of them to seeded leads.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, cast

from amocrm_async.testing import _crud
from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import TEXT_TYPES, render_values, validate_custom_fields
from amocrm_async.testing._http import FakeResponse, problem
from amocrm_async.testing._issues import required
from amocrm_async.testing._listing import Predicate, ints
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import Changes, Draft, Mode, Rule, string
from amocrm_async.testing.resources._seeding import Dice, field_def, live_ids, timestamps
from amocrm_async.testing.resources.catalogs import catalog_of_type
from amocrm_async.testing.resources.custom_fields import catalog_key
from amocrm_async.testing.resources.users import AUTHORSHIP_RULES, users_of

__all__ = ["LINK_TARGETS", "LINK_TYPE", "RESOURCE", "STORE", "CatalogElements"]

LINK_TARGETS = frozenset({"leads", "customers"})
LINK_TYPE = "catalog_elements"
"""The entity type of elements in links and in ``with=catalog_elements``."""
STORE = "elements"
_PATH = "/api/v4/catalogs/{}/elements"

Handler = Callable[..., FakeResponse]


class CatalogElements(EntityResource):
    name = "elements"
    embedded_key = "elements"
    path = r"/api/v4/catalogs/(\d+)/elements"
    id_base = 70_000_001
    id_bases = {LINK_TYPE: 70_000_001}
    """Ids come from the counter of the views' name (the ``elements`` one stays unused)."""
    read_only = frozenset(
        {"id", "catalog_id", "is_deleted", "account_id", "invoice_link", "metadata", "_links"}
    )
    rules = {
        "name": string,
        **{k: v for k, v in AUTHORSHIP_RULES.items() if k != "responsible_user_id"},
    }
    with_allowed = frozenset({"invoice_link", "supplier_field_values"})
    filters = {}
    catalog_id: ClassVar[int | None] = None
    """The catalog of a per-request view; ``None`` on the registered resource."""

    # -- the view of one catalog -----------------------------------------------------------

    def _view(self, catalog_id: int) -> CatalogElements:
        view = copy.copy(self)
        view.__dict__.update(
            catalog_id=catalog_id,
            path=_PATH.format(catalog_id),
            link_targets=LINK_TARGETS,
            name=LINK_TYPE,
        )
        return view

    def store(self, account: Account) -> dict[int, Entity]:
        return cast("dict[int, Entity]", account.stores[STORE])

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        path, item = self.path, rf"{self.path}/(\d+)"
        on = self._on_catalog
        return [
            (
                path,
                {
                    "GET": on(_crud.list_entities),
                    "POST": on(_crud.add),
                    "PATCH": on(_crud.update_many),
                },
            ),
            (item, {"GET": on(_crud.get_one, missing=True), "PATCH": on(_crud.update_one)}),
            (rf"{item}/links", {"GET": on(_crud.entity_links)}),
            (rf"{item}/link", {"POST": on(self._link)}),
            (rf"{item}/unlink", {"POST": on(_crud.entity_unlink)}),
        ]

    def _on_catalog(self, handler: Handler, *, missing: bool = False) -> Handler:
        def handle(call: Call, catalog_id: str, *rest: str) -> FakeResponse:
            if int(catalog_id) not in call.account.stores["catalogs"]:
                return problem(404, f"Catalog {catalog_id} not found")
            view = self._view(int(catalog_id))
            if missing and view.live(call.account, int(rest[0])) is None:
                return call.missing()
            return handler(view, call, *rest)

        return handle

    def _link(self, view: CatalogElements, call: Call, element_id: str) -> FakeResponse:
        """Link, then give the other side the metadata amoCRM shows there (with catalog_id)."""
        response = _crud.entity_link(view, call, element_id)
        if response.status == 200:
            source = (LINK_TYPE, int(element_id))
            for target, meta in call.account.links.get(source, {}).items():
                back = call.account.links[target]
                if back.get(source) is None:
                    back[source] = {"price_id": None, **(meta or {}), "catalog_id": view.catalog_id}
        return response

    def live(self, account: Account, entity_id: int) -> Entity | None:
        entity = self.store(account).get(entity_id)
        if entity is None or entity.deleted:
            return None
        return entity if self.catalog_id in (None, entity.data["catalog_id"]) else None

    def rules_for(self, mode: Mode) -> Mapping[str, Rule]:
        key = catalog_key(self.catalog_id or 0)

        def values(draft: Draft, name: str, value: Any) -> None:
            account = draft.call.account
            issues, cf = validate_custom_fields(
                account.fields[key], account.fields_by_code[key], value, draft.path(name)
            )
            draft.issues.extend(issues)
            draft.changes.cf = cf

        return {**self.rules, "custom_fields_values": values}

    def check(self, draft: Draft) -> None:
        if draft.mode == "create" and not draft.item.get("name"):
            draft.issues.append(required(draft.path("name")))

    def search(self, account: Account, text: str) -> Predicate | None:
        needle = text.strip().casefold()

        def matches(element: Entity) -> bool:
            if needle in str(element.data.get("name", "")).casefold():
                return True
            fields = account.fields[catalog_key(element.data["catalog_id"])]
            return any(
                needle in str(item.get("value", "")).casefold()
                for field_id, items in element.cf.items()
                if field_id in fields and fields[field_id].type in TEXT_TYPES
                for item in items
            )

        return matches

    def select(self, account: Account, query: Mapping[str, Any], *rest: Any) -> list[Entity]:
        rows = super().select(account, query, *rest)
        wanted = ints(as_list(query.get("id")))
        return [
            e
            for e in rows
            if e.data["catalog_id"] == self.catalog_id and (not wanted or e.id in wanted)
        ]

    # -- writes ----------------------------------------------------------------------------

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        return {
            "id": entity_id,
            "name": fields["name"],
            "created_by": fields.get("created_by", call.user_id),
            "updated_by": fields.get("updated_by", call.user_id),
            "created_at": fields.get("created_at", call.now),
            "updated_at": fields.get("updated_at", call.now),
            "is_deleted": False,
            "catalog_id": self.catalog_id,
            "account_id": call.account.id,
        }

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        for field_id, values in changes.cf.items():
            entity.cf.pop(field_id, None)
            if values is not None:
                entity.cf[field_id] = values

    # -- reading ---------------------------------------------------------------------------

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        invoices = catalog_of_type(account, "invoices")
        invoice_catalog = invoices.id if invoices is not None else None
        links = "invoice_link" in with_

        def render(element: Entity) -> dict[str, Any]:
            catalog_id = element.data["catalog_id"]
            out = dict(element.data)
            out["custom_fields_values"] = render_values(
                account.fields[catalog_key(catalog_id)], element.cf
            )
            if links and catalog_id == invoice_catalog:
                out["invoice_link"] = f"{base}/invoices/{account.id}/{element.id}"
            href = f"{base}{_PATH.format(catalog_id)}/{element.id}"
            out["_links"] = {"self": {"href": href}}
            return out

        return render

    # -- seeding ---------------------------------------------------------------------------

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        catalog = catalog_of_type(ctx.account, "products")
        if catalog is None:
            return []
        key, dice = catalog_key(catalog.id), Dice(ctx.rng)
        sku, price = (field_def(ctx.account, key, code=code).id for code in ("SKU", "PRICE"))
        users, leads = list(users_of(ctx.account)), live_ids(ctx.account, "leads")
        store, created = self.store(ctx.account), []
        for n in range(1, count + 1):
            element_id = ctx.ids.next(LINK_TYPE)
            made, changed = timestamps(dice.random, ctx.now)
            user = dice.pick(users)
            name = f"{dice.pick(_GOODS)} {dice.pick(_MODELS)}-{n}"
            data = {
                "id": element_id,
                "name": name,
                "created_by": user,
                "updated_by": user,
                "created_at": made,
                "updated_at": changed,
                "is_deleted": False,
                "catalog_id": catalog.id,
                "account_id": ctx.account.id,
            }
            cf = {
                sku: [{"value": f"SKU-{element_id}"}],
                price: [{"value": str(dice.between(5, 500) * 100)}],
            }
            store[element_id] = Entity(element_id, data, cf)
            if leads and dice.chance(0.35):
                quantity = dice.between(1, 10)
                meta = {"quantity": quantity, "price_id": None}
                ctx.account.link(
                    (LINK_TYPE, element_id),
                    ("leads", dice.pick(leads)),
                    meta,
                    {**meta, "catalog_id": catalog.id},
                )
            created.append(element_id)
        return created


_GOODS = ["Стол", "Кресло", "Ноутбук", "Монитор", "Принтер", "Лицензия CRM", "Роутер", "Шкаф"]
_MODELS = ["Pro", "Lite", "Max", "Office", "Home", "X"]

RESOURCE = CatalogElements()
