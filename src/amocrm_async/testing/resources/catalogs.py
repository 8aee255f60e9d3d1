"""Catalogs: ``/api/v4/catalogs`` — list (``type=`` at the top level, paged), get one, batch and
single create/update.

Every account starts with the products catalog "Товары" (id 1001 in the first account, the
catalog leads' ``chained_list`` field points at) and the invoices catalog "Счета", each with the
fields amoCRM gives them (``SKU``/``PRICE``/``DESCRIPTION``; ``BILL_STATUS`` with the status
codes, ``PAYER``, ``ITEMS``, ``BILL_PRICE`` …). A new catalog is ``regular`` unless ``type``
says otherwise; an account has at most one catalog of each of the types ``invoices``,
``products`` and ``suppliers`` (another is ``NotSupportedChoice``), and ``type`` cannot change.
A new suppliers catalog gets the ``SUPPLIER_*`` fields.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import FieldSpec, add_fields
from amocrm_async.testing._resource import EntityResource, SeedCtx
from amocrm_async.testing._state import Account, Entity, IdAllocator
from amocrm_async.testing._writes import Changes, Draft, boolean, integer, one_of, string
from amocrm_async.testing.resources.custom_fields import catalog_key
from amocrm_async.testing.resources.users import AUTHORSHIP_RULES, admin_of

__all__ = ["CATALOG_TYPES", "RESOURCE", "Catalogs", "catalog_of_type"]

CATALOG_TYPES = ("regular", "invoices", "products", "suppliers")
_SINGLE = frozenset({"invoices", "products", "suppliers"})
"""Types an account has one catalog of at most."""

_INVOICE_STATUSES = ("created", "paid", "paid_in_advance", "partially_paid")
_VAT_TYPES = ("vat_exempt", "vat_included", "vat_not_included")

FIELDS: Mapping[str, tuple[FieldSpec, ...]] = {
    "products": (
        FieldSpec("text", "Артикул", "SKU"),
        FieldSpec("price", "Цена", "PRICE"),
        FieldSpec("textarea", "Описание", "DESCRIPTION"),
        FieldSpec("text", "Внешний ID", "EXTERNAL_ID"),
        FieldSpec("text", "Единица", "UNIT"),
    ),
    "invoices": (
        FieldSpec("select", "Статус", "BILL_STATUS", enums=_INVOICE_STATUSES),
        FieldSpec("legal_entity", "Юр. лицо", "LEGAL_ENTITY"),
        FieldSpec("supplier", "Поставщик", "SUPPLIER"),
        FieldSpec("payer", "Плательщик", "PAYER"),
        FieldSpec("items", "Позиции", "ITEMS"),
        FieldSpec("select", "НДС", "BILL_VAT_TYPE", enums=_VAT_TYPES),
        FieldSpec("text", "Причина без НДС", "BILL_REASON_FOR_NO_VAT"),
        FieldSpec("date", "Дата оплаты", "BILL_PAYMENT_DATE"),
        FieldSpec("textarea", "Комментарий", "BILL_COMMENT"),
        FieldSpec("price", "Сумма", "BILL_PRICE"),
    ),
    "suppliers": tuple(
        FieldSpec("text", title, f"SUPPLIER_{code}")
        for code, title in (
            ("VAT_ID", "ИНН"),
            ("TAX_REGISTRATION_REASON_CODE", "КПП"),
            ("PRIMARY_STATE_REGISTRATION_NUMBER", "ОГРН"),
            ("BANK_IDENTIFICATION_CODE", "БИК"),
            ("ACCOUNT_NUMBER", "Расчётный счёт"),
            ("LEGAL_ADDRESS", "Юридический адрес"),
            ("REAL_ADDRESS", "Фактический адрес"),
            ("DIRECTOR_NAME", "Директор"),
            ("DIRECTOR_POST", "Должность директора"),
            ("ACCOUNTANT_NAME", "Бухгалтер"),
            ("ACCOUNTANT_POST", "Должность бухгалтера"),
            ("PHONE", "Телефон"),
        )
    ),
}
"""The fields amoCRM gives a catalog of each type (codes as in api-surface.md §8.5)."""
_CODED_ENUMS = frozenset({"BILL_STATUS", "BILL_VAT_TYPE"})
"""Fields whose options carry their value as ``code`` too."""
_START = (("Товары", "products"), ("Счета", "invoices"))
_RULES = {
    "name": string,
    "type": one_of(CATALOG_TYPES, str, "string"),
    "sort": integer,
    **dict.fromkeys(("can_add_elements", "can_show_in_cards", "can_link_multiple"), boolean),
    **{k: v for k, v in AUTHORSHIP_RULES.items() if k != "responsible_user_id"},
}


def catalog_of_type(account: Account, kind: str) -> Entity | None:
    """The account's catalog of this type (the first one for ``regular``)."""
    return next((c for c in RESOURCE.store(account).values() if c.data["type"] == kind), None)


