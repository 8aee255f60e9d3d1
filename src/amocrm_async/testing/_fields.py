"""Custom fields: definition JSON, value validation (per type) and value rendering."""

from __future__ import annotations

from datetime import datetime
from typing import Any, NamedTuple

from amocrm_async.testing._state import Account, FieldDef

__all__ = [
    "TEXT_TYPES",
    "Issue",
    "invalid_type",
    "not_expected",
    "not_supported",
    "render_definition",
    "render_values",
    "required",
    "validate_custom_fields",
]

TEXT_TYPES = frozenset(
    {"text", "textarea", "url", "streetaddress", "tracking_data", "multitext", "smart_address"}
)
_PLAIN_STRING_TYPES = frozenset({"text", "textarea", "url", "streetaddress", "tracking_data"})
_NUMBER_TYPES = frozenset({"numeric", "monetary"})
_DATE_TYPES = frozenset({"date", "date_time", "birthday"})
_ENUM_TYPES = frozenset({"select", "multiselect", "radiobutton"})
_VALUE_KEYS = frozenset({"value", "enum_id", "enum_code"})
_CHAINED_KEYS = frozenset({"catalog_id", "catalog_element_id"})
_FIELD_KEYS = frozenset({"field_id", "field_code", "field_name", "field_type", "values"})


class Issue(NamedTuple):
    """One entry of ``validation-errors[].errors``."""

    code: str
    path: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "detail": self.detail}


def invalid_type(path: str, type_name: str) -> Issue:
    return Issue("InvalidType", path, f"This value should be of type {type_name}.")


def not_supported(path: str) -> Issue:
    return Issue("NotSupportedChoice", path, "The value you selected is not a valid choice.")


def not_expected(path: str) -> Issue:
    return Issue("FieldNotExpected", path, "This field was not expected.")


def required(path: str) -> Issue:
    return Issue("NotBlank", path, "This value should not be blank.")


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _parse_date(value: object) -> int | None:
    if is_int(value):
        return value if value >= 0 else None  # type: ignore[operator,return-value]
    if isinstance(value, str) and value:
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is None:
            return None
        return int(parsed.timestamp())
    return None


