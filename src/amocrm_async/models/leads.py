"""Leads (``/api/v4/leads``) and the complex-create endpoint (``/api/v4/leads/complex``)."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any, Final

from pydantic import ConfigDict, Field, SerializeAsAny, TypeAdapter

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks
from .custom_fields import CustomFieldValuesList, HasCustomFields
from .links import CatalogElementRef, CompanyRef, ContactRef
from .tags import EntityTags

__all__ = [
    "LOST_STATUS_ID",
    "WON_STATUS_ID",
    "ComplexLeadResult",
    "Lead",
    "LeadEmbedded",
    "LeadSource",
    "LossReason",
]

WON_STATUS_ID: Final = 142
"""System status "closed - won"; exists in every pipeline, so send ``pipeline_id`` with it."""
LOST_STATUS_ID: Final = 143
"""System status "closed - lost"; the only status for which ``loss_reason_id`` is sent."""


class LeadSource(AmoModel):
    """The source of a lead.

    Read (``with=source``) as ``{id, name, …}``; written only when creating a lead, as
    ``{"type": "widget", "external_id": …}`` naming a source registered by the integration.
    """

    __read_only__ = frozenset({"id", "name"})

    id: int | None = None
    name: str | None = None
    type: str | None = None
    external_id: str | None = None


class LossReason(AmoModel):
    """Why a lead was lost (``with=loss_reason``)."""

    __read_only__ = frozenset({"links"})

    id: int | None = None
    name: str | None = None
    sort: int | None = None
    created_at: int | None = None
    updated_at: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")


class LeadEmbedded(AmoModel):
    """``_embedded`` of a lead.

    A read with ``with=contacts`` fills ``contacts``/``companies`` with :class:`ContactRef` /
    :class:`CompanyRef` (``id``, ``is_main``, ``_links``). To create a new contact and company
    with :meth:`Lead.to_complex_api`, attach a full :class:`Contact` / :class:`Company` (they
    are subclasses of the refs). ``contacts``, ``companies``, ``source`` and ``metadata`` are
    written by :class:`Lead` itself, which knows whether it is creating; the generic write rules
    only send ``tags`` (``tags=None`` set explicitly sends ``"tags": null``, removing all tags).
    """

    __read_only__ = frozenset(
        {"contacts", "companies", "catalog_elements", "loss_reason", "source", "metadata"}
    )
    __null_on_write__ = frozenset({"tags"})

    tags: EntityTags | None = None
    contacts: list[SerializeAsAny[ContactRef]] | None = None
    companies: list[SerializeAsAny[CompanyRef]] | None = None
    catalog_elements: list[CatalogElementRef] | None = None
    loss_reason: list[LossReason] | None = None
    source: LeadSource | None = None
    metadata: dict[str, Any] | None = None


class Lead(HasCustomFields, AmoEntity):
    """A lead (deal).

    Timestamps are unix seconds. ``price`` is read as an int and may be written as an int or a
    float with minor units; the exact decimal price is ``price_with_minor_units``, which is never
    sent itself but, as in the PHP library, is what is written as ``price`` — so a lead read at
    300.99 and written back keeps 300.99 (see :meth:`exact_price`). Assigning ``price`` replaces
    it (``price_with_minor_units`` becomes ``None``); assigning ``price_with_minor_units`` sets
    ``price`` to its whole part.
    ``loss_reason_id`` is not sent when ``status_id`` says the lead is anything but lost.
    ``_embedded.contacts``/``companies``/``source`` and ``created_at``/``created_by``/``updated_by``
    are only sent when creating (no ``id``).
    """

    __read_only__ = frozenset(
        {
            "price_with_minor_units",
            "group_id",
            "source_id",
            "updated_at",
            "closest_task_at",
            "is_deleted",
            "score",
            "account_id",
            "is_price_modified_by_robot",
            "links",
        }
    )
    __create_only__ = frozenset({"created_at", "created_by", "updated_by"})

    name: str | None = None
    price: int | float | None = None
    price_with_minor_units: float | None = None
    responsible_user_id: int | None = None
    group_id: int | None = None
    status_id: int | None = None
    pipeline_id: int | None = None
    loss_reason_id: int | None = None
    source_id: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    closed_at: int | None = None
    closest_task_at: int | None = None
    is_deleted: bool | None = None
    score: int | None = None
    account_id: int | None = None
    is_price_modified_by_robot: bool | None = None
    custom_fields_values: CustomFieldValuesList | None = None
    tags_to_add: EntityTags | None = None
    tags_to_delete: EntityTags | None = None
    visitor_uid: str | None = None
    embedded: LeadEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    def to_api(self) -> dict[str, Any]:
        """Return the payload for ``POST``/``PATCH /api/v4/leads``.

        On create (no ``id``) embedded contacts and companies are linked by id —
        ``[{"id": …, "is_main": …}]`` and ``[{"id": …}]`` — and ``_embedded.source`` is sent.
        Contacts or companies without an id can only be created with :meth:`to_complex_api`.
        """
        payload = super().to_api()
        embedded = self.embedded
        if self.id is not None or embedded is None:
            return payload
        extra: dict[str, Any] = {}
        if embedded.contacts:
            extra["contacts"] = [_contact_ref(contact) for contact in embedded.contacts]
        if embedded.companies:
            extra["companies"] = [_company_ref(company) for company in embedded.companies]
        source = embedded.source.to_api() if embedded.source is not None else None
        if source:
            extra["source"] = source
        if extra:
            payload.setdefault("_embedded", {}).update(extra)
        return payload

    def to_complex_api(self) -> dict[str, Any]:
        """Return one item of ``POST /api/v4/leads/complex``.

        The lead payload without ``id``, with the attached contact and company written in full
        (``_embedded.contacts=[contact.to_api()]``, ``_embedded.companies=[company.to_api()]``,
        their ``request_id`` left out), plus ``_embedded.source``, ``_embedded.tags``,
        ``_embedded.metadata`` (unsorted/incoming-lead metadata, passed through) and
        ``request_id``. amoCRM accepts at most one contact and one company per lead, so more
        raise :class:`ValueError` rather than being silently dropped.
        """
        payload = super().to_api()
        payload.pop("id", None)
        embedded = self.embedded
        if embedded is None:
            return payload
        extra: dict[str, Any] = {}
        for key, entities in (("contacts", embedded.contacts), ("companies", embedded.companies)):
            if not entities:
                continue
            if len(entities) > 1:
                raise ValueError(f"a complex lead takes at most one of _embedded.{key}")
            nested = entities[0].to_api()
            nested.pop("request_id", None)
            extra[key] = [nested]
        source = embedded.source.to_api() if embedded.source is not None else None
        if source:
            extra["source"] = source
        if embedded.metadata is not None:
            extra["metadata"] = embedded.metadata
        if extra:
            payload.setdefault("_embedded", {}).update(extra)
        return payload

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name == "price":
            super().__setattr__("price_with_minor_units", None)
        elif name == "price_with_minor_units":
            minor = self.price_with_minor_units
            super().__setattr__("price", None if minor is None else math.trunc(minor))

    def exact_price(self) -> int | float | None:
        """The price as a write sends it: ``price_with_minor_units`` when it is this ``price``
        with its minor units, else ``price`` (one changed behind the setter's back, e.g. by
        ``model_copy(update=...)``, wins over the old exact value)."""
        minor, price = self.price_with_minor_units, self.price
        if minor is not None and (price is None or abs(minor - price) < 1):
            return int(minor) if minor.is_integer() else minor
        return price

    def overlay(self, target: AmoModel, names: Iterable[str]) -> None:
        names = set(names)
        super().overlay(target, names - {"price"})
        exact = self.exact_price()
        if "price" not in names or exact is None or not isinstance(target, Lead):
            return
        if target.exact_price() != exact:
            if isinstance(exact, float):
                target.price_with_minor_units = exact
            else:
                target.price = exact

    def _write_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        payload = super()._write_filter(data)
        if self.status_id is not None and self.status_id != LOST_STATUS_ID:
            payload.pop("loss_reason_id", None)
        exact = self.exact_price()
        if exact is not None:
            payload["price"] = exact
        return payload


def _contact_ref(contact: ContactRef) -> dict[str, Any]:
    if contact.id is None:
        raise ValueError("a new contact can only be created with Lead.to_complex_api()")
    ref: dict[str, Any] = {"id": contact.id}
    if contact.is_main is not None:
        ref["is_main"] = contact.is_main
    return ref


def _company_ref(company: CompanyRef) -> dict[str, Any]:
    if company.id is None:
        raise ValueError("a new company can only be created with Lead.to_complex_api()")
    return {"id": company.id}


class ComplexLeadResult(AmoModel):
    """One element of the ``/api/v4/leads/complex`` response (a bare JSON array, not HAL).

    ``request_id`` is a list because duplicate control may merge several inputs into one lead;
    ``merged`` tells that an existing entity was updated instead of a new one created.
    """

    model_config = ConfigDict(coerce_numbers_to_str=True)

    id: int
    contact_id: int | None = None
    company_id: int | None = None
    request_id: list[str] = Field(default_factory=list)
    merged: bool = False

    @classmethod
    def validate_list_json(cls, body: bytes | str) -> list[ComplexLeadResult]:
        """Decode a whole complex-create response body."""
        return _complex_results.validate_json(body)

    @classmethod
    def validate_list(cls, body: Any) -> list[ComplexLeadResult]:
        """Validate an already decoded complex-create response (a JSON array)."""
        return _complex_results.validate_python(body)


_complex_results: TypeAdapter[list[ComplexLeadResult]] = TypeAdapter(list[ComplexLeadResult])
