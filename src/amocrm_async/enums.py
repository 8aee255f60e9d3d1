"""Every constant set of the SDK in one place: ``from amocrm_async.enums import NoteType``.

Each enum lives next to the model that uses it (and is exported from
:mod:`amocrm_async.models`, or :mod:`amocrm_async.filters` for :class:`SortOrder`); this module
only re-exports them so they can be found together. All are :class:`~enum.StrEnum` or
:class:`~enum.IntEnum`, so a member is the plain string or number the API uses and a plain
value works wherever a member does. Models keep parsing values the enums do not list: a new
value amoCRM adds reads as a plain ``str``/``int``, never as an error.
"""

from __future__ import annotations

from .filters import SortOrder
from .models import (
    BirthdayRemind,
    CallStatus,
    CatalogElementWith,
    CatalogType,
    ChatTemplateWith,
    CompanyWith,
    ContactWith,
    CustomersMode,
    CustomerStatusColor,
    CustomerStatusType,
    CustomerWith,
    DriveFileWith,
    EventType,
    EventWith,
    FieldType,
    InvoiceFieldCode,
    InvoiceStatus,
    LeadStatusWith,
    LeadWith,
    MessageCashierStatus,
    NoteType,
    NoteWith,
    PayerType,
    RightAction,
    RightScope,
    RightValue,
    RoleWith,
    SegmentColor,
    SubscriberType,
    SupplierFieldCode,
    TagColor,
    TargetingService,
    TaskTypeId,
    UnsortedCategory,
    UserWith,
    VatType,
    WebsiteButtonWith,
)

__all__ = [
    "BirthdayRemind",
    "CallStatus",
    "CatalogElementWith",
    "CatalogType",
    "ChatTemplateWith",
    "CompanyWith",
    "ContactWith",
    "CustomerStatusColor",
    "CustomerStatusType",
    "CustomerWith",
    "CustomersMode",
    "DriveFileWith",
    "EventType",
    "EventWith",
    "FieldType",
    "InvoiceFieldCode",
    "InvoiceStatus",
    "LeadStatusWith",
    "LeadWith",
    "MessageCashierStatus",
    "NoteType",
    "NoteWith",
    "PayerType",
    "RightAction",
    "RightScope",
    "RightValue",
    "RoleWith",
    "SegmentColor",
    "SortOrder",
    "SubscriberType",
    "SupplierFieldCode",
    "TagColor",
    "TargetingService",
    "TaskTypeId",
    "UnsortedCategory",
    "UserWith",
    "VatType",
    "WebsiteButtonWith",
]
