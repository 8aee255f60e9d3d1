"""``amo.contacts.chats``: the public samples on the wire, and end to end against the fake."""

from __future__ import annotations

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import ChatLink, Contact

from ..samples import sample
from .contract import body

pytestmark = pytest.mark.anyio

PATH = "/api/v4/contacts/chats"


async def test_link_sends_the_documented_body(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.post(PATH).respond(200, json=sample("contacts_chats", "link_response"))
    request = sample("contacts_chats", "link_request")
    links = await amo.contacts.chats.link([ChatLink.model_validate(item) for item in request])
    assert body(route.calls.last) == request
    assert [(link.id, link.request_id) for link in links] == [(26219, "0")]


async def test_get_by_contact_or_chat(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get(PATH).respond(200, json=sample("contacts_chats", "list_response"))
    found = await amo.contacts.chats.get(contact_ids=3102959)
    assert route.calls.last.request.url.params.multi_items() == [("contact_id", "3102959")]
    assert [link.chat_id for link in found] == ["6cbab3d5-c4c1-46ff-b710-ad59ad10805f"]
    await amo.contacts.chats.get(contact_ids=[1, 2], chat_ids="c")
    assert route.calls.last.request.url.params.multi_items() == [
        ("contact_id[0]", "1"),
        ("contact_id[1]", "2"),
        ("chat_id", "c"),
    ]
    router.get(PATH).respond(204)
    assert await amo.contacts.chats.get(chat_ids="none") == []


async def test_nothing_to_ask_fails_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="contact_ids"):
        await amo.contacts.chats.get()
    with pytest.raises(ValueError, match="at least one"):
        await amo.contacts.chats.link([])
    assert not router.calls


async def test_link_and_read_back(on_fake: AmoCRMClient) -> None:
    contacts = await on_fake.contacts.add([Contact(name="Иван"), Contact(name="Пётр")])
    first, second = (c.id for c in contacts)
    assert first is not None and second is not None
    linked = await on_fake.contacts.chats.link(
        [
            ChatLink(contact_id=first, chat_id="chat-a"),
            ChatLink(contact_id=second, chat_id="chat-b", request_id="x"),
        ]
    )
    assert [(link.contact_id, link.request_id) for link in linked] == [(first, "0"), (second, "x")]
    assert all(link.id for link in linked)
    assert [link.chat_id for link in await on_fake.contacts.chats.get(contact_ids=first)] == [
        "chat-a"
    ]
    both = await on_fake.contacts.chats.get(contact_ids=[first, second])
    assert {link.chat_id for link in both} == {"chat-a", "chat-b"}
    assert [link.contact_id for link in await on_fake.contacts.chats.get(chat_ids="chat-b")] == [
        second
    ]
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.contacts.chats.link([ChatLink(contact_id=999, chat_id="c")])
    assert [issue.path for issue in caught.value.for_request_id("0")] == ["contact_id"]
