"""Custom fields: definitions, value validation (per field type) and value rendering.

Every entity type with custom fields keeps its definitions in ``account.fields[type]`` (and by
code in ``account.fields_by_code[type]``); the functions here take those maps, so they serve any
resource that declares ``custom_field_specs``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    required,
)

__all__ = [
    "COMMON_FIELDS",
    "TEXT_TYPES",
    "FieldDef",
    "FieldSpec",
    "add_fields",
    "render_definition",
    "render_values",
    "validate_custom_fields",
]

TEXT_TYPES = frozenset(
    {"text", "textarea", "url", "streetaddress", "tracking_data", "multitext", "smart_address"}
)
_PLAIN_STRING_TYPES = frozenset({"text", "textarea", "url", "streetaddress", "tracking_data"})
_NUMBER_TYPES = frozenset({"numeric", "monetary"})
_DATE_TYPES = frozenset({"date", "date_time", "birthday"})
_ENUM_TYPES = frozenset({"select", "multiselect", "radiobutton"})
_CODED_ENUM_TYPES = frozenset({"multitext", "smart_address"})
_VALUE_KEYS = frozenset({"value", "enum_id", "enum_code"})
_CHAINED_KEYS = frozenset({"catalog_id", "catalog_element_id"})
_FIELD_KEYS = frozenset({"field_id", "field_code", "field_name", "field_type", "values"})

Values = list[dict[str, Any]]


class FieldSpec(NamedTuple):
    """A custom field an account starts with (``code`` set: a predefined system field)."""

    type: str
    name: str
    code: str | None = None
    enums: tuple[str, ...] | None = None
    extra: dict[str, Any] | None = None
    predefined: bool = False


_SMART_ADDRESS = ("address_line_1", "address_line_2", "city", "state", "zip", "country")

COMMON_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("text", "Комментарий"),
    FieldSpec("numeric", "Количество"),
    FieldSpec("checkbox", "Оплачено"),
    FieldSpec("select", "Продукт", enums=("Базовый", "Стандарт", "Премиум")),
    FieldSpec("multiselect", "Интересы", enums=("CRM", "Телефония", "Аналитика", "Интеграции")),
    FieldSpec("date", "Дата договора"),
    FieldSpec("url", "Страница"),
    FieldSpec("textarea", "Заметки"),
    FieldSpec("radiobutton", "Канал", enums=("Звонок", "Почта", "Сайт")),
    FieldSpec("streetaddress", "Адрес доставки"),
    FieldSpec("smart_address", "Адрес", enums=_SMART_ADDRESS),
    FieldSpec("birthday", "День рождения", extra={"remind": "never"}),
    FieldSpec("legal_entity", "Юр. лицо"),
    FieldSpec("date_time", "Встреча"),
    FieldSpec("monetary", "Сумма договора", extra={"currency": "RUB"}),
    FieldSpec("file", "Договор"),
)
"""The field of every type amoCRM has, which leads, contacts and companies all carry."""


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
            code = self.enum_code(enum)
            if code:
                self.enum_by_code[code.upper()] = enum

    def enum_code(self, enum: dict[str, Any]) -> str | None:
        code = enum.get("code")
        if code:
            return str(code)
        if self.type in _CODED_ENUM_TYPES:
            return str(enum["value"])
        return None


def add_fields(
    definitions: dict[int, FieldDef],
    by_code: dict[str, FieldDef],
    entity_type: str,
    specs: Iterable[FieldSpec],
    next_id: Callable[[str], int],
) -> None:
    """Create the definitions of ``specs`` (ids from the ``fields`` and ``enums`` counters)."""
    for spec in specs:
        enums = None
        if spec.enums is not None:
            enums = [
                {"id": next_id("enums"), "value": value, "sort": 10 * (i + 1)}
                for i, value in enumerate(spec.enums)
            ]
        definition = FieldDef(
            id=next_id("fields"),
            name=spec.name,
            type=spec.type,
            code=spec.code,
            sort=10 * (len(definitions) + 1),
            entity_type=entity_type,
            enums=enums,
            is_predefined=spec.predefined or spec.code is not None,
            extra=dict(spec.extra or {}),
        )
        definition.index_enums()
        definitions[definition.id] = definition
        if spec.code:
            by_code[spec.code.upper()] = definition


# ----------------------------------------------------------------------------------------------
# Value validation: one checker per field type
# ----------------------------------------------------------------------------------------------

Checker = Callable[[FieldDef, dict[str, Any], str, list[Issue]], "dict[str, Any] | None"]


def _parse_date(value: object) -> int | None:
    if is_int(value):
        return value if value >= 0 else None
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return int(parsed.timestamp()) if parsed.tzinfo is not None else None


def _number(value: object) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            float(value)
        except ValueError:
            return None
        return value
    return None


def _scalar(convert: Callable[[object], Any], type_name: str) -> Checker:
    """``{"value": convert(value)}``, or an ``InvalidType`` issue when ``convert`` gives None."""

    def check(
        definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
    ) -> dict[str, Any] | None:
        value = convert(item.get("value"))
        if value is None:
            issues.append(invalid_type(f"{path}.value", type_name))
            return None
        return {"value": value}

    return check


_string = _scalar(lambda value: value if isinstance(value, str) else None, "string")
_checkbox = _scalar(lambda value: value if isinstance(value, bool) else None, "bool")
_numeric = _scalar(_number, "numeric")
_date = _scalar(_parse_date, "date (RFC 3339 or unix timestamp)")


def _enum_by_id_or_code(
    definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    if item.get("enum_id") is not None:
        enum_id = item["enum_id"]
        if not is_int(enum_id):
            issues.append(invalid_type(f"{path}.enum_id", "int"))
            return None
        enum = definition.enum_by_id.get(enum_id)
        if enum is None:
            issues.append(not_supported(f"{path}.enum_id"))
        return enum
    code = item["enum_code"]
    if not isinstance(code, str):
        issues.append(invalid_type(f"{path}.enum_code", "string"))
        return None
    enum = definition.enum_by_code.get(code.upper())
    if enum is None:
        issues.append(not_supported(f"{path}.enum_code"))
    return enum


def _resolve_enum(
    definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    if item.get("enum_id") is not None or item.get("enum_code") is not None:
        return _enum_by_id_or_code(definition, item, path, issues)
    if definition.type not in _ENUM_TYPES:
        # multitext / smart_address default to their first enum (WORK / address_line_1)
        return definition.enums[0] if definition.enums else None
    value = item.get("value")
    if not isinstance(value, str):
        missing = value is None
        issues.append(
            required(f"{path}.enum_id") if missing else invalid_type(f"{path}.value", "string")
        )
        return None
    enum = definition.enum_by_value.get(value.casefold())
    if enum is None:
        issues.append(not_supported(f"{path}.value"))
    return enum


def _enum_value(definition: FieldDef, enum: dict[str, Any], value: Any) -> dict[str, Any]:
    return {"value": value, "enum_id": enum["id"], "enum_code": definition.enum_code(enum)}


def _select(
    definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    enum = _resolve_enum(definition, item, path, issues)
    return None if enum is None else _enum_value(definition, enum, enum["value"])


def _multitext(
    definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    value = item.get("value")
    if not isinstance(value, str):
        issues.append(invalid_type(f"{path}.value", "string"))
        return None
    enum = _resolve_enum(definition, item, path, issues)
    return None if enum is None else _enum_value(definition, enum, value)


def _object_with(key: str) -> Checker:
    """Object values (legal entity, file) that must carry one string key."""

    def check(
        definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
    ) -> dict[str, Any] | None:
        value = item.get("value")
        if not isinstance(value, dict):
            issues.append(invalid_type(f"{path}.value", "object"))
            return None
        if not isinstance(value.get(key), str):
            issues.append(invalid_type(f"{path}.value.{key}", "string"))
            return None
        return {"value": dict(value)}

    return check


def _chained_list(
    definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    bad = [key for key in ("catalog_id", "catalog_element_id") if not is_int(item.get(key))]
    issues.extend(invalid_type(f"{path}.{key}", "int") for key in bad)
    if bad:
        return None
    if str(item["catalog_id"]) not in definition.extra.get("chained_lists", {}):
        issues.append(not_supported(f"{path}.catalog_id"))
        return None
    return {"catalog_id": item["catalog_id"], "catalog_element_id": item["catalog_element_id"]}


def _as_given(
    definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    return {"value": item.get("value")}


_CHECKERS: dict[str, Checker] = {
    **dict.fromkeys(_PLAIN_STRING_TYPES, _string),
    **dict.fromkeys(_NUMBER_TYPES, _numeric),
    **dict.fromkeys(_DATE_TYPES, _date),
    **dict.fromkeys(_ENUM_TYPES, _select),
    **dict.fromkeys(_CODED_ENUM_TYPES, _multitext),
    "checkbox": _checkbox,
    "legal_entity": _object_with("name"),
    "file": _object_with("file_uuid"),
    "chained_list": _chained_list,
}


def _validate_value(
    definition: FieldDef, item: object, path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        issues.append(invalid_type(path, "object"))
        return None
    allowed = _CHAINED_KEYS if definition.type == "chained_list" else _VALUE_KEYS
    unexpected = [key for key in item if key not in allowed]
    if unexpected:
        issues.extend(not_expected(f"{path}.{key}") for key in unexpected)
        return None
    return _CHECKERS.get(definition.type, _as_given)(definition, item, path, issues)


def _definition(
    definitions: dict[int, FieldDef],
    by_code: dict[str, FieldDef],
    field_json: dict[str, Any],
    path: str,
    issues: list[Issue],
) -> FieldDef | None:
    """The definition a value addresses by ``field_id`` (or else ``field_code``)."""
    field_id = field_json.get("field_id")
    field_code = field_json.get("field_code")
    found: FieldDef | None = None
    if field_id is not None:
        if not is_int(field_id):
            issues.append(invalid_type(f"{path}.field_id", "int"))
            return None
        found = definitions.get(field_id)
        if found is None:
            issues.append(not_supported(f"{path}.field_id"))
    elif field_code is not None:
        if not isinstance(field_code, str):
            issues.append(invalid_type(f"{path}.field_code", "string"))
            return None
        found = by_code.get(field_code.upper())
        if found is None:
            issues.append(not_supported(f"{path}.field_code"))
    else:
        issues.append(required(f"{path}.field_id"))
    return found


def _validate_field(
    definitions: dict[int, FieldDef],
    by_code: dict[str, FieldDef],
    field_json: object,
    path: str,
    issues: list[Issue],
    changes: dict[int, Values | None],
) -> None:
    if not isinstance(field_json, dict):
        issues.append(invalid_type(path, "object"))
        return
    unexpected = [key for key in field_json if key not in _FIELD_KEYS]
    if unexpected:
        issues.extend(not_expected(f"{path}.{key}") for key in unexpected)
        return
    definition = _definition(definitions, by_code, field_json, path, issues)
    if definition is None:
        return
    if "values" not in field_json:
        issues.append(required(f"{path}.values"))
        return
    values = field_json["values"]
    if values is None or values == []:
        changes[definition.id] = None
        return
    if not isinstance(values, list):
        issues.append(invalid_type(f"{path}.values", "array"))
        return
    stored = [
        value
        for index, item in enumerate(values)
        if (value := _validate_value(definition, item, f"{path}.values.{index}", issues))
        is not None
    ]
    if len(stored) == len(values):
        changes[definition.id] = stored


def validate_custom_fields(
    definitions: dict[int, FieldDef],
    by_code: dict[str, FieldDef],
    raw: object,
    path: str = "custom_fields_values",
) -> tuple[list[Issue], dict[int, Values | None]]:
    """Validate ``custom_fields_values``; return issues and field id → new values (None clears)."""
    issues: list[Issue] = []
    changes: dict[int, Values | None] = {}
    if raw is None:
        return issues, changes
    if not isinstance(raw, list):
        return [invalid_type(path, "array")], changes
    for index, field_json in enumerate(raw):
        _validate_field(definitions, by_code, field_json, f"{path}.{index}", issues, changes)
    return issues, changes


def render_values(
    definitions: dict[int, FieldDef], cf: dict[int, Values]
) -> list[dict[str, Any]] | None:
    if not cf:
        return None
    out = []
    for field_id, values in cf.items():
        definition = definitions.get(field_id)
        if definition is None:
            continue
        out.append(
            {
                "field_id": field_id,
                "field_name": definition.name,
                "field_code": definition.code,
                "field_type": definition.type,
                "values": values,
            }
        )
    return out or None


def render_definition(definition: FieldDef, account_id: int, base: str) -> dict[str, Any]:
    entity_type = definition.entity_type
    return {
        "id": definition.id,
        "name": definition.name,
        "type": definition.type,
        "account_id": account_id,
        "code": definition.code,
        "sort": definition.sort,
        "is_api_only": False,
        "enums": [dict(e) for e in definition.enums] if definition.enums is not None else None,
        "group_id": None,
        "required_statuses": [],
        "is_deletable": not definition.is_predefined,
        "is_predefined": definition.is_predefined,
        "entity_type": entity_type,
        "tracking_callback": None,
        "remind": definition.extra.get("remind"),
        "triggers": [],
        "currency": definition.extra.get("currency"),
        "hidden_statuses": [],
        "chained_lists": definition.extra.get("chained_lists"),
        "_links": {"self": {"href": f"{base}/api/v4/{entity_type}/custom_fields/{definition.id}"}},
    }