def _resolve_enum(
    definition: FieldDef, item: dict[str, Any], path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    if "enum_id" in item and item["enum_id"] is not None:
        enum_id = item["enum_id"]
        if not is_int(enum_id):
            issues.append(invalid_type(f"{path}.enum_id", "int"))
            return None
        enum = definition.enum_by_id.get(enum_id)
        if enum is None:
            issues.append(not_supported(f"{path}.enum_id"))
        return enum
    if "enum_code" in item and item["enum_code"] is not None:
        code = item["enum_code"]
        if not isinstance(code, str):
            issues.append(invalid_type(f"{path}.enum_code", "string"))
            return None
        enum = definition.enum_by_code.get(code.upper())
        if enum is None:
            issues.append(not_supported(f"{path}.enum_code"))
        return enum
    if definition.type in _ENUM_TYPES:
        value = item.get("value")
        if not isinstance(value, str):
            issues.append(
                required(f"{path}.enum_id")
                if value is None
                else invalid_type(f"{path}.value", "string")
            )
            return None
        enum = definition.enum_by_value.get(value.casefold())
        if enum is None:
            issues.append(not_supported(f"{path}.value"))
        return enum
    # multitext / smart_address default to their first enum (WORK / address_line_1)
    return definition.enums[0] if definition.enums else None


def _validate_value(
    definition: FieldDef, item: object, path: str, issues: list[Issue]
) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        issues.append(invalid_type(path, "object"))
        return None
    ftype = definition.type
    allowed = _CHAINED_KEYS if ftype == "chained_list" else _VALUE_KEYS
    before = len(issues)
    for key in item:
        if key not in allowed:
            issues.append(not_expected(f"{path}.{key}"))
    if len(issues) != before:
        return None
    value = item.get("value")
    vpath = f"{path}.value"
    if ftype in _PLAIN_STRING_TYPES:
        if not isinstance(value, str):
            issues.append(invalid_type(vpath, "string"))
            return None
        return {"value": value}
    if ftype in _NUMBER_TYPES:
        if _is_number(value):
            return {"value": value}
        if isinstance(value, str):
            try:
                float(value)
            except ValueError:
                pass
            else:
                return {"value": value}
        issues.append(invalid_type(vpath, "numeric"))
        return None
    if ftype == "checkbox":
        if not isinstance(value, bool):
            issues.append(invalid_type(vpath, "bool"))
            return None
        return {"value": value}
    if ftype in _DATE_TYPES:
        stamp = _parse_date(value)
        if stamp is None:
            issues.append(invalid_type(vpath, "date (RFC 3339 or unix timestamp)"))
            return None
        return {"value": stamp}
    if ftype in _ENUM_TYPES or ftype in ("multitext", "smart_address"):
        if ftype in ("multitext", "smart_address") and not isinstance(value, str):
            issues.append(invalid_type(vpath, "string"))
            return None
        enum = _resolve_enum(definition, item, path, issues)
        if enum is None:
            return None
        rendered_value = value if ftype in ("multitext", "smart_address") else enum["value"]
        return {
            "value": rendered_value,
            "enum_id": enum["id"],
            "enum_code": definition.enum_code(enum),
        }
    if ftype == "legal_entity":
        if not isinstance(value, dict):
            issues.append(invalid_type(vpath, "object"))
            return None
        if not isinstance(value.get("name"), str):
            issues.append(invalid_type(f"{vpath}.name", "string"))
            return None
        return {"value": dict(value)}
    if ftype == "file":
        if not isinstance(value, dict):
            issues.append(invalid_type(vpath, "object"))
            return None
        if not isinstance(value.get("file_uuid"), str):
            issues.append(invalid_type(f"{vpath}.file_uuid", "string"))
            return None
        return {"value": dict(value)}
    if ftype == "chained_list":
        ok = True
        for key in ("catalog_id", "catalog_element_id"):
            if not is_int(item.get(key)):
                issues.append(invalid_type(f"{path}.{key}", "int"))
                ok = False
        if not ok:
            return None
        if str(item["catalog_id"]) not in definition.extra.get("chained_lists", {}):
            issues.append(not_supported(f"{path}.catalog_id"))
            return None
        return {"catalog_id": item["catalog_id"], "catalog_element_id": item["catalog_element_id"]}
    # Unknown/other types: keep the value as given.
    return {"value": value}


def validate_custom_fields(
    account: Account, entity_type: str, raw: object, path: str = "custom_fields_values"
) -> tuple[list[Issue], dict[int, list[dict[str, Any]] | None]]:
    """Validate ``custom_fields_values``; return issues and field id → new values (None clears)."""
    issues: list[Issue] = []
    changes: dict[int, list[dict[str, Any]] | None] = {}
    if raw is None:
        return issues, changes
    if not isinstance(raw, list):
        return [invalid_type(path, "array")], changes
    definitions = account.fields[entity_type]
    by_code = account.fields_by_code[entity_type]
    for index, field in enumerate(raw):
        fpath = f"{path}.{index}"
        if not isinstance(field, dict):
            issues.append(invalid_type(fpath, "object"))
            continue
        unexpected = [key for key in field if key not in _FIELD_KEYS]
        if unexpected:
            issues.extend(not_expected(f"{fpath}.{key}") for key in unexpected)
            continue
        definition: FieldDef | None = None
        field_id = field.get("field_id")
        field_code = field.get("field_code")
        if field_id is not None:
            if not is_int(field_id):
                issues.append(invalid_type(f"{fpath}.field_id", "int"))
                continue
            definition = definitions.get(field_id)
            if definition is None:
                issues.append(not_supported(f"{fpath}.field_id"))
                continue
        elif field_code is not None:
            if not isinstance(field_code, str):
                issues.append(invalid_type(f"{fpath}.field_code", "string"))
                continue
            definition = by_code.get(field_code.upper())
            if definition is None:
                issues.append(not_supported(f"{fpath}.field_code"))
                continue
        else:
            issues.append(required(f"{fpath}.field_id"))
            continue
        if "values" not in field:
            issues.append(required(f"{fpath}.values"))
            continue
        values = field["values"]
        if values is None or values == []:
            changes[definition.id] = None
            continue
        if not isinstance(values, list):
            issues.append(invalid_type(f"{fpath}.values", "array"))
            continue
        stored: list[dict[str, Any]] = []
        for vindex, item in enumerate(values):
            value = _validate_value(definition, item, f"{fpath}.values.{vindex}", issues)
            if value is not None:
                stored.append(value)
        if len(stored) == len(values):
            changes[definition.id] = stored
    return issues, changes


def render_values(
    account: Account, entity_type: str, cf: dict[int, list[dict[str, Any]]]
) -> list[dict[str, Any]] | None:
    if not cf:
        return None
    definitions = account.fields[entity_type]
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


def render_definition(definition: FieldDef, account: Account, base: str) -> dict[str, Any]:
    entity_type = definition.entity_type
    return {
        "id": definition.id,
        "name": definition.name,
        "type": definition.type,
        "account_id": account.id,
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
