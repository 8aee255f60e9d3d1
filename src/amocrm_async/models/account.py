"""The account itself (``GET /api/v4/account``; api-surface.md §5.12, §7.15).

Everything here is read-only: the account is read with ``amo.account.get_current(with_=...)``
and never written. What ``with=`` adds is typed: ``amojo_id``, ``uuid``, ``version``,
``is_api_filter_enabled``, ``drive_url`` and ``invoices_settings`` at the top level; the
``amojo_rights``, ``users_groups``, ``task_types``, ``entity_names`` and ``datetime_settings``
under ``_embedded``.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from ._base import AmoModel
from ._hal import HalLinks
from .customers import CustomersMode
from .users import UserGroup

__all__ = [
    "Account",
    "AccountEmbedded",
    "AccountWith",
    "AmojoRights",
    "DatetimeSettings",
    "EntityName",
    "InvoicesSettings",
    "TaskType",
    "WordForms",
]


class AccountWith(StrEnum):
    """The ``with=`` values of ``GET /api/v4/account``."""

    AMOJO_ID = "amojo_id"
    UUID = "uuid"
    AMOJO_RIGHTS = "amojo_rights"
    USERS_GROUPS = "users_groups"
    TASK_TYPES = "task_types"
    VERSION = "version"
    ENTITY_NAMES = "entity_names"
    DATETIME_SETTINGS = "datetime_settings"
    INVOICES_SETTINGS = "invoices_settings"
    IS_API_FILTER_ENABLED = "is_api_filter_enabled"
    DRIVE_URL = "drive_url"


class _ReadOnly(AmoModel):
    """A part of the account: parsed, never written."""

    def to_api(self) -> dict[str, object]:
        raise TypeError(f"{type(self).__name__} is read-only: the account is never written")


class AmojoRights(_ReadOnly):
    """What the account may do in the chats service (``with=amojo_rights``)."""

    can_direct: bool | None = None
    can_create_groups: bool | None = None


class TaskType(_ReadOnly):
    """A task type of the account (``with=task_types``); 1 and 2 are the system types."""

    id: int | None = None
    name: str | None = None
    color: str | None = None
    icon_id: int | None = None
    code: str | None = None


class WordForms(_ReadOnly):
    """The grammatical forms of an entity's name in one number (singular or plural)."""

    default: str | None = None
    dative: str | None = None
    genitive: str | None = None
    accusative: str | None = None
    instrumental: str | None = None
    prepositional: str | None = None


class EntityName(_ReadOnly):
    """What the account calls an entity in one language (``with=entity_names``)."""

    gender: str | None = None
    singular_form: WordForms | None = None
    plural_form: WordForms | None = None


class DatetimeSettings(_ReadOnly):
    """Date and time formats and the time zone of the account (``with=datetime_settings``)."""

    date_pattern: str | None = None
    short_date_pattern: str | None = None
    short_time_pattern: str | None = None
    date_format: str | None = None
    time_format: str | None = None
    timezone: str | None = None
    timezone_offset: str | None = None


class InvoicesSettings(_ReadOnly):
    """The invoices catalog of the account (``with=invoices_settings``)."""

    lang: str | None = None
    invoices_catalog_id: int | None = None


class AccountEmbedded(_ReadOnly):
    """``_embedded`` of the account: what ``with=`` asked for."""

    amojo_rights: AmojoRights | None = None
    users_groups: list[UserGroup] | None = None
    task_types: list[TaskType] | None = None
    entity_names: dict[str, dict[str, EntityName]] | None = None
    """Entity type (``leads`` …) → language (``ru``, ``en`` …) → its names."""
    datetime_settings: DatetimeSettings | None = None


class Account(_ReadOnly):
    """The account a client works with: ``await amo.account.get_current(with_=[...])``."""

    id: int | None = None
    name: str | None = None
    subdomain: str | None = None
    created_at: int | None = None
    created_by: int | None = None
    updated_at: int | None = None
    updated_by: int | None = None
    current_user_id: int | None = None
    country: str | None = None
    currency: str | None = None
    currency_symbol: str | None = None
    customers_mode: CustomersMode | str | None = None
    is_unsorted_on: bool | None = None
    mobile_feature_version: int | None = None
    is_loss_reason_enabled: bool | None = None
    is_helpbot_enabled: bool | None = None
    is_technical_account: bool | None = None
    contact_name_display_order: int | None = None
    amojo_id: str | None = None
    uuid: str | None = None
    version: int | None = None
    is_api_filter_enabled: bool | None = None
    drive_url: str | None = None
    invoices_settings: InvoicesSettings | None = None
    embedded: AccountEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    @property
    def task_types(self) -> list[TaskType]:
        """The task types (``with=task_types``; empty without it)."""
        return list(self.embedded.task_types or ()) if self.embedded else []

    @property
    def users_groups(self) -> list[UserGroup]:
        """The user groups (``with=users_groups``; empty without it)."""
        return list(self.embedded.users_groups or ()) if self.embedded else []
