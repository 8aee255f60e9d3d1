"""Custom-field *definitions* (``/api/v4/{entity}/custom_fields``), their groups, and building
values from them (api-surface.md §5.10, §5.11, §8.1, §8.2).

A definition says what a field is: its ``type``, ``name``, ``code`` and the settings of that
type — ``enums`` for choice fields, ``nested`` for a catalog ``category``, ``remind`` for a
``birthday``, ``currency`` for ``monetary``, ``chained_lists``, ``search_in`` of a
``linked_entity``, ``required_statuses`` (leads, contacts, companies, customers). Each of the 26
types has its class (:class:`SelectFieldDefinition` …) and :class:`CustomFieldDefinition` is their
base: parsing the base gives the class of ``data["type"]`` (a :class:`GenericFieldDefinition`
for a type this SDK does not know), as :class:`~amocrm_async.models.Note` does by
``note_type``, so ``amo.leads.custom_fields.get_one()`` is typed by the base and *is* the typed
definition.

Setting a value by code, the easy way. Entities with custom fields have ``set_field`` and
``field`` (:class:`~amocrm_async.models.HasCustomFields`); they build the typed wrapper from the
account's definitions, which the service loads once and caches::

    fields = await amo.contacts.custom_fields.definitions()      # cached per client
    contact.set_field("PHONE", "+79990001122", enum_code="WORK", definitions=fields)
    contact.set_field("Должность", "CTO", definitions=fields)    # by name works too
    lead.set_field(fields.require("Продукт").id, "Премиум", definitions=fields)

Models do no I/O: the definitions are passed in. Without ``definitions=`` a field already on the
entity (read from amoCRM) is used for its type. An unknown field, an option the field does not
have, or a value of the wrong Python type raises before any request: :class:`UnknownFieldError`
(a ``LookupError``), :class:`ValueError` or :class:`TypeError`, naming the field.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import AfterValidator, Field, ModelWrapValidatorHandler, model_validator

from ._base import AmoEntity, AmoModel, AmoStruct, struct
from ._hal import HalLinks
from .custom_fields import (
    CUSTOM_FIELD_VALUES_BY_TYPE,
    ChainedListValue,
    CustomFieldValues,
    CustomFieldValuesBase,
    GenericCustomFieldValues,
)

if TYPE_CHECKING:
    from .custom_fields import HasCustomFields

__all__ = [
    "CUSTOM_FIELD_TYPES",
    "DEFINITIONS_BY_TYPE",
    "BirthdayFieldDefinition",
    "BirthdayRemind",
    "CategoryFieldDefinition",
    "ChainedList",
    "ChainedListFieldDefinition",
    "CheckboxFieldDefinition",
    "CustomFieldDefinition",
    "CustomFieldEnum",
    "CustomFieldGroup",
    "CustomFieldNestedItem",
    "DateFieldDefinition",
    "DateTimeFieldDefinition",
    "FieldDefinitions",
    "FieldType",
    "FileFieldDefinition",
    "GenericFieldDefinition",
    "ItemsFieldDefinition",
    "LegalEntityFieldDefinition",
    "LinkedEntityFieldDefinition",
    "MonetaryFieldDefinition",
    "MultiselectFieldDefinition",
    "MultitextFieldDefinition",
    "NumericFieldDefinition",
    "OrgLegalNameFieldDefinition",
    "PayerFieldDefinition",
    "PriceFieldDefinition",
    "RadiobuttonFieldDefinition",
    "RequiredStatus",
    "SelectFieldDefinition",
    "SmartAddressFieldDefinition",
    "StreetAddressFieldDefinition",
    "SupplierFieldDefinition",
    "TextFieldDefinition",
    "TextareaFieldDefinition",
    "TrackingDataFieldDefinition",
    "UnknownFieldError",
    "UrlFieldDefinition",
]

_SCALAR_ENTITIES = frozenset({"leads", "contacts", "companies", "customers"})
"""Entity types whose fields take ``is_api_only`` and ``required_statuses``."""
_CATALOG_ONLY = ("is_deletable", "is_visible", "is_required")
"""Keys a definition may only send for a catalog's field."""


