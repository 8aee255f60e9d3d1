"""encode_webhook_form: typed events → amoCRM's form body; parse → encode → parse round trips."""

# ruff: noqa: RUF001 - Russian text, as amoCRM sends it

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from amocrm_async.webhooks import (
    CompanyData,
    CompanyEvent,
    ContactData,
    ContactEvent,
    LeadData,
    LeadEvent,
    MessageData,
    MessageEvent,
    NoteData,
    NoteEvent,
    TalkData,
    TalkEvent,
    TaskData,
    TaskEvent,
    UnsortedData,
    UnsortedEvent,
    WebhookAccount,
    WebhookCustomField,
    WebhookEvent,
    WebhookFieldValue,
    encode_webhook_form,
    parse_webhook,
    webhook_wire_data,
)

from . import bodies
from .test_parse import TABLE


def test_a_captured_body_is_reproduced_byte_for_byte() -> None:
    for body in (
        bodies.ZAPIER_STATUS_LEAD,
        bodies.ZAPIER_RESPONSIBLE_LEAD,
        bodies.ZAPIER_ADD_COMPANY,
        bodies.ZAPIER_RESTORE_CONTACT,
    ):
        assert encode_webhook_form(parse_webhook(body)) == body


@pytest.mark.parametrize("body", [row[1] for row in TABLE], ids=[row[0] for row in TABLE])
def test_every_real_body_round_trips(body: str) -> None:
    payload = parse_webhook(body)
    again = parse_webhook(encode_webhook_form(payload))
    assert again == payload


def test_events_land_where_amocrm_puts_them() -> None:
    account = WebhookAccount(subdomain="acme", id=42)
    events: list[WebhookEvent] = [
        LeadEvent(action="status", data=LeadData(id=1, status_id=142, old_status_id=7)),
        ContactEvent(action="add", data=ContactData(id=2, name="Ann")),
        CompanyEvent(action="update", data=CompanyData(id=3)),
        TaskEvent(action="add", data=TaskData(id=4, text="Call", action_close=False)),
        NoteEvent(
            action="note", data=NoteData(id=5, element_id=1, note_type=4), parent_type="leads"
        ),
        NoteEvent(action="note", data=NoteData(id=6, element_id=3), parent_type="companies"),
        UnsortedEvent(action="accept", data=UnsortedData(uid="u1", category="forms")),
        TalkEvent(action="update", data=TalkData(talk_id=7, is_read=True)),
        MessageEvent(action="add", data=MessageData(id="m", text="hi")),
    ]
    pairs = parse_qsl(encode_webhook_form(events, account=account))
    assert pairs == [
        ("leads[status][0][id]", "1"),
        ("leads[status][0][status_id]", "142"),
        ("leads[status][0][old_status_id]", "7"),
        ("leads[note][0][note][id]", "5"),
        ("leads[note][0][note][element_id]", "1"),
        ("leads[note][0][note][note_type]", "4"),
        ("contacts[add][0][id]", "2"),
        ("contacts[add][0][name]", "Ann"),
        ("contacts[add][0][type]", "contact"),
        ("contacts[update][0][id]", "3"),
        ("contacts[update][0][type]", "company"),
        ("contacts[note][0][note][id]", "6"),
        ("contacts[note][0][note][element_id]", "3"),
        ("task[add][0][id]", "4"),
        ("task[add][0][text]", "Call"),
        ("task[add][0][action_close]", "0"),
        ("unsorted[delete][0][action]", "accept"),
        ("unsorted[delete][0][uid]", "u1"),
        ("unsorted[delete][0][category]", "forms"),
        ("talk[update][0][talk_id]", "7"),
        ("talk[update][0][is_read]", "1"),
        ("message[add][0][id]", "m"),
        ("message[add][0][text]", "hi"),
        ("account[subdomain]", "acme"),
        ("account[id]", "42"),
    ]


def test_events_carry_their_account_when_none_is_given() -> None:
    account = WebhookAccount.model_validate(
        {"subdomain": "acme", "id": "42", "_links": {"self": "https://acme.amocrm.ru"}}
    )
    body = encode_webhook_form([LeadEvent(action="add", data=LeadData(id=1), account=account)])
    assert body.endswith(
        "account%5Bsubdomain%5D=acme&account%5Bid%5D=42"
        "&account%5B_links%5D%5Bself%5D=https%3A%2F%2Facme.amocrm.ru"
    )
    assert parse_webhook(body).account == account


