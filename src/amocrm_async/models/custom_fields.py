"""Typed custom-field values (``custom_fields_values``) for all 26 amoCRM field types.

Every entry of an entity's ``custom_fields_values`` is a *field wrapper*::

    {"field_id": 123, "field_code": null, "field_name": "Budget", "field_type": "numeric",
     "values": [{"value": "1500.50"}]}

Each field type has a wrapper class (``NumericCustomFieldValues``) and a value-item class
(``NumericValue``). Responses are parsed through :data:`CustomFieldValues`, a union
discriminated on ``field_type``; a type this SDK does not know yet becomes a
:class:`GenericCustomFieldValues` (values kept as plain dicts) instead of failing the whole page.

Writing::

    lead.set_custom_field(TextCustomFieldValues.of("ACME", field_code="COMPANY_NAME"))
    contact.set_custom_field(
        MultitextCustomFieldValues.of(
            MultitextValue(value="+79990001122", enum_code="WORK"), field_code="PHONE"
        )
    )
    lead.clear_custom_field(123)          # sends {"field_id": 123, "values": null}

Value choices worth knowing:

* ``numeric``, ``price`` and ``monetary`` values are kept as ``str`` (amoCRM returns
  ``"12.5"``; a JSON number is turned into its string form). A string keeps the exact decimal
  the API gave, round-trips unchanged, and avoids float rounding; convert with
  ``decimal.Decimal(v.value)`` when arithmetic is needed.
* ``date``, ``date_time`` and ``birthday`` values are timezone-aware :class:`datetime` objects.
  Reads accept unix seconds or an RFC 3339 / ISO string; a value without an offset is taken as
  UTC. Writes send ``YYYY-MM-DDTHH:MM:SS±HH:MM`` in the datetime's own offset (a birthday at
  local midnight stays on its day).
* ``checkbox`` values are ``bool`` (``0``/``1``/``"1"`` are accepted on read).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Generic,
    Literal,
    Self,
    TypeVar,
    get_args,
)

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    Tag,
    WrapSerializer,
)

from ._base import AmoModel, is_write

__all__ = [
    "CUSTOM_FIELD_VALUES_BY_TYPE",
    "AmoDateTime",
    "BirthdayCustomFieldValues",
    "BirthdayValue",
    "CategoryCustomFieldValues",
    "CategoryValue",
    "ChainedListCustomFieldValues",
    "ChainedListValue",
    "CheckboxCustomFieldValues",
    "CheckboxValue",
    "CustomFieldValue",
    "CustomFieldValues",
    "CustomFieldValuesBase",
    "CustomFieldValuesList",
    "DateCustomFieldValues",
    "DateTimeCustomFieldValues",
    "DateTimeValue",
    "DateValue",
    "FileCustomFieldValues",
    "FileInfo",
    "FileValue",
    "GenericCustomFieldValues",
    "HasCustomFields",
    "InvoiceItem",
    "ItemDiscount",
    "ItemsCustomFieldValues",
    "ItemsValue",
    "LegalEntity",
    "LegalEntityCustomFieldValues",
    "LegalEntityValue",
    "LinkedEntity",
    "LinkedEntityCustomFieldValues",
    "LinkedEntityValue",
    "MonetaryCustomFieldValues",
    "MonetaryValue",
    "MultiselectCustomFieldValues",
    "MultiselectValue",
    "MultitextCustomFieldValues",
    "MultitextValue",
    "NumericCustomFieldValues",
    "NumericValue",
    "OrgLegalNameCustomFieldValues",
    "OrgLegalNameValue",
    "Payer",
    "PayerCustomFieldValues",
    "PayerValue",
    "PriceCustomFieldValues",
    "PriceValue",
    "RadiobuttonCustomFieldValues",
    "RadiobuttonValue",
    "SelectCustomFieldValues",
    "SelectValue",
    "SmartAddressCustomFieldValues",
    "SmartAddressValue",
    "StreetAddressCustomFieldValues",
    "StreetAddressValue",
    "Supplier",
    "SupplierCustomFieldValues",
    "SupplierValue",
    "TextCustomFieldValues",
    "TextValue",
    "TextareaCustomFieldValues",
    "TextareaValue",
    "TrackingDataCustomFieldValues",
    "TrackingDataValue",
    "UrlCustomFieldValues",
    "UrlValue",
]


def _as_aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _rfc3339(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


AmoDateTime = Annotated[
    datetime,
    AfterValidator(_as_aware),
    PlainSerializer(_rfc3339, return_type=str, when_used="json"),
]
"""A timezone-aware datetime read from unix seconds or ISO text, written as RFC 3339."""


# --------------------------------------------------------------------------------------------
# Value items
# --------------------------------------------------------------------------------------------


class CustomFieldValue(AmoModel):
    """Base of every value item (one element of a wrapper's ``values``)."""


class _StringValue(CustomFieldValue):
    model_config = ConfigDict(coerce_numbers_to_str=True)

    value: str


class TextValue(_StringValue):
    """``text`` value: ``{"value": str}``."""


class TextareaValue(_StringValue):
    """``textarea`` value: ``{"value": str}``."""


class UrlValue(_StringValue):
    """``url`` value: ``{"value": str}``."""


class StreetAddressValue(_StringValue):
    """``streetaddress`` value: ``{"value": str}``."""


class TrackingDataValue(_StringValue):
    """``tracking_data`` value (UTM and similar): ``{"value": str}``."""


class OrgLegalNameValue(_StringValue):
    """``org_legal_name`` value: ``{"value": str}``; read-only, never sent."""


class NumericValue(_StringValue):
    """``numeric`` value, kept as the decimal string amoCRM returns (``"12.5"``)."""


class PriceValue(_StringValue):
    """``price`` value (catalogs), kept as a decimal string."""


class MonetaryValue(_StringValue):
    """``monetary`` value, kept as a decimal string."""


class CheckboxValue(CustomFieldValue):
    """``checkbox`` value: ``{"value": bool}``."""

    value: bool


class _DateValue(CustomFieldValue):
    value: AmoDateTime


class DateValue(_DateValue):
    """``date`` value: an aware datetime, written as RFC 3339."""


class DateTimeValue(_DateValue):
    """``date_time`` value: an aware datetime, written as RFC 3339."""


class BirthdayValue(_DateValue):
    """``birthday`` value: an aware datetime, written as RFC 3339."""


class _EnumValue(CustomFieldValue):
    """Choice value ``{value, enum_id}``; set either the option text or its ``enum_id``."""

    __null_on_write__ = frozenset({"value", "enum_id"})
    model_config = ConfigDict(coerce_numbers_to_str=True)

    value: str | None = None
    enum_id: int | None = None


class _EnumCodeValue(_EnumValue):
    """Choice value ``{value, enum_id, enum_code}``."""

    __null_on_write__ = frozenset({"value", "enum_id", "enum_code"})

    enum_code: str | None = None


class SelectValue(_EnumCodeValue):
    """``select`` value: ``{value, enum_id, enum_code}``."""


class SmartAddressValue(_EnumCodeValue):
    """``smart_address`` value: ``{value, enum_id, enum_code}``; the enum names the part."""


class MultitextValue(_EnumCodeValue):
    """``multitext`` value (phones, e-mails): ``{value, enum_id, enum_code}``, e.g. ``WORK``."""


class MultiselectValue(_EnumValue):
    """``multiselect`` value: ``{value, enum_id}``; one item per chosen option."""


class RadiobuttonValue(_EnumValue):
    """``radiobutton`` value: ``{value, enum_id}``."""


class CategoryValue(_EnumValue):
    """``category`` value (catalogs): ``{value, enum_id}``."""


class _Nested(AmoModel):
    model_config = ConfigDict(coerce_numbers_to_str=True)


class LegalEntity(_Nested):
    """Requisites of a legal entity; ``entity_type`` 1 = sole proprietor, 2 = juridical person."""

    name: str | None = None
    entity_type: int | None = None
    vat_id: str | None = None
    tax_registration_reason_code: str | None = None
    address: str | None = None
    kpp: str | None = None
    bank_code: str | None = None
    external_uid: str | None = None
    unp: str | None = None
    real_address: str | None = None
    bin: str | None = None
    egrpou: str | None = None
    mfo: str | None = None
    bank_account_number: str | None = None
    oked: str | None = None
    director: str | None = None


class LegalEntityValue(CustomFieldValue):
    """``legal_entity`` value: ``{"value": LegalEntity}``."""

    value: LegalEntity


class ItemDiscount(AmoModel):
    """Discount of an invoice line: an absolute ``amount`` or a ``percentage``."""

    type: Literal["amount", "percentage"] | None = None
    value: int | float | None = None


class InvoiceItem(_Nested):
    """One invoice line of an ``items`` field; ``total_sum`` and the recalculation flags are
    computed by amoCRM and never sent."""

    __read_only__ = frozenset(
        {"is_discount_recalculated", "is_total_sum_recalculated", "total_sum"}
    )

    sku: str | None = None
    description: str | None = None
    unit_price: int | float | None = None
    quantity: int | float | None = None
    unit_type: str | None = None
    discount: ItemDiscount | None = None
    vat_rate_id: int | None = None
    vat_rate_value: int | float | None = None
    external_uid: str | None = None
    product_id: int | None = None
    bonus_points_per_purchase: int | None = None
    metadata: dict[str, Any] | None = None
    is_discount_recalculated: bool | None = None
    is_total_sum_recalculated: bool | None = None
    total_sum: int | float | None = None


class ItemsValue(CustomFieldValue):
    """``items`` value: ``{"value": InvoiceItem}``."""

    value: InvoiceItem


class LinkedEntity(AmoModel):
    """Target of a ``linked_entity`` field (a contact, company or catalog element)."""

    name: str | None = None
    entity_id: int | None = None
    entity_type: str | None = None
    catalog_id: int | None = None


class LinkedEntityValue(CustomFieldValue):
    """``linked_entity`` value: ``{"value": LinkedEntity}``."""

    value: LinkedEntity


class ChainedListValue(CustomFieldValue):
    """``chained_list`` value: ``{catalog_id, catalog_element_id}`` with no ``value`` wrapper."""

    catalog_id: int
    catalog_element_id: int


class FileInfo(AmoModel):
    """A file stored in amoCRM's drive; only ``file_uuid`` is required on writes."""

    file_uuid: str
    version_uuid: str | None = None
    file_name: str | None = None
    file_size: int | None = None


class FileValue(CustomFieldValue):
    """``file`` value: ``{"value": FileInfo}``."""

    value: FileInfo


class Payer(_Nested):
    """Payer of an invoice; ``type`` is ``legal`` or ``individual`` and only sent when set."""

    name: str | None = None
    vat_id: str | None = None
    kpp: str | None = None
    tax_registration_reason_code: str | None = None
    address: str | None = None
    entity_type: str | None = None
    entity_id: int | None = None
    bank_code: str | None = None
    unp: str | None = None
    bin: str | None = None
    egrpou: str | None = None
    real_address: str | None = None
    mfo: str | None = None
    bank_account_number: str | None = None
    oked: str | None = None
    phone: str | None = None
    email: str | None = None
    director: str | None = None
    type: Literal["legal", "individual"] | None = None


class PayerValue(CustomFieldValue):
    """``payer`` value: ``{"value": Payer}``."""

    value: Payer


class Supplier(_Nested):
    """Supplier of an invoice. Writes reference it by ``entity_id`` only; the requisites are
    filled in by amoCRM and read-only."""

    __read_only__ = frozenset(
        {
            "name",
            "vat_id",
            "kpp",
            "tax_registration_reason_code",
            "bank_code",
            "address",
            "bank_account_number",
        }
    )

    entity_id: int | None = None
    name: str | None = None
    vat_id: str | None = None
    kpp: str | None = None
    tax_registration_reason_code: str | None = None
    bank_code: str | None = None
    address: str | None = None
    bank_account_number: str | None = None


class SupplierValue(CustomFieldValue):
    """``supplier`` value: ``{"value": Supplier}``."""

    value: Supplier


# --------------------------------------------------------------------------------------------
# Field wrappers
# --------------------------------------------------------------------------------------------

V = TypeVar("V")


class CustomFieldValuesBase(AmoModel, Generic[V]):
    """Base of the per-type field wrappers ``{field_id, field_code, values}``.

    A wrapper addresses its field by ``field_id`` or ``field_code`` (e.g. ``PHONE``); one of the
    two is required to write it. ``field_name`` and ``field_type`` come from responses and are
    never sent. ``values`` is required: ``values=None`` is how a field is cleared and is sent as
    ``"values": null``.
    """

    __read_only__ = frozenset({"field_name", "field_type"})
    __null_on_write__ = frozenset({"values"})
    __sent_on_write__: ClassVar[bool] = True
    __value_type__: ClassVar[type[Any] | None] = None

    field_id: int | None = None
    field_code: str | None = None
    field_name: str | None = None
    field_type: str | None = None
    values: list[V] | None

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        list_type = next(
            (a for a in get_args(cls.model_fields["values"].annotation) if a is not type(None)),
            None,
        )
        (item_type,) = get_args(list_type) or (None,)
        if isinstance(item_type, type):
            cls.__value_type__ = item_type

    @classmethod
    def of(cls, *values: Any, field_id: int | None = None, field_code: str | None = None) -> Self:
        """Build a wrapper for writing, addressed by ``field_id`` or ``field_code``.

        Each positional argument is either a ready value item (``SelectValue(enum_id=5)``) or the
        bare ``value`` payload, which is wrapped for you: ``TextCustomFieldValues.of("x",
        field_id=1)``, ``CheckboxCustomFieldValues.of(True, field_code="VIP")``,
        ``LegalEntityCustomFieldValues.of(LegalEntity(name="ACME"), field_id=7)``. A
        ``chained_list`` field has no ``value`` key, so pass :class:`ChainedListValue` items (or
        their dicts). To clear a field use ``values=None`` directly or
        :meth:`HasCustomFields.clear_custom_field`.
        """
        if field_id is None and field_code is None:
            raise ValueError(f"{cls.__name__}.of() needs field_id or field_code")
        items = [cls._coerce_item(value) for value in values]
        return cls(field_id=field_id, field_code=field_code, values=items)

    @classmethod
    def _coerce_item(cls, value: Any) -> Any:
        item_type = cls.__value_type__
        if item_type is None or isinstance(value, item_type):
            return value
        if "value" in item_type.model_fields or not isinstance(value, Mapping):
            return item_type.model_validate({"value": value})
        return item_type.model_validate(value)

    @property
    def first_value(self) -> Any:
        """The ``value`` of the first item (the item itself for ``chained_list``), or ``None``."""
        if not self.values:
            return None
        first = self.values[0]
        if isinstance(first, Mapping):
            return first.get("value")
        return getattr(first, "value", first)

    def _check_writable(self) -> None:
        if self.field_id is None and self.field_code is None:
            label = f" {self.field_name!r}" if self.field_name else ""
            raise ValueError(
                f"custom field{label} ({type(self).__name__}) needs field_id or field_code "
                "to be written"
            )


class TextCustomFieldValues(CustomFieldValuesBase[TextValue]):
    """``text`` field."""

    field_type: Literal["text"] = "text"


class NumericCustomFieldValues(CustomFieldValuesBase[NumericValue]):
    """``numeric`` field; values are decimal strings."""

    field_type: Literal["numeric"] = "numeric"


class CheckboxCustomFieldValues(CustomFieldValuesBase[CheckboxValue]):
    """``checkbox`` field."""

    field_type: Literal["checkbox"] = "checkbox"


class SelectCustomFieldValues(CustomFieldValuesBase[SelectValue]):
    """``select`` field (one option)."""

    field_type: Literal["select"] = "select"


class MultiselectCustomFieldValues(CustomFieldValuesBase[MultiselectValue]):
    """``multiselect`` field (one value item per chosen option)."""

    field_type: Literal["multiselect"] = "multiselect"


class MultitextCustomFieldValues(CustomFieldValuesBase[MultitextValue]):
    """``multitext`` field (phones and e-mails); a write replaces the whole list."""

    field_type: Literal["multitext"] = "multitext"


class DateCustomFieldValues(CustomFieldValuesBase[DateValue]):
    """``date`` field."""

    field_type: Literal["date"] = "date"


class UrlCustomFieldValues(CustomFieldValuesBase[UrlValue]):
    """``url`` field."""

    field_type: Literal["url"] = "url"


class TextareaCustomFieldValues(CustomFieldValuesBase[TextareaValue]):
    """``textarea`` field."""

    field_type: Literal["textarea"] = "textarea"


class RadiobuttonCustomFieldValues(CustomFieldValuesBase[RadiobuttonValue]):
    """``radiobutton`` field."""

    field_type: Literal["radiobutton"] = "radiobutton"


class StreetAddressCustomFieldValues(CustomFieldValuesBase[StreetAddressValue]):
    """``streetaddress`` field."""

    field_type: Literal["streetaddress"] = "streetaddress"


class SmartAddressCustomFieldValues(CustomFieldValuesBase[SmartAddressValue]):
    """``smart_address`` field."""

    field_type: Literal["smart_address"] = "smart_address"


class BirthdayCustomFieldValues(CustomFieldValuesBase[BirthdayValue]):
    """``birthday`` field."""

    field_type: Literal["birthday"] = "birthday"


class LegalEntityCustomFieldValues(CustomFieldValuesBase[LegalEntityValue]):
    """``legal_entity`` field."""

    field_type: Literal["legal_entity"] = "legal_entity"


class DateTimeCustomFieldValues(CustomFieldValuesBase[DateTimeValue]):
    """``date_time`` field."""

    field_type: Literal["date_time"] = "date_time"


class ItemsCustomFieldValues(CustomFieldValuesBase[ItemsValue]):
    """``items`` field (invoice lines, catalogs)."""

    field_type: Literal["items"] = "items"


class CategoryCustomFieldValues(CustomFieldValuesBase[CategoryValue]):
    """``category`` field (catalogs)."""

    field_type: Literal["category"] = "category"


class PriceCustomFieldValues(CustomFieldValuesBase[PriceValue]):
    """``price`` field (catalogs)."""

    field_type: Literal["price"] = "price"


class TrackingDataCustomFieldValues(CustomFieldValuesBase[TrackingDataValue]):
    """``tracking_data`` field (leads)."""

    field_type: Literal["tracking_data"] = "tracking_data"


class LinkedEntityCustomFieldValues(CustomFieldValuesBase[LinkedEntityValue]):
    """``linked_entity`` field (catalogs)."""

    field_type: Literal["linked_entity"] = "linked_entity"


class OrgLegalNameCustomFieldValues(CustomFieldValuesBase[OrgLegalNameValue]):
    """``org_legal_name`` field; computed by amoCRM, so it is dropped from every write."""

    __sent_on_write__ = False

    field_type: Literal["org_legal_name"] = "org_legal_name"


class MonetaryCustomFieldValues(CustomFieldValuesBase[MonetaryValue]):
    """``monetary`` field; values are decimal strings."""

    field_type: Literal["monetary"] = "monetary"


class ChainedListCustomFieldValues(CustomFieldValuesBase[ChainedListValue]):
    """``chained_list`` field (leads, customers)."""

    field_type: Literal["chained_list"] = "chained_list"


class FileCustomFieldValues(CustomFieldValuesBase[FileValue]):
    """``file`` field."""

    field_type: Literal["file"] = "file"


class PayerCustomFieldValues(CustomFieldValuesBase[PayerValue]):
    """``payer`` field (invoices catalog)."""

    field_type: Literal["payer"] = "payer"


class SupplierCustomFieldValues(CustomFieldValuesBase[SupplierValue]):
    """``supplier`` field (invoices/purchases catalogs)."""

    field_type: Literal["supplier"] = "supplier"


_TYPED: tuple[type[CustomFieldValuesBase[Any]], ...] = (
    TextCustomFieldValues,
    NumericCustomFieldValues,
    CheckboxCustomFieldValues,
    SelectCustomFieldValues,
    MultiselectCustomFieldValues,
    MultitextCustomFieldValues,
    DateCustomFieldValues,
    UrlCustomFieldValues,
    TextareaCustomFieldValues,
    RadiobuttonCustomFieldValues,
    StreetAddressCustomFieldValues,
    SmartAddressCustomFieldValues,
    BirthdayCustomFieldValues,
    LegalEntityCustomFieldValues,
    DateTimeCustomFieldValues,
    ItemsCustomFieldValues,
    CategoryCustomFieldValues,
    PriceCustomFieldValues,
    TrackingDataCustomFieldValues,
    LinkedEntityCustomFieldValues,
    OrgLegalNameCustomFieldValues,
    MonetaryCustomFieldValues,
    ChainedListCustomFieldValues,
    FileCustomFieldValues,
    PayerCustomFieldValues,
    SupplierCustomFieldValues,
)

CUSTOM_FIELD_VALUES_BY_TYPE: Mapping[str, type[CustomFieldValuesBase[Any]]] = {
    cls.model_fields["field_type"].default: cls for cls in _TYPED
}
"""Wrapper class for each of the 26 known ``field_type`` codes."""


def _reject_known_type(field_type: str | None) -> str | None:
    typed = CUSTOM_FIELD_VALUES_BY_TYPE.get(field_type) if field_type is not None else None
    if typed is not None:
        raise ValueError(
            f"field_type {field_type!r} has a typed model ({typed.__name__}); "
            "its values do not match it"
        )
    return field_type


class GenericCustomFieldValues(CustomFieldValuesBase[dict[str, Any]]):
    """A field whose ``field_type`` this SDK does not know; ``values`` stay plain dicts.

    Known types never land here: a known type with malformed values is a validation error, not
    a silent downgrade. ``field_type`` may be ``None`` for a wrapper built only to clear a field.
    """

    field_type: Annotated[str | None, AfterValidator(_reject_known_type)] = None

    @classmethod
    def _coerce_item(cls, value: Any) -> Any:
        return dict(value) if isinstance(value, Mapping) else {"value": value}


CustomFieldValues = Annotated[
    Annotated[
        TextCustomFieldValues
        | NumericCustomFieldValues
        | CheckboxCustomFieldValues
        | SelectCustomFieldValues
        | MultiselectCustomFieldValues
        | MultitextCustomFieldValues
        | DateCustomFieldValues
        | UrlCustomFieldValues
        | TextareaCustomFieldValues
        | RadiobuttonCustomFieldValues
        | StreetAddressCustomFieldValues
        | SmartAddressCustomFieldValues
        | BirthdayCustomFieldValues
        | LegalEntityCustomFieldValues
        | DateTimeCustomFieldValues
        | ItemsCustomFieldValues
        | CategoryCustomFieldValues
        | PriceCustomFieldValues
        | TrackingDataCustomFieldValues
        | LinkedEntityCustomFieldValues
        | OrgLegalNameCustomFieldValues
        | MonetaryCustomFieldValues
        | ChainedListCustomFieldValues
        | FileCustomFieldValues
        | PayerCustomFieldValues
        | SupplierCustomFieldValues,
        Field(discriminator="field_type"),
        Tag("typed"),
    ]
    | Annotated[GenericCustomFieldValues, Tag("generic")],
    Field(union_mode="left_to_right"),
]
"""Any custom-field wrapper, parsed by ``field_type``; unknown types give
:class:`GenericCustomFieldValues`."""


def _serialize_field_list(
    fields: list[Any], handler: SerializerFunctionWrapHandler, info: SerializationInfo
) -> Any:
    if is_write(info):
        fields = [field for field in fields if field.__sent_on_write__]
    return handler(fields)


CustomFieldValuesList = Annotated[list[CustomFieldValues], WrapSerializer(_serialize_field_list)]
"""The type of an entity's ``custom_fields_values``; writes skip ``org_legal_name`` fields."""


class HasCustomFields:
    """Custom-field helpers for entities with a ``custom_fields_values`` field.

    Fields are looked up by ``int`` (``field_id``) or ``str`` (``field_code``). The helpers
    reassign ``custom_fields_values`` rather than mutating the list, so the change is validated
    and counted as explicitly set.
    """

    if TYPE_CHECKING:
        custom_fields_values: list[CustomFieldValues] | None

    def get_custom_field(self, id_or_code: int | str) -> CustomFieldValues | None:
        """Return the wrapper with this ``field_id`` (int) or ``field_code`` (str), if present."""
        for field in self.custom_fields_values or ():
            if _matches(field, id_or_code):
                return field
        return None

    def get_custom_field_value(self, id_or_code: int | str) -> Any:
        """Return the first value's ``value`` of a field, or ``None`` when absent or empty.

        For ``chained_list`` fields the first :class:`ChainedListValue` itself is returned.
        """
        field = self.get_custom_field(id_or_code)
        return None if field is None else field.first_value

    def set_custom_field(self, field: CustomFieldValues) -> None:
        """Put ``field`` in place of the entry with the same ``field_id`` or ``field_code``,
        or append it. Any further entry for the same field is dropped, so a write never
        carries a field twice."""
        if field.field_id is None and field.field_code is None:
            raise ValueError(f"{type(field).__name__} needs field_id or field_code")
        result: list[CustomFieldValues] = []
        replaced = False
        for existing in self.custom_fields_values or ():
            same = (field.field_id is not None and existing.field_id == field.field_id) or (
                field.field_code is not None and existing.field_code == field.field_code
            )
            if not same:
                result.append(existing)
            elif not replaced:
                result.append(field)
                replaced = True
        if not replaced:
            result.append(field)
        self.custom_fields_values = result

    def clear_custom_field(self, id_or_code: int | str) -> None:
        """Mark a field to be cleared: the next write sends ``{"field_id": …, "values": null}``
        (or ``field_code`` when a code was given)."""
        existing = self.get_custom_field(id_or_code)
        cls: type[CustomFieldValuesBase[Any]] = (
            GenericCustomFieldValues if existing is None else type(existing)
        )
        by_code = isinstance(id_or_code, str)
        cleared = cls(
            field_id=None if by_code else id_or_code,
            field_code=id_or_code if by_code else None,
            field_name=None if existing is None else existing.field_name,
            values=None,
        )
        self.set_custom_field(cleared)  # type: ignore[arg-type]

    def _check_custom_fields(self) -> None:
        """Raise :class:`ValueError` naming the first field that has neither id nor code."""
        for field in self.custom_fields_values or ():
            field._check_writable()


def _matches(field: CustomFieldValues, id_or_code: int | str) -> bool:
    if isinstance(id_or_code, str):
        return field.field_code == id_or_code
    return field.field_id == id_or_code
