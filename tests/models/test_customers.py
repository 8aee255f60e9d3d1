"""Customers, statuses, segments, transactions: public samples parse, and what is parsed is what
is written back (read-only parts dropped, the rest unchanged)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from amocrm_async.models import (
    SEGMENT_COLORS,
    Customer,
    CustomerEmbedded,
    CustomersMode,
    CustomersModeSettings,
    CustomerStatus,
    CustomerStatusColor,
    CustomerStatusType,
    CustomFieldDefinition,
    CustomFieldEnum,
    Segment,
    SegmentColor,
    SelectFieldDefinition,
    Transaction,
    collection_adapter,
)

from ..samples import sample

READ_CUSTOMER: dict[str, Any] = {
    "id": 50000001,
    "name": "Кофейня #1",
    "next_price": 45000,
    "next_date": 1798661328,
    "responsible_user_id": 9000003,
    "group_id": 0,
    "status_id": 58000005,
    "periodicity": 90,
    "created_by": 9000003,
    "updated_by": 9000003,
    "created_at": 1769326271,
    "updated_at": 1772806182,
    "closest_task_at": None,
    "is_deleted": False,
    "account_id": 29000001,
    "ltv": 108100,
    "purchases_count": 3,
    "average_check": 36033,
    "custom_fields_values": [
        {
            "field_id": 500071,
            "field_name": "Продукт",
            "field_code": None,
            "field_type": "select",
            "values": [{"value": "Премиум", "enum_id": 800072, "enum_code": None}],
        }
    ],
    "_links": {"self": {"href": "https://acme.amocrm.ru/api/v4/customers/50000001"}},
    "_embedded": {
        "tags": [{"id": 100001, "name": "опт", "color": None}],
        "segments": [
            {
                "id": 56000002,
                "_links": {"self": {"href": "https://acme.amocrm.ru/api/v4/customers/segments/2"}},
            }
        ],
        "contacts": [{"id": 20000001, "is_main": True}],
        "companies": [{"id": 30000001}],
    },
}
"""A customer as the fake amoCRM renders it with ``with=contacts,companies``."""


def test_status_sample_parses_and_writes_only_what_is_writable() -> None:
    body = sample("customers", "status_by_id")
    status = CustomerStatus.model_validate(body)
    assert (status.id, status.name, status.sort, status.color) == (
        4051135,
        body["name"],
        2,
        "#ccc8f9",
    )
    assert status.type == CustomerStatusType.REGULAR and status.is_default is False
    assert status.conditions == body["conditions"]
    assert status.links is not None and status.links.self_ is not None
    assert status.to_api() == {"id": 4051135, "name": body["name"], "sort": 2, "color": "#ccc8f9"}
    assert CustomerStatus.model_validate(status.model_dump(by_alias=True)) == status


def test_status_list_page_parses() -> None:
    status = sample("customers", "status_by_id")
    page = {"_total_items": 1, "_embedded": {"statuses": [status]}}
    parsed = collection_adapter("statuses", CustomerStatus).validate_python(page)
    assert [s.id for s in parsed.items] == [4051135]
    assert parsed.total_items == 1


@pytest.mark.parametrize(
    ("name", "model"),
    [
        ("customer_add_request", Customer),
        ("transaction_add_request", Transaction),
        ("segment_add_request", Segment),
    ],
)
def test_request_samples_are_what_to_api_sends(name: str, model: type[Any]) -> None:
    body = sample("customers", name)
    assert model(**body).to_api() == body
    assert model.model_validate_json(json.dumps(body)).to_api() == body


def test_mode_samples() -> None:
    answer = CustomersModeSettings.model_validate(sample("customers", "mode_response"))
    assert (answer.mode, answer.is_enabled) == (CustomersMode.SEGMENTS, True)
    assert answer.to_api() == sample("customers", "mode_request")


def test_read_customer_round_trip() -> None:
    customer = Customer.model_validate_json(json.dumps(READ_CUSTOMER))
    assert (customer.ltv, customer.purchases_count, customer.average_check) == (108100, 3, 36033)
    assert customer.get_custom_field_value(500071) == "Премиум"
    embedded = customer.embedded
    assert embedded is not None and embedded.segments is not None
    assert [s.id for s in embedded.segments] == [56000002]
    assert embedded.contacts is not None and embedded.contacts[0].is_main is True
    payload = customer.to_api()
    assert payload == {
        "id": 50000001,
        "name": "Кофейня #1",
        "next_price": 45000,
        "next_date": 1798661328,
        "responsible_user_id": 9000003,
        "status_id": 58000005,
        "periodicity": 90,
        "custom_fields_values": [
            {
                "field_id": 500071,
                "values": [{"value": "Премиум", "enum_id": 800072, "enum_code": None}],
            }
        ],
        "_embedded": {
            "tags": [{"id": 100001, "name": "опт"}],
            "segments": [{"id": 56000002}],
        },
    }
    again = Customer.model_validate(customer.model_dump(mode="json", by_alias=True))
    assert again.to_api() == payload


def test_new_customer_sends_create_only_fields_and_segments_by_id() -> None:
    customer = Customer(
        name="New",
        created_by=7,
        created_at=1,
        embedded=CustomerEmbedded(segments=[Segment(id=5, name="VIP", color="bf2600")]),
    )
    assert customer.to_api() == {
        "name": "New",
        "created_by": 7,
        "created_at": 1,
        "_embedded": {"segments": [{"id": 5}]},
    }
    customer.id = 3
    assert customer.to_api() == {"id": 3, "name": "New", "_embedded": {"segments": [{"id": 5}]}}


def test_empty_segments_are_sent_and_empty_tags_are_not() -> None:
    customer = Customer(id=1, embedded=CustomerEmbedded(tags=[], segments=[]))
    assert customer.to_api() == {"id": 1, "_embedded": {"segments": []}}


def test_a_segment_without_id_cannot_be_assigned() -> None:
    customer = Customer(name="x", embedded=CustomerEmbedded(segments=[Segment(name="new")]))
    with pytest.raises(ValueError, match=r"_embedded\.segments\[0\] has no id"):
        customer.to_api()


def test_segment_colour_is_checked_before_sending() -> None:
    assert Segment(name="ok", color=SegmentColor.CAE003F).to_api() == {
        "name": "ok",
        "color": "ae003f",
    }
    for bad in ("#ae003f", "AE003F", "ffffff"):
        with pytest.raises(ValueError, match=r"Segment\.color must be a SegmentColor"):
            Segment(name="bad", color=bad).to_api()
    read = Segment.model_validate({"id": 1, "color": "123456"})  # reads are never refused
    assert read.color == "123456"


def test_segment_colours_are_the_documented_forty() -> None:
    assert len(SEGMENT_COLORS) == 40 == len(SegmentColor)
    assert all(len(c) == 6 and c == c.lower() and not c.startswith("#") for c in SEGMENT_COLORS)


def test_status_colour_is_checked_before_sending() -> None:
    assert CustomerStatus(name="s", color=CustomerStatusColor.CCC8F9).to_api()["color"] == "#ccc8f9"
    with pytest.raises(ValueError, match=r"CustomerStatus\.color must be a CustomerStatusColor"):
        CustomerStatus(name="s", color="ccc8f9").to_api()


def test_transaction_needs_a_price_and_keeps_read_only_parts_out() -> None:
    with pytest.raises(ValueError, match=r"Transaction\.price is required"):
        Transaction(comment="no price").to_api()
    read = Transaction.model_validate(
        {
            "id": 54000001,
            "comment": None,
            "price": 31600,
            "completed_at": 1782359565,
            "customer_id": 50000001,
            "created_by": 9000003,
            "updated_by": 9000003,
            "created_at": 1782359565,
            "updated_at": 1782359565,
            "is_deleted": False,
            "account_id": 29000001,
            "_links": {"self": {"href": "https://acme.amocrm.ru/api/v4/customers/transactions/1"}},
            "_embedded": {"customer": {"id": 50000001}, "catalog_elements": []},
        }
    )
    assert read.customer_id == 50000001
    assert read.embedded is not None and read.embedded.customer is not None
    assert read.to_api() == {
        "id": 54000001,
        "price": 31600,
        "completed_at": 1782359565,
        "_embedded": {"catalog_elements": []},
    }


def test_segment_custom_field_definition_parses_as_its_type() -> None:
    field = CustomFieldDefinition.model_validate(
        {
            "id": 500063,
            "name": "Уровень",
            "type": "select",
            "code": None,
            "sort": 30,
            "entity_type": "segments",
            "account_id": 1,
            "is_predefined": False,
            "is_api_only": False,
            "enums": [{"id": 800061, "value": "Золото", "sort": 30}],
            "_links": {
                "self": {
                    "href": "https://acme.amocrm.ru/api/v4/customers/segments/custom_fields/500063"
                }
            },
        }
    )
    assert isinstance(field, SelectFieldDefinition)
    assert (field.type, field.entity_type) == ("select", "segments")
    assert field.options == [CustomFieldEnum(id=800061, value="Золото", sort=30)]
    assert field.to_api() == {  # is_api_only is not a segment's setting
        "id": 500063,
        "name": "Уровень",
        "type": "select",
        "sort": 30,
        "enums": [{"id": 800061, "value": "Золото", "sort": 30}],
    }


def test_enums() -> None:
    assert [m.value for m in CustomerStatusType] == [0, 1, 2, 3, 4]
    assert {m.value for m in CustomersMode} == {
        "unavailable",
        "disabled",
        "periodicity",
        "dynamic",
        "segments",
    }
    assert len(CustomerStatusColor) == 21


def test_status_types_and_modes_read_as_members_and_new_values_stay_plain() -> None:
    system = CustomerStatus.model_validate({"id": 1, "type": 1, "name": "Ожидается покупка"})
    newer = CustomerStatus.model_validate({"id": 2, "type": 9, "name": "?"})
    assert system.type is CustomerStatusType.EXPECTED_PURCHASE
    assert newer.type == 9 and type(newer.type) is int
    assert CustomersModeSettings.model_validate({"mode": "segments"}).mode is CustomersMode.SEGMENTS
    assert CustomersModeSettings.model_validate({"mode": "quantum"}).mode == "quantum"