class FieldType(StrEnum):
    """The 26 custom-field type codes (PHP ``CustomFieldModel::TYPE_*``; ``type`` of a definition,
    ``field_type`` of a value). A type amoCRM adds later parses as a plain ``str``."""

    TEXT = "text"
    NUMERIC = "numeric"
    CHECKBOX = "checkbox"
    SELECT = "select"
    MULTISELECT = "multiselect"
    MULTITEXT = "multitext"
    DATE = "date"
    URL = "url"
    TEXTAREA = "textarea"
    RADIOBUTTON = "radiobutton"
    STREETADDRESS = "streetaddress"
    SMART_ADDRESS = "smart_address"
    BIRTHDAY = "birthday"
    LEGAL_ENTITY = "legal_entity"
    DATE_TIME = "date_time"
    ITEMS = "items"
    CATEGORY = "category"
    PRICE = "price"
    TRACKING_DATA = "tracking_data"
    LINKED_ENTITY = "linked_entity"
    ORG_LEGAL_NAME = "org_legal_name"
    MONETARY = "monetary"
    CHAINED_LIST = "chained_list"
    FILE = "file"
    PAYER = "payer"
    SUPPLIER = "supplier"


class BirthdayRemind(StrEnum):
    """When amoCRM reminds of a ``birthday``."""

    NEVER = "never"
    DAY = "day"
    WEEK = "week"
    MONTH = "month"


class UnknownFieldError(LookupError):
    """No custom field with this code, name or id (in the entity or the definitions given)."""


@struct
class CustomFieldEnum(AmoStruct):
    """One option of a choice field; ``value`` and ``sort`` are always sent (as PHP does)."""

    __null_on_write__ = frozenset({"value", "sort"})

    id: int | None = None
    value: str | None = None
    sort: int | None = None
    code: str | None = None


@struct
class CustomFieldNestedItem(AmoStruct):
    """One node of a ``category`` tree; a new child names a new parent by ``parent_request_id``."""

    __null_on_write__ = frozenset({"parent_id", "value", "sort"})

    id: int | None = None
    parent_id: int | None = None
    value: str | None = None
    sort: int | None = None
    request_id: str | None = None
    parent_request_id: str | None = None


@struct
class RequiredStatus(AmoStruct):
    """A stage in which the field must be filled in."""

    status_id: int | None = None
    pipeline_id: int | None = None


@struct
class ChainedList(AmoStruct):
    """One level of a ``chained_list`` field: a catalog and its parent."""

    catalog_id: int | None = None
    parent_catalog_id: int | None = None
    title: str | None = None


def _definition_class(cls: type[CustomFieldDefinition], data: Any) -> type[CustomFieldDefinition]:
    """The class to parse ``data`` as: the class of its ``type`` when the base is parsed."""
    if cls is not CustomFieldDefinition or not isinstance(data, Mapping):
        return cls
    kind = data.get("type")
    return (
        DEFINITIONS_BY_TYPE.get(kind, GenericFieldDefinition)
        if isinstance(kind, str)
        else (GenericFieldDefinition)
    )


