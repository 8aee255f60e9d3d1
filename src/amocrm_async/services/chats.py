"""Contacts' chats — ``GET|POST /api/v4/contacts/chats`` (api-surface.md §5.2).

``amo.contacts.chats.get(contact_ids=...)`` reads which chats (Chats API conversations) belong
to which contacts; ``amo.contacts.chats.link([...])`` attaches chats to contacts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Unpack

from .._service import CallOptions, Service, request_options
from ..filters import ChatLinksFilter, IdsInput, NamesInput
from ..models import ChatLink
from ._keyed import embedded_models
from ._pages import ListQuery, ListReader

__all__ = ["ContactChatsService"]


class ContactChatsService(Service):
    """Links between contacts and chats: read them, add them."""

    path = "{parent}/chats"

    async def get(
        self,
        *,
        contact_ids: IdsInput | None = None,
        chat_ids: NamesInput | None = None,
        **options: Unpack[CallOptions],
    ) -> list[ChatLink]:
        """The links of these contacts and/or chats (an empty list when there are none)."""
        if contact_ids is None and chat_ids is None:
            raise ValueError("give contact_ids, chat_ids or both")
        query = ListQuery(
            filter=ChatLinksFilter(contact_ids=contact_ids, chat_ids=chat_ids), paged=False
        )
        reader = ListReader(self._pipeline, self.path, "chats", ChatLink, paged=False)
        return list(await reader.get(query, 1, request_options(options)))

    async def link(
        self, links: Sequence[ChatLink], **options: Unpack[CallOptions]
    ) -> list[ChatLink]:
        """Attach chats to contacts; returns the links with their ``id``."""
        payload = [link.to_api() for link in links]
        if not payload:
            raise ValueError("links: give at least one link")
        return await self._pipeline.request_decoded(
            "POST",
            self.path,
            embedded_models("chats", ChatLink),
            json=payload,
            options=request_options(options),
            request_ids=[link.request_id or str(i) for i, link in enumerate(links)],
        )
