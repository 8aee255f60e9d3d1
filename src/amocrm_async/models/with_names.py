"""The ``with=`` values of each endpoint (api-surface.md §11.2; PHP ``<Model>::getAvailableWith``).

Pass them as ``with_=`` to ``get``, ``iterate``, ``get_one`` and ``sync_one``; plain strings work
the same (``with_=["contacts"]`` is ``with_=[LeadWith.CONTACTS]``). A service takes only its own
values and refuses any other before sending, where the PHP library drops it silently. Each
service's ``with_allowed`` is built from its enum, so the two cannot drift apart. (The
account's values are :class:`~amocrm_async.models.AccountWith`, next to the account model.)
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "CatalogElementWith",
    "ChatTemplateWith",
    "CompanyWith",
    "ContactWith",
    "CustomerWith",
    "DriveFileWith",
    "EventWith",
    "LeadStatusWith",
    "LeadWith",
    "NoteWith",
    "RoleWith",
    "UserWith",
    "WebsiteButtonWith",
    "with_values",
]


def with_values(names: type[StrEnum]) -> frozenset[str]:
    """The values of a ``with`` enum as plain strings (a service's ``with_allowed``)."""
    return frozenset(member.value for member in names)


class LeadWith(StrEnum):
    """``amo.leads``."""

    CATALOG_ELEMENTS = "catalog_elements"
    IS_PRICE_MODIFIED_BY_ROBOT = "is_price_modified_by_robot"
    CONTACTS = "contacts"
    SOURCE_ID = "source_id"
    LOSS_REASON = "loss_reason"
    ONLY_DELETED = "only_deleted"
    SOURCE = "source"


class ContactWith(StrEnum):
    """``amo.contacts``."""

    LEADS = "leads"
    CUSTOMERS = "customers"
    CATALOG_ELEMENTS = "catalog_elements"
    SOCIAL_PROFILES = "social_profiles"
    ONLY_DELETED = "only_deleted"


class CompanyWith(StrEnum):
    """``amo.companies``."""

    LEADS = "leads"
    CUSTOMERS = "customers"
    CONTACTS = "contacts"
    CATALOG_ELEMENTS = "catalog_elements"
    ONLY_DELETED = "only_deleted"


class CustomerWith(StrEnum):
    """``amo.customers``."""

    CATALOG_ELEMENTS = "catalog_elements"
    COMPANIES = "companies"
    CONTACTS = "contacts"
    GROUP_ID = "group_id"


class CatalogElementWith(StrEnum):
    """``amo.catalogs.elements(catalog_id)``."""

    INVOICE_LINK = "invoice_link"
    SUPPLIER_FIELD_VALUES = "supplier_field_values"


class NoteWith(StrEnum):
    """``amo.<entity>.notes``."""

    IS_PINNED = "is_pinned"


class EventWith(StrEnum):
    """``amo.events``: the name of the entity or note an event is about."""

    CONTACT_NAME = "contact_name"
    LEAD_NAME = "lead_name"
    COMPANY_NAME = "company_name"
    CATALOG_ELEMENT_NAME = "catalog_element_name"
    CUSTOMER_NAME = "customer_name"
    CATALOG_NAME = "catalog_name"
    NOTE = "note"


class UserWith(StrEnum):
    """``amo.users``."""

    ROLE = "role"
    UUID = "uuid"
    GROUP = "group"
    AMOJO_ID = "amojo_id"
    USER_RANK = "user_rank"
    PHONE_NUMBER = "phone_number"


class RoleWith(StrEnum):
    """``amo.roles``."""

    USERS = "users"


class LeadStatusWith(StrEnum):
    """The statuses of a pipeline."""

    DESCRIPTIONS = "descriptions"


class DriveFileWith(StrEnum):
    """Files of the account's drive."""

    DELETED = "deleted"
    UNBILLED = "unbilled"


class WebsiteButtonWith(StrEnum):
    """Website buttons."""

    SCRIPTS = "scripts"
    DELETED = "deleted"


class ChatTemplateWith(StrEnum):
    """Chat templates."""

    REVIEWS = "reviews"