class CustomFieldDefinition(AmoEntity):
    """Base of the definitions of every field type (see the module docstring).

    Construct the class of the type you mean (``SelectFieldDefinition(name="Plan",
    enums=[CustomFieldEnum(value="Gold", sort=1)])``); ``type`` is filled in by the class.
    ``is_deletable``/``is_visible``/``is_required`` are sent only for catalogs' fields and
    ``is_api_only``/``required_statuses`` only for leads, contacts, companies and customers
    (judged by ``entity_type``, so a definition read from one entity can be sent back).
    """

    __read_only__ = frozenset(
        {
            "updated_at",
            "entity_type",
            "account_id",
            "catalog_id",
            "is_predefined",
            "tracking_callback",
            "hidden_statuses",
            "links",
        }
    )

    type: str | None = None
    name: str | None = None
    code: str | None = None
    sort: int | None = None
    group_id: str | None = None
    entity_type: str | None = None
    account_id: int | None = None
    catalog_id: int | None = None
    is_api_only: bool | None = None
    required_statuses: list[RequiredStatus] | None = None
    hidden_statuses: list[RequiredStatus] | None = None
    is_predefined: bool | None = None
    is_deletable: bool | None = None
    is_visible: bool | None = None
    is_required: bool | None = None
    tracking_callback: str | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    enums_allowed: ClassVar[bool] = False
    """Whether the type has ``enums`` (choice fields, multitext, smart address…)."""

    def __init__(self, /, **data: Any) -> None:
        if type(self) is CustomFieldDefinition:
            raise TypeError(
                "CustomFieldDefinition is the base of the field types: construct "
                "TextFieldDefinition, SelectFieldDefinition, … (or GenericFieldDefinition), or "
                "parse with CustomFieldDefinition.model_validate()"
            )
        super().__init__(**data)

    @model_validator(mode="wrap")
    @classmethod
    def _as_its_type(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        target = _definition_class(cls, data)
        return handler(data) if target is cls else target.model_validate(data)

    @property
    def options(self) -> list[CustomFieldEnum]:
        """The ``enums`` of a choice field (empty for other types)."""
        return list(getattr(self, "enums", None) or ())

    def _write_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        payload = super()._write_filter(data)
        entity = self.entity_type
        if entity is not None and entity != "catalogs":
            for key in _CATALOG_ONLY:
                payload.pop(key, None)
        if entity is not None and entity not in _SCALAR_ENTITIES:
            payload.pop("is_api_only", None)
            payload.pop("required_statuses", None)
        if payload.get("is_api_only"):
            payload.pop("required_statuses", None)
        return payload

    def values_of(
        self, *values: Any, enum_code: str | None = None, enum_id: int | None = None
    ) -> CustomFieldValues:
        """The typed value wrapper of this field holding ``values`` (see :func:`build_values`)."""
        built = build_values(
            self.type, values, enum_code, enum_id, self.options, _label(self.name, self.id)
        )
        return _addressed(built, self.id, self.code, self.name)


class _EnumsMixin(AmoModel):
    enums_allowed: ClassVar[bool] = True
    enums: list[CustomFieldEnum] | None = None


class TextFieldDefinition(CustomFieldDefinition):
    """``text``."""

    type: Literal[FieldType.TEXT] = FieldType.TEXT


class NumericFieldDefinition(CustomFieldDefinition):
    """``numeric``."""

    type: Literal[FieldType.NUMERIC] = FieldType.NUMERIC


class CheckboxFieldDefinition(CustomFieldDefinition):
    """``checkbox``."""

    type: Literal[FieldType.CHECKBOX] = FieldType.CHECKBOX


class SelectFieldDefinition(_EnumsMixin, CustomFieldDefinition):
    """``select``: one of ``enums``."""

    type: Literal[FieldType.SELECT] = FieldType.SELECT


class MultiselectFieldDefinition(_EnumsMixin, CustomFieldDefinition):
    """``multiselect``: any of ``enums``."""

    type: Literal[FieldType.MULTISELECT] = FieldType.MULTISELECT


class MultitextFieldDefinition(_EnumsMixin, CustomFieldDefinition):
    """``multitext`` (``PHONE``, ``EMAIL``): ``enums`` are the kinds (``WORK``, ``MOB`` …)."""

    type: Literal[FieldType.MULTITEXT] = FieldType.MULTITEXT


class DateFieldDefinition(CustomFieldDefinition):
    """``date``."""

    type: Literal[FieldType.DATE] = FieldType.DATE


class UrlFieldDefinition(CustomFieldDefinition):
    """``url``."""

    type: Literal[FieldType.URL] = FieldType.URL


class TextareaFieldDefinition(CustomFieldDefinition):
    """``textarea``."""

    type: Literal[FieldType.TEXTAREA] = FieldType.TEXTAREA


class RadiobuttonFieldDefinition(_EnumsMixin, CustomFieldDefinition):
    """``radiobutton``: one of ``enums``."""

    type: Literal[FieldType.RADIOBUTTON] = FieldType.RADIOBUTTON


class StreetAddressFieldDefinition(CustomFieldDefinition):
    """``streetaddress``."""

    type: Literal[FieldType.STREETADDRESS] = FieldType.STREETADDRESS


class SmartAddressFieldDefinition(_EnumsMixin, CustomFieldDefinition):
    """``smart_address``: ``enums`` are the parts of the address."""

    type: Literal[FieldType.SMART_ADDRESS] = FieldType.SMART_ADDRESS


def _remind(value: str | None) -> str | None:
    if value is not None and value not in BirthdayRemind.__members__.values():
        raise ValueError(f"remind must be one of {[str(m) for m in BirthdayRemind]}")
    return value


class BirthdayFieldDefinition(CustomFieldDefinition):
    """``birthday``; ``remind`` is ``never``, ``day``, ``week`` or ``month``."""

    type: Literal[FieldType.BIRTHDAY] = FieldType.BIRTHDAY
    remind: Annotated[BirthdayRemind | str | None, AfterValidator(_remind)] = None


class LegalEntityFieldDefinition(_EnumsMixin, CustomFieldDefinition):
    """``legal_entity``."""

    type: Literal[FieldType.LEGAL_ENTITY] = FieldType.LEGAL_ENTITY


class DateTimeFieldDefinition(CustomFieldDefinition):
    """``date_time``."""

    type: Literal[FieldType.DATE_TIME] = FieldType.DATE_TIME


class ItemsFieldDefinition(CustomFieldDefinition):
    """``items`` (invoice lines)."""

    type: Literal[FieldType.ITEMS] = FieldType.ITEMS


class CategoryFieldDefinition(CustomFieldDefinition):
    """``category`` (catalogs): a tree of ``nested`` items."""

    type: Literal[FieldType.CATEGORY] = FieldType.CATEGORY
    nested: list[CustomFieldNestedItem] | None = None

    @property
    def options(self) -> list[CustomFieldEnum]:
        """The nodes of the tree as options (what a ``category`` value picks by ``enum_id``)."""
        return [CustomFieldEnum(id=n.id, value=n.value, sort=n.sort) for n in self.nested or ()]


class PriceFieldDefinition(CustomFieldDefinition):
    """``price`` (catalogs)."""

    type: Literal[FieldType.PRICE] = FieldType.PRICE


class TrackingDataFieldDefinition(CustomFieldDefinition):
    """``tracking_data`` (leads: UTM and the like)."""

    type: Literal[FieldType.TRACKING_DATA] = FieldType.TRACKING_DATA


class LinkedEntityFieldDefinition(CustomFieldDefinition):
    """``linked_entity`` (catalogs); ``search_in`` is ``contacts``, ``companies``,
    ``contacts_and_companies`` or a catalog id."""

    type: Literal[FieldType.LINKED_ENTITY] = FieldType.LINKED_ENTITY
    search_in: str | None = None


class OrgLegalNameFieldDefinition(CustomFieldDefinition):
    """``org_legal_name`` (computed by amoCRM)."""

    type: Literal[FieldType.ORG_LEGAL_NAME] = FieldType.ORG_LEGAL_NAME


class MonetaryFieldDefinition(CustomFieldDefinition):
    """``monetary``; ``currency`` is an ISO 4217 code (``RUB``)."""

    type: Literal[FieldType.MONETARY] = FieldType.MONETARY
    currency: str | None = None


class ChainedListFieldDefinition(CustomFieldDefinition):
    """``chained_list`` (leads, customers); ``chained_lists`` is keyed by catalog id."""

    type: Literal[FieldType.CHAINED_LIST] = FieldType.CHAINED_LIST
    chained_lists: dict[str, ChainedList] | None = None


class FileFieldDefinition(CustomFieldDefinition):
    """``file``."""

    type: Literal[FieldType.FILE] = FieldType.FILE


class PayerFieldDefinition(CustomFieldDefinition):
    """``payer`` (invoices)."""

    type: Literal[FieldType.PAYER] = FieldType.PAYER


class SupplierFieldDefinition(CustomFieldDefinition):
    """``supplier`` (invoices, purchases)."""

    type: Literal[FieldType.SUPPLIER] = FieldType.SUPPLIER


_TYPED: tuple[type[CustomFieldDefinition], ...] = (
    TextFieldDefinition,
    NumericFieldDefinition,
    CheckboxFieldDefinition,
    SelectFieldDefinition,
    MultiselectFieldDefinition,
    MultitextFieldDefinition,
    DateFieldDefinition,
    UrlFieldDefinition,
    TextareaFieldDefinition,
    RadiobuttonFieldDefinition,
    StreetAddressFieldDefinition,
    SmartAddressFieldDefinition,
    BirthdayFieldDefinition,
    LegalEntityFieldDefinition,
    DateTimeFieldDefinition,
    ItemsFieldDefinition,
    CategoryFieldDefinition,
    PriceFieldDefinition,
    TrackingDataFieldDefinition,
    LinkedEntityFieldDefinition,
    OrgLegalNameFieldDefinition,
    MonetaryFieldDefinition,
    ChainedListFieldDefinition,
    FileFieldDefinition,
    PayerFieldDefinition,
    SupplierFieldDefinition,
)

DEFINITIONS_BY_TYPE: Mapping[str, type[CustomFieldDefinition]] = {
    cls.model_fields["type"].default: cls for cls in _TYPED
}
"""The definition class of each of the 26 field type codes."""

CUSTOM_FIELD_TYPES: frozenset[str] = frozenset(DEFINITIONS_BY_TYPE)
"""The 26 field type codes (``CustomFieldModel::TYPE_*``)."""


def _unknown_type(value: str | None) -> str | None:
    typed = DEFINITIONS_BY_TYPE.get(value) if value is not None else None
    if typed is not None:
        raise ValueError(f"type {value!r} has a typed model ({typed.__name__})")
    return value


class GenericFieldDefinition(CustomFieldDefinition):
    """A field of a type this SDK does not know; its settings stay extras. Never a known type."""

    type: Annotated[str | None, AfterValidator(_unknown_type)] = None
    enums: list[CustomFieldEnum] | None = None


class CustomFieldGroup(AmoModel):
    """A group of fields on an entity's card (``/api/v4/{entity}/custom_fields/groups``).

    Group ids are strings (``"leads_1584961524"``). ``fields`` lists the ids of the fields in
    it; ``entity_type``, ``is_predefined`` and ``type`` are the server's.
    """

    __read_only__ = frozenset({"entity_type", "is_predefined", "type", "links"})

    id: str | None = None
    name: str | None = None
    sort: int | None = None
    entity_type: str | None = None
    is_predefined: bool | None = None
    type: str | None = None
    fields: list[int] | None = None
    request_id: str | None = None
    links: HalLinks | None = Field(default=None, alias="_links")


# --------------------------------------------------------------------------------------------
# Finding fields and building their values
# --------------------------------------------------------------------------------------------


class FieldDefinitions(Sequence[CustomFieldDefinition]):
    """The custom-field definitions of one entity type, looked up by id, code or name.

    ``amo.<entity>.custom_fields.definitions()`` returns one (cached); build one yourself from
    any definitions with ``FieldDefinitions(items)``. An ``int`` is a field id; a ``str`` is a
    ``code`` (``PHONE``, compared without regard to case) or else the exact ``name`` of exactly
    one field.
    """

    def __init__(self, definitions: Iterable[CustomFieldDefinition]) -> None:
        self._items = list(definitions)
        self._by_id = {d.id: d for d in self._items if d.id is not None}
        self._by_code = {d.code.upper(): d for d in self._items if d.code}

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[CustomFieldDefinition]:
        return iter(self._items)

    def __getitem__(self, index: Any) -> Any:
        return self._items[index]

    def get(self, code_or_id: int | str) -> CustomFieldDefinition | None:
        """The definition, or ``None``."""
        if not isinstance(code_or_id, str):
            return self._by_id.get(code_or_id)
        found = self._by_code.get(code_or_id.upper())
        if found is not None:
            return found
        named = [d for d in self._items if d.name == code_or_id]
        return named[0] if len(named) == 1 else None

    def require(self, code_or_id: int | str) -> CustomFieldDefinition:
        """The definition; :class:`UnknownFieldError` if there is none."""
        found = self.get(code_or_id)
        if found is None:
            codes = sorted(self._by_code)
            raise UnknownFieldError(
                f"no custom field {code_or_id!r} among {len(self)} definitions (codes: {codes})"
            )
        return found


def _label(name: str | None, field_id: int | None) -> str:
    return f"{name!r} (id {field_id})" if name else f"id {field_id}"


_ENUM_ID_TYPES = frozenset({"select", "multiselect", "radiobutton", "category"})
"""Types whose value is an option picked by ``enum_id``."""
_ENUM_CODE_TYPES = frozenset({"multitext", "smart_address"})
"""Types whose value is text with a kind (``enum_code``) attached."""
_NUMBER_TYPES = frozenset({"numeric", "monetary", "price"})
_TEXT_TYPES = frozenset({"text", "textarea", "url", "streetaddress", "tracking_data"})
_DATE_TYPES = frozenset({"date", "date_time", "birthday"})
_OBJECT_TYPES = frozenset({"legal_entity", "items", "linked_entity", "file", "payer", "supplier"})
"""Types whose value is an object (``{"value": {...}}``): a plain mapping is that object."""


def _option(options: Sequence[CustomFieldEnum], label: str, **wanted: Any) -> CustomFieldEnum:
    """The option whose ``id``, ``code`` (or, for kinds, ``value``) or ``value`` matches."""
    [(key, value)] = wanted.items()
    for option in options:
        if key == "id" and option.id == value:
            return option
        if key != "id" and isinstance(value, str):
            texts = [option.code, option.value] if key == "code" else [option.value]
            if any(t is not None and t.casefold() == value.casefold() for t in texts):
                return option
    choices = [o.code or o.value for o in options]
    raise ValueError(f"custom field {label} has no option with {key} {value!r}; has {choices}")


def _number(value: Any, label: str) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        raise TypeError(f"custom field {label} takes a number, got {type(value).__name__}")
    try:
        Decimal(str(value))
    except InvalidOperation:
        raise ValueError(f"custom field {label} takes a number, got {value!r}") from None
    return str(value)


def _check_type(field_type: str | None, value: Any, label: str) -> None:
    """Refuse Python values a field of this type cannot hold (before any request)."""
    expected: tuple[type, ...] | None = None
    if field_type in _TEXT_TYPES or field_type in _ENUM_CODE_TYPES:
        expected = (str,)
    elif field_type == "checkbox":
        expected = (bool,)
    elif field_type in _DATE_TYPES:
        expected = (datetime, date, int, str)
    if expected is not None and (
        not isinstance(value, expected) or (bool not in expected and isinstance(value, bool))
    ):
        names = " or ".join(t.__name__ for t in expected)
        raise TypeError(
            f"custom field {label} ({field_type}) takes {names}, got {type(value).__name__}"
        )


def _item(
    field_type: str | None,
    value: Any,
    enum_code: str | None,
    enum_id: int | None,
    options: Sequence[CustomFieldEnum],
    label: str,
) -> Any:
    """One value item as the wrapper class of ``field_type`` takes it (dict or ready item)."""
    if isinstance(value, AmoStruct):
        return value
    _check_type(field_type, value, label)
    has_options = field_type in _ENUM_ID_TYPES or field_type in _ENUM_CODE_TYPES
    if not has_options and (enum_code is not None or enum_id is not None):
        raise ValueError(f"custom field {label} ({field_type}) has no options: drop enum_*")
    if field_type in _NUMBER_TYPES:
        return {"value": _number(value, label)}
    if field_type in _DATE_TYPES and isinstance(value, date) and not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day).astimezone()
    if field_type in _ENUM_ID_TYPES:
        if enum_id is not None or enum_code is not None or not options:
            return {"value": value, "enum_id": enum_id, "enum_code": enum_code}
        option = _option(options, label, value=value)
        return {"value": option.value, "enum_id": option.id}
    if field_type in _ENUM_CODE_TYPES:
        if options and enum_id is not None:
            enum_code = _option(options, label, id=enum_id).value
        elif options and enum_code is not None:
            option = _option(options, label, code=enum_code)
            enum_code = option.code or option.value
        return {"value": value, "enum_id": None if options else enum_id, "enum_code": enum_code}
    if field_type == "chained_list" and isinstance(value, Mapping):
        return ChainedListValue(**value)
    if field_type in _OBJECT_TYPES and isinstance(value, Mapping) and "value" not in value:
        return {"value": dict(value)}
    return value


