"""Customers (``/api/v4/customers``) and what hangs off them: customer statuses, segments,
transactions and the customers mode (api-surface.md §7.4, §7.13). The custom fields of segments
are definitions like any entity's (:class:`~amocrm_async.models.CustomFieldDefinition`).

amoCRM runs customers in one of two modes: *periodicity* (a customer sits in one status and
moves between them by its next purchase date) or *segments* (a customer belongs to any number
of segments). Statuses only work in periodicity mode, segments only in segments mode.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import Annotated, Any, Final

from pydantic import Field, SerializationInfo, SerializerFunctionWrapHandler, WrapSerializer

from ._base import AmoEntity, AmoModel, is_write
from ._hal import HalLinks
from .custom_fields import CustomFieldValuesList, HasCustomFields
from .links import CatalogElementRef, CompanyRef, ContactRef, EntityRef
from .tags import EntityTags

__all__ = [
    "SEGMENT_COLORS",
    "Customer",
    "CustomerEmbedded",
    "CustomerStatus",
    "CustomerStatusColor",
    "CustomerStatusType",
    "CustomersMode",
    "CustomersModeSettings",
    "Segment",
    "SegmentColor",
    "SegmentRefs",
    "Transaction",
    "TransactionEmbedded",
]


class CustomersMode(StrEnum):
    """The customers modes an account reports (``customers_mode`` of ``/api/v4/account``).

    Only :attr:`PERIODICITY` and :attr:`SEGMENTS` can be set (``amo.customers.set_mode``).
    """

    UNAVAILABLE = "unavailable"
    DISABLED = "disabled"
    PERIODICITY = "periodicity"
    DYNAMIC = "dynamic"
    SEGMENTS = "segments"


class CustomerStatusType(IntEnum):
    """``type`` of a customer status; every type but :attr:`REGULAR` is a system status."""

    REGULAR = 0
    EXPECTED_PURCHASE = 1
    DID_NOT_PURCHASE = 2
    CLOSED = 3
    RECENTLY_PURCHASED = 4


class SegmentColor(StrEnum):
    """The colours a segment may have (hex without ``#``, lower case; §7.13 SEGMENT_COLORS)."""

    C10599D = "10599d"
    C2176FF = "2176ff"
    C006ACC = "006acc"
    C07A0C3 = "07a0c3"
    C247BA0 = "247ba0"
    C177E89 = "177e89"
    C046E8F = "046e8f"
    C598381 = "598381"
    C0C7C59 = "0c7c59"
    C495F41 = "495f41"
    C00A44B = "00a44b"
    C08605F = "08605f"
    CBF2600 = "bf2600"
    C06D6A0 = "06d6a0"
    CE14945 = "e14945"
    C79B473 = "79b473"
    CAE003F = "ae003f"
    CA2AD59 = "a2ad59"
    CCD0F53 = "cd0f53"
    C8E936D = "8e936d"
    C832161 = "832161"
    C2E5339 = "2e5339"
    CBF126F = "bf126f"
    C6F7C12 = "6f7c12"
    CFF5376 = "ff5376"
    CDD1C1A = "dd1c1a"
    CBB304E = "bb304e"
    C631D76 = "631d76"
    C9D2B32 = "9d2b32"
    C4A001F = "4a001f"
    CB118C8 = "b118c8"
    C6A0F49 = "6a0f49"
    C6610F2 = "6610f2"
    CB38A58 = "b38a58"
    C8963BA = "8963ba"
    C4B3666 = "4b3666"
    C932F6D = "932f6d"
    C6B2D5C = "6b2d5c"
    C6461A0 = "6461a0"
    C4F517D = "4f517d"


SEGMENT_COLORS: Final = frozenset(color.value for color in SegmentColor)
"""Every value of :class:`SegmentColor`."""


class CustomerStatusColor(StrEnum):
    """The colours a customer status may have (the palette of lead and customer statuses)."""

    FFFEB2 = "#fffeb2"
    FFFD7F = "#fffd7f"
    FFF000 = "#fff000"
    FFEAB2 = "#ffeab2"
    FFDC7F = "#ffdc7f"
    FFCE5A = "#ffce5a"
    FFDBDB = "#ffdbdb"
    FFC8C8 = "#ffc8c8"
    FF8F92 = "#ff8f92"
    D6EAFF = "#d6eaff"
    C1E0FF = "#c1e0ff"
    C98CBFF = "#98cbff"
    EBFFB1 = "#ebffb1"
    DEFF81 = "#deff81"
    C87F2C0 = "#87f2c0"
    F9DEFF = "#f9deff"
    F3BEFF = "#f3beff"
    CCC8F9 = "#ccc8f9"
    EB93FF = "#eb93ff"
    F2F3F4 = "#f2f3f4"
    E6E8EA = "#e6e8ea"


def _check_color(owner: str, color: str | None, allowed: type[StrEnum]) -> None:
    values = [item.value for item in allowed]
    if color is not None and color not in values:
        raise ValueError(
            f"{owner}.color must be a {allowed.__name__} value such as {values[0]!r} "
            f"(one of {len(values)}), got {color!r}"
        )


class CustomersModeSettings(AmoModel):
    """What ``PATCH /api/v4/customers/mode`` answers: the mode and whether customers are on."""

    mode: Annotated[CustomersMode | str, Field(union_mode="left_to_right")] | None = None
    is_enabled: bool | None = None


class Segment(HasCustomFields, AmoEntity):
    """A customer segment (segments mode).

    ``color`` must be a :class:`SegmentColor`; anything else raises :class:`ValueError` naming
    the field before a request is sent (the PHP library silently replaces it with ``10599d``).
    A colour read from the server is kept as it is, so a new palette entry never breaks a read.
    """

    __read_only__ = frozenset(
        {"created_at", "updated_at", "customers_count", "account_id", "links"}
    )

    name: str | None = None
    color: str | None = None
    created_at: int | None = None
    customers_count: int | None = None
    account_id: int | None = None
    available_products_price_types: list[int] | None = None
    custom_fields_values: CustomFieldValuesList | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        super()._check_writable()
        _check_color("Segment", self.color, SegmentColor)


def _serialize_segment_refs(
    segments: list[Segment], handler: SerializerFunctionWrapHandler, info: SerializationInfo
) -> Any:
    if not is_write(info):
        return handler(segments)
    return [{"id": segment.id} for segment in segments]


SegmentRefs = Annotated[list[Segment], WrapSerializer(_serialize_segment_refs)]
"""The segments of a customer: read as segments (``{id, _links}``), written as ``[{id}]``."""


class CustomerEmbedded(AmoModel):
    """``_embedded`` of a customer.

    ``tags`` and ``segments`` are written; ``tags=None`` set explicitly removes all tags. The
    segments are sent as given, by id (``segments=[]`` takes the customer out of every
    segment). Contacts, companies and catalog elements are read (``with=``) and changed with
    ``link``/``unlink``.
    """

    __read_only__ = frozenset({"contacts", "companies", "catalog_elements"})
    __null_on_write__ = frozenset({"tags"})

    tags: EntityTags | None = None
    segments: SegmentRefs | None = None
    contacts: list[ContactRef] | None = None
    companies: list[CompanyRef] | None = None
    catalog_elements: list[CatalogElementRef] | None = None


class Customer(HasCustomFields, AmoEntity):
    """A customer: a recurring buyer, with an expected next purchase.

    ``next_date`` and the other timestamps are unix seconds; ``periodicity`` is in days.
    ``ltv``, ``purchases_count`` and ``average_check`` are worked out by amoCRM from the
    customer's transactions and never sent. ``created_at``, ``created_by`` and ``updated_by``
    are only sent when creating.
    """

    __read_only__ = frozenset(
        {
            "group_id",
            "updated_at",
            "closest_task_at",
            "is_deleted",
            "ltv",
            "purchases_count",
            "average_check",
            "account_id",
            "links",
        }
    )
    __create_only__ = frozenset({"created_at", "created_by", "updated_by"})

    name: str | None = None
    next_price: int | None = None
    next_date: int | None = None
    responsible_user_id: int | None = None
    status_id: int | None = None
    periodicity: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    closest_task_at: int | None = None
    is_deleted: bool | None = None
    ltv: int | None = None
    purchases_count: int | None = None
    average_check: int | None = None
    account_id: int | None = None
    group_id: int | None = None
    custom_fields_values: CustomFieldValuesList | None = None
    tags_to_add: EntityTags | None = None
    tags_to_delete: EntityTags | None = None
    embedded: CustomerEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        super()._check_writable()
        segments = self.embedded.segments if self.embedded is not None else None
        for position, segment in enumerate(segments or ()):
            if segment.id is None:
                raise ValueError(
                    f"Customer._embedded.segments[{position}] has no id: customers are put in "
                    "existing segments (create one with amo.customers.segments.add_one)"
                )


class CustomerStatus(AmoEntity):
    """A status of customers (periodicity mode).

    ``color`` must be a :class:`CustomerStatusColor` (``ValueError`` before sending).
    ``type`` tells a regular status from the system ones (:class:`CustomerStatusType`), which
    ``is_default`` marks and which cannot be deleted; ``conditions`` are read only.
    """

    __read_only__ = frozenset(
        {"type", "is_default", "conditions", "account_id", "updated_at", "links"}
    )

    name: str | None = None
    sort: int | None = None
    color: str | None = None
    type: Annotated[CustomerStatusType | int, Field(union_mode="left_to_right")] | None = None
    is_default: bool | None = None
    conditions: list[Any] | None = None
    account_id: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        _check_color("CustomerStatus", self.color, CustomerStatusColor)


class TransactionEmbedded(AmoModel):
    """``_embedded`` of a transaction: what was bought (written) and the customer (read)."""

    __read_only__ = frozenset({"customer"})

    catalog_elements: list[CatalogElementRef] | None = None
    customer: EntityRef | None = None


class Transaction(AmoEntity):
    """A purchase of a customer (``/api/v4/customers/{customer_id}/transactions``).

    ``price`` is required. ``completed_at`` defaults to the time of the write; ``next_price``
    and ``next_date`` set the customer's next expected purchase. Catalog elements are sent as
    ``{"id": …, "metadata": {"catalog_id": …, "quantity": …}}``. Transactions cannot be
    changed, only added and deleted; ``customer_id`` is read only (the path names the customer).
    """

    __read_only__ = frozenset(
        {
            "created_by",
            "updated_by",
            "created_at",
            "updated_at",
            "is_deleted",
            "customer_id",
            "account_id",
            "links",
        }
    )

    price: int | None = None
    completed_at: int | None = None
    comment: str | None = None
    next_price: int | None = None
    next_date: int | None = None
    customer_id: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    is_deleted: bool | None = None
    account_id: int | None = None
    embedded: TransactionEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        if self.price is None:
            raise ValueError("Transaction.price is required")
