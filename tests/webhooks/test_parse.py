"""parse_webhook: real bodies of every event family → typed events; inputs, unknowns, caps."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode

import pytest

from amocrm_async.webhooks import (
    CompanyData,
    CompanyEvent,
    ContactEvent,
    CustomerEvent,
    LeadData,
    LeadEvent,
    MessageEvent,
    NoteEvent,
    TalkEvent,
    TaskEvent,
    UnsortedEvent,
    WebhookAccount,
    WebhookLimits,
    WebhookParseError,
    parse_webhook,
)

from . import bodies

TABLE: list[tuple[str, str, type[Any], str, str, dict[str, Any]]] = [
    (
        "ZAPIER_STATUS_LEAD",
        bodies.ZAPIER_STATUS_LEAD,
        LeadEvent,
        "status",
        "status_lead",
        {"id": 31926520, "status_id": 10216994, "old_status_id": 10216995, "price": 1000},
    ),
    (
        "ZAPIER_RESPONSIBLE_LEAD",
        bodies.ZAPIER_RESPONSIBLE_LEAD,
        LeadEvent,
        "responsible",
        "responsible_lead",
        {"responsible_user_id": 938348, "old_responsible_user_id": 102525, "pipeline_id": 2116},
    ),
    (
        "ZAPIER_ADD_COMPANY",
        bodies.ZAPIER_ADD_COMPANY,
        CompanyEvent,
        "add",
        "add_company",
        {"id": 1110, "name": "dsf", "type": "company", "date_create": 1456824655},
    ),
    (
        "ZAPIER_RESTORE_CONTACT",
        bodies.ZAPIER_RESTORE_CONTACT,
        ContactEvent,
        "restore",
        "restore_contact",
        {"id": 1065, "name": "Some name", "type": "contact"},
    ),
    (
        "DOC_ADD_CONTACT",
        bodies.DOC_ADD_CONTACT,
        ContactEvent,
        "add",
        "add_contact",
        {"id": 10952709, "linked_company_id": 10857345, "linked_lead_ids": [7551167]},
    ),
    (
        "DOC_ADD_COMPANY",
        bodies.DOC_ADD_COMPANY,
        CompanyEvent,
        "add",
        "add_company",
        {"id": 10959143, "name": "Компания", "linked_lead_ids": [7480363]},
    ),
    (
        "DOC_LEAD_STATUS_CHECKBOXES",
        bodies.DOC_LEAD_STATUS_CHECKBOXES,
        LeadEvent,
        "status",
        "status_lead",
        {"status_id": 142, "old_status_id": 7039101, "price": 0},
    ),
    (
        "LEAD_DELETE",
        bodies.LEAD_DELETE,
        LeadEvent,
        "delete",
        "delete_lead",
        {"id": 31926520, "status_id": 142, "pipeline_id": 2116, "name": None},
    ),
    (
        "CUSTOMER_ADD",
        bodies.CUSTOMER_ADD,
        CustomerEvent,
        "add",
        "add_customer",
        {"id": 201, "next_price": 1500, "next_date": 1700000000},
    ),
    (
        "DOC_TASK_UPDATE",
        bodies.DOC_TASK_UPDATE,
        TaskEvent,
        "update",
        "update_task",
        {
            "id": 11122233,
            "element_id": 33322211,
            "element_type": 2,
            "status": 1,
            "action_close": True,
            "complete_till": "2017-07-22 23:59:00",
        },
    ),
    (
        "NOTE_LEAD",
        bodies.NOTE_LEAD,
        NoteEvent,
        "note",
        "note_lead",
        {"id": 99001, "element_id": 5000, "note_type": 4, "text": "Позвонить утром"},
    ),
    (
        "DOC_UNSORTED_ADD",
        bodies.DOC_UNSORTED_ADD,
        UnsortedEvent,
        "add",
        "add_unsorted",
        {"category": "forms", "pipeline_id": 142141, "user_id": 123123},
    ),
    (
        "DOC_UNSORTED_UPDATE",
        bodies.DOC_UNSORTED_UPDATE,
        UnsortedEvent,
        "update",
        "update_unsorted",
        {"category": "forms", "pipeline_id": 142141},
    ),
    (
        "DOC_UNSORTED_ACCEPT",
        bodies.DOC_UNSORTED_ACCEPT,
        UnsortedEvent,
        "accept",
        "delete_unsorted",
        {"action": "accept", "created_at": 124242341},
    ),
    (
        "DOC_UNSORTED_DECLINE",
        bodies.DOC_UNSORTED_DECLINE,
        UnsortedEvent,
        "decline",
        "delete_unsorted",
        {"action": "decline"},
    ),
    (
        "TALK_ADD",
        bodies.TALK_ADD,
        TalkEvent,
        "add",
        "add_talk",
        {"talk_id": 106564, "contact_id": 28771643, "is_read": False, "is_in_work": True},
    ),
    (
        "MESSAGE_ADD",
        bodies.MESSAGE_ADD,
        MessageEvent,
        "add",
        "add_message",
        {"id": "amo12345-31ed-41af-am23-conf1504", "text": "Hello World!", "element_type": 1},
    ),
]


@pytest.mark.parametrize(
    ("body", "cls", "action", "code", "fields"),
    [row[1:] for row in TABLE],
    ids=[row[0] for row in TABLE],
)
def test_real_bodies_become_typed_events(
    body: str, cls: type[Any], action: str, code: str, fields: dict[str, Any]
) -> None:
    payload = parse_webhook(body.encode(), "application/x-www-form-urlencoded")
    [event] = payload.events
    assert type(event) is cls
    assert (event.action, event.code) == (action, code)
    assert event.account is payload.account
    for name, expected in fields.items():
        assert getattr(event.data, name) == expected, name
    assert payload.unknown == {}


def test_every_contract_entity_type_is_covered() -> None:
    seen = {parse_webhook(row[1]).events[0].entity_type for row in TABLE}
    assert seen == {
        "leads",
        "contacts",
        "companies",
        "customers",
        "tasks",
        "notes",
        "unsorted",
        "talks",
        "messages",
    }


def test_status_lead_in_full() -> None:
    payload = parse_webhook(bodies.ZAPIER_STATUS_LEAD)
    assert payload.account == WebhookAccount(subdomain="test000002")
    [event] = payload.events
    assert isinstance(event, LeadEvent)
    lead = event.data
    assert lead.model_dump(exclude_none=True) == {
        "id": 31926520,
        "name": "Some test lead",
        "status_id": 10216994,
        "price": 1000,
        "responsible_user_id": 938348,
        "last_modified": 1456820780,
        "modified_user_id": 102525,
        "created_user_id": 102525,
        "date_create": 1456808154,
        "pipeline_id": 2116,
        "account_id": 10216991,
        "custom_fields": [
            {"id": 1119321, "name": "Some text field", "values": [{"value": "some text"}]}
        ],
        "old_status_id": 10216995,
    }
    assert lead.custom_field_value(1119321) == "some text"
    assert lead.custom_field_value("Some text field") == "some text"
    assert lead.custom_field_value(1) is None


def test_phone_custom_field_with_enum_and_code() -> None:
    [event] = parse_webhook(bodies.DOC_ADD_CONTACT).events
    assert isinstance(event, ContactEvent)
    phone = event.data.custom_field("PHONE")
    assert phone is not None
    assert (phone.id, phone.name, phone.code) == (575809, "Телефон", "PHONE")
    assert [(v.value, v.enum) for v in phone.values] == [("+76665554433", 311321)]
    assert event.data.linked_leads_id == {"7551167": {"ID": "7551167"}}


def test_bare_field_values_become_value_objects() -> None:
    [event] = parse_webhook(bodies.DOC_LEAD_STATUS_CHECKBOXES).events
    assert isinstance(event, LeadEvent)
    assert [f.values[0].value for f in event.data.custom_fields] == ["1", "1412380800", "Валера"]


def test_account_with_id_and_link() -> None:
    payload = parse_webhook(bodies.DOC_UNSORTED_ADD)
    assert payload.account.subdomain == "test"
    assert payload.account.id == 1312313
    assert payload.account.url == "https://test.amocrm.ru"


def test_unsorted_results_and_source_data() -> None:
    accept = parse_webhook(bodies.DOC_UNSORTED_ACCEPT).events[0]
    assert isinstance(accept, UnsortedEvent)
    assert accept.data.accept_result is not None
    assert (accept.data.accept_result.leads, accept.data.accept_result.contacts) == (
        [2132111],
        [3454532],
    )
    decline = parse_webhook(bodies.DOC_UNSORTED_DECLINE).events[0]
    assert isinstance(decline, UnsortedEvent)
    assert decline.data.decline_result is not None
    assert decline.data.decline_result.leads == [2132111]
    add = parse_webhook(bodies.DOC_UNSORTED_ADD).events[0]
    assert isinstance(add, UnsortedEvent)
    assert add.data.source_data is not None
    assert add.data.source_data["name_1"]["value"] == "Валерий"
    assert add.data.data is not None
    contact = add.data.data["contacts"][0]
    assert contact["custom_fields"][0]["values"][0] == {"enum": "223111", "value": "23424"}


def test_message_author_and_attachment() -> None:
    [event] = parse_webhook(bodies.MESSAGE_ADD).events
    assert isinstance(event, MessageEvent)
    assert event.data.author is not None and event.data.author.name == "Ivan Ivanov"
    assert event.data.attachment is not None and event.data.attachment.type == "picture"


def test_task_result() -> None:
    [event] = parse_webhook(bodies.DOC_TASK_UPDATE).events
    assert isinstance(event, TaskEvent)
    assert event.data.result is not None
    assert (event.data.result.id, event.data.result.text) == (155155155, "Success")


def test_narrowing_by_entity_type() -> None:
    """The contract: ``.entity_type``, ``.action``, ``.data`` on every event."""
    for event in parse_webhook(bodies.ZAPIER_STATUS_LEAD).events:
        if event.entity_type == "leads":
            assert event.data.old_status_id == 10216995
        else:  # pragma: no cover
            raise AssertionError(event)


# --------------------------------------------------------------------------- several events


def test_several_events_keep_body_order() -> None:
    body = urlencode(
        [
            ("leads[add][0][id]", "1"),
            ("leads[add][1][id]", "2"),
            ("leads[status][0][id]", "1"),
            ("leads[status][0][status_id]", "142"),
            ("contacts[update][0][id]", "7"),
            ("contacts[update][0][type]", "contact"),
            ("contacts[update][1][id]", "8"),
            ("contacts[update][1][type]", "company"),
            ("contacts[note][0][note][id]", "3"),
            ("contacts[note][0][note][element_type]", "3"),
            ("contacts[note][0][note][element_id]", "8"),
            ("account[subdomain]", "acme"),
            ("account[id]", "42"),
        ]
    )
    events = parse_webhook(body).events
    assert [(e.entity_type, e.action, e.code) for e in events] == [
        ("leads", "add", "add_lead"),
        ("leads", "add", "add_lead"),
        ("leads", "status", "status_lead"),
        ("contacts", "update", "update_contact"),
        ("companies", "update", "update_company"),
        ("notes", "note", "note_company"),
    ]
    note = events[-1]
    assert isinstance(note, NoteEvent) and note.parent_type == "companies"
    assert [getattr(e.data, "id", None) for e in events] == [1, 2, 1, 7, 8, 3]
    assert isinstance(events[4].data, CompanyData)


def test_sparse_indices_and_appends() -> None:
    body = "leads[add][3][id]=30&leads[add][1][id]=10&leads[update][][id]=5&leads[update][][id]=6"
    events = parse_webhook(body).events
    assert [(e.action, getattr(e.data, "id", None)) for e in events] == [
        ("add", 10),
        ("add", 30),
        ("update", 5),
        ("update", 6),
    ]


def test_deletion_as_bare_ids() -> None:
    events = parse_webhook("leads[delete][0]=11&leads[delete][1]=12&task[delete]=5").events
    assert [(e.code, getattr(e.data, "id", None)) for e in events] == [
        ("delete_lead", 11),
        ("delete_lead", 12),
        ("delete_task", 5),
    ]


# --------------------------------------------------------------------------- inputs


def test_json_body_nested() -> None:
    body = {
        "leads": {"status": {"0": {"id": "25399013", "status_id": "142", "price": 10}}},
        "account": {"subdomain": "test", "id": 7039099},
    }
    for content_type in ("application/json", None, "application/json; charset=utf-8"):
        payload = parse_webhook(json.dumps(body).encode(), content_type)
        [event] = payload.events
        assert isinstance(event, LeadEvent)
        assert (event.data.id, event.data.status_id, event.data.price) == (25399013, 142, 10)
        assert payload.account.id == 7039099


def test_json_body_of_flat_bracket_keys() -> None:
    flat = dict(parse_qsl(bodies.ZAPIER_STATUS_LEAD))
    payload = parse_webhook(json.dumps(flat), "application/json")
    assert payload == parse_webhook(bodies.ZAPIER_STATUS_LEAD)


def test_mapping_inputs_agree_with_the_raw_body() -> None:
    expected = parse_webhook(bodies.DOC_ADD_CONTACT)
    assert parse_webhook(dict(parse_qsl(bodies.DOC_ADD_CONTACT))) == expected
    assert parse_webhook(parse_qs(bodies.DOC_ADD_CONTACT)) == expected

    class MultiDict(dict[str, str]):
        """What Starlette's FormData offers: ``multi_items()`` with repeated keys."""

        def __init__(self, pairs: list[tuple[str, str]]) -> None:
            super().__init__(pairs)
            self._pairs = pairs

        def multi_items(self) -> list[tuple[str, str]]:
            return self._pairs

    pairs = [("leads[update][][id]", "1"), ("leads[update][][id]", "2")]
    events = parse_webhook(MultiDict(pairs)).events
    assert [getattr(e.data, "id", None) for e in events] == [1, 2]