def build_values(
    field_type: str | None,
    values: Sequence[Any],
    enum_code: str | None,
    enum_id: int | None,
    options: Sequence[CustomFieldEnum],
    label: str,
) -> CustomFieldValuesBase:
    """A wrapper of the class of ``field_type`` (unaddressed) holding ``values``.

    Choice fields (select, multiselect, radiobutton, category) take an option's text (matched
    against ``options`` when there are any, and sent as its ``enum_id``), or ``enum_id=`` /
    ``enum_code=`` with no value. Multitext and smart address take text, with ``enum_code``
    (``WORK``) or ``enum_id`` naming the kind. Numbers may be ``int``, ``float``, ``Decimal``
    or numeric strings; dates ``datetime``, ``date``, unix seconds or ISO text. Object values
    (legal entity, items, linked entity, file, payer, supplier) take the value model or a plain
    mapping of its keys (``{"entity_id": 5}`` for a supplier).
    """
    cls = CUSTOM_FIELD_VALUES_BY_TYPE.get(field_type or "", GenericCustomFieldValues)
    if not values and field_type in _ENUM_ID_TYPES and (enum_id is not None or enum_code):
        values = (None,)
    if not values:
        raise ValueError(f"custom field {label}: give at least one value (clear_custom_field)")
    if (enum_id is not None or enum_code is not None) and len(values) > 1:
        raise ValueError(f"custom field {label}: enum_code/enum_id apply to one value at a time")
    try:
        items = [_item(field_type, v, enum_code, enum_id, options, label) for v in values]
        return cls(values=[i if isinstance(i, dict) else cls._coerce_item(i) for i in items])
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        if not type(exc).__name__ == "ValidationError":
            raise
        raise TypeError(f"custom field {label} ({field_type}): {exc}") from None


