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
* Choice values always send their keys (``{"value": null, "enum_id": 5, "enum_code": null}``),
  as amoCRM's own library does; nested objects (legal entity, invoice item, payer …) leave out
  keys that are ``None``, which amoCRM treats the same since a write replaces the whole value.

Wrappers and value items are :class:`~amocrm_async.models.AmoStruct` dataclasses (a page of
leads holds thousands of them): keyword-only constructors, validated on assignment, compared by
value, unknown keys ignored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    Self,
    get_args,
)

from pydantic import (
    AfterValidator,
    Field,
    PlainSerializer,
    SerializationInfo,
    SerializerFunctionWrapHandler,
    Tag,
    WrapSerializer,
)

from ._base import AmoStruct, is_write, struct

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


@struct
class CustomFieldValue(AmoStruct):
    """Base of every value item (one element of a wrapper's ``values``)."""


@struct
class _StringValue(CustomFieldValue):
    value: str


@struct
class TextValue(_StringValue):
    """``text`` value: ``{"value": str}``."""


@struct
class TextareaValue(_StringValue):
    """``textarea`` value: ``{"value": str}``."""


@struct
class UrlValue(_StringValue):
    """``url`` value: ``{"value": str}``."""


@struct
class StreetAddressValue(_StringValue):
    """``streetaddress`` value: ``{"value": str}``."""


@struct
class TrackingDataValue(_StringValue):
    """``tracking_data`` value (UTM and similar): ``{"value": str}``."""


@struct
class OrgLegalNameValue(_StringValue):
    """``org_legal_name`` value: ``{"value": str}``; read-only, never sent."""


@struct
class NumericValue(_StringValue):
    """``numeric`` value, kept as the decimal string amoCRM returns (``"12.5"``)."""


@struct
class PriceValue(_StringValue):
    """``price`` value (catalogs), kept as a decimal string."""


@struct
class MonetaryValue(_StringValue):
    """``monetary`` value, kept as a decimal string."""


@struct
class CheckboxValue(CustomFieldValue):
    """``checkbox`` value: ``{"value": bool}``."""

    value: bool


@struct
class _DateValue(CustomFieldValue):
    value: AmoDateTime


@struct
class DateValue(_DateValue):
    """``date`` value: an aware datetime, written as RFC 3339."""


@struct
class DateTimeValue(_DateValue):
    """``date_time`` value: an aware datetime, written as RFC 3339."""


@struct
class BirthdayValue(_DateValue):
    """``birthday`` value: an aware datetime, written as RFC 3339."""


@struct
class _EnumValue(CustomFieldValue):
    """Choice value ``{value, enum_id}``; set either the option text or its ``enum_id``.

    Both keys are always sent, ``null`` included, as amoCRM's own library does.
    """

    __null_on_write__ = frozenset({"value", "enum_id"})

    value: str | None = None
    enum_id: int | None = None


@struct
class _EnumCodeValue(_EnumValue):
    """Choice value ``{value, enum_id, enum_code}``."""

    __null_on_write__ = frozenset({"value", "enum_id", "enum_code"})

    enum_code: str | None = None


@struct
class SelectValue(_EnumCodeValue):
    """``select`` value: ``{value, enum_id, enum_code}``."""


@struct
class SmartAddressValue(_EnumCodeValue):
    """``smart_address`` value: ``{value, enum_id, enum_code}``; the enum names the part."""


@struct
class MultitextValue(_EnumCodeValue):
    """``multitext`` value (phones, e-mails): ``{value, enum_id, enum_code}``, e.g. ``WORK``."""


@struct
class MultiselectValue(_EnumValue):
    """``multiselect`` value: ``{value, enum_id}``; one item per chosen option."""


@struct
class RadiobuttonValue(_EnumValue):
    """``radiobutton`` value: ``{value, enum_id}``."""


@struct
class CategoryValue(_EnumValue):
    """``category`` value (catalogs): ``{value, enum_id}``."""


@struct
class LegalEntity(AmoStruct):
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


@struct
class LegalEntityValue(CustomFieldValue):
    """``legal_entity`` value: ``{"value": LegalEntity}``."""

    value: LegalEntity


@struct
class ItemDiscount(AmoStruct):
    """Discount of an invoice line: an absolute ``amount`` or a ``percentage``."""

    type: Literal["amount", "percentage"] | None = None
    value: int | float | None = None


@struct
class InvoiceItem(AmoStruct):
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


@struct
class ItemsValue(CustomFieldValue):
    """``items`` value: ``{"value": InvoiceItem}``."""

    value: InvoiceItem