def test_already_nested_mapping() -> None:
    payload = parse_webhook({"task": {"add": [{"id": "5", "text": "Call"}]}})
    [event] = payload.events
    assert isinstance(event, TaskEvent) and (event.data.id, event.data.text) == (5, "Call")
    assert payload.account == WebhookAccount()


# --------------------------------------------------------------------------- unknown keys


def test_unknown_keys_are_kept_never_fatal() -> None:
    body = urlencode(
        [
            ("leads[add][0][id]", "1"),
            ("leads[add][0][brand_new_field]", "x"),
            ("leads[add][0][custom_fields][0][id]", "5"),
            ("leads[add][0][custom_fields][0][values][0][value]", "v"),
            ("leads[add][0][custom_fields][0][values][0][subtype]", "WORK"),
            ("leads[merge][0][id]", "2"),
            ("catalogs[add][0][id]", "9"),
            ("outgoing_message[add][0][id]", "m1"),
            ("weird", "1"),
            ("broken[key", "2"),
            ("account[subdomain]", "acme"),
            ("account[future]", "yes"),
        ]
    )
    payload = parse_webhook(body)
    first, merged = payload.events
    assert isinstance(first, LeadEvent) and isinstance(merged, LeadEvent)
    assert first.data.model_extra == {"brand_new_field": "x"}
    assert first.data.custom_fields[0].values[0].model_extra == {"subtype": "WORK"}
    assert (merged.action, merged.code, merged.data.id) == ("merge", "merge_lead", 2)
    assert payload.unknown == {
        "catalogs": {"add": [{"id": "9"}]},
        "outgoing_message": {"add": [{"id": "m1"}]},
        "weird": "1",
        "broken[key": "2",
    }
    assert payload.account.model_extra == {"future": "yes"}


