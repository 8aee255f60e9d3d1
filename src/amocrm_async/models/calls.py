"""Calls (``POST /api/v4/calls``): a call logged against whatever entity owns the phone number."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Final

from pydantic import Field

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks
from .notes import CallNoteParams, CallStatus

__all__ = ["CALL_ENTITY_TYPES", "Call", "CallDirection", "CallEmbedded", "CallEntity", "CallStatus"]

CALL_ENTITY_TYPES: Final = frozenset(
    {"lead", "contact", "company", "customer", "catalog_element", "task"}
)
"""``entity_type`` values of an added call (singular, as the calls answer names them)."""


class CallDirection(StrEnum):
    """``direction`` of a call (PHP ``CallInterface::CALL_TYPE_*``)."""

    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallEntity(AmoModel):
    """The entity amoCRM attached a call to (``_embedded.entity``: its id and link)."""

    id: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")


class CallEmbedded(AmoModel):
    entity: CallEntity | None = None


class Call(AmoEntity, CallNoteParams):
    """A call to add: amoCRM finds the contact or company with ``phone`` (and its open lead or
    customer) and attaches the call there, answering with ``entity_id`` and ``entity_type``.

    The call fields are those of a call note (:class:`CallNoteParams`: ``uniq``, ``duration``,
    ``source``, ``link``, ``phone``, ``call_result``, ``call_status``, ``call_responsible``).
    ``direction``, ``duration``, ``source`` and ``phone`` are required; ``call_status`` is a
    :class:`CallStatus` (a plain ``int`` when the code is not one of the eight known ones) and
    ``call_result`` is free text, as the API defines it. ``call_responsible`` is a user id or a
    name. Calls cannot be read back, updated or deleted through the API.
    """

    __read_only__ = frozenset({"id", "entity_id", "entity_type", "account_id", "embedded", "links"})

    direction: Annotated[CallDirection | str, Field(union_mode="left_to_right")] | None = None
    responsible_user_id: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    entity_id: int | None = None
    entity_type: str | None = None
    account_id: int | None = None
    embedded: CallEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        missing = [
            name
            for name in ("direction", "duration", "source", "phone")
            if getattr(self, name) in (None, "")
        ]
        if missing:
            raise ValueError(f"Call.{missing[0]} is required (missing: {', '.join(missing)})")
        if self.direction not in tuple(CallDirection):
            raise ValueError(
                f"Call.direction must be 'inbound' or 'outbound', got {self.direction!r}"
            )
        if self.duration is not None and self.duration < 0:
            raise ValueError(f"Call.duration must not be negative, got {self.duration}")
