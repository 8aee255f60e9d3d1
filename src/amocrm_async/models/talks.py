"""Talks (``/api/v4/talks``): the conversations of the account's chats, read and closed."""

from __future__ import annotations

from typing import Any

from pydantic import Field, model_validator

from ._base import AmoEntity
from ._hal import HalLinks

__all__ = ["Talk"]


class Talk(AmoEntity):
    """One talk: which chat and contact it is, what it is about, whether it is still open.

    amoCRM names the id ``talk_id``; ``id`` mirrors it so a talk works like any entity.
    ``rate`` is the NPS score left by the client (0 while there is none). Talks are read-only:
    they start when a client writes, and end with ``amo.talks.close(talk_id)``.
    """

    __read_only__ = frozenset(
        {
            "id",
            "updated_at",
            "talk_id",
            "created_at",
            "rate",
            "contact_id",
            "chat_id",
            "entity_id",
            "entity_type",
            "is_in_work",
            "is_read",
            "origin",
            "missed_at",
            "account_id",
            "links",
        }
    )

    talk_id: int | None = None
    created_at: int | None = None
    rate: int | None = None
    contact_id: int | None = None
    chat_id: str | None = None
    entity_id: int | None = None
    entity_type: str | None = None
    is_in_work: bool | None = None
    is_read: bool | None = None
    origin: str | None = None
    missed_at: int | None = None
    account_id: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    @model_validator(mode="before")
    @classmethod
    def _id_from_talk_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and data.get("id") is None and data.get("talk_id") is not None:
            return {**data, "id": data["talk_id"]}
        return data