def _addressed(
    wrapper: CustomFieldValuesBase, field_id: int | None, code: str | None, name: str | None
) -> CustomFieldValues:
    if field_id is None and code is None:
        raise ValueError(f"custom field {name!r} has neither id nor code")
    wrapper.field_id, wrapper.field_code, wrapper.field_name = field_id, code, name
    return wrapper  # type: ignore[return-value]


def set_field(
    entity: HasCustomFields,
    code_or_id: int | str,
    values: Sequence[Any],
    *,
    enum_code: str | None,
    enum_id: int | None,
    definitions: Iterable[CustomFieldDefinition] | None,
) -> CustomFieldValues:
    """What :meth:`HasCustomFields.set_field` does: build from the definition, or else from the
    field already on the entity, and put the wrapper in place."""
    definition = _definition(code_or_id, definitions)
    if definition is not None:
        wrapper: CustomFieldValues = definition.values_of(
            *values, enum_code=enum_code, enum_id=enum_id
        )
    else:
        existing = entity.get_custom_field(code_or_id)
        if existing is None:
            where = "the definitions given" if definitions is not None else "the entity"
            raise UnknownFieldError(
                f"no custom field {code_or_id!r} in {where}; pass definitions="
                "await amo.<entity>.custom_fields.definitions()"
            )
        label = _label(existing.field_name, existing.field_id)
        built = build_values(existing.field_type, values, enum_code, enum_id, (), label)
        wrapper = _addressed(built, existing.field_id, existing.field_code, existing.field_name)
    entity.set_custom_field(wrapper)
    return wrapper


def _definition(
    code_or_id: int | str,
    definitions: Iterable[CustomFieldDefinition] | None,
) -> CustomFieldDefinition | None:
    if definitions is None:
        return None
    if not isinstance(definitions, FieldDefinitions):
        definitions = FieldDefinitions(definitions)
    return definitions.require(code_or_id)


def find_field(
    entity: HasCustomFields,
    code_or_id: int | str,
    definitions: Iterable[CustomFieldDefinition] | None,
) -> CustomFieldValues | None:
    """What :meth:`HasCustomFields.field` does: the wrapper on the entity, found by id or code
    (or, with definitions, by a code or name the definitions resolve to an id)."""
    found = entity.get_custom_field(code_or_id)
    if found is not None or definitions is None:
        return found
    definition = _definition(code_or_id, definitions)
    return (
        None
        if definition is None or definition.id is None
        else entity.get_custom_field(definition.id)
    )
