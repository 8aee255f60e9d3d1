"""The fake's contact chats over raw HTTP, against the public sample's shapes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from ..samples import sample

pytestmark = pytest.mark.anyio

PATH = "/api/v4/contacts/chats"


def shape(value: Any) -> Any:
    """Key names and value types, lists by their first item."""
    if isinstance(value, list):
        return [shape(item) for item in value[:1]]
    if not isinstance(value, dict):
        return type(value).__name__
    return {key: shape(item) for key, item in value.items()}


async def test_link_and_list_answer_like_the_samples(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    (contact,) = fake.seed(contacts=1).contacts
    request = sample("contacts_chats", "link_request")
    request[0]["contact_id"] = contact  # the sample's contact does not exist in the fake
    linked = await api.post(PATH, json=request)
    assert linked.status_code == 200, linked.text
    assert shape(linked.json()) == shape(sample("contacts_chats", "link_response"))
    listed = await api.get(PATH, params={"contact_id": str(contact)})
    assert shape(listed.json()) == shape(sample("contacts_chats", "list_response"))
    again = (await api.post(PATH, json=request)).json()["_embedded"]["chats"][0]
    assert again["id"] == linked.json()["_embedded"]["chats"][0]["id"]
    by_chat = await api.get(PATH, params={"chat_id": request[0]["chat_id"]})
    assert by_chat.json()["_total_items"] == 1


async def test_errors_and_empty(api: httpx.AsyncClient) -> None:
    assert (await api.get(PATH)).status_code == 400
    assert (await api.get(PATH, params={"contact_id": "5"})).status_code == 204
    bad = await api.post(PATH, json=[{"contact_id": "x", "chat": 1, "request_id": "r"}])
    errors = bad.json()["validation-errors"]
    assert errors[0]["request_id"] == "r"
    assert {(e["code"], e["path"]) for e in errors[0]["errors"]} == {
        ("FieldNotExpected", "chat"),
        ("InvalidType", "contact_id"),
        ("NotBlank", "chat_id"),
    }
    missing = await api.post(PATH, json=[{"contact_id": 1, "chat_id": "c"}])
    assert missing.json()["validation-errors"][0]["errors"][0]["code"] == "NotSupportedChoice"
