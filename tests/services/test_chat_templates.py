"""Chat templates: the contract (reads, writes, delete, round trip through the fake), and by
hand what is special: the filter, answers as a bare object, buttons checked before sending,
batch delete, WABA reviews."""

from __future__ import annotations

from typing import Any

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.filters import ChatTemplatesFilter
from amocrm_async.models import (
    ChatTemplate,
    ChatTemplateAttachment,
    ChatTemplateButton,
    ChatTemplateButtonType,
    ChatTemplateReview,
    ChatTemplateReviewStatus,
    ChatTemplateType,
    WabaCategory,
)

from .contract import ServiceContract, ServiceSpec, body

pytestmark = pytest.mark.anyio

PATH = "/api/v4/chats/templates"


def template(i: int, **fields: Any) -> ChatTemplate:
    values: dict[str, Any] = {
        "name": f"Шаблон {i}",
        "content": "Здравствуйте, {{contact.name}}!",
        "buttons": [ChatTemplateButton(type=ChatTemplateButtonType.INLINE, text="Да")],
        "external_id": f"ext-{i}",
        **fields,
    }
    return ChatTemplate(**values)


class TestContract(ServiceContract):
    spec = ServiceSpec(
        "chat_templates",
        make=template,
        change=lambda t: setattr(t, "content", "Добрый день!"),
    )


async def test_filter_and_with_on_the_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get(PATH).respond(204)
    await amo.chat_templates.get(ChatTemplatesFilter(external_ids=["a", "b"]), with_=["reviews"])
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[external_id][0]", "a"),
        ("filter[external_id][1]", "b"),
        ("limit", "250"),
        ("page", "1"),
        ("with", "reviews"),
    ]
    await amo.chat_templates.get(ChatTemplatesFilter(external_ids="a"))
    assert route.calls.last.request.url.params["filter[external_id]"] == "a"
    with pytest.raises(ValueError, match="external_ids"):
        ChatTemplatesFilter(external_ids=[""])


async def test_a_bare_object_answer_maps_back(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    router.post(PATH).respond(200, json={"id": 77, "name": "Шаблон 1", "updated_at": 5})
    one = await amo.chat_templates.add_one(template(1))
    assert (one.id, one.updated_at) == (77, 5)


async def test_the_write_body_of_a_waba_template(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.patch(f"{PATH}/5").respond(200, json={"id": 5, "updated_at": 9})
    waba = template(
        5,
        id=5,
        type=ChatTemplateType.WABA,
        buttons=[ChatTemplateButton(type="url", text="Открыть", url="https://example.com")],
        attachment=ChatTemplateAttachment(id="uuid-1", name="a.png", type="picture"),
        waba_category=WabaCategory.UTILITY,
        waba_language="ru",
        waba_examples={"{{contact.name}}": "Иван"},
    )
    await amo.chat_templates.update_one(waba)
    assert body(route.calls.last) == {
        "id": 5,
        "name": "Шаблон 5",
        "content": "Здравствуйте, {{contact.name}}!",
        "buttons": [{"type": "url", "text": "Открыть", "url": "https://example.com"}],
        "external_id": "ext-5",
        "attachment": {"id": "uuid-1", "name": "a.png", "type": "picture"},
        "type": "waba",
        "waba_category": "UTILITY",
        "waba_language": "ru",
        "waba_examples": {"{{contact.name}}": "Иван"},
    }
    cleared = ChatTemplate(id=5, buttons=None, attachment=None)
    await amo.chat_templates.update_one(cleared)
    assert body(route.calls.last) == {"id": 5, "buttons": None, "attachment": None}


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": ""}, "name is required"),
        ({"content": None}, "content is required"),
        (
            {
                "buttons": [
                    ChatTemplateButton(type="inline", text="a"),
                    ChatTemplateButton(type="url", text="b", url="https://x"),
                ]
            },
            "all buttons must be of one type",
        ),
        ({"buttons": [ChatTemplateButton(type="url", text="b")]}, r"buttons.0.url is required"),
        ({"buttons": [ChatTemplateButton(type="inline")]}, r"buttons.0.text is required"),
        ({"buttons": [ChatTemplateButton(type="inline", text="a", url="https://x")]}, "no url"),
        ({"buttons": [ChatTemplateButton(type="reply", text="a")]}, "'inline' or 'url'"),
    ],
)
async def test_bad_templates_fail_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await amo.chat_templates.add([template(1), template(2, **fields)])
    assert not router.calls


async def test_delete_many_sends_their_ids(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.delete(PATH).respond(204)
    await amo.chat_templates.delete([template(1, id=3), 4])
    assert body(route.calls.last) == [{"id": 3}, {"id": 4}]


async def test_reviews_on_the_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    reviews = {"_embedded": {"reviews": [{"id": 8, "source_id": 1, "status": "review"}]}}
    sent = router.post(f"{PATH}/5/review").respond(200, json=reviews)
    [review] = await amo.chat_templates.send_on_review(5)
    assert sent.calls.last.request.content == b""
    assert (review.id, review.status) == (8, ChatTemplateReviewStatus.REVIEW)
    router.post(f"{PATH}/6/review").respond(204)
    assert await amo.chat_templates.send_on_review(6) == []
    status = router.post(f"{PATH}/5/review/8").respond(
        200, json={"status": "rejected", "reject_reason": "spam"}
    )
    review.status = ChatTemplateReviewStatus.REJECTED
    await amo.chat_templates.update_review_status(5, review)
    assert body(status.calls.last) == {
        "id": 8,
        "source_id": 1,
        "status": "rejected",
        "reject_reason": None,
    }
    assert (review.status, review.reject_reason) == ("rejected", "spam")
    with pytest.raises(ValueError, match="no id"):
        await amo.chat_templates.update_review_status(5, ChatTemplateReview())


async def test_templates_on_the_fake(on_fake: AmoCRMClient) -> None:
    service = on_fake.chat_templates
    a, b, c = await service.add([template(1), template(2), template(3, type="waba")])
    found = [
        t.id async for t in service.iterate(ChatTemplatesFilter(external_ids=["ext-1", "ext-3"]))
    ]
    assert found == [a.id, c.id]
    [review] = await service.send_on_review(c.id or 0)
    assert review.status == ChatTemplateReviewStatus.REVIEW
    review.status = ChatTemplateReviewStatus.APPROVED
    await service.update_review_status(c.id or 0, review)
    fresh = await service.get_one(c.id or 0, with_=["reviews"])
    assert [(r.id, r.status) for r in fresh.reviews] == [(review.id, "approved")]
    assert (await service.get_one(a.id or 0)).reviews == []
    with pytest.raises(errors.BadRequestError, match="Only WABA"):
        await service.send_on_review(a.id or 0)
    await service.delete_one(a.id or 0)
    with pytest.raises(errors.NotFoundError):
        await service.get_one(a.id or 0)
    with pytest.raises(errors.NotFoundError):
        await service.delete_one(a.id or 0)
    with pytest.raises(errors.RequestValidationError):
        await service.delete([b, a.id or 0])
    await service.delete([b, c])
    assert [t async for t in service.iterate()] == []
