"""Fast, deterministic generation of realistic leads, contacts and companies.

Entities are stored as plain dicts; immutable pieces (enum values, tags) are shared between
entities. 100,000 leads take well under two seconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from amocrm_async.testing._state import LOST, WON, Account, Entity, FieldDef, IdAllocator

__all__ = ["SeedResult", "seed_account"]

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
_LOGINS = ["alex", "kate", "dima", "olga", "sergey", "anna", "misha", "natasha", "andrey", "julia"]
_POSITIONS = ["Директор", "Менеджер по закупкам", "Главный бухгалтер", "Маркетолог", "Инженер"]
_COMPANY_WORDS = [
    "Ромашка",
    "Вектор",
    "Горизонт",
    "Альфа",
    "Северный ветер",
    "Техносфера",
    "Меридиан",
    "Прогресс",
]
_COMPANY_FORMS = ["ООО", "АО", "ИП", "ЗАО"]  # noqa: RUF001
_DEAL_WORDS = [
    "Поставка оборудования",
    "Внедрение CRM",
    "Годовая подписка",
    "Консультация",
    "Обучение персонала",
]
_CITIES = ["Москва", "Санкт-Петербург", "Казань", "Новосибирск", "Екатеринбург"]
_TAGS = {
    "leads": ["VIP", "опт", "повторная", "сайт", "выставка", "партнёр", "срочно", "тендер"],
    "contacts": ["ЛПР", "бухгалтерия", "клиент", "подписчик"],
    "companies": ["ключевой клиент", "дистрибьютор", "госзаказчик"],
}
_UTM = ["google", "yandex", "vk", "telegram", "email"]

YEAR = 365 * 86_400


@dataclass(slots=True)
class SeedResult:
    """Ids created by :meth:`FakeAmoCRM.seed`."""

    leads: list[int] = field(default_factory=list)
    contacts: list[int] = field(default_factory=list)
    companies: list[int] = field(default_factory=list)


def _field(
    account: Account, entity_type: str, *, code: str | None = None, type_: str | None = None
) -> FieldDef:
    for definition in account.fields[entity_type].values():
        if (code is None or definition.code == code) and (
            type_ is None or definition.type == type_
        ):
            return definition
    raise LookupError(f"no {entity_type} field with code={code} type={type_}")


def _enum_values(definition: FieldDef) -> list[dict[str, Any]]:
    return [
        {"value": e["value"], "enum_id": e["id"], "enum_code": definition.enum_code(e)}
        for e in definition.enums or ()
    ]


def _timestamps(rng: random.Random, now: int) -> tuple[int, int]:
    created = now - int(rng.random() * YEAR) - 3600
    updated = min(now, created + int(rng.random() * 45 * 86_400))
    return created, updated


def seed_account(
    account: Account,
    ids: IdAllocator,
    rng: random.Random,
    now: int,
    *,
    leads: int = 0,
    contacts: int = 0,
    companies: int = 0,
) -> SeedResult:
    result = SeedResult()
    users = list(account.users)
    tag_pool = {t: [account.tag(t, name, ids) for name in names] for t, names in _TAGS.items()}
    randrange = rng.randrange
    rand = rng.random
    choice = rng.choice

    def pick_tags(entity_type: str) -> list[dict[str, Any]]:
        roll = rand()
        if roll < 0.6:
            return []
        pool = tag_pool[entity_type]
        if roll < 0.9:
            return [choice(pool)]
        return rng.sample(pool, 2)

    # -- companies -----------------------------------------------------------------------------
    co_phone = _field(account, "companies", code="PHONE")
    co_web = _field(account, "companies", code="WEB")
    co_address = _field(account, "companies", code="ADDRESS")
    phone_work = _enum_values(co_phone)[0]
    store = account.stores["companies"]
    for n in range(companies):
        company_id = ids.next("companies")
        created, updated = _timestamps(rng, now)
        word = choice(_COMPANY_WORDS)
        user = choice(users)
        data = {
            "id": company_id,
            "name": f"{choice(_COMPANY_FORMS)} «{word} {n + 1}»",
            "responsible_user_id": user,
            "group_id": 0,
            "created_by": user,
            "updated_by": user,
            "created_at": created,
            "updated_at": updated,
            "closest_task_at": None,
            "is_deleted": False,
            "account_id": account.id,
        }
        company_cf = {
            co_phone.id: [
                {
                    **phone_work,
                    "value": f"+7 495 {randrange(100, 999)}-{randrange(1000, 9999)}",
                }
            ],
            co_web.id: [{"value": f"https://company{n + 1}.example.ru"}],
        }
        if rand() < 0.5:
            company_cf[co_address.id] = [
                {"value": f"{choice(_CITIES)}, ул. Ленина, д. {randrange(1, 200)}"}
            ]
        store[company_id] = Entity(company_id, data, company_cf, pick_tags("companies"))
        result.companies.append(company_id)

    # -- contacts ------------------------------------------------------------------------------
    phone = _field(account, "contacts", code="PHONE")
    email = _field(account, "contacts", code="EMAIL")
    position = _field(account, "contacts", code="POSITION")
    phone_enums = _enum_values(phone)
    mobile = next(v for v in phone_enums if v["enum_code"] == "MOB")
    work_phone = phone_enums[0]
    email_work = _enum_values(email)[0]
    store = account.stores["contacts"]
    company_ids = result.companies
    for n in range(contacts):
        contact_id = ids.next("contacts")
        created, updated = _timestamps(rng, now)
        index = randrange(len(_FIRST))
        first = _FIRST[index]
        last = choice(_LAST)
        user = choice(users)
        data = {
            "id": contact_id,
            "name": f"{first} {last}",
            "first_name": first,
            "last_name": last,
            "responsible_user_id": user,
            "group_id": 0,
            "created_by": user,
            "updated_by": user,
            "created_at": created,
            "updated_at": updated,
            "closest_task_at": None,
            "is_deleted": False,
            "is_unsorted": False,
            "account_id": account.id,
        }
        number = (
            f"+7 9{randrange(10, 99)} {randrange(100, 999)}-{randrange(10, 99)}-{randrange(10, 99)}"
        )
        contact_cf = {
            phone.id: [{**(mobile if rand() < 0.7 else work_phone), "value": number}],
            email.id: [{**email_work, "value": f"{_LOGINS[index]}.{n + 1}@example.com"}],
        }
        if rand() < 0.4:
            contact_cf[position.id] = [{"value": choice(_POSITIONS)}]
        store[contact_id] = Entity(contact_id, data, contact_cf, pick_tags("contacts"))
        if company_ids and rand() < 0.5:
            account.link(("contacts", contact_id), ("companies", choice(company_ids)))
        result.contacts.append(contact_id)

    # -- leads -----------------------------------------------------------------------------------
    pipelines = list(account.pipelines.values())
    open_statuses = {
        p.id: [s.id for s in p.statuses.values() if s.id not in (WON, LOST) and s.type == 0]
        for p in pipelines
    }
    loss_reasons = list(account.loss_reasons)
    product = _field(account, "leads", type_="select")
    product_values = _enum_values(product)
    quantity = _field(account, "leads", type_="numeric")
    comment = _field(account, "leads", type_="text")
    paid = _field(account, "leads", type_="checkbox")
    deadline = _field(account, "leads", type_="date")
    utm_source = _field(account, "leads", code="UTM_SOURCE")
    utm_values = [[{"value": v}] for v in _UTM]
    checkbox_values = [[{"value": True}], [{"value": False}]]
    store = account.stores["leads"]
    contact_ids = result.contacts or [
        c for c in account.stores["contacts"] if not account.stores["contacts"][c].deleted
    ]
    lead_company_ids = company_ids or list(account.stores["companies"])
    main_pipeline, *other_pipelines = pipelines
    links = account.links
    for n in range(leads):
        lead_id = ids.next("leads")
        created, updated = _timestamps(rng, now)
        pipeline = main_pipeline if not other_pipelines or rand() < 0.7 else choice(other_pipelines)
        roll = rand()
        loss_reason = None
        closed_at = None
        if roll < 0.15:
            status_id = WON
            closed_at = updated
        elif roll < 0.25:
            status_id = LOST
            closed_at = updated
            loss_reason = choice(loss_reasons)
        else:
            status_id = choice(open_statuses[pipeline.id])
        user = choice(users)
        data = {
            "id": lead_id,
            "name": f"{choice(_DEAL_WORDS)} #{n + 1}",
            "price": randrange(0, 500_000, 500),
            "responsible_user_id": user,
            "group_id": 0,
            "status_id": status_id,
            "pipeline_id": pipeline.id,
            "loss_reason_id": loss_reason,
            "created_by": user if rand() < 0.9 else 0,
            "updated_by": user,
            "created_at": created,
            "updated_at": updated,
            "closed_at": closed_at,
            "closest_task_at": (now + randrange(3600, 14 * 86_400))
            if closed_at is None and rand() < 0.3
            else None,
            "is_deleted": False,
            "score": None,
            "account_id": account.id,
        }
        cf: dict[int, list[dict[str, Any]]] = {product.id: [choice(product_values)]}
        if rand() < 0.5:
            cf[quantity.id] = [{"value": randrange(1, 100)}]
        if rand() < 0.3:
            cf[comment.id] = [{"value": f"Комментарий к сделке {n + 1}"}]
        if rand() < 0.5:
            cf[paid.id] = choice(checkbox_values)
        if rand() < 0.2:
            cf[deadline.id] = [{"value": updated + randrange(86_400, 60 * 86_400)}]
        if rand() < 0.4:
            cf[utm_source.id] = choice(utm_values)
        entity = Entity(lead_id, data, cf, pick_tags("leads"))
        store[lead_id] = entity
        if contact_ids and rand() < 0.7:
            contact_id = choice(contact_ids)
            links.setdefault(("leads", lead_id), {})[("contacts", contact_id)] = {"is_main": True}
            links.setdefault(("contacts", contact_id), {})[("leads", lead_id)] = None
        if lead_company_ids and rand() < 0.3:
            company_id = choice(lead_company_ids)
            links.setdefault(("leads", lead_id), {})[("companies", company_id)] = None
            links.setdefault(("companies", company_id), {})[("leads", lead_id)] = None
        result.leads.append(lead_id)
    account.touch()
    return result
