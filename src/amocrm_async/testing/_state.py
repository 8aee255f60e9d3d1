"""In-memory state of fake accounts: users, pipelines, custom-field definitions, entity stores."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ENTITY_TYPES",
    "LOST",
    "WON",
    "Account",
    "Entity",
    "FieldDef",
    "IdAllocator",
    "LossReason",
    "Pipeline",
    "Status",
    "User",
    "build_account",
]

ENTITY_TYPES = ("leads", "contacts", "companies")
WON = 142
LOST = 143

_ID_BASES = {
    "accounts": 29_000_001,
    "users": 9_000_001,
    "pipelines": 7_000_001,
    "statuses": 60_000_001,
    "fields": 500_001,
    "enums": 800_001,
    "loss_reasons": 8_000_001,
    "sources": 6_000_001,
    "tags": 100_001,
    "leads": 10_000_001,
    "contacts": 20_000_001,
    "companies": 30_000_001,
}


class IdAllocator:
    """Deterministic id counters, one per kind of object, shared by all accounts."""

    def __init__(self) -> None:
        self._counters: dict[str, Iterator[int]] = {
            kind: itertools.count(start) for kind, start in _ID_BASES.items()
        }

    def next(self, kind: str) -> int:
        return next(self._counters[kind])


class Entity:
    """One lead/contact/company.

    ``data`` holds the scalar wire fields in wire order; custom-field values live in ``cf``
    (field id → list of wire value dicts), tags in ``tags`` (shared wire dicts).
    """

    __slots__ = ("cf", "data", "id", "robot_price", "source_id", "tags")

    def __init__(
        self,
        entity_id: int,
        data: dict[str, Any],
        cf: dict[int, list[dict[str, Any]]] | None = None,
        tags: list[dict[str, Any]] | None = None,
        source_id: int | None = None,
    ) -> None:
        self.id = entity_id
        self.data = data
        self.cf: dict[int, list[dict[str, Any]]] = cf if cf is not None else {}
        self.tags: list[dict[str, Any]] = tags if tags is not None else []
        self.source_id = source_id
        self.robot_price = False

    @property
    def deleted(self) -> bool:
        return bool(self.data.get("is_deleted"))


@dataclass(slots=True)
class Status:
    id: int
    name: str
    sort: int
    color: str
    type: int  # 0 regular, 1 "unsorted" (incoming leads)
    pipeline_id: int
    is_editable: bool = True


@dataclass(slots=True)
class Pipeline:
    id: int
    name: str
    sort: int
    is_main: bool
    statuses: dict[int, Status] = field(default_factory=dict)
    is_unsorted_on: bool = True
    is_archive: bool = False

    @property
    def first_open_status(self) -> Status:
        for status in self.statuses.values():
            if status.type == 0 and status.id not in (WON, LOST):
                return status
        raise LookupError("pipeline without open statuses")

    @property
    def unsorted_status(self) -> Status:
        for status in self.statuses.values():
            if status.type == 1:
                return status
        return self.first_open_status


@dataclass(slots=True)
class User:
    id: int
    name: str
    email: str
    is_admin: bool
    api_key: str
    lang: str = "ru"
    is_active: bool = True


@dataclass(slots=True)
class LossReason:
    id: int
    name: str
    sort: int
    created_at: int


@dataclass(slots=True)
class FieldDef:
    id: int
    name: str
    type: str
    code: str | None
    sort: int
    entity_type: str
    enums: list[dict[str, Any]] | None = None
    is_predefined: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    enum_by_id: dict[int, dict[str, Any]] = field(default_factory=dict)
    enum_by_code: dict[str, dict[str, Any]] = field(default_factory=dict)
    enum_by_value: dict[str, dict[str, Any]] = field(default_factory=dict)

    def index_enums(self) -> None:
        for enum in self.enums or ():
            self.enum_by_id[enum["id"]] = enum
            self.enum_by_value[str(enum["value"]).casefold()] = enum
            code = enum.get("code") or (enum["value"] if self.type in _CODED_ENUM_TYPES else None)
            if code:
                self.enum_by_code[str(code).upper()] = enum

    def enum_code(self, enum: dict[str, Any]) -> str | None:
        code = enum.get("code")
        if code:
            return str(code)
        if self.type in _CODED_ENUM_TYPES:
            return str(enum["value"])
        return None


_CODED_ENUM_TYPES = frozenset({"multitext", "smart_address"})


class Account:
    """One amoCRM account (a subdomain) with everything that lives in it."""

    def __init__(
        self, account_id: int, subdomain: str, tld: str, name: str, created_at: int
    ) -> None:
        self.id = account_id
        self.subdomain = subdomain
        self.tld = tld
        self.name = name
        self.created_at = created_at
        self.users: dict[int, User] = {}
        self.pipelines: dict[int, Pipeline] = {}
        self.loss_reasons: dict[int, LossReason] = {}
        self.fields: dict[str, dict[int, FieldDef]] = {t: {} for t in ENTITY_TYPES}
        self.fields_by_code: dict[str, dict[str, FieldDef]] = {t: {} for t in ENTITY_TYPES}
        self.stores: dict[str, dict[int, Entity]] = {t: {} for t in ENTITY_TYPES}
        self.tags: dict[str, dict[str, dict[str, Any]]] = {t: {} for t in ENTITY_TYPES}
        self.tags_by_id: dict[str, dict[int, dict[str, Any]]] = {t: {} for t in ENTITY_TYPES}
        # (entity_type, id) -> {(to_type, to_id): metadata}
        self.links: dict[tuple[str, int], dict[tuple[str, int], dict[str, Any] | None]] = {}
        self.sources: dict[str, int] = {}
        self.blocked = False
        self.version = 0
        self.query_cache: dict[Any, list[Entity]] = {}

    @property
    def base_domain(self) -> str:
        return f"{self.subdomain}.{self.tld}"

    @property
    def main_pipeline(self) -> Pipeline:
        for pipeline in self.pipelines.values():
            if pipeline.is_main:
                return pipeline
        return next(iter(self.pipelines.values()))

    @property
    def admin(self) -> User:
        for user in self.users.values():
            if user.is_admin:
                return user
        return next(iter(self.users.values()))

    def touch(self) -> None:
        """Invalidate cached list queries after a write."""
        self.version += 1
        if self.query_cache:
            self.query_cache.clear()

    def pipeline_of_status(self, status_id: int) -> Pipeline | None:
        for pipeline in self.pipelines.values():
            if status_id in pipeline.statuses and status_id not in (WON, LOST):
                return pipeline
        return None

    def tag(self, entity_type: str, name: str, ids: IdAllocator) -> dict[str, Any]:
        key = name.casefold()
        existing = self.tags[entity_type].get(key)
        if existing is not None:
            return existing
        tag: dict[str, Any] = {"id": ids.next("tags"), "name": name, "color": None}
        self.tags[entity_type][key] = tag
        self.tags_by_id[entity_type][tag["id"]] = tag
        return tag

    def link(
        self,
        a: tuple[str, int],
        b: tuple[str, int],
        meta_ab: dict[str, Any] | None = None,
        meta_ba: dict[str, Any] | None = None,
    ) -> None:
        self.links.setdefault(a, {})[b] = meta_ab
        self.links.setdefault(b, {})[a] = meta_ba

    def unlink(self, a: tuple[str, int], b: tuple[str, int]) -> bool:
        removed = self.links.get(a, {}).pop(b, "missing") != "missing"
        self.links.get(b, {}).pop(a, None)
        return removed

    def linked(
        self, entity_type: str, entity_id: int, to_type: str
    ) -> list[tuple[int, dict[str, Any] | None]]:
        targets = self.links.get((entity_type, entity_id))
        if not targets:
            return []
        return [(tid, meta) for (ttype, tid), meta in targets.items() if ttype == to_type]


# ----------------------------------------------------------------------------------------------
# Account setup
# ----------------------------------------------------------------------------------------------

_USERS = [
    ("Администратор", "admin", True),
    ("Анна Смирнова", "anna", False),
    ("Иван Петров", "ivan", False),
    ("Мария Кузнецова", "maria", False),
    ("Олег Волков", "oleg", False),
]

_PIPELINES = [
    (
        "Воронка",
        [
            ("Неразобранное", "#c1c1c1", 1),
            ("Первичный контакт", "#99ccff", 0),
            ("Переговоры", "#ffff99", 0),
            ("Принимают решение", "#ffcc66", 0),
            ("Согласование договора", "#ffcccc", 0),
        ],
    ),
    (
        "Партнёры",
        [
            ("Неразобранное", "#c1c1c1", 1),
            ("Новая заявка", "#98cbff", 0),
            ("Квалификация", "#fffeb2", 0),
            ("Оплата", "#ccff66", 0),
        ],
    ),
]

_LOSS_REASONS = ["Дорого", "Выбрали конкурента", "Нет бюджета"]

_SMART_ADDRESS = ["address_line_1", "address_line_2", "city", "state", "zip", "country"]

# (type, name, code, enum values, extra definition keys)
FieldSpec = tuple[str, str, str | None, list[str] | None, dict[str, Any]]

_COMMON_FIELDS: list[FieldSpec] = [
    ("text", "Комментарий", None, None, {}),
    ("numeric", "Количество", None, None, {}),
    ("checkbox", "Оплачено", None, None, {}),
    ("select", "Продукт", None, ["Базовый", "Стандарт", "Премиум"], {}),
    ("multiselect", "Интересы", None, ["CRM", "Телефония", "Аналитика", "Интеграции"], {}),
    ("date", "Дата договора", None, None, {}),
    ("url", "Страница", None, None, {}),
    ("textarea", "Заметки", None, None, {}),
    ("radiobutton", "Канал", None, ["Звонок", "Почта", "Сайт"], {}),
    ("streetaddress", "Адрес доставки", None, None, {}),
    ("smart_address", "Адрес", None, _SMART_ADDRESS, {}),
    ("birthday", "День рождения", None, None, {"remind": "never"}),
    ("legal_entity", "Юр. лицо", None, None, {}),
    ("date_time", "Встреча", None, None, {}),
    ("monetary", "Сумма договора", None, None, {"currency": "RUB"}),
    ("file", "Договор", None, None, {}),
]

_LEAD_FIELDS: list[FieldSpec] = [
    ("tracking_data", "utm_source", "UTM_SOURCE", None, {}),
    ("tracking_data", "utm_medium", "UTM_MEDIUM", None, {}),
    ("tracking_data", "utm_campaign", "UTM_CAMPAIGN", None, {}),
    ("tracking_data", "utm_content", "UTM_CONTENT", None, {}),
    ("tracking_data", "utm_term", "UTM_TERM", None, {}),
    ("tracking_data", "referrer", "REFERRER", None, {}),
    (
        "chained_list",
        "Каталог",
        None,
        None,
        {
            "chained_lists": {
                "1001": {"catalog_id": 1001, "parent_catalog_id": None, "title": "Товары"}
            }
        },
    ),
]

_PHONE: FieldSpec = (
    "multitext",
    "Телефон",
    "PHONE",
    ["WORK", "WORKDD", "MOB", "FAX", "HOME", "OTHER"],
    {},
)
_EMAIL: FieldSpec = ("multitext", "Email", "EMAIL", ["WORK", "PRIV", "OTHER"], {})

_CONTACT_FIELDS: list[FieldSpec] = [
    _PHONE,
    _EMAIL,
    ("text", "Должность", "POSITION", None, {}),
]

_COMPANY_FIELDS: list[FieldSpec] = [
    _PHONE,
    _EMAIL,
    ("url", "Web", "WEB", None, {}),
    ("textarea", "Адрес", "ADDRESS", None, {}),
]


def _add_fields(
    account: Account,
    entity_type: str,
    specs: list[FieldSpec],
    ids: IdAllocator,
    *,
    predefined: bool,
) -> None:
    for field_type, name, code, enum_values, extra in specs:
        sort = 10 * (len(account.fields[entity_type]) + 1)
        enums = None
        if enum_values is not None:
            enums = [
                {"id": ids.next("enums"), "value": value, "sort": 10 * (i + 1)}
                for i, value in enumerate(enum_values)
            ]
        definition = FieldDef(
            id=ids.next("fields"),
            name=name,
            type=field_type,
            code=code,
            sort=sort,
            entity_type=entity_type,
            enums=enums,
            is_predefined=predefined or code is not None,
            extra=dict(extra),
        )
        definition.index_enums()
        account.fields[entity_type][definition.id] = definition
        if code:
            account.fields_by_code[entity_type][code.upper()] = definition


def build_account(
    ids: IdAllocator, subdomain: str, tld: str, now: int, name: str | None = None
) -> Account:
    """A fresh account with users, two pipelines, loss reasons and custom-field definitions."""
    account = Account(
        ids.next("accounts"), subdomain, tld, name or subdomain.capitalize(), now - 400 * 86_400
    )
    for user_name, login, is_admin in _USERS:
        user_id = ids.next("users")
        account.users[user_id] = User(
            id=user_id,
            name=user_name,
            email=f"{login}@{subdomain}.example.com",
            is_admin=is_admin,
            api_key=f"{user_id:x}{account.id:x}".rjust(40, "a"),
        )
    for index, (pipeline_name, statuses) in enumerate(_PIPELINES):
        pipeline = Pipeline(
            ids.next("pipelines"), pipeline_name, sort=index + 1, is_main=index == 0
        )
        for sort, (status_name, color, status_type) in enumerate(statuses):
            status_id = ids.next("statuses")
            pipeline.statuses[status_id] = Status(
                status_id, status_name, 10 * (sort + 1), color, status_type, pipeline.id
            )
        pipeline.statuses[WON] = Status(
            WON, "Успешно реализовано", 10_000, "#CCFF66", 0, pipeline.id, False
        )
        pipeline.statuses[LOST] = Status(
            LOST, "Закрыто и не реализовано", 11_000, "#D5D8DB", 0, pipeline.id, False
        )
        account.pipelines[pipeline.id] = pipeline
    for sort, reason in enumerate(_LOSS_REASONS):
        reason_id = ids.next("loss_reasons")
        account.loss_reasons[reason_id] = LossReason(
            reason_id, reason, 10 * (sort + 1), account.created_at
        )
    _add_fields(account, "contacts", _CONTACT_FIELDS, ids, predefined=True)
    _add_fields(account, "companies", _COMPANY_FIELDS, ids, predefined=True)
    for entity_type in ENTITY_TYPES:
        _add_fields(account, entity_type, _COMMON_FIELDS, ids, predefined=False)
    _add_fields(account, "leads", _LEAD_FIELDS, ids, predefined=True)
    return account
