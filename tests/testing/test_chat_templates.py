"""The fake's chat templates over raw HTTP: validation, filter, paging, deletes, reviews."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from ._problems import issues_of, problem_of

pytestmark = pytest.mark.anyio

PATH = "/api/v4/chats/templates"


def template(**fields: Any) -> dict[str, Any]:
    return {"name": "Привет", "content": "Здравствуйте!", **fields}


async def add(api: httpx.AsyncClient, *items: dict[str, Any]) -> list[int]:
    response = await api.post(PATH, json=list(items))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["_embedded"]["chat_templates"]]


async def test_a_template_is_stored_with_its_defaults(api: httpx.AsyncClient) -> None:
    buttons = [{"type": "url", "text": "Сайт", "url": "https://example.com"}]
    attachment = {"id": "f-uuid", "name": "a.pdf", "type": "document"}
    [template_id] = await add(
        api,
        template(buttons=buttons, attachment=attachment, waba_examples={"{{x}}": "1"}),
    )
    stored = (await api.get(f"{PATH}/{template_id}")).json()
    assert {
        k: stored[k] for k in ("buttons", "attachment", "type", "is_editable", "waba_examples")
    } == {
        "buttons": buttons,
        "attachment": attachment,
        "type": "amocrm",
        "is_editable": True,
        "waba_examples": {"{{x}}": "1"},
    }
    assert "updated_by" not in stored and "_embedded" not in stored
    changed = await api.patch(f"{PATH}/{template_id}", json={"buttons": None, "attachment": None})
    assert changed.status_code == 200
    again = (await api.get(f"{PATH}/{template_id}")).json()
    assert (again["buttons"], again["attachment"], "updated_by" in again) == (None, None, False)


@pytest.mark.parametrize(
    ("item", "issues"),
    [
        ({"name": "", "content": None}, [("InvalidType", "content"), ("NotBlank", "name")]),
        (template(buttons={}), [("InvalidType", "buttons")]),
        (template(buttons=["x"]), [("InvalidType", "buttons.0")]),
        (
            template(
                buttons=[{"type": "inline", "text": "a"}, {"type": "url", "text": "b", "url": "u"}]
            ),
            [("NotSupportedChoice", "buttons.1.type")],
        ),
        (
            template(buttons=[{"type": "url", "text": "", "colour": 1}]),
            [
                ("FieldNotExpected", "buttons.0.colour"),
                ("NotBlank", "buttons.0.text"),
                ("NotBlank", "buttons.0.url"),
            ],
        ),
        (
            template(buttons=[{"type": "inline", "text": "a", "url": "u"}]),
            [("FieldNotExpected", "buttons.0.url")],
        ),
        (
            template(buttons=[{"type": "reply", "text": "a"}]),
            [("NotSupportedChoice", "buttons.0.type")],
        ),
        (template(attachment="f"), [("InvalidType", "attachment")]),
        (
            template(attachment={"id": "", "type": "gif", "size": 1}),
            [
                ("FieldNotExpected", "attachment.size"),
                ("NotBlank", "attachment.id"),
                ("NotBlank", "attachment.name"),
                ("NotSupportedChoice", "attachment.type"),
            ],
        ),
        (template(waba_examples={"a": 1}), [("InvalidType", "waba_examples")]),
        (
            template(type="sms", waba_category="OTHER"),
            [("NotSupportedChoice", "type"), ("NotSupportedChoice", "waba_category")],
        ),
    ],
)
async def test_invalid_templates_are_refused(
    api: httpx.AsyncClient, item: dict[str, Any], issues: list[tuple[str, str]]
) -> None:
    response = await api.post(PATH, json=[item])
    assert [(code, path) for _, code, path in issues_of(response)] == issues


async def test_external_id_filter_paging_and_204(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    assert (await api.get(PATH)).status_code == 204
    seeded = fake.seed(chat_templates=3).chat_templates
    one = await api.get(PATH, params={"filter[external_id]": "seed-2"})
    assert [t["id"] for t in one.json()["_embedded"]["chat_templates"]] == [seeded[1]]
    both = await api.get(
        PATH, params={"filter[external_id][0]": "seed-1", "filter[external_id][1]": "seed-3"}
    )
    assert [t["id"] for t in both.json()["_embedded"]["chat_templates"]] == [seeded[0], seeded[2]]
    everything = await api.get(PATH, params={"filter[external_id]": ""})
    assert len(everything.json()["_embedded"]["chat_templates"]) == 3
    page = await api.get(PATH, params={"limit": 2, "page": 2})
    assert [t["id"] for t in page.json()["_embedded"]["chat_templates"]] == [seeded[2]]
    assert (await api.get(PATH, params={"limit": 2, "page": 3})).status_code == 204
    kinds = [t["buttons"][0]["type"] for t in fake.entities("chat_templates")]
    assert kinds == ["inline", "inline", "url"]


async def test_deletes(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    first, second, third = fake.seed(chat_templates=3).chat_templates
    assert (await api.delete(f"{PATH}/{first}")).status_code == 204
    assert problem_of(await api.delete(f"{PATH}/{first}"), 404)["detail"].endswith("not found")
    bad = await api.request("DELETE", PATH, json=[{"id": second}, {"id": first}, {"id": "x"}, 5])
    assert issues_of(bad) == [
        ("1", "NotSupportedChoice", "id"),
        ("2", "InvalidType", "id"),
        ("3", "InvalidType", "id"),
    ]
    assert len(fake.entities("chat_templates")) == 2
    gone = await api.request("DELETE", PATH, json=[{"id": second}, {"id": third}])
    assert gone.status_code == 204
    assert fake.entities("chat_templates") == []


async def test_reviews(api: httpx.AsyncClient) -> None:
    amocrm, waba = await add(api, template(), template(type="waba", waba_category="MARKETING"))
    assert problem_of(await api.post(f"{PATH}/{amocrm}/review"))["detail"].startswith("Only WABA")
    assert problem_of(await api.post(f"{PATH}/999/review"), 404)
    sent = await api.post(f"{PATH}/{waba}/review")
    [review] = sent.json()["_embedded"]["reviews"]
    assert (review["status"], review["source_id"]) == ("review", 1)
    again = await api.post(f"{PATH}/{waba}/review")
    assert again.json()["_embedded"]["reviews"] == [review]
    url = f"{PATH}/{waba}/review/{review['id']}"
    assert issues_of(await api.post(url, json={"status": "maybe", "reject_reason": 5, "x": 1})) == [
        ("0", "FieldNotExpected", "x"),
        ("0", "NotSupportedChoice", "status"),
        ("0", "InvalidType", "reject_reason"),
    ]
    assert issues_of(await api.post(url, json=[1])) == [("0", "InvalidType", "")]
    rejected = await api.post(url, json={"status": "rejected", "reject_reason": "spam"})
    assert rejected.json() == {"status": "rejected", "reject_reason": "spam"}
    approved = await api.post(url, json={"status": "approved", "reject_reason": "spam"})
    assert approved.json() == {"status": "approved", "reject_reason": None}
    assert problem_of(await api.post(f"{PATH}/{waba}/review/1", json={}), 404)
    assert problem_of(await api.post(f"{PATH}/999/review/1", json={}), 404)
    listed = await api.get(f"{PATH}/{waba}", params={"with": "reviews"})
    assert listed.json()["_embedded"]["reviews"][0]["status"] == "approved"
