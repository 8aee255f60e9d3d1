"""Golden tests over the public custom-field value samples (``tests/samples/
custom_field_values.json``, a copy of the shared ``wire/custom_field_values.json``).

Each of the 26 read items parses into the wrapper and value classes of its ``field_type`` and
serialises to a write payload that is a fixed point (parse it back, write it again: the same
bytes). The request samples are what ``set_field`` builds from the account's definitions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from amocrm_async.models import (
    CUSTOM_FIELD_VALUES_BY_TYPE,
    ChainedListFieldDefinition,
    CheckboxFieldDefinition,
    CustomFieldEnum,
    FieldDefinitions,
    FieldType,
    Lead,
    MultitextFieldDefinition,
    SelectFieldDefinition,
    SmartAddressFieldDefinition,
    SupplierFieldDefinition,
)

SAMPLES: dict[str, dict[str, Any]] = {
    entry["name"]: entry
    for entry in json.loads(
        (Path(__file__).parents[1] / "samples" / "custom_field_values.json").read_text("utf-8")
    )
}
ITEMS = [name for name, entry in SAMPLES.items() if "item" in entry]

WRITE_DROPS = {
    "items": {"is_discount_recalculated", "is_total_sum_recalculated", "total_sum"},
    "supplier": {"name", "vat_id", "kpp", "bank_code", "address", "bank_account_number"},
}
"""Read-only parts of a value that a write leaves out (api-surface.md §8.3)."""


def one_field(item: dict[str, Any]) -> Any:
    lead = Lead.model_validate({"id": 1, "custom_fields_values": [item]})
    assert lead.custom_fields_values is not None
    [field] = lead.custom_fields_values
    return field


def test_there_is_a_sample_of_every_type() -> None:
    assert sorted(SAMPLES[name]["item"]["field_type"] for name in ITEMS) == sorted(FieldType)


@pytest.mark.parametrize("name", ITEMS)
def test_read_item_parses_as_its_type_and_writes_a_fixed_point(name: str) -> None:
    item = SAMPLES[name]["item"]
    field = one_field(item)
    assert type(field) is CUSTOM_FIELD_VALUES_BY_TYPE[item["field_type"]]
    assert (field.field_id, field.field_code, field.field_type) == (
        item["field_id"],
        item["field_code"],
        item["field_type"],
    )
    assert field.values is not None and len(field.values) == len(item["values"])
    written = field.to_api()
    assert "field_type" not in written and "field_name" not in written
    again = one_field({**item, **written}).to_api()
    assert again == written
    if item["field_type"] in ("date", "date_time", "birthday"):
        return  # unix seconds in, RFC 3339 out: see below
    drops = WRITE_DROPS.get(item["field_type"], set())
    for sent, read in zip(written["values"], item["values"], strict=True):
        if isinstance(read.get("value"), dict):
            kept = {k: v for k, v in read["value"].items() if v is not None and k not in drops}
            assert sent == {"value": kept}
        else:
            assert sent == {k: v for k, v in read.items() if k in sent}
            assert sent.get("value") == read.get("value")


def test_dates_are_read_from_unix_seconds_and_written_as_rfc3339() -> None:
    written = one_field(SAMPLES["date"]["item"]).to_api()
    assert written == {"field_id": 7, "values": [{"value": "2020-07-31T09:30:02+00:00"}]}


def test_the_live_kommo_values_keep_is_computed_on_read_and_never_send_it() -> None:
    lead = Lead.model_validate(
        {"id": 1, "custom_fields_values": SAMPLES["kommo_live_values"]["custom_fields_values"]}
    )
    assert [field.field_type for field in lead.custom_fields_values or []] == ["text", "date"]
    payload = json.dumps(lead.to_api())
    assert "is_computed" not in payload and "Salvador" in payload


def test_clearing_a_field_sends_values_null() -> None:
    """As published, but without the wrapper's null ``field_code`` (see below)."""
    lead = Lead(id=1)
    lead.clear_custom_field(1)
    [published] = SAMPLES["clear_field_request"]["request"]["custom_fields_values"]
    assert lead.to_api() == {"id": 1, "custom_fields_values": [{"field_id": 1, "values": None}]}
    assert {k: v for k, v in published.items() if k != "field_code"} == {
        "field_id": 1,
        "values": None,
    }


DEFINITIONS = FieldDefinitions(
    [
        SelectFieldDefinition(id=7, name="Source"),
        MultitextFieldDefinition(
            code="PHONE", name="Phone", enums=[CustomFieldEnum(id=1, value="WORK", sort=1)]
        ),
        CheckboxFieldDefinition(id=3, name="Agreed"),
        SmartAddressFieldDefinition(
            id=12, name="Address", enums=[CustomFieldEnum(id=3, value="city", sort=3)]
        ),
        ChainedListFieldDefinition(id=23, name="Model"),
        SupplierFieldDefinition(id=26, name="Supplier"),
    ]
)

SET_FIELD: list[tuple[str, int | str, tuple[Any, ...], dict[str, Any]]] = [
    ("select_by_enum_id_request", 7, (), {"enum_id": 5}),
    ("multitext_phone_work_request", "PHONE", ("+79129876543",), {"enum_code": "WORK"}),
    ("checkbox_request", 3, (True,), {}),
    ("smart_address_city_request", 12, ("Москва",), {"enum_code": "city"}),
    ("chained_list_request", 23, ({"catalog_id": 4521, "catalog_element_id": 525439},), {}),
    ("supplier_request", 26, ({"entity_id": 5},), {}),
]


@pytest.mark.parametrize(
    ("name", "code", "values", "kinds"), SET_FIELD, ids=[c[0] for c in SET_FIELD]
)
def test_set_field_builds_the_published_request(
    name: str, code: int | str, values: tuple[Any, ...], kinds: dict[str, Any]
) -> None:
    """The wrapper leaves out a null ``field_id``/``field_code`` (the library sends them as
    null; amoCRM reads either); the values are the published ones, key for key."""
    lead = Lead(id=1)
    lead.set_field(code, *values, definitions=DEFINITIONS, **kinds)
    [sent] = lead.to_api()["custom_fields_values"]
    expected = {k: v for k, v in SAMPLES[name]["request"].items() if v is not None}
    assert sent == expected
