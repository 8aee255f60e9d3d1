"""Links between contacts and chats — ``/api/v4/contacts/chats`` (api-surface.md §5.2)."""

from __future__ import annotations

from ._base import AmoModel

__all__ = ["ChatLink"]


class ChatLink(AmoModel):
    """A contact linked to a chat (a Chats API conversation id, a uuid).

    ``id`` (the link's own) is given by amoCRM; ``request_id`` ties a link of a request to its
    line in the answer.
    """

    __read_only__ = frozenset({"id"})

    contact_id: int
    chat_id: str
    id: int | None = None
    request_id: str | None = None
