"""Webhook subscriptions: the documented answer parses (known codes as ``WebhookEventCode``, unknown
ones kept), and the write payload is only what ``subscribe`` may send."""

from __future__ import annotations

import pytest

from amocrm_async.models import Webhook, WebhookEventCode

LISTED = {
    "id": 1_011_001,
    "destination": "https://hooks.example/amo",
    "created_at": 1_700_000_000,
    "updated_at": 1_700_000_100,
    "account_id": 29_000_001,
    "created_by": 9_000_001,
    "sort": 0,
    "disabled": True,
    "settings": ["add_lead", "responsible_company", "add_message", "brand_new_event"],
}


def test_answer_parses() -> None:
    webhook = Webhook.model_validate(LISTED)
    assert webhook.settings == [
        WebhookEventCode.ADD_LEAD,
        WebhookEventCode.RESPONSIBLE_COMPANY,
        WebhookEventCode.ADD_MESSAGE,
        "brand_new_event",
    ]
    assert isinstance(webhook.settings[0], WebhookEventCode)
    assert (webhook.disabled, webhook.created_by, webhook.updated_at) == (
        True,
        9_000_001,
        1_700_000_100,
    )


def test_write_payload_drops_what_the_server_owns() -> None:
    webhook = Webhook.model_validate(LISTED)
    assert webhook.to_api() == {
        "id": 1_011_001,
        "destination": "https://hooks.example/amo",
        "sort": 0,
        "settings": ["add_lead", "responsible_company", "add_message", "brand_new_event"],
    }


def test_unwritable_subscription_names_the_field() -> None:
    with pytest.raises(ValueError, match="destination"):
        Webhook(destination="nope", settings=["add_lead"]).to_api()
    with pytest.raises(ValueError, match="settings"):
        Webhook(destination="https://hooks.example/x", settings=[]).to_api()


@pytest.mark.parametrize(
    ("event", "action", "entity"),
    [
        (WebhookEventCode.STATUS_LEAD, "status", "lead"),
        (WebhookEventCode.NOTE_COMPANY, "note", "company"),
        (WebhookEventCode.DELETE_UNSORTED, "delete", "unsorted"),
        (WebhookEventCode.ADD_CHAT_TEMPLATE_REVIEW, "add", "chat_template_review"),
    ],
)
def test_event_codes_split_into_action_and_entity(
    event: WebhookEventCode, action: str, entity: str
) -> None:
    assert (event.action, event.entity, f"{action}_{entity}") == (action, entity, event.value)