def _add_catalog_fields(account: Account, catalog_id: int, kind: str, ids: IdAllocator) -> None:
    key = catalog_key(catalog_id)
    definitions, by_code = account.fields[key], account.fields_by_code[key]
    add_fields(definitions, by_code, key, FIELDS.get(kind, ()), ids.next)
    for definition in definitions.values():
        if definition.code in _CODED_ENUMS:
            for enum in definition.enums or ():
                enum["code"] = enum["value"]
            definition.index_enums()


class Catalogs(EntityResource):
    name = "catalogs"
    path = "/api/v4/catalogs"
    id_base = 1001
    read_only = frozenset(
        {"id", "account_id", "can_be_deleted", "sdk_widget_code", "_links", "updated_at"}
    )
    rules = _RULES
    filters = {}
    sortable = ()

    def setup(self, account: Account, ids: IdAllocator) -> None:
        store, admin = self.store(account), admin_of(account).id
        for title, kind in _START:
            catalog_id = ids.next(self.name)
            data = self._data(account, catalog_id, title, kind, admin, account.created_at)
            data["can_be_deleted"] = False
            store[catalog_id] = Entity(catalog_id, data)
            _add_catalog_fields(account, catalog_id, kind, ids)

    def _data(
        self, account: Account, catalog_id: int, name: str, kind: str, user: int, at: int
    ) -> dict[str, Any]:
        return {
            "id": catalog_id,
            "name": name,
            "created_by": user,
            "updated_by": user,
            "created_at": at,
            "updated_at": at,
            "sort": 10 * len(self.store(account)),
            "type": kind,
            "can_add_elements": True,
            "can_show_in_cards": kind != "invoices",
            "can_link_multiple": kind != "invoices",
            "can_be_deleted": True,
            "sdk_widget_code": None,
            "account_id": account.id,
        }

    def check(self, draft: Draft) -> None:
        from amocrm_async.testing._issues import required

        if draft.mode == "create" and not draft.item.get("name"):
            draft.issues.append(required(draft.path("name")))
        kind = draft.changes.fields.get("type")
        if kind is None:
            return
        if draft.current is not None and draft.current.data["type"] != kind:
            draft.unsupported("type")
        elif draft.current is None and kind in _SINGLE:
            taken = catalog_of_type(draft.call.account, kind) is not None
            batch = [i.get("type") for i in draft.call.req.json_array() if isinstance(i, dict)]
            if taken or batch.count(kind) > 1:
                draft.unsupported("type")

    def select(self, account: Account, query: Mapping[str, Any], *rest: Any) -> list[Entity]:
        rows = super().select(account, query, *rest)
        kind = query.get("type")
        return [c for c in rows if c.data["type"] == kind] if isinstance(kind, str) else rows

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        kind = fields.get("type", "regular")
        user = fields.get("created_by", call.user_id)
        data = self._data(call.account, entity_id, fields["name"], kind, user, call.now)
        data.update({k: v for k, v in fields.items() if k in data})
        data["created_at"] = fields.get("created_at", call.now)
        data["updated_at"] = fields.get("updated_at", call.now)
        return data

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        if catalog_key(entity.id) not in call.account.fields:
            _add_catalog_fields(call.account, entity.id, entity.data["type"], call.ids)

    def update(self, call: Call, changes: Changes) -> Entity:
        changes.fields.pop("type", None)
        return super().update(call, changes)

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        store, admin, created = self.store(ctx.account), admin_of(ctx.account).id, []
        for n in range(1, count + 1):
            catalog_id = ctx.ids.next(self.name)
            data = self._data(ctx.account, catalog_id, f"Список {n}", "regular", admin, ctx.now)
            store[catalog_id] = Entity(catalog_id, data)
            _add_catalog_fields(ctx.account, catalog_id, "regular", ctx.ids)
            created.append(catalog_id)
        return created


RESOURCE = Catalogs()
