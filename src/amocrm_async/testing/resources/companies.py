"""Companies: ``/api/v4/companies`` — CRUD, filters, ``with=``, links, custom fields, tags."""

from __future__ import annotations

from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import COMMON_FIELDS, FieldSpec
from amocrm_async.testing._resource import SeedCtx
from amocrm_async.testing._state import Entity
from amocrm_async.testing._writes import Changes, audit_fields, owner_fields
from amocrm_async.testing.resources._crm import (
    EMAIL,
    PHONE,
    CrmEntity,
    crm_rules,
)
from amocrm_async.testing.resources._seeding import (
    enum_values,
    field_def,
    seed_tags,
    seeded_fields,
    tag_picker,
    timestamps,
)
from amocrm_async.testing.resources.users import users_of

__all__ = ["RESOURCE", "Companies"]

_WORDS = [
    "Ромашка",
    "Вектор",
    "Горизонт",
    "Альфа",
    "Северный ветер",
    "Техносфера",
    "Меридиан",
    "Прогресс",
]
_FORMS = ["ООО", "АО", "ИП", "ЗАО"]  # noqa: RUF001
_CITIES = ["Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Екатеринбург"]
_TAGS = ["ключевой клиент", "дистрибьютор", "госзаказчик"]


class Companies(CrmEntity):
    name = "companies"
    path = "/api/v4/companies"
    id_base = 30_000_001
    with_allowed = frozenset({"leads", "customers", "contacts", "catalog_elements", "only_deleted"})
    link_targets = frozenset({"contacts", "leads", "customers", "catalog_elements"})
    embedded_refs = {"contacts": False, "leads": False, "customers": False}
    custom_field_specs = (
        PHONE,
        EMAIL,
        FieldSpec("url", "Web", "WEB"),
        FieldSpec("textarea", "Адрес", "ADDRESS"),
        *COMMON_FIELDS,
    )
    rules = crm_rules(("name",), {"contacts": True})

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        return {
            "id": entity_id,
            "name": fields.get("name") or f"Компания #{entity_id}",
            **owner_fields(call, fields),
            **audit_fields(call, fields),
            "closest_task_at": None,
            "is_deleted": False,
            "account_id": call.account.id,
        }

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        account, rng = ctx.account, ctx.rng
        phone = field_def(account, self.name, code="PHONE")
        web = field_def(account, self.name, code="WEB")
        address = field_def(account, self.name, code="ADDRESS")
        work_phone = enum_values(phone)[0]
        pick_tags = tag_picker(rng, seed_tags(account, self.name, _TAGS, ctx.ids))
        users = list(users_of(account))
        store = self.store(account)
        created_ids = []
        for n in range(1, count + 1):
            company_id = ctx.ids.next(self.name)
            created, updated = timestamps(rng.random, ctx.now)
            word = rng.choice(_WORDS)
            data = {
                "id": company_id,
                "name": f"{rng.choice(_FORMS)} «{word} {n}»",
                **seeded_fields(rng.choice(users), created, updated),
                "account_id": account.id,
            }
            number = f"+7 495 {rng.randrange(100, 999)}-{rng.randrange(1000, 9999)}"
            cf = {
                phone.id: [{**work_phone, "value": number}],
                web.id: [{"value": f"https://company{n}.example.ru"}],
            }
            if rng.random() < 0.5:
                street = f"{rng.choice(_CITIES)}, ул. Ленина, д. {rng.randrange(1, 200)}"
                cf[address.id] = [{"value": street}]
            store[company_id] = Entity(company_id, data, cf, pick_tags())
            created_ids.append(company_id)
        return created_ids


RESOURCE = Companies()