def test_scalar_roots_are_unknown_not_events() -> None:
    payload = parse_webhook("leads=1&account=acme")
    assert payload.events == []
    assert payload.unknown == {"leads": "1", "account": "acme"}


def test_empty_body() -> None:
    payload = parse_webhook(b"")
    assert (payload.events, payload.unknown, payload.account) == ([], {}, WebhookAccount())


# --------------------------------------------------------------------------- errors and caps


def test_bad_known_value_names_the_field() -> None:
    with pytest.raises(WebhookParseError) as info:
        parse_webhook("leads[status][0][id]=1&leads[status][0][price]=lots")
    assert info.value.key == "leads[status][0][price]"
    assert str(info.value).startswith("leads[status][0][price]: ")
    assert "integer" in str(info.value)


def test_bad_nested_value_names_the_nested_field() -> None:
    with pytest.raises(WebhookParseError) as info:
        parse_webhook("leads[add][0][custom_fields][0][id]=abc")
    assert info.value.key == "leads[add][0][custom_fields][0][id]"


def test_an_entry_that_is_not_an_object() -> None:
    with pytest.raises(WebhookParseError, match=r"leads\[add\]\[0\]: expected an object"):
        parse_webhook({"leads": {"add": [[1, 2]]}})


@pytest.mark.parametrize(
    ("body", "limits", "message"),
    [
        ("a=" + "x" * 2000, WebhookLimits(max_body_bytes=1000), "larger than 1000 bytes"),
        ("&".join(f"k{i}=1" for i in range(50)), WebhookLimits(max_fields=20), "more than 20"),
        ("a" + "[x]" * 20 + "=1", WebhookLimits(max_depth=8), "deeper than 8"),
        (
            "&".join(f"leads[add][{i}][id]={i}" for i in range(30)),
            WebhookLimits(max_list_length=10),
            "more than 10 entries",
        ),
        ('{"a":' * 40 + "1" + "}" * 40, WebhookLimits(max_depth=10), "deeper than 10"),
        ("[" * 100000, WebhookLimits(), "deeper than"),
        (
            '{"a": [' + ",".join("1" for _ in range(30)) + "]}",
            WebhookLimits(max_list_length=5),
            "5",
        ),
    ],
    ids=["body", "fields", "depth", "list", "json-depth", "json-bomb", "json-list"],
)
def test_caps_fail_with_a_clear_error(body: str, limits: WebhookLimits, message: str) -> None:
    content_type = "application/json" if body[:1] in "[{" else None
    with pytest.raises(WebhookParseError, match=message):
        parse_webhook(body, content_type, limits=limits)