def test_nested_mapping_is_encoded_as_is() -> None:
    data = {"leads": {"add": [{"id": 1, "price": 10}]}, "account": {"subdomain": "acme"}}
    body = encode_webhook_form(data)
    assert parse_qsl(body) == [
        ("leads[add][0][id]", "1"),
        ("leads[add][0][price]", "10"),
        ("account[subdomain]", "acme"),
    ]
    assert webhook_wire_data(parse_webhook(body).events, account={"subdomain": "acme"}) == {
        "leads": {"add": [{"id": 1, "price": 10, "custom_fields": []}]},
        "account": {"subdomain": "acme"},
    }


def test_unknown_parts_survive_a_round_trip() -> None:
    body = "leads[add][0][id]=1&leads[add][0][new]=x&catalogs[add][0][id]=9&account[subdomain]=a"
    payload = parse_webhook(body)
    assert parse_webhook(encode_webhook_form(payload)) == payload


# --------------------------------------------------------------------------- custom fields

CUSTOM_FIELDS: list[dict[str, Any]] = [
    {"id": "1119321", "name": "Some text field", "values": [{"value": "some text"}]},
    {
        "id": "575809",
        "name": "Телефон",
        "code": "PHONE",
        "values": [{"value": "+7 666 555-44-33", "enum": "311321"}, {"value": "+1", "enum": "2"}],
    },
    {"id": "427183", "name": "Checkbox", "values": ["1"]},
    {"id": "427271", "name": "Date", "values": ["1412380800"]},
    {"id": "9", "values": [{"value": {"name": "ООО Ромашка", "vat_id": "7700000000"}}]},
    {"id": "10", "values": [{"value": "a&b=c[0]", "subtype": "address_line_1"}]},
]


def test_custom_field_values_round_trip() -> None:
    data = {"leads": {"update": [{"id": "1", "custom_fields": CUSTOM_FIELDS}]}}
    first = parse_webhook(data)
    body = encode_webhook_form(first)
    again = parse_webhook(body)
    assert again == first
    [event] = again.events
    assert isinstance(event, LeadEvent)
    fields = event.data.custom_fields
    assert fields[1].values[1] == WebhookFieldValue(value="+1", enum=2)
    assert fields[2].values == [WebhookFieldValue(value="1")]
    assert fields[4].values[0].value == {"name": "ООО Ромашка", "vat_id": "7700000000"}
    assert fields[5].values[0].model_extra == {"subtype": "address_line_1"}
    assert ("leads[update][0][custom_fields][1][values][1][enum]", "2") in parse_qsl(body)


_text = st.text(st.characters(codec="utf-8"), max_size=12)
_values = st.lists(
    st.builds(
        WebhookFieldValue,
        value=st.one_of(st.none(), _text),
        enum=st.one_of(st.none(), st.integers(0, 2**31)),
    ),
    max_size=4,
)
_fields = st.lists(
    st.builds(
        WebhookCustomField,
        id=st.one_of(st.none(), st.integers(1, 2**31)),
        name=st.one_of(st.none(), _text),
        code=st.one_of(st.none(), st.sampled_from(["PHONE", "EMAIL", "UTM_SOURCE"])),
        values=_values,
    ),
    max_size=4,
)


@settings(max_examples=150, deadline=None, database=None)
@given(fields=_fields, action=st.sampled_from(["add", "update", "status", "responsible"]))
def test_any_custom_fields_round_trip(fields: list[WebhookCustomField], action: str) -> None:
    event = ContactEvent(
        action=action, data=ContactData(id=5, type="contact", custom_fields=fields)
    )
    body = encode_webhook_form([event], account=WebhookAccount(subdomain="acme"))
    [back] = parse_webhook(body).events
    assert isinstance(back, ContactEvent)
    present = [
        f.model_copy(update={"values": [v for v in f.values if v.model_dump(exclude_none=True)]})
        for f in fields
    ]
    kept = [f for f in present if f.model_dump(exclude_none=True, exclude={"values"}) or f.values]
    assert back.data.custom_fields == kept