@struct
class LinkedEntity(AmoStruct):
    """Target of a ``linked_entity`` field (a contact, company or catalog element)."""

    name: str | None = None
    entity_id: int | None = None
    entity_type: str | None = None
    catalog_id: int | None = None


@struct
class LinkedEntityValue(CustomFieldValue):
    """``linked_entity`` value: ``{"value": LinkedEntity}``."""

    value: LinkedEntity


@struct
class ChainedListValue(CustomFieldValue):
    """``chained_list`` value: ``{catalog_id, catalog_element_id}`` with no ``value`` wrapper."""

    catalog_id: int
    catalog_element_id: int


@struct
class FileInfo(AmoStruct):
    """A file stored in amoCRM's drive; only ``file_uuid`` is required on writes."""

    file_uuid: str
    version_uuid: str | None = None
    file_name: str | None = None
    file_size: int | None = None


@struct
class FileValue(CustomFieldValue):
    """``file`` value: ``{"value": FileInfo}``."""

    value: FileInfo


@struct
class Payer(AmoStruct):
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


@struct
class PayerValue(CustomFieldValue):
    """``payer`` value: ``{"value": Payer}``."""

    value: Payer


@struct
class Supplier(AmoStruct):
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


@struct
class SupplierValue(CustomFieldValue):
    """``supplier`` value: ``{"value": Supplier}``."""

    value: Supplier


# --------------------------------------------------------------------------------------------
# Field wrappers
# --------------------------------------------------------------------------------------------


@struct
class CustomFieldValuesBase(AmoStruct):
    """Base of the per-type field wrappers ``{field_id, field_code, values}``.

    A wrapper addresses its field by ``field_id`` or ``field_code`` (e.g. ``PHONE``); one of the
    two is required to write it. ``field_name`` and ``field_type`` come from responses and are
    never sent. ``values`` is required: ``values=None`` is how a field is cleared and is sent as
    ``"values": null``.
    """

    __read_only__ = frozenset({"field_name", "field_type"})
    __null_on_write__ = frozenset({"values"})
    __sent_on_write__: ClassVar[bool] = True

    field_id: int | None = None
    field_code: str | None = None
    field_name: str | None = None
    field_type: str | None = None
    values: list[Any] | None

    @classmethod
    def of(cls, *values: Any, field_id: int | None = None, field_code: str | None = None) -> Self:
        """Build a wrapper for writing, addressed by ``field_id`` or ``field_code``.

        Each positional argument is either a ready value item (``SelectValue(enum_id=5)``) or the
        bare ``value`` payload, which is wrapped for you: ``TextCustomFieldValues.of("x",
        field_id=1)``, ``CheckboxCustomFieldValues.of(True, field_code="VIP")``,
        ``LegalEntityCustomFieldValues.of(LegalEntity(name="ACME"), field_id=7)``. A
        ``chained_list`` field has no ``value`` key, so pass :class:`ChainedListValue` items (or
        their dicts). To clear a field pass ``values=None`` to the constructor or use
        :meth:`HasCustomFields.clear_custom_field`.
        """
        if field_id is None and field_code is None:
            raise ValueError(f"{cls.__name__}.of() needs field_id or field_code")
        items = [cls._coerce_item(value) for value in values]
        return cls(field_id=field_id, field_code=field_code, values=items)

    @classmethod
    def _coerce_item(cls, value: Any) -> Any:
        item_type = _value_type(cls)
        if item_type is None or isinstance(value, item_type):
            return value
        validator = item_type.__pydantic_validator__
        if "value" in item_type.__pydantic_fields__ or not isinstance(value, Mapping):
            return validator.validate_python({"value": value})
        return validator.validate_python(value)

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


@struct
class TextCustomFieldValues(CustomFieldValuesBase):
    """``text`` field."""

    field_type: Literal["text"] = "text"
    values: list[TextValue] | None


@struct
class NumericCustomFieldValues(CustomFieldValuesBase):
    """``numeric`` field; values are decimal strings."""

    field_type: Literal["numeric"] = "numeric"
    values: list[NumericValue] | None


@struct
class CheckboxCustomFieldValues(CustomFieldValuesBase):
    """``checkbox`` field."""

    field_type: Literal["checkbox"] = "checkbox"
    values: list[CheckboxValue] | None


@struct
class SelectCustomFieldValues(CustomFieldValuesBase):
    """``select`` field (one option)."""

    field_type: Literal["select"] = "select"
    values: list[SelectValue] | None


