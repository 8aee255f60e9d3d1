"""Webhook subscriptions of the account — ``/api/v4/webhooks`` (api-surface.md §5.18, §7.17).

A subscription is a ``destination`` URL and the events (``settings``) amoCRM posts to it. The
event codes follow ``{action}_{entity}`` (protocol.md §7); :class:`WebhookEventCode` lists them, and
a code the SDK does not know yet is kept as the string it was when a subscription is read.
"""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from ._base import AmoEntity
from ._hal import HalLinks

__all__ = ["Webhook", "WebhookEventCode", "check_destination"]


class WebhookEventCode(StrEnum):
    """The event codes a subscription's ``settings`` may hold.

    Confirmed in public code and fixtures (protocol.md §7): ``add_lead``, ``update_lead``,
    ``status_lead``, ``responsible_lead``, ``note_lead``, ``add_contact``, ``update_contact``,
    ``note_contact``, ``responsible_contact``, ``responsible_company``, ``add_unsorted``,
    ``add_message``. The others follow the documented event list and naming pattern;
    ``update_unsorted``/``status_unsorted`` (the "incoming lead edited" event) are unverified
    spellings.
    """

    ADD_LEAD = "add_lead"
    UPDATE_LEAD = "update_lead"
    DELETE_LEAD = "delete_lead"
    RESTORE_LEAD = "restore_lead"
    STATUS_LEAD = "status_lead"
    RESPONSIBLE_LEAD = "responsible_lead"
    NOTE_LEAD = "note_lead"
    ADD_CONTACT = "add_contact"
    UPDATE_CONTACT = "update_contact"
    DELETE_CONTACT = "delete_contact"
    RESTORE_CONTACT = "restore_contact"
    RESPONSIBLE_CONTACT = "responsible_contact"
    NOTE_CONTACT = "note_contact"
    ADD_COMPANY = "add_company"
    UPDATE_COMPANY = "update_company"
    DELETE_COMPANY = "delete_company"
    RESTORE_COMPANY = "restore_company"
    RESPONSIBLE_COMPANY = "responsible_company"
    NOTE_COMPANY = "note_company"
    ADD_CUSTOMER = "add_customer"
    UPDATE_CUSTOMER = "update_customer"
    DELETE_CUSTOMER = "delete_customer"
    RESPONSIBLE_CUSTOMER = "responsible_customer"
    NOTE_CUSTOMER = "note_customer"
    ADD_TASK = "add_task"
    UPDATE_TASK = "update_task"
    DELETE_TASK = "delete_task"
    RESPONSIBLE_TASK = "responsible_task"
    ADD_UNSORTED = "add_unsorted"
    UPDATE_UNSORTED = "update_unsorted"
    STATUS_UNSORTED = "status_unsorted"
    DELETE_UNSORTED = "delete_unsorted"
    ADD_TALK = "add_talk"
    UPDATE_TALK = "update_talk"
    ADD_MESSAGE = "add_message"
    ADD_CHAT_TEMPLATE_REVIEW = "add_chat_template_review"

    @property
    def action(self) -> str:
        """``"add"``, ``"update"``, ``"status"``, ``"note"`` … (the key in the posted body)."""
        return self.value.split("_", 1)[0]

    @property
    def entity(self) -> str:
        """``"lead"``, ``"contact"``, ``"unsorted"``, ``"chat_template_review"`` …"""
        return self.value.split("_", 1)[1]


def check_destination(value: object, field: str = "destination") -> str:
    """An absolute ``http(s)`` URL, or a :class:`ValueError`/:class:`TypeError` naming ``field``."""
    if not isinstance(value, str):
        raise TypeError(f"{field}: expected a URL string, got {type(value).__name__}")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or value != value.strip():
        raise ValueError(f"{field}: {value!r} is not an absolute http(s) URL")
    return value


class Webhook(AmoEntity):
    """One subscription: where amoCRM posts (``destination``) and on which events (``settings``).

    ``subscribe`` sends ``destination``, ``settings`` and ``sort``; everything else is the
    server's. ``disabled`` turns true when amoCRM gave up on the destination (more than 100
    failed deliveries within two hours); subscribing the destination again re-enables it.
    """

    __read_only__ = frozenset(
        {"created_by", "created_at", "updated_at", "account_id", "disabled", "links"}
    )

    destination: str | None = None
    settings: list[WebhookEventCode | str] | None = None
    sort: int | None = None
    disabled: bool | None = None
    created_by: int | None = None
    created_at: int | None = None
    account_id: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    @field_validator("settings", mode="before")
    @classmethod
    def _known_codes(cls, value: object) -> object:
        if not isinstance(value, list):
            return value
        known = {event.value: event for event in WebhookEventCode}
        return [known.get(item, item) if isinstance(item, str) else item for item in value]

    def _check_writable(self) -> None:
        check_destination(self.destination)
        if not self.settings:
            raise ValueError("settings: a subscription needs at least one event")
