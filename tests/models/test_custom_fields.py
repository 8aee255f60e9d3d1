"""Custom-field values: every type parses from the documented read JSON and writes the
documented write JSON (api-surface.md §8.3); plus unknown types, clearing and the helpers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from amocrm_async.models import (
    CUSTOM_FIELD_VALUES_BY_TYPE,
    BirthdayCustomFieldValues,
    BirthdayValue,
    CategoryCustomFieldValues,
    CategoryValue,
    ChainedListCustomFieldValues,
    ChainedListValue,
    CheckboxCustomFieldValues,
    CheckboxValue,
    Contact,
    CustomFieldValues,
    DateCustomFieldValues,
    DateTimeCustomFieldValues,
    DateTimeValue,
    DateValue,
    FileCustomFieldValues,
    FileInfo,
    FileValue,
    GenericCustomFieldValues,
    InvoiceItem,
    ItemDiscount,
    ItemsCustomFieldValues,
    ItemsValue,
    Lead,
    LegalEntity,
    LegalEntityCustomFieldValues,
    LegalEntityValue,
    LinkedEntity,
    LinkedEntityCustomFieldValues,
    LinkedEntityValue,
    MonetaryCustomFieldValues,
    MonetaryValue,
    MultiselectCustomFieldValues,
    MultiselectValue,
    MultitextCustomFieldValues,
    MultitextValue,
    NumericCustomFieldValues,
    NumericValue,
    OrgLegalNameCustomFieldValues,
    OrgLegalNameValue,
    Payer,
    PayerCustomFieldValues,
    PayerValue,
    PriceCustomFieldValues,
    PriceValue,
    RadiobuttonCustomFieldValues,
    RadiobuttonValue,
    SelectCustomFieldValues,
    SelectValue,
    SmartAddressCustomFieldValues,
    SmartAddressValue,
    StreetAddressCustomFieldValues,
    StreetAddressValue,
    Supplier,
    SupplierCustomFieldValues,
    SupplierValue,
    TextareaCustomFieldValues,
    TextareaValue,
    TextCustomFieldValues,
    TextValue,
    TrackingDataCustomFieldValues,
    TrackingDataValue,
    UrlCustomFieldValues,
    UrlValue,
)

FIELDS = TypeAdapter(list[CustomFieldValues])

LEGAL_ENTITY_READ = {
    "name": "Romashka LLC",
    "entity_type": 2,
    "vat_id": "7701234567",
    "tax_registration_reason_code": "1027700132195",
    "address": "Moscow, Lenina 1",
    "kpp": "770101001",
    "bank_code": "044525225",
    "external_uid": None,
    "unp": None,
    "real_address": None,
    "bin": None,
    "egrpou": None,
    "mfo": None,
    "bank_account_number": "40702810400000000001",
    "oked": None,
    "director": "Ivanov I. I.",
}
LEGAL_ENTITY_WRITE = {k: v for k, v in LEGAL_ENTITY_READ.items() if v is not None}

ITEM_READ = {
    "sku": "SKU-1",
    "description": "Consulting",
    "unit_price": 1500,
    "quantity": 2,
    "unit_type": "pcs",
    "discount": {"type": "percentage", "value": 10},
    "vat_rate_id": 0,
    "vat_rate_value": 20,
    "external_uid": "ext-1",
    "product_id": 777,
    "bonus_points_per_purchase": 5,
    "metadata": {"color": "red"},
    "is_discount_recalculated": False,
    "is_total_sum_recalculated": False,
    "total_sum": 2700.0,
}
ITEM_WRITE = {
    k: v
    for k, v in ITEM_READ.items()
    if k not in {"is_discount_recalculated", "is_total_sum_recalculated", "total_sum"}
}

PAYER_READ = {
    "name": "Payer LLC",
    "vat_id": "7702000000",
    "kpp": "770201001",
    "tax_registration_reason_code": None,
    "address": "Moscow",
    "entity_type": "companies",
    "entity_id": 55,
    "bank_code": None,
    "unp": None,
    "bin": None,
    "egrpou": None,
    "real_address": None,
    "mfo": None,
    "bank_account_number": None,
    "oked": None,
    "phone": "+74950000000",
    "email": "pay@example.com",
    "director": None,
    "type": "legal",
}
PAYER_WRITE = {k: v for k, v in PAYER_READ.items() if v is not None}

SUPPLIER_READ = {
    "entity_id": 3,
    "name": "Supplier IE",
    "vat_id": "500100732259",
    "kpp": None,
    "tax_registration_reason_code": "304500116000157",
    "bank_code": "044525225",
    "address": "Khimki",
    "bank_account_number": "40802810400000000002",
}

FILE_READ = {
    "file_uuid": "2f9a7c3e-1d64-4f5b-9a44-6a0f3c8b1e27",
    "version_uuid": "8c1b2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e",
    "file_name": "contract.pdf",
    "file_size": 10240,
}


def _check_date(expected: datetime) -> Any:
    def check(values: list[Any]) -> None:
        assert values[0].value == expected
        assert values[0].value.tzinfo is not None

    return check


# (field_type, read values, wrapper class, value class, typed check, write values)
CASES: list[tuple[str, list[Any], type, type, Any, list[Any]]] = [
    (
        "text",
        [{"value": "Hello"}],
        TextCustomFieldValues,
        TextValue,
        lambda v: v[0].value == "Hello",
        [{"value": "Hello"}],
    ),
    (
        "numeric",
        [{"value": "12.5"}],
        NumericCustomFieldValues,
        NumericValue,
        lambda v: v[0].value == "12.5",
        [{"value": "12.5"}],
    ),
    (
        "checkbox",
        [{"value": True}],
        CheckboxCustomFieldValues,
        CheckboxValue,
        lambda v: v[0].value is True,
        [{"value": True}],
    ),
    (
        "select",
        [{"value": "Website", "enum_id": 501, "enum_code": None}],
        SelectCustomFieldValues,
        SelectValue,
        lambda v: (v[0].value, v[0].enum_id, v[0].enum_code) == ("Website", 501, None),
        [{"value": "Website", "enum_id": 501, "enum_code": None}],
    ),
    (
        "multiselect",
        [{"value": "Alpha", "enum_id": 601}, {"value": "Beta", "enum_id": 602}],
        MultiselectCustomFieldValues,
        MultiselectValue,
        lambda v: [(i.value, i.enum_id) for i in v] == [("Alpha", 601), ("Beta", 602)],
        [{"value": "Alpha", "enum_id": 601}, {"value": "Beta", "enum_id": 602}],
    ),
    (
        "multitext",
        [
            {"value": "+79990001122", "enum_id": 701, "enum_code": "WORK"},
            {"value": "+79990003344", "enum_id": 703, "enum_code": "MOB"},
        ],
        MultitextCustomFieldValues,
        MultitextValue,
        lambda v: [i.enum_code for i in v] == ["WORK", "MOB"],
        [
            {"value": "+79990001122", "enum_id": 701, "enum_code": "WORK"},
            {"value": "+79990003344", "enum_id": 703, "enum_code": "MOB"},
        ],
    ),
    (
        "date",
        [{"value": 1705276800}],
        DateCustomFieldValues,
        DateValue,
        _check_date(datetime(2024, 1, 15, tzinfo=UTC)),
        [{"value": "2024-01-15T00:00:00+00:00"}],
    ),
    (
        "url",
        [{"value": "https://example.com/a?b=1"}],
        UrlCustomFieldValues,
        UrlValue,
        lambda v: v[0].value == "https://example.com/a?b=1",
        [{"value": "https://example.com/a?b=1"}],
    ),
    (
        "textarea",
        [{"value": "line 1\nline 2"}],
        TextareaCustomFieldValues,
        TextareaValue,
        lambda v: v[0].value == "line 1\nline 2",
        [{"value": "line 1\nline 2"}],
    ),
    (
        "radiobutton",
        [{"value": "Yes", "enum_id": 801}],
        RadiobuttonCustomFieldValues,
        RadiobuttonValue,
        lambda v: (v[0].value, v[0].enum_id) == ("Yes", 801),
        [{"value": "Yes", "enum_id": 801}],
    ),
    (
        "streetaddress",
        [{"value": "Moscow, Tverskaya 1"}],
        StreetAddressCustomFieldValues,
        StreetAddressValue,
        lambda v: v[0].value == "Moscow, Tverskaya 1",
        [{"value": "Moscow, Tverskaya 1"}],
    ),
    (
        "smart_address",
        [{"value": "125009", "enum_id": 3, "enum_code": "zip"}],
        SmartAddressCustomFieldValues,
        SmartAddressValue,
        lambda v: (v[0].value, v[0].enum_id, v[0].enum_code) == ("125009", 3, "zip"),
        [{"value": "125009", "enum_id": 3, "enum_code": "zip"}],
    ),
    (
        "birthday",
        [{"value": "1990-05-20T00:00:00+03:00"}],
        BirthdayCustomFieldValues,
        BirthdayValue,
        _check_date(datetime(1990, 5, 20, tzinfo=timezone(timedelta(hours=3)))),
        [{"value": "1990-05-20T00:00:00+03:00"}],
    ),
    (
        "legal_entity",
        [{"value": LEGAL_ENTITY_READ}],
        LegalEntityCustomFieldValues,
        LegalEntityValue,
        lambda v: (
            isinstance(v[0].value, LegalEntity)
            and (v[0].value.entity_type, v[0].value.kpp) == (2, "770101001")
        ),
        [{"value": LEGAL_ENTITY_WRITE}],
    ),
    (
        "date_time",
        [{"value": 1705314600}],
        DateTimeCustomFieldValues,
        DateTimeValue,
        _check_date(datetime(2024, 1, 15, 10, 30, tzinfo=UTC)),
        [{"value": "2024-01-15T10:30:00+00:00"}],
    ),
    (
        "items",
        [{"value": ITEM_READ}],
        ItemsCustomFieldValues,
        ItemsValue,
        lambda v: (
            isinstance(v[0].value, InvoiceItem)
            and v[0].value.discount == ItemDiscount(type="percentage", value=10)
            and v[0].value.total_sum == 2700.0
        ),
        [{"value": ITEM_WRITE}],
    ),
    (
        "category",
        [{"value": "Services", "enum_id": 901}],
        CategoryCustomFieldValues,
        CategoryValue,
        lambda v: (v[0].value, v[0].enum_id) == ("Services", 901),
        [{"value": "Services", "enum_id": 901}],
    ),
    (
        "price",
        [{"value": 1500}],
        PriceCustomFieldValues,
        PriceValue,
        lambda v: v[0].value == "1500",
        [{"value": "1500"}],
    ),
    (
        "tracking_data",
        [{"value": "google"}],
        TrackingDataCustomFieldValues,
        TrackingDataValue,
        lambda v: v[0].value == "google",
        [{"value": "google"}],
    ),
    (
        "linked_entity",
        [
            {
                "value": {
                    "name": "Widget",
                    "entity_id": 42,
                    "entity_type": "catalog_elements",
                    "catalog_id": 7,
                }
            }
        ],
        LinkedEntityCustomFieldValues,
        LinkedEntityValue,
        lambda v: (
            v[0].value
            == LinkedEntity(
                name="Widget", entity_id=42, entity_type="catalog_elements", catalog_id=7
            )
        ),
        [
            {
                "value": {
                    "name": "Widget",
                    "entity_id": 42,
                    "entity_type": "catalog_elements",
                    "catalog_id": 7,
                }
            }
        ],
    ),
    (
        "org_legal_name",
        [{"value": "Romashka LLC"}],
        OrgLegalNameCustomFieldValues,
        OrgLegalNameValue,
        lambda v: v[0].value == "Romashka LLC",
        [],
    ),
    (
        "monetary",
        [{"value": "1500.50"}],
        MonetaryCustomFieldValues,
        MonetaryValue,
        lambda v: v[0].value == "1500.50",
        [{"value": "1500.50"}],
    ),
    (
        "chained_list",
        [{"catalog_id": 10, "catalog_element_id": 20}],
        ChainedListCustomFieldValues,
        ChainedListValue,
        lambda v: (v[0].catalog_id, v[0].catalog_element_id) == (10, 20),
        [{"catalog_id": 10, "catalog_element_id": 20}],
    ),
    (
        "file",
        [{"value": FILE_READ}],
        FileCustomFieldValues,
        FileValue,
        lambda v: isinstance(v[0].value, FileInfo) and v[0].value.file_size == 10240,
        [{"value": FILE_READ}],
    ),
    (
        "payer",
        [{"value": PAYER_READ}],
        PayerCustomFieldValues,
        PayerValue,
        lambda v: isinstance(v[0].value, Payer) and v[0].value.type == "legal",
        [{"value": PAYER_WRITE}],
    ),
    (
        "supplier",
        [{"value": SUPPLIER_READ}],
        SupplierCustomFieldValues,
        SupplierValue,
        lambda v: isinstance(v[0].value, Supplier) and v[0].value.name == "Supplier IE",
        [{"value": {"entity_id": 3}}],
    ),
]


def read_field(field_type: str, values: list[Any] | None, field_id: int = 1001) -> dict[str, Any]:
    return {
        "field_id": field_id,
        "field_name": f"Field {field_type}",
        "field_code": None,
        "field_type": field_type,
        "values": values,
    }


def test_every_type_has_a_case() -> None:
    assert len(CUSTOM_FIELD_VALUES_BY_TYPE) == 26
    assert sorted(case[0] for case in CASES) == sorted(CUSTOM_FIELD_VALUES_BY_TYPE)


@pytest.mark.parametrize(
    ("field_type", "read_values", "wrapper_cls", "value_cls", "check", "write_values"),
    CASES,
    ids=[case[0] for case in CASES],
)
def test_round_trip(
    field_type: str,
    read_values: list[Any],
    wrapper_cls: type,
    value_cls: type,
    check: Any,
    write_values: list[Any],
) -> None:
    lead = Lead.model_validate(
        {"id": 1, "custom_fields_values": [read_field(field_type, read_values)]}
    )
    assert lead.custom_fields_values is not None
    (field,) = lead.custom_fields_values
    assert type(field) is wrapper_cls
    assert CUSTOM_FIELD_VALUES_BY_TYPE[field_type] is wrapper_cls
    assert (field.field_id, field.field_name, field.field_type) == (
        1001,
        f"Field {field_type}",
        field_type,
    )
    assert field.values is not None
    assert all(type(item) is value_cls for item in field.values)
    assert check(field.values) is not False

    payload = lead.to_api()
    if field_type == "org_legal_name":
        assert "custom_fields_values" not in payload
        assert field.to_api() == {"field_id": 1001, "values": read_values}
    else:
        assert payload["custom_fields_values"] == [{"field_id": 1001, "values": write_values}]
        assert field.to_api() == {"field_id": 1001, "values": write_values}


def test_org_legal_name_is_skipped_among_other_fields() -> None:
    contact = Contact.model_validate(
        {
            "id": 5,
            "custom_fields_values": [
                read_field("org_legal_name", [{"value": "Org LLC"}], field_id=1),
                read_field("text", [{"value": "kept"}], field_id=2),
            ],
        }
    )
    assert contact.to_api()["custom_fields_values"] == [
        {"field_id": 2, "values": [{"value": "kept"}]}
    ]


def test_unknown_field_type_becomes_generic() -> None:
    raw = read_field("hologram", [{"value": {"x": 1}, "extra": "kept"}], field_id=77)
    (field,) = FIELDS.validate_python([raw])
    assert type(field) is GenericCustomFieldValues
    assert field.field_type == "hologram"
    assert field.values == [{"value": {"x": 1}, "extra": "kept"}]
    assert field.first_value == {"x": 1}
    assert field.to_api() == {"field_id": 77, "values": [{"value": {"x": 1}, "extra": "kept"}]}


def test_unknown_field_type_in_a_json_page_does_not_fail_the_entity() -> None:
    body = (
        b'{"id": 3, "custom_fields_values": ['
        b'{"field_id": 1, "field_type": "text", "values": [{"value": "a"}]},'
        b'{"field_id": 2, "field_type": "future_type", "values": [{"foo": "bar"}]}]}'
    )
    lead = Lead.model_validate_json(body)
    assert lead.custom_fields_values is not None
    assert [type(f) for f in lead.custom_fields_values] == [
        TextCustomFieldValues,
        GenericCustomFieldValues,
    ]


def test_known_type_with_bad_values_is_an_error_not_generic() -> None:
    raw = read_field("checkbox", [{"value": "maybe"}])
    with pytest.raises(ValidationError) as err:
        Lead.model_validate({"custom_fields_values": [raw]})
    locs = [".".join(map(str, e["loc"])) for e in err.value.errors()]
    assert "custom_fields_values.0.typed.checkbox.values.0.value" in locs
    assert "field_type 'checkbox' has a typed model" in str(err.value)


def test_invalid_value_names_the_field() -> None:
    with pytest.raises(ValidationError) as err:
        SelectValue(value="A", enum_id="not-a-number")  # type: ignore[arg-type]
    assert err.value.errors()[0]["loc"] == ("enum_id",)

    with pytest.raises(ValidationError) as err:
        DateValue(value="yesterday-ish")  # type: ignore[arg-type]
    assert err.value.errors()[0]["loc"] == ("value",)

    field = TextCustomFieldValues.of("x", field_id=1)
    with pytest.raises(ValidationError) as err:
        field.field_id = "abc"  # type: ignore[assignment]
    assert err.value.errors()[0]["loc"] == ("field_id",)

    lead = Lead(id=1)
    with pytest.raises(ValidationError) as err:
        lead.custom_fields_values = [{"field_id": 1, "field_type": "date", "values": [{}]}]  # type: ignore[list-item]
    assert "custom_fields_values.0.typed.date.values.0.value" in str(err.value)


# -- dates, numbers, booleans ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1705276800, datetime(2024, 1, 15, tzinfo=UTC)),
        ("1705276800", datetime(2024, 1, 15, tzinfo=UTC)),
        ("2024-01-15T03:00:00+03:00", datetime(2024, 1, 15, tzinfo=UTC)),
        ("2024-01-15T00:00:00Z", datetime(2024, 1, 15, tzinfo=UTC)),
        ("2024-01-15 00:00:00", datetime(2024, 1, 15, tzinfo=UTC)),
        ("2024-01-15", datetime(2024, 1, 15, tzinfo=UTC)),
    ],
)
def test_date_reads_are_timezone_aware(raw: Any, expected: datetime) -> None:
    (field,) = FIELDS.validate_python([read_field("date", [{"value": raw}])])
    assert isinstance(field, DateCustomFieldValues)
    assert field.values is not None
    value = field.values[0].value
    assert value == expected
    assert value.tzinfo is not None


def test_dates_write_as_rfc3339_seconds_in_their_own_offset() -> None:
    msk = timezone(timedelta(hours=3))
    field = DateTimeCustomFieldValues.of(
        datetime(2024, 3, 1, 9, 15, 30, 123456, tzinfo=msk), field_id=5
    )
    assert field.to_api() == {"field_id": 5, "values": [{"value": "2024-03-01T09:15:30+03:00"}]}
    naive = BirthdayCustomFieldValues.of(datetime(1990, 5, 20), field_code="BIRTHDAY")
    assert naive.to_api() == {
        "field_code": "BIRTHDAY",
        "values": [{"value": "1990-05-20T00:00:00+00:00"}],
    }


def test_numbers_are_kept_as_decimal_strings() -> None:
    (field,) = FIELDS.validate_json(
        b'[{"field_id": 1, "field_type": "numeric", "values": [{"value": 12.5}]}]'
    )
    assert field.first_value == "12.5"
    assert NumericCustomFieldValues.of(3, field_id=1).to_api() == {
        "field_id": 1,
        "values": [{"value": "3"}],
    }
    assert MonetaryValue(value=99.99).value == "99.99"  # type: ignore[arg-type]


@pytest.mark.parametrize(("raw", "expected"), [(True, True), ("1", True), (0, False)])
def test_checkbox_is_coerced_to_bool(raw: Any, expected: bool) -> None:
    (field,) = FIELDS.validate_python([read_field("checkbox", [{"value": raw}])])
    assert field.first_value is expected


# -- writing -----------------------------------------------------------------------------------


def test_of_wraps_bare_values_and_accepts_items() -> None:
    assert TextCustomFieldValues.of("x", field_id=1).to_api() == {
        "field_id": 1,
        "values": [{"value": "x"}],
    }
    phones = MultitextCustomFieldValues.of(
        MultitextValue(value="+79990001122", enum_code="WORK"), "+79990003344", field_code="PHONE"
    )
    assert phones.to_api() == {
        "field_code": "PHONE",
        "values": [
            {"value": "+79990001122", "enum_id": None, "enum_code": "WORK"},
            {"value": "+79990003344", "enum_id": None, "enum_code": None},
        ],
    }
    assert SelectCustomFieldValues.of(SelectValue(enum_id=5), field_id=2).to_api() == {
        "field_id": 2,
        "values": [{"value": None, "enum_id": 5, "enum_code": None}],
    }
    assert LegalEntityCustomFieldValues.of(
        {"name": "ACME", "vat_id": 7701}, field_id=3
    ).to_api() == {
        "field_id": 3,
        "values": [{"value": {"name": "ACME", "vat_id": "7701"}}],
    }
    assert ChainedListCustomFieldValues.of(
        {"catalog_id": 1, "catalog_element_id": 2}, field_id=4
    ).to_api() == {"field_id": 4, "values": [{"catalog_id": 1, "catalog_element_id": 2}]}
    assert SupplierCustomFieldValues.of(
        Supplier(entity_id=9, name="ignored"), field_id=6
    ).to_api() == {
        "field_id": 6,
        "values": [{"value": {"entity_id": 9}}],
    }
    assert GenericCustomFieldValues.of("v", {"value": 1, "x": 2}, field_id=8).to_api() == {
        "field_id": 8,
        "values": [{"value": "v"}, {"value": 1, "x": 2}],
    }


def test_of_needs_an_address() -> None:
    with pytest.raises(
        ValueError, match=r"TextCustomFieldValues\.of\(\) needs field_id or field_code"
    ):
        TextCustomFieldValues.of("x")


def test_write_without_id_or_code_names_the_field() -> None:
    field = TextCustomFieldValues(field_name="Comment", values=[TextValue(value="x")])
    with pytest.raises(ValueError, match=r"custom field 'Comment'.*needs field_id or field_code"):
        field.to_api()
    lead = Lead(name="x", custom_fields_values=[field])
    with pytest.raises(ValueError, match="needs field_id or field_code"):
        lead.to_api()


def test_field_type_and_name_are_never_sent() -> None:
    field = TextCustomFieldValues(
        field_id=1, field_code="CODE", field_name="Name", values=[TextValue(value="v")]
    )
    assert field.to_api() == {"field_id": 1, "field_code": "CODE", "values": [{"value": "v"}]}


def test_values_none_clears_the_field() -> None:
    assert TextCustomFieldValues(field_id=9, values=None).to_api() == {
        "field_id": 9,
        "values": None,
    }
    lead = Lead(id=1, custom_fields_values=[SelectCustomFieldValues(field_code="X", values=None)])
    assert lead.to_api() == {"id": 1, "custom_fields_values": [{"field_code": "X", "values": None}]}


# -- HasCustomFields helpers -------------------------------------------------------------------


def make_contact() -> Contact:
    return Contact.model_validate(
        {
            "id": 10,
            "custom_fields_values": [
                {
                    "field_id": 100,
                    "field_code": "PHONE",
                    "field_name": "Phone",
                    "field_type": "multitext",
                    "values": [{"value": "+7999", "enum_id": 1, "enum_code": "WORK"}],
                },
                read_field("text", [{"value": "note"}], field_id=200),
                read_field("chained_list", [{"catalog_id": 1, "catalog_element_id": 2}], 300),
                read_field("text", [], field_id=400),
            ],
        }
    )


def test_get_by_id_and_code() -> None:
    contact = make_contact()
    phone = contact.get_custom_field("PHONE")
    assert isinstance(phone, MultitextCustomFieldValues)
    assert contact.get_custom_field(100) is phone
    assert contact.get_custom_field(999) is None
    assert contact.get_custom_field("NOPE") is None
    assert contact.get_custom_field_value("PHONE") == "+7999"
    assert contact.get_custom_field_value(200) == "note"
    assert contact.get_custom_field_value(300) == ChainedListValue(
        catalog_id=1, catalog_element_id=2
    )
    assert contact.get_custom_field_value(400) is None
    assert contact.get_custom_field_value(999) is None
    assert Contact().get_custom_field_value(1) is None


def test_set_replaces_by_id_or_code_and_appends() -> None:
    contact = make_contact()
    contact.set_custom_field(TextCustomFieldValues.of("changed", field_id=200))
    contact.set_custom_field(MultitextCustomFieldValues.of("+7000", field_code="PHONE"))
    contact.set_custom_field(CheckboxCustomFieldValues.of(True, field_code="VIP"))
    assert contact.custom_fields_values is not None
    assert [(f.field_id, f.field_code) for f in contact.custom_fields_values] == [
        (None, "PHONE"),
        (200, None),
        (300, None),
        (400, None),
        (None, "VIP"),
    ]
    assert contact.get_custom_field_value(200) == "changed"
    assert contact.get_custom_field_value("PHONE") == "+7000"

    fresh = Contact(name="n")
    fresh.set_custom_field(TextCustomFieldValues.of("a", field_id=1))
    assert fresh.to_api() == {
        "name": "n",
        "custom_fields_values": [{"field_id": 1, "values": [{"value": "a"}]}],
    }


def test_set_drops_duplicates_of_the_same_field() -> None:
    contact = Contact(
        custom_fields_values=[
            TextCustomFieldValues.of("a", field_id=1),
            TextCustomFieldValues(field_id=1, field_code="C", values=[]),
        ]
    )
    contact.set_custom_field(TextCustomFieldValues.of("b", field_id=1))
    assert contact.custom_fields_values is not None
    assert len(contact.custom_fields_values) == 1


def test_set_needs_an_address() -> None:
    with pytest.raises(ValueError, match="needs field_id or field_code"):
        Contact().set_custom_field(TextCustomFieldValues(values=[]))


def test_clear_by_id_and_by_code() -> None:
    contact = make_contact()
    contact.clear_custom_field(200)
    contact.clear_custom_field("PHONE")
    contact.clear_custom_field(555)
    contact.clear_custom_field("UNKNOWN")
    cleared = contact.get_custom_field(200)
    assert isinstance(cleared, TextCustomFieldValues)
    assert cleared.values is None
    assert isinstance(contact.get_custom_field(555), GenericCustomFieldValues)
    assert contact.to_api()["custom_fields_values"] == [
        {"field_code": "PHONE", "values": None},
        {"field_id": 200, "values": None},
        {"field_id": 300, "values": [{"catalog_id": 1, "catalog_element_id": 2}]},
        {"field_id": 400, "values": []},
        {"field_id": 555, "values": None},
        {"field_code": "UNKNOWN", "values": None},
    ]


def test_assigning_a_plain_dict_without_type_parses_as_generic() -> None:
    lead = Lead(id=1)
    lead.custom_fields_values = [{"field_id": 5, "values": [{"value": "x"}]}]  # type: ignore[list-item]
    assert lead.custom_fields_values is not None
    assert type(lead.custom_fields_values[0]) is GenericCustomFieldValues
    assert lead.to_api()["custom_fields_values"] == [{"field_id": 5, "values": [{"value": "x"}]}]


def test_generic_rejects_known_types_on_construction() -> None:
    with pytest.raises(ValidationError, match="has a typed model"):
        GenericCustomFieldValues(field_id=1, field_type="text", values=[])


def test_nested_value_objects_are_typed() -> None:
    item = InvoiceItem(sku=123, unit_price=10.5, discount=ItemDiscount(type="amount", value=1))  # type: ignore[arg-type]
    assert item.sku == "123"
    with pytest.raises(ValidationError) as err:
        ItemDiscount(type="bogus")  # type: ignore[arg-type]
    assert err.value.errors()[0]["loc"] == ("type",)
    assert FileValue(value=FileInfo(file_uuid="u")).to_api() == {"value": {"file_uuid": "u"}}
    assert PayerValue(value=Payer(name="P")).to_api() == {"value": {"name": "P"}}
