"""Custom-field definitions: the public sample parses as its typed class and serialises back;
every type has a class; write rules per owner; building values by code (``set_field``)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from amocrm_async.models import (
    CUSTOM_FIELD_TYPES,
    DEFINITIONS_BY_TYPE,
    BirthdayFieldDefinition,
    CategoryFieldDefinition,
    Contact,
    CustomFieldDefinition,
    CustomFieldEnum,
    CustomFieldGroup,
    FieldDefinitions,
    GenericFieldDefinition,
    Lead,
    MonetaryFieldDefinition,
    MultitextCustomFieldValues,
    MultitextFieldDefinition,
    MultitextValue,
    NumericCustomFieldValues,
    SelectCustomFieldValues,
    SelectFieldDefinition,
    SelectValue,
    TextFieldDefinition,
    UnknownFieldError,
    collection_adapter,
)

from ..samples import sample


def without_nulls(value: Any) -> Any:
    """The JSON with every null member dropped (a struct dumps its unset fields as null)."""
    if isinstance(value, dict):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def created_select() -> dict[str, Any]:
    return dict(sample("custom_field_definitions", "kommo_201_create_select"))


def test_sample_parses_as_its_type_and_dumps_back_unchanged() -> None:
    body = created_select()
    field = CustomFieldDefinition.model_validate(body)
    assert isinstance(field, SelectFieldDefinition)
    assert [(e.id, e.value) for e in field.enums or ()] == [
        (867968, "New"),
        (867970, "Regular"),
        (867972, "VIP"),
    ]
    assert field.links is not None and field.links.self_ is not None
    dumped = json.loads(field.model_dump_json(by_alias=True))
    assert without_nulls(dumped) == without_nulls(body)


def test_sample_write_payload_is_what_a_leads_field_may_send() -> None:
    payload = CustomFieldDefinition.model_validate(created_select()).to_api()
    assert payload == {
        "id": 1016236,
        "type": "select",
        "name": "Client Type",
        "sort": 500,
        "is_api_only": False,
        "required_statuses": [],
        "enums": [
            {"id": 867968, "value": "New", "sort": 500},
            {"id": 867970, "value": "Regular", "sort": 500},
            {"id": 867972, "value": "VIP", "sort": 500},
        ],
    }


@pytest.mark.parametrize("field_type", sorted(CUSTOM_FIELD_TYPES))
def test_every_type_has_its_class(field_type: str) -> None:
    parsed = CustomFieldDefinition.model_validate({"id": 1, "type": field_type, "name": "F"})
    assert type(parsed) is DEFINITIONS_BY_TYPE[field_type]
    assert parsed.to_api()["type"] == field_type
    assert type(DEFINITIONS_BY_TYPE[field_type](name="F")).model_fields["type"].default == (
        field_type
    )


def test_26_types_and_unknown_ones_parse_generic() -> None:
    assert len(CUSTOM_FIELD_TYPES) == 26
    parsed = CustomFieldDefinition.model_validate({"id": 3, "type": "hologram", "colour": "x"})
    assert isinstance(parsed, GenericFieldDefinition) and parsed.type == "hologram"
    with pytest.raises(ValueError, match="typed model"):
        GenericFieldDefinition(type="text")
    with pytest.raises(TypeError, match="base of the field types"):
        CustomFieldDefinition(name="x")


def test_a_page_of_definitions_is_typed() -> None:
    page = collection_adapter("custom_fields", CustomFieldDefinition).validate_python(
        {"_embedded": {"custom_fields": [created_select(), {"id": 2, "type": "birthday"}]}}
    )
    assert [type(item) for item in page.items] == [
        SelectFieldDefinition,
        BirthdayFieldDefinition,
    ]


def test_type_settings() -> None:
    birthday = BirthdayFieldDefinition(name="BD", remind="week")
    assert birthday.to_api() == {"type": "birthday", "name": "BD", "remind": "week"}
    with pytest.raises(ValueError, match="remind"):
        BirthdayFieldDefinition(name="BD", remind="yearly")
    assert MonetaryFieldDefinition(name="Sum", currency="EUR").to_api()["currency"] == "EUR"
    category = CategoryFieldDefinition.model_validate(
        {"id": 5, "type": "category", "nested": [{"id": 1, "parent_id": None, "value": "A"}]}
    )
    assert category.to_api()["nested"] == [{"id": 1, "parent_id": None, "value": "A", "sort": None}]
    assert [o.value for o in category.options] == ["A"]


def test_owner_specific_keys_are_dropped_for_other_owners() -> None:
    catalog_field = TextFieldDefinition.model_validate(
        {"id": 1, "type": "text", "entity_type": "catalogs", "is_visible": True,
         "is_required": False, "is_api_only": False, "required_statuses": []}
    )  # fmt: skip
    assert catalog_field.to_api() == {
        "id": 1, "type": "text", "is_visible": True, "is_required": False
    }  # fmt: skip
    lead_field = TextFieldDefinition.model_validate(
        {"id": 1, "type": "text", "entity_type": "leads", "is_deletable": True,
         "is_api_only": True, "required_statuses": [{"status_id": 1, "pipeline_id": 2}]}
    )  # fmt: skip
    assert lead_field.to_api() == {"id": 1, "type": "text", "is_api_only": True}


def test_group_ids_are_strings_and_server_fields_are_not_sent() -> None:
    group = CustomFieldGroup.model_validate(
        {"id": "leads_1584961524", "name": "Extra", "sort": 2, "entity_type": "leads",
         "is_predefined": False, "fields": [5, 6]}
    )  # fmt: skip
    assert group.to_api() == {
        "id": "leads_1584961524",
        "name": "Extra",
        "sort": 2,
        "fields": [5, 6],
    }


# ----------------------------------------------------------------------------------------------
# set_field / field
# ----------------------------------------------------------------------------------------------


def definitions() -> FieldDefinitions:
    return FieldDefinitions(
        [
            MultitextFieldDefinition(
                id=10,
                name="Телефон",
                code="PHONE",
                enums=[CustomFieldEnum(id=1, value="WORK"), CustomFieldEnum(id=2, value="MOB")],
            ),
            SelectFieldDefinition(
                id=20,
                name="Тариф",
                enums=[CustomFieldEnum(id=7, value="Базовый"), CustomFieldEnum(id=8, value="Pro")],
            ),
            CustomFieldDefinition.model_validate({"id": 30, "type": "numeric", "name": "Кол-во"}),
            CustomFieldDefinition.model_validate({"id": 40, "type": "checkbox", "name": "VIP"}),
            CustomFieldDefinition.model_validate({"id": 50, "type": "date", "name": "Дата"}),
        ]
    )


def test_set_field_builds_the_typed_wrapper_from_the_definitions() -> None:
    contact, fields = Contact(name="Ann"), definitions()
    phone = contact.set_field("phone", "+79990001122", enum_code="mob", definitions=fields)
    assert phone == MultitextCustomFieldValues(
        field_id=10,
        field_code="PHONE",
        field_name="Телефон",
        values=[MultitextValue(value="+79990001122", enum_code="MOB")],
    )
    contact.set_field("Тариф", "pro", definitions=fields)
    contact.set_field(30, 12.5, definitions=fields)
    contact.set_field("VIP", True, definitions=fields)
    contact.set_field("Дата", date(2024, 5, 1), definitions=fields)
    payload = contact.to_api()["custom_fields_values"]
    assert payload[:3] == [
        {"field_id": 10, "field_code": "PHONE",
         "values": [{"value": "+79990001122", "enum_id": None, "enum_code": "MOB"}]},
        {"field_id": 20, "values": [{"value": "Pro", "enum_id": 8, "enum_code": None}]},
        {"field_id": 30, "values": [{"value": "12.5"}]},
    ]  # fmt: skip
    assert payload[3] == {"field_id": 40, "values": [{"value": True}]}
    assert payload[4]["values"][0]["value"].startswith("2024-05-01T00:00:00")
    assert isinstance(contact.field("Тариф", definitions=fields), SelectCustomFieldValues)
    assert contact.field(30) is not None and contact.field("nope") is None


def test_set_field_replaces_the_field_and_works_from_the_entity_alone() -> None:
    lead = Lead.model_validate(
        {"id": 1, "custom_fields_values": [
            {"field_id": 30, "field_code": None, "field_name": "Кол-во", "field_type": "numeric",
             "values": [{"value": "1"}]}]}
    )  # fmt: skip
    built = lead.set_field(30, "7")
    assert isinstance(built, NumericCustomFieldValues) and lead.field(30) == built
    assert lead.to_api()["custom_fields_values"] == [{"field_id": 30, "values": [{"value": "7"}]}]


@pytest.mark.parametrize(
    ("code", "values", "kwargs", "error", "match"),
    [
        ("FAX", ("1",), {}, UnknownFieldError, "no custom field 'FAX'"),
        ("Тариф", ("Gold",), {}, ValueError, "no option with value 'Gold'"),
        ("PHONE", ("+7",), {"enum_code": "HOME"}, ValueError, "no option with code 'HOME'"),
        ("PHONE", (79990001122,), {}, TypeError, "takes str, got int"),
        (30, ("many",), {}, ValueError, "takes a number"),
        (30, (True,), {}, TypeError, "takes a number, got bool"),
        ("VIP", ("yes",), {}, TypeError, "takes bool"),
        ("Дата", ("someday",), {}, TypeError, "Дата"),
        (30, ("1",), {"enum_id": 3}, ValueError, "has no options"),
        ("PHONE", ("a", "b"), {"enum_code": "WORK"}, ValueError, "one value at a time"),
        ("VIP", (), {}, ValueError, "at least one value"),
    ],
)
def test_errors_come_before_any_request(
    code: int | str, values: tuple[Any, ...], kwargs: dict[str, Any], error: type, match: str
) -> None:
    contact = Contact(name="Ann")
    with pytest.raises(error, match=match):
        contact.set_field(code, *values, definitions=definitions(), **kwargs)
    assert contact.custom_fields_values is None


def test_without_definitions_an_unknown_field_says_where_to_get_them() -> None:
    with pytest.raises(UnknownFieldError, match=r"custom_fields\.definitions"):
        Contact(name="x").set_field("PHONE", "+7")


def test_select_by_enum_id_needs_no_value() -> None:
    lead = Lead(name="x")
    lead.set_field(20, enum_id=7, definitions=definitions())
    assert lead.to_api()["custom_fields_values"] == [
        {"field_id": 20, "values": [{"value": None, "enum_id": 7, "enum_code": None}]}
    ]


def test_datetimes_pass_through() -> None:
    lead = Lead(name="x")
    lead.set_field("Дата", datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), definitions=definitions())
    assert lead.to_api()["custom_fields_values"][0]["values"] == [
        {"value": "2024-01-02T03:04:05+00:00"}
    ]


def test_a_phone_kind_by_enum_id_and_a_plain_list_of_definitions() -> None:
    """``enum_id`` names a multitext kind by its option id; definitions may be any iterable."""
    listed = list(definitions())
    contact = Contact(name="Ann")
    contact.set_field("PHONE", "+79990001122", enum_id=2, definitions=listed)
    assert contact.to_api()["custom_fields_values"] == [
        {
            "field_id": 10,
            "field_code": "PHONE",
            "values": [{"value": "+79990001122", "enum_id": None, "enum_code": "MOB"}],
        }
    ]
    assert contact.field("Тариф", definitions=listed) is None
    assert definitions()[0].code == "PHONE" and definitions()[-1].name == "Дата"


def test_a_definition_without_id_or_code_cannot_build_a_value() -> None:
    with pytest.raises(ValueError, match="'Draft' has neither id nor code"):
        TextFieldDefinition(name="Draft").values_of("x")


def test_a_ready_value_item_is_taken_as_it_is() -> None:
    lead = Lead(name="x")
    lead.set_field(20, SelectValue(value="Pro", enum_id=8), definitions=definitions())
    assert lead.to_api()["custom_fields_values"] == [
        {"field_id": 20, "values": [{"value": "Pro", "enum_id": 8, "enum_code": None}]}
    ]
