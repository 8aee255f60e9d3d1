"""Contacts (``/api/v4/contacts``)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import AmoEntity, AmoModel
from .custom_fields import CustomFieldValuesList, HasCustomFields
from .links import CatalogElementRef, CompanyRef, ContactRef, EntityRef
from .tags import EntityTags

__all__ = ["Contact", "ContactEmbedded", "SocialProfile"]


class SocialProfile(AmoModel):
    """A messenger/social profile of a contact (``with=social_profiles``)."""

    id: str | int | None = None
    name: str | None = None
    avatar: str | None = None
    source_name: str | None = None
    data: dict[str, Any] | None = None


class ContactEmbedded(AmoModel):
    """``_embedded`` of a contact. Only ``tags`` is written; ``tags=None`` set explicitly sends
    ``"tags": null``, which removes all tags."""

    __read_only__ = frozenset(
        {"companies", "leads", "customers", "catalog_elements", "social_profiles"}
    )
    __null_on_write__ = frozenset({"tags"})

    tags: EntityTags | None = None
    companies: list[CompanyRef] | None = None
    leads: list[EntityRef] | None = None
    customers: list[EntityRef] | None = None
    catalog_elements: list[CatalogElementRef] | None = None
    social_profiles: list[SocialProfile] | None = None


class Contact(HasCustomFields, ContactRef, AmoEntity):
    """A contact; a full :class:`ContactRef`.

    ``is_main`` is only present when the contact is embedded in a lead; it is sent only as part
    of a lead's ``_embedded.contacts``. Timestamps are unix seconds; ``created_at``,
    ``created_by`` and ``updated_by`` are only sent when creating.
    """

    __read_only__ = frozenset(
        {
            "group_id",
            "updated_at",
            "closest_task_at",
            "is_deleted",
            "is_main",
            "is_unsorted",
            "account_id",
            "links",
        }
    )
    __create_only__ = frozenset({"created_at", "created_by", "updated_by"})

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    responsible_user_id: int | None = None
    group_id: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    closest_task_at: int | None = None
    is_deleted: bool | None = None
    is_unsorted: bool | None = None
    account_id: int | None = None
    custom_fields_values: CustomFieldValuesList | None = None
    tags_to_add: EntityTags | None = None
    tags_to_delete: EntityTags | None = None
    embedded: ContactEmbedded | None = Field(default=None, alias="_embedded")
