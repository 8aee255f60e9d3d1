"""Chat template model: enums kept lenient on read, reviews, and the write payload."""

from __future__ import annotations

import amocrm_async.enums
from amocrm_async import models
from amocrm_async.models import (
    ChatTemplate,
    ChatTemplateAttachmentType,
    ChatTemplateButtonType,
    ChatTemplateReviewStatus,
    ChatTemplateType,
    WabaCategory,
)

READ = {
    "id": 12,
    "account_id": 1,
    "name": "Доставка",
    "content": "Ваш заказ {{lead.id}} в пути",
    "buttons": [{"type": "url", "text": "Отследить", "url": "https://example.com/t"}],
    "created_at": 1_700_000_000,
    "updated_at": 1_700_000_100,
    "is_editable": True,
    "external_id": "delivery",
    "attachment": {"id": "c0ffee", "name": "map.png", "type": "picture"},
    "type": "waba",
    "waba_category": "UTILITY",
    "waba_language": "ru",
    "waba_examples": {"{{lead.id}}": "1001"},
    "_embedded": {
        "reviews": [{"id": 3, "source_id": 9, "status": "approved", "reject_reason": None}]
    },
}


def test_a_read_template_is_typed() -> None:
    template = ChatTemplate.model_validate(READ)
    assert template.type is ChatTemplateType.WABA
    assert template.waba_category is WabaCategory.UTILITY
    assert template.buttons is not None and template.buttons[0].type is ChatTemplateButtonType.URL
    assert template.attachment is not None
    assert template.attachment.type is ChatTemplateAttachmentType.PICTURE
    assert [(r.id, r.status) for r in template.reviews] == [(3, ChatTemplateReviewStatus.APPROVED)]


def test_sending_back_drops_what_the_server_owns() -> None:
    payload = ChatTemplate.model_validate(READ).to_api()
    server_owned = {"account_id", "created_at", "updated_at", "_embedded"}
    assert payload == {k: v for k, v in READ.items() if k not in server_owned}
    assert list(payload)[:3] == ["id", "name", "content"]


def test_unknown_values_are_kept_as_text() -> None:
    template = ChatTemplate.model_validate(
        {
            "id": 1,
            "type": "sms",
            "waba_category": "OTHER",
            "_embedded": {"reviews": [{"status": "x"}]},
        }
    )
    assert (template.type, template.waba_category, template.reviews[0].status) == (
        "sms",
        "OTHER",
        "x",
    )
    assert ChatTemplate(id=1).reviews == []


def test_the_new_enums_are_listed_in_amocrm_async_enums() -> None:
    for name in (
        "CallDirection",
        "ChatTemplateAttachmentType",
        "ChatTemplateButtonType",
        "ChatTemplateReviewStatus",
        "ChatTemplateType",
        "WabaCategory",
    ):
        assert getattr(amocrm_async.enums, name) is getattr(models, name)
        assert name in amocrm_async.enums.__all__
