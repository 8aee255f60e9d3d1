"""Companies (``/api/v4/companies``)."""

from __future__ import annotations

from pydantic import Field

from ._base import AmoEntity, AmoModel
from .custom_fields import CustomFieldValuesList, HasCustomFields
from .links import CatalogElementRef, CompanyRef, ContactRef, EntityRef
from .tags import EntityTags

__all__ = ["Company", "CompanyEmbedded"]


class CompanyEmbedded(AmoModel):
    """``_embedded`` of a company. Only ``tags`` is written; ``tags=None`` set explicitly sends
    ``"tags": null``, which removes all tags."""

    __read_only__ = frozenset({"contacts", "leads", "customers", "catalog_elements"})
    __null_on_write__ = frozenset({"tags"})

    tags: EntityTags | None = None
    contacts: list[ContactRef] | None = None
    leads: list[EntityRef] | None = None
    customers: list[EntityRef] | None = None
    catalog_elements: list[CatalogElementRef] | None = None


class Company(HasCustomFields, CompanyRef, AmoEntity):
    """A company; a full :class:`CompanyRef`. Timestamps are unix seconds; ``created_at``,
    ``created_by`` and ``updated_by`` are only sent when creating."""

    __read_only__ = frozenset(
        {"group_id", "updated_at", "closest_task_at", "is_deleted", "account_id", "links"}
    )
    __create_only__ = frozenset({"created_at", "created_by", "updated_by"})

    name: str | None = None
    responsible_user_id: int | None = None
    group_id: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    closest_task_at: int | None = None
    is_deleted: bool | None = None
    account_id: int | None = None
    custom_fields_values: CustomFieldValuesList | None = None
    tags_to_add: EntityTags | None = None
    tags_to_delete: EntityTags | None = None
    embedded: CompanyEmbedded | None = Field(default=None, alias="_embedded")