def test_default_caps() -> None:
    deep = "a" + "[x]" * 17 + "=1"
    with pytest.raises(WebhookParseError, match="deeper than 16"):
        parse_webhook(deep)
    with pytest.raises(WebhookParseError, match="larger than 1048576 bytes"):
        parse_webhook(b"a=" + b"x" * (1024 * 1024))
    assert parse_webhook("a" + "[x]" * 15 + "=1").unknown != {}


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"\xff\xfe=1", None, "not UTF-8"),
        (b"a=%ff", None, "percent-escape"),
        (b"[1, 2]", "application/json", "must be an object"),
        (b"{nope", "application/json", "not valid JSON"),
        (b"a=1", "multipart/form-data; boundary=x", "unsupported content type"),
    ],
)
def test_malformed_bodies(body: bytes, content_type: str | None, message: str) -> None:
    with pytest.raises(WebhookParseError, match=message):
        parse_webhook(body, content_type)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_depth"):
        WebhookLimits(max_depth=0)


def test_wrong_body_type_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="bytes, str or a mapping"):
        parse_webhook(42)  # type: ignore[arg-type]


def test_lead_data_is_the_model_for_leads() -> None:
    assert LeadData.model_validate({"id": "", "price": "5"}).model_dump(exclude_none=True) == {
        "price": 5,
        "custom_fields": [],
    }
