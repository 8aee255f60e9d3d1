"""Contacts: ``/api/v4/contacts`` — CRUD, filters, ``with=``, links, custom fields, tags."""

from __future__ import annotations

from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._fields import COMMON_FIELDS, FieldSpec
from amocrm_async.testing._links import LinkRules
from amocrm_async.testing._resource import SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import Changes, audit_fields, owner_fields
from amocrm_async.testing.resources._crm import (
    CRM_READ_ONLY,
    EMAIL,
    PHONE,
    CrmEntity,
    Extra,
    crm_rules,
)
from amocrm_async.testing.resources._seeding import (
    enum_values,
    field_def,
    live_ids,
    seed_tags,
    seeded_fields,
    tag_picker,
    timestamps,
)
from amocrm_async.testing.resources.companies import RESOURCE as COMPANIES
from amocrm_async.testing.resources.users import users_of

__all__ = ["RESOURCE", "Contacts"]

_FIRST = [
    "Александр",
    "Екатерина",
    "Дмитрий",
    "Ольга",
    "Сергей",
    "Анна",
    "Михаил",
    "Наталья",
    "Андрей",
    "Юлия",
]
_LOGINS = ["alex", "kate", "dima", "olga", "sergey", "anna", "misha", "natasha", "andrey", "julia"]
_LAST = [
    "Иванов",
    "Смирнова",
    "Кузнецов",
    "Попова",
    "Васильев",
    "Соколова",
    "Морозов",
    "Новикова",
    "Фёдоров",
]
_POSITIONS = ["Директор", "Менеджер по закупкам", "Главный бухгалтер", "Маркетолог", "Инженер"]
_TAGS = ["ЛПР", "бухгалтерия", "клиент", "подписчик"]


def _full_name(first: object, last: object) -> str:
    return f"{first} {last}".strip()


class Contacts(CrmEntity):
    name = "contacts"
    path = "/api/v4/contacts"
    id_base = 20_000_001
    read_only = CRM_READ_ONLY | {"is_main"}
    with_allowed = frozenset(
        {"leads", "customers", "catalog_elements", "social_profiles", "only_deleted"}
    )
    link_targets = frozenset({"leads", "companies", "customers", "catalog_elements"})
    links = LinkRules(single=frozenset({COMPANIES.name}))
    embedded_refs = {"companies": True, "leads": False, "customers": False}
    custom_field_specs = (PHONE, EMAIL, FieldSpec("text", "Должность", "POSITION"), *COMMON_FIELDS)
    rules = crm_rules(("name", "first_name", "last_name"), {"companies": False})

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        first, last = fields.get("first_name", ""), fields.get("last_name", "")
        return {
            "id": entity_id,
            "name": fields.get("name") or _full_name(first, last) or f"Контакт #{entity_id}",
            "first_name": first,
            "last_name": last,
            **owner_fields(call, fields),
            **audit_fields(call, fields),
            "closest_task_at": None,
            "is_deleted": False,
            "is_unsorted": False,
            "account_id": call.account.id,
        }

    def before_update(self, call: Call, entity: Entity, fields: dict[str, Any]) -> None:
        """A new first or last name renames the contact unless ``name`` is sent too."""
        if ("first_name" in fields or "last_name" in fields) and "name" not in fields:
            data = entity.data
            first = fields.get("first_name", data.get("first_name", ""))
            last = fields.get("last_name", data.get("last_name", ""))
            fields["name"] = _full_name(first, last) or data["name"]

    def extras(self, account: Account, base: str, with_: frozenset[str]) -> Extra | None:
        if "social_profiles" not in with_:
            return None

        def extra(contact: Entity, out: dict[str, Any], embedded_json: dict[str, Any]) -> None:
            embedded_json["social_profiles"] = []

        return extra

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        account, rng = ctx.account, ctx.rng
        randrange, rand, choice = rng.randrange, rng.random, rng.choice
        phone = field_def(account, self.name, code="PHONE")
        email = field_def(account, self.name, code="EMAIL")
        position = field_def(account, self.name, code="POSITION")
        phones = enum_values(phone)
        mobile = next(v for v in phones if v["enum_code"] == "MOB")
        work_email = enum_values(email)[0]
        pick_tags = tag_picker(rng, seed_tags(account, self.name, _TAGS, ctx.ids))
        users = list(users_of(account))
        companies = live_ids(account, COMPANIES.name)
        store = self.store(account)
        created_ids = []
        for n in range(1, count + 1):
            contact_id = ctx.ids.next(self.name)
            created, updated = timestamps(rng.random, ctx.now)
            index = randrange(len(_FIRST))
            first, last = _FIRST[index], choice(_LAST)
            data = {
                "id": contact_id,
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                **seeded_fields(choice(users), created, updated),
                "is_unsorted": False,
                "account_id": account.id,
            }
            number = (
                f"+7 9{randrange(10, 99)} {randrange(100, 999)}"
                f"-{randrange(10, 99)}-{randrange(10, 99)}"
            )
            cf = {
                phone.id: [{**(mobile if rand() < 0.7 else phones[0]), "value": number}],
                email.id: [{**work_email, "value": f"{_LOGINS[index]}.{n}@example.com"}],
            }
            if rand() < 0.4:
                cf[position.id] = [{"value": choice(_POSITIONS)}]
            store[contact_id] = Entity(contact_id, data, cf, pick_tags())
            if companies and rand() < 0.5:
                account.link((self.name, contact_id), (COMPANIES.name, choice(companies)))
            created_ids.append(contact_id)
        return created_ids


RESOURCE = Contacts()
