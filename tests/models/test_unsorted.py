"""Unsorted models: categories, the create payloads of forms and sip entries (§7.14), the
checks that fail before sending, and reading entries of every category.

amoCRM's documentation has no machine-readable unsorted sample in the shared reference, so the
read bodies below follow the field tables of api-surface.md §5.19/§7.14.
"""

from __future__ import annotations

from typing import Any

import pytest

from amocrm_async.models import (
    Contact,
    FormsMetadata,
    Lead,
    SipMetadata,
    Unsorted,
    UnsortedAction,
    UnsortedCategory,
    UnsortedEmbedded,
    UnsortedForm,
    UnsortedSip,
    UnsortedSummary,
)

CHAT_ENTRY: dict[str, Any] = {
    "uid": "a1fee7c0fc436088e64ba2e8822ba2b3",
    "source_uid": "tg-bot",
    "source_name": "Telegram",
    "category": "chats",
    "pipeline_id": 3166396,
    "created_at": 1_700_000_000,
    "metadata": {
        "from": "Иван",
        "received_at": 1_700_000_000,
        "service": "telegram",
        "client": {"name": "Иван", "avatar": None},
        "origin": {"chat_id": "c1", "ref": None, "visitor_uid": None},
        "last_message_text": "Здравствуйте",
        "source_name": "Telegram",
    },
    "account_id": 28805383,
    "_embedded": {
        "leads": [
            {"id": 10, "_links": {"self": {"href": "https://acme.amocrm.ru/api/v4/leads/10"}}}
        ],
        "contacts": [{"id": 20}],
        "companies": [],
    },
    "_links": {"self": {"href": "https://acme.amocrm.ru/api/v4/leads/unsorted/a1fee7"}},
}


def test_categories_are_the_api_strings() -> None:
    assert [c.value for c in UnsortedCategory] == ["sip", "mail", "forms", "chats"]
    assert UnsortedCategory("forms") is UnsortedCategory.FORMS


def test_a_read_entry_parses_and_dumps_back() -> None:
    entry = Unsorted.model_validate(CHAT_ENTRY)
    assert entry.category is UnsortedCategory.CHATS
    assert entry.lead is not None and entry.lead.id == 10
    assert entry.metadata is not None and entry.metadata["service"] == "telegram"
    dumped = entry.model_dump(mode="json", by_alias=True, exclude_unset=True)
    # HAL links are structs (no fields-set tracking): compare them by their href
    assert dumped.pop("_links")["self"]["href"] == CHAT_ENTRY["_links"]["self"]["href"]
    lead_links = dumped["_embedded"]["leads"][0].pop("_links")
    assert lead_links["self"]["href"] == "https://acme.amocrm.ru/api/v4/leads/10"
    expected = {key: value for key, value in CHAT_ENTRY.items() if key != "_links"}
    expected["_embedded"] = {**CHAT_ENTRY["_embedded"], "leads": [{"id": 10}]}
    assert dumped == expected


def test_an_unknown_category_is_kept_as_a_string() -> None:
    entry = Unsorted.model_validate({**CHAT_ENTRY, "category": "whatsapp_new"})
    assert entry.category == "whatsapp_new"


def test_form_payload_is_the_documented_body() -> None:
    form = UnsortedForm(
        source_uid="site-form",
        source_name="Сайт",
        pipeline_id=3166396,
        created_at=1_700_000_000,
        metadata=FormsMetadata(
            form_id="7",
            form_name="Заявка",
            form_page="https://example.com",
            form_sent_at=1_700_000_001,
            ip="192.0.2.1",
        ),
        _embedded=UnsortedEmbedded(
            leads=[Lead(name="Заявка на сайте", price=500)], contacts=[Contact(name="Иван")]
        ),
        request_id="r1",
    )
    assert form.to_api() == {
        "request_id": "r1",
        "source_uid": "site-form",
        "source_name": "Сайт",
        "pipeline_id": 3166396,
        "created_at": 1_700_000_000,
        "metadata": {
            "form_id": "7",
            "form_name": "Заявка",
            "form_page": "https://example.com",
            "form_sent_at": 1_700_000_001,
            "ip": "192.0.2.1",
        },
        "_embedded": {
            "leads": [{"name": "Заявка на сайте", "price": 500}],
            "contacts": [{"name": "Иван"}],
        },
    }


def test_sip_metadata_defaults_as_php_and_sends_from() -> None:
    metadata = SipMetadata(phone="+79990000000", from_="Менеджер", uniq="u1", duration=30)
    payload = metadata.to_api()
    assert payload["is_call_event_needed"] is True
    assert isinstance(payload["called_at"], int)
    assert payload["from"] == "Менеджер"
    assert "from_" not in payload


def test_read_only_fields_are_never_sent() -> None:
    form = UnsortedForm.model_validate(
        {**CHAT_ENTRY, "category": "forms", "metadata": {"form_id": "1", "form_sent_at": 1}}
    )
    payload = form.to_api()
    assert {"uid", "category", "account_id", "_links"}.isdisjoint(payload)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        (Unsorted(source_uid="s", source_name="n"), "only forms and sip"),
        (UnsortedForm(source_name="n", _embedded=UnsortedEmbedded(leads=[Lead()])), "source_uid"),
        (UnsortedSip(source_uid="s", source_name="n"), "embedded.leads"),
        (
            UnsortedSip(
                source_uid="s",
                source_name="n",
                category="forms",
                _embedded=UnsortedEmbedded(leads=[Lead()]),
            ),
            "category",
        ),
    ],
)
def test_unwritable_entries_fail_before_sending(entry: Unsorted, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        entry.to_api()


def test_action_answer_and_summary_parse() -> None:
    action = UnsortedAction.model_validate(
        {
            "uid": "u1",
            "category": "forms",
            "pipeline_id": 1,
            "created_at": 2,
            "_embedded": {"leads": [{"id": 3}], "contacts": [{"id": 4}], "companies": []},
        }
    )
    assert action.category is UnsortedCategory.FORMS
    assert action.embedded is not None and action.embedded.leads is not None
    assert action.embedded.leads[0].id == 3
    summary = UnsortedSummary.model_validate(
        {
            "total": 9,
            "accepted": 2,
            "declined": 1,
            "average_sort_time": 300,
            "categories": {"forms": 5},
        }
    )
    assert (summary.total, summary.accepted, summary.declined, summary.categories["forms"]) == (
        9,
        2,
        1,
        5,
    )