@struct
class MultiselectCustomFieldValues(CustomFieldValuesBase):
    """``multiselect`` field (one value item per chosen option)."""

    field_type: Literal["multiselect"] = "multiselect"
    values: list[MultiselectValue] | None


@struct
class MultitextCustomFieldValues(CustomFieldValuesBase):
    """``multitext`` field (phones and e-mails); a write replaces the whole list."""

    field_type: Literal["multitext"] = "multitext"
    values: list[MultitextValue] | None


@struct
class DateCustomFieldValues(CustomFieldValuesBase):
    """``date`` field."""

    field_type: Literal["date"] = "date"
    values: list[DateValue] | None


@struct
class UrlCustomFieldValues(CustomFieldValuesBase):
    """``url`` field."""

    field_type: Literal["url"] = "url"
    values: list[UrlValue] | None


@struct
class TextareaCustomFieldValues(CustomFieldValuesBase):
    """``textarea`` field."""

    field_type: Literal["textarea"] = "textarea"
    values: list[TextareaValue] | None


@struct
class RadiobuttonCustomFieldValues(CustomFieldValuesBase):
    """``radiobutton`` field."""

    field_type: Literal["radiobutton"] = "radiobutton"
    values: list[RadiobuttonValue] | None


@struct
class StreetAddressCustomFieldValues(CustomFieldValuesBase):
    """``streetaddress`` field."""

    field_type: Literal["streetaddress"] = "streetaddress"
    values: list[StreetAddressValue] | None


@struct
class SmartAddressCustomFieldValues(CustomFieldValuesBase):
    """``smart_address`` field."""

    field_type: Literal["smart_address"] = "smart_address"
    values: list[SmartAddressValue] | None


@struct
class BirthdayCustomFieldValues(CustomFieldValuesBase):
    """``birthday`` field."""

    field_type: Literal["birthday"] = "birthday"
    values: list[BirthdayValue] | None


@struct
class LegalEntityCustomFieldValues(CustomFieldValuesBase):
    """``legal_entity`` field."""

    field_type: Literal["legal_entity"] = "legal_entity"
    values: list[LegalEntityValue] | None


@struct
class DateTimeCustomFieldValues(CustomFieldValuesBase):
    """``date_time`` field."""

    field_type: Literal["date_time"] = "date_time"
    values: list[DateTimeValue] | None


@struct
class ItemsCustomFieldValues(CustomFieldValuesBase):
    """``items`` field (invoice lines, catalogs)."""

    field_type: Literal["items"] = "items"
    values: list[ItemsValue] | None


@struct
class CategoryCustomFieldValues(CustomFieldValuesBase):
    """``category`` field (catalogs)."""

    field_type: Literal["category"] = "category"
    values: list[CategoryValue] | None


@struct
class PriceCustomFieldValues(CustomFieldValuesBase):
    """``price`` field (catalogs)."""

    field_type: Literal["price"] = "price"
    values: list[PriceValue] | None


@struct
class TrackingDataCustomFieldValues(CustomFieldValuesBase):
    """``tracking_data`` field (leads)."""

    field_type: Literal["tracking_data"] = "tracking_data"
    values: list[TrackingDataValue] | None


@struct
class LinkedEntityCustomFieldValues(CustomFieldValuesBase):
    """``linked_entity`` field (catalogs)."""

    field_type: Literal["linked_entity"] = "linked_entity"
    values: list[LinkedEntityValue] | None


@struct
class OrgLegalNameCustomFieldValues(CustomFieldValuesBase):
    """``org_legal_name`` field; computed by amoCRM, so it is dropped from every write."""

    __sent_on_write__ = False

    field_type: Literal["org_legal_name"] = "org_legal_name"
    values: list[OrgLegalNameValue] | None


@struct
class MonetaryCustomFieldValues(CustomFieldValuesBase):
    """``monetary`` field; values are decimal strings."""

    field_type: Literal["monetary"] = "monetary"
    values: list[MonetaryValue] | None


@struct
class ChainedListCustomFieldValues(CustomFieldValuesBase):
    """``chained_list`` field (leads, customers)."""

    field_type: Literal["chained_list"] = "chained_list"
    values: list[ChainedListValue] | None


@struct
class FileCustomFieldValues(CustomFieldValuesBase):
    """``file`` field."""

    field_type: Literal["file"] = "file"
    values: list[FileValue] | None


@struct
class PayerCustomFieldValues(CustomFieldValuesBase):
    """``payer`` field (invoices catalog)."""

    field_type: Literal["payer"] = "payer"
    values: list[PayerValue] | None


