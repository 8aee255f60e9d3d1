"""Contact chats: the public samples (``tests/samples/contacts_chats.json``) parse and
serialise back to the same JSON."""

from __future__ import annotations

from amocrm_async.models import ChatLink

from ..samples import sample


def test_link_request_is_what_to_api_sends() -> None:
    body = sample("contacts_chats", "link_request")
    links = [ChatLink.model_validate(item) for item in body]
    assert [link.to_api() for link in links] == body


def test_link_response_round_trips() -> None:
    body = sample("contacts_chats", "link_response")
    items = body["_embedded"]["chats"]
    links = [ChatLink.model_validate(item) for item in items]
    assert [(link.id, link.contact_id, link.request_id) for link in links] == [
        (26219, 3102959, "0")
    ]
    assert [link.model_dump(exclude_unset=True) for link in links] == items
    # the link's own id is the server's: never sent back
    assert "id" not in links[0].to_api()


def test_list_response_round_trips() -> None:
    items = sample("contacts_chats", "list_response")["_embedded"]["chats"]
    links = [ChatLink.model_validate(item) for item in items]
    assert [link.model_dump(exclude_unset=True) for link in links] == items
    assert links[0].chat_id == "6cbab3d5-c4c1-46ff-b710-ad59ad10805f"
