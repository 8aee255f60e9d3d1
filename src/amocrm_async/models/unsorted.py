"""Incoming leads ("unsorted") — ``/api/v4/leads/unsorted`` (api-surface.md §5.19, §7.14).

An unsorted entry is keyed by ``uid`` (a string), not by an int id. It carries the lead (and
contacts, companies) it created, the category it came through and metadata of that category.
Only ``forms`` and ``sip`` entries can be created through the API (:class:`UnsortedForm`,
:class:`UnsortedSip`); ``chats`` and ``mail`` ones are read (and linked) only.
"""

from __future__ import annotations

import time
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import Field, field_validator

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks
from .companies import Company
from .contacts import Contact
from .leads import Lead

__all__ = [
    "FormsMetadata",
    "SipMetadata",
    "Unsorted",
    "UnsortedAction",
    "UnsortedCategory",
    "UnsortedEmbedded",
    "UnsortedForm",
    "UnsortedSip",
    "UnsortedSummary",
]


class UnsortedCategory(StrEnum):
    """Where an incoming lead came from (``category``, and the path segment of a create)."""

    SIP = "sip"
    MAIL = "mail"
    FORMS = "forms"
    CHATS = "chats"


def _category(value: Any) -> Any:
    """A known category as :class:`UnsortedCategory`; a newer one stays a str."""
    if isinstance(value, str) and value in UnsortedCategory._value2member_map_:
        return UnsortedCategory(value)
    return value


def _now() -> int:
    return int(time.time())


class FormsMetadata(AmoModel):
    """What a web form sent: ``form_sent_at`` defaults to now, as in the PHP library."""

    form_id: str | None = None
    form_name: str | None = None
    form_page: str | None = None
    form_sent_at: int = Field(default_factory=_now)
    ip: str | None = None
    referer: str | None = None
    form_type: int | None = None
    visitor_uid: str | None = None


class SipMetadata(AmoModel):
    """A call: ``called_at`` defaults to now and ``is_call_event_needed`` to true (PHP's)."""

    phone: str | None = None
    called_at: int = Field(default_factory=_now)
    duration: int | None = None
    link: str | None = None
    service_code: str | None = None
    uniq: str | None = None
    is_call_event_needed: bool = True
    call_responsible: int | None = None
    from_: str | None = Field(default=None, alias="from")


class UnsortedEmbedded(AmoModel):
    """The lead, contacts and companies of an entry (each a full model when written)."""

    leads: list[Lead] | None = None
    contacts: list[Contact] | None = None
    companies: list[Company] | None = None


class Unsorted(AmoEntity):
    """One incoming lead, as read; keyed by ``uid``.

    It is an :class:`AmoEntity` only for the batch machinery (``request_id``): its ``id`` and
    ``updated_at`` are never set by amoCRM and never sent. ``metadata`` is the category's
    object as a dict (typed on :class:`UnsortedForm` / :class:`UnsortedSip`).
    """

    __read_only__ = frozenset({"id", "updated_at", "uid", "category", "account_id", "links"})
    category_of_class: ClassVar[UnsortedCategory | None] = None

    uid: str | None = None
    source_uid: str | None = None
    source_name: str | None = None
    category: UnsortedCategory | str | None = None
    pipeline_id: int | None = None
    created_at: int | None = None
    account_id: int | None = None
    metadata: dict[str, Any] | None = None
    embedded: UnsortedEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    _known_category = field_validator("category", mode="before")(_category)

    @property
    def lead(self) -> Lead | None:
        """The (first) lead of the entry."""
        leads = self.embedded.leads if self.embedded is not None else None
        return leads[0] if leads else None

    def _check_writable(self) -> None:
        wanted = type(self).category_of_class
        if wanted is None:
            raise ValueError(
                "Unsorted: only forms and sip entries can be created; use UnsortedForm or "
                "UnsortedSip"
            )
        if self.category not in (None, wanted):
            raise ValueError(f"Unsorted.category: {type(self).__name__} is {wanted.value!r}")
        if self.source_uid in (None, "") or self.source_name in (None, ""):
            missing = "source_uid" if self.source_uid in (None, "") else "source_name"
            raise ValueError(f"{type(self).__name__}.{missing} is required")
        if self.lead is None:
            raise ValueError(f"{type(self).__name__}.embedded.leads: give the lead it creates")


class UnsortedForm(Unsorted):
    """A web-form entry to create (``POST /api/v4/leads/unsorted/forms``)."""

    category_of_class = UnsortedCategory.FORMS
    metadata: FormsMetadata | None = None  # type: ignore[assignment]


class UnsortedSip(Unsorted):
    """A call entry to create (``POST /api/v4/leads/unsorted/sip``)."""

    category_of_class = UnsortedCategory.SIP
    metadata: SipMetadata | None = None  # type: ignore[assignment]


class UnsortedAction(AmoModel):
    """The answer to accept, decline or link: the entry and the entities it now points to."""

    uid: str
    category: UnsortedCategory | str | None = None
    pipeline_id: int | None = None
    created_at: int | None = None
    embedded: UnsortedEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    _known_category = field_validator("category", mode="before")(_category)


class UnsortedSummary(AmoModel):
    """``GET /api/v4/leads/unsorted/summary``: counts and the average sorting time (seconds).

    ``categories`` maps a category to its count (kept as the server sends it).
    """

    total: int = 0
    accepted: int = 0
    declined: int = 0
    average_sort_time: int | float | None = None
    categories: dict[str, Any] = Field(default_factory=dict)