@struct
class SupplierCustomFieldValues(CustomFieldValuesBase):
    """``supplier`` field (invoices/purchases catalogs)."""

    field_type: Literal["supplier"] = "supplier"
    values: list[SupplierValue] | None


_TYPED: tuple[type[CustomFieldValuesBase], ...] = (
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

CUSTOM_FIELD_VALUES_BY_TYPE: Mapping[str, type[CustomFieldValuesBase]] = {
    cls.__pydantic_fields__["field_type"].default: cls  # type: ignore[attr-defined]
    for cls in _TYPED
}
"""Wrapper class for each of the 26 known ``field_type`` codes."""


def _value_type(cls: type[CustomFieldValuesBase]) -> Any:
    """The value-item class of a wrapper class, read from its ``values`` annotation."""
    (list_type, *_) = get_args(cls.__pydantic_fields__["values"].annotation)  # type: ignore[attr-defined]
    (item_type,) = get_args(list_type) or (None,)
    return item_type if isinstance(item_type, type) else None


def _reject_known_type(field_type: str | None) -> str | None:
    typed = CUSTOM_FIELD_VALUES_BY_TYPE.get(field_type) if field_type is not None else None
    if typed is not None:
        raise ValueError(
            f"field_type {field_type!r} has a typed model ({typed.__name__}); "
            "its values do not match it"
        )
    return field_type


@struct
class GenericCustomFieldValues(CustomFieldValuesBase):
    """A field whose ``field_type`` this SDK does not know; ``values`` stay plain dicts.

    Known types never land here: a known type with malformed values is a validation error, not
    a silent downgrade. ``field_type`` may be ``None`` for a wrapper built only to clear a field.
    """

    field_type: Annotated[str | None, AfterValidator(_reject_known_type)] = None
    values: list[dict[str, Any]] | None

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
        if not fields:
            return None
    return handler(fields)


CustomFieldValuesList = Annotated[list[CustomFieldValues], WrapSerializer(_serialize_field_list)]
"""The type of an entity's ``custom_fields_values``; writes skip ``org_legal_name`` fields and
omit the key when nothing is left to send."""


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

    def set_field(
        self,
        code_or_id: int | str,
        *values: Any,
        enum_code: str | None = None,
        enum_id: int | None = None,
        definitions: Iterable[Any] | None = None,
    ) -> CustomFieldValues:
        """Set a field by code, name or id, building the right typed wrapper for you:
        ``contact.set_field("PHONE", "+7999…", enum_code="WORK", definitions=fields)``.

        ``definitions`` are the entity type's field definitions
        (``await amo.contacts.custom_fields.definitions()``); without them the field must be
        on the entity already. Errors come before any request: an unknown field raises
        ``UnknownFieldError``, a wrong value ``TypeError``/``ValueError``. Returns the wrapper
        set. See :mod:`amocrm_async.models.custom_field_definitions`.
        """
        from .custom_field_definitions import set_field

        return set_field(
            self, code_or_id, values, enum_code=enum_code, enum_id=enum_id, definitions=definitions
        )

    def field(
        self, code_or_id: int | str, *, definitions: Iterable[Any] | None = None
    ) -> CustomFieldValues | None:
        """The typed wrapper of a field on the entity, by id or code — or by a code or name the
        ``definitions`` resolve (``UnknownFieldError`` if they do not know it)."""
        from .custom_field_definitions import find_field

        return find_field(self, code_or_id, definitions)

    def clear_custom_field(self, id_or_code: int | str) -> None:
        """Mark a field to be cleared: the next write sends ``{"field_id": …, "values": null}``
        (or ``field_code`` when a code was given)."""
        existing = self.get_custom_field(id_or_code)
        cls: type[CustomFieldValuesBase] = (
            GenericCustomFieldValues if existing is None else type(existing)
        )
        name = None if existing is None else existing.field_name
        if isinstance(id_or_code, str):
            cleared = cls(field_code=id_or_code, field_name=name, values=None)
        else:
            cleared = cls(field_id=id_or_code, field_name=name, values=None)
        self.set_custom_field(cleared)  # type: ignore[arg-type]

    def _check_writable(self) -> None:
        """Raise :class:`ValueError` naming the first field that has neither id nor code."""
        for field in self.custom_fields_values or ():
            field._check_writable()


def _matches(field: CustomFieldValues, id_or_code: int | str) -> bool:
    if isinstance(id_or_code, str):
        return field.field_code == id_or_code
    return field.field_id == id_or_code
