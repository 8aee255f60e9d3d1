"""Typed webhook data in amoCRM's old (v2) vocabulary, and the events that carry it.

Webhooks do not speak API v4: fields are ``last_modified``, ``date_create``,
``created_user_id``, ``custom_fields[{id, name, code, values[{value, enum}]}]``,
``old_status_id`` …, and every value arrives as text. These models keep the wire names, so a
parsed event encodes back to the same body, and turn the text into ints and booleans where
amoCRM's meaning is known. Unknown fields are kept as pydantic extras (``model_extra``).

Each event family is a frozen dataclass whose ``entity_type`` is a literal, so a type checker
narrows ``event.data`` after ``if event.entity_type == "leads":``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "CompanyData",
    "CompanyEvent",
    "ContactData",
    "ContactEvent",
    "CustomerData",
    "CustomerEvent",
    "LeadData",
    "LeadEvent",
    "MessageAttachment",
    "MessageAuthor",
    "MessageData",
    "MessageEvent",
    "NoteData",
    "NoteEvent",
    "TalkData",
    "TalkEvent",
    "TaskData",
    "TaskEvent",
    "TaskResult",
    "UnsortedData",
    "UnsortedEvent",
    "UnsortedResult",
    "WebhookAccount",
    "WebhookCustomField",
    "WebhookEvent",
    "WebhookFieldValue",
    "WebhookModel",
]


def _blank(value: Any) -> Any:
    """amoCRM writes an unset number as an empty string."""
    return None if value == "" else value


def _int_or_text(value: Any) -> Any:
    if value == "":
        return None
    if isinstance(value, str) and value.isdecimal() and value.isascii():
        return int(value)
    return value


def _as_list(value: Any) -> Any:
    """A list that arrived as an object keyed by ids (``custom_fields[427183][...]``) or empty."""
    if value is None or value == "":
        return []
    if isinstance(value, Mapping):
        return list(value.values())
    return value


def _field_values(value: Any) -> Any:
    """``values`` may be bare strings (``values[0]=1``) or objects (``values[0][value]=1``)."""
    items = _as_list(value)
    if not isinstance(items, list):
        items = [items]
    return [item if isinstance(item, Mapping | BaseModel) else {"value": item} for item in items]


def _value_text(value: Any) -> Any:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int | float):
        return str(value)
    return value


Int = Annotated[int | None, BeforeValidator(_blank)]
Bool = Annotated[bool | None, BeforeValidator(_blank)]
IntOrText = Annotated[int | str | None, BeforeValidator(_int_or_text)]
Text = str | None
Ints = Annotated[list[int], BeforeValidator(_as_list)]


class WebhookModel(BaseModel):
    """Base of webhook data: lenient about what amoCRM adds, exact about what it declared."""

    model_config = ConfigDict(
        extra="allow", populate_by_name=True, coerce_numbers_to_str=True, allow_inf_nan=False
    )


class WebhookFieldValue(WebhookModel):
    """One value of a custom field: ``value`` (text, or an object for composite fields) and
    ``enum`` (the id of the chosen option of a list, phone or e-mail field)."""

    value: Annotated[str | dict[str, Any] | list[Any] | None, BeforeValidator(_value_text)] = None
    enum: Int = None


class WebhookCustomField(WebhookModel):
    """A custom field value set in the v2 shape: ``{id, name, code, values}``."""

    id: Int = None
    name: Text = None
    code: Text = None
    values: Annotated[list[WebhookFieldValue], BeforeValidator(_field_values)] = Field(
        default_factory=list
    )


CustomFields = Annotated[list[WebhookCustomField], BeforeValidator(_as_list)]


class _HasCustomFields:
    """Look-ups over ``custom_fields`` (each model declares the field where amoCRM puts it)."""

    if TYPE_CHECKING:
        custom_fields: list[WebhookCustomField]

    def custom_field(self, key: int | str) -> WebhookCustomField | None:
        """The custom field with this id, or with this code or name."""
        for field in self.custom_fields:
            if key in (field.id, field.code, field.name):
                return field
        return None

    def custom_field_value(self, key: int | str) -> str | dict[str, Any] | list[Any] | None:
        """The first value of a custom field (by id, code or name), or None."""
        field = self.custom_field(key)
        if field is None or not field.values:
            return None
        return field.values[0].value


class WebhookAccount(WebhookModel):
    """``account[subdomain]``, ``account[id]`` and ``account[_links][self]`` of a webhook."""

    subdomain: Text = None
    id: Int = None
    links: dict[str, Any] | None = Field(default=None, alias="_links")

    @property
    def url(self) -> str | None:
        """The account's address (``https://acme.amocrm.ru``) when amoCRM sent it."""
        value = (self.links or {}).get("self")
        return value if isinstance(value, str) else None


class LeadData(WebhookModel, _HasCustomFields):
    """A lead in a ``leads[add|update|delete|restore|status|responsible]`` event."""

    id: Int = None
    name: Text = None
    status_id: Int = None
    price: Int = None
    responsible_user_id: Int = None
    last_modified: Int = None
    modified_user_id: Int = None
    created_user_id: Int = None
    date_create: Int = None
    pipeline_id: Int = None
    account_id: Int = None
    custom_fields: CustomFields = Field(default_factory=list)
    old_status_id: Int = None
    old_pipeline_id: Int = None
    old_responsible_user_id: Int = None
    created_at: Int = None
    updated_at: Int = None


class ContactData(WebhookModel, _HasCustomFields):
    """A contact in a ``contacts[...]`` event (``type`` is ``"contact"``)."""

    id: Int = None
    name: Text = None
    responsible_user_id: Int = None
    date_create: Int = None
    last_modified: Int = None
    created_user_id: Int = None
    modified_user_id: Int = None
    company_name: Text = None
    linked_company_id: Int = None
    account_id: Int = None
    custom_fields: CustomFields = Field(default_factory=list)
    linked_leads_id: dict[str, Any] | list[Any] | None = None
    old_responsible_user_id: Int = None
    created_at: Int = None
    updated_at: Int = None
    type: Text = None

    @property
    def linked_lead_ids(self) -> list[int]:
        """Ids of the linked leads (``linked_leads_id[7551167][ID]=7551167``)."""
        raw = self.linked_leads_id
        items: list[Any] = (
            list(raw.items()) if isinstance(raw, dict) else list(enumerate(raw or []))
        )
        ids: list[int] = []
        for key, value in items:
            candidate = value.get("ID", key) if isinstance(value, Mapping) else value
            text = str(candidate)
            if text.isdecimal() and text.isascii():
                ids.append(int(text))
        return ids


class CompanyData(ContactData):
    """A company: it arrives under ``contacts[...]`` with ``type=company``."""


class CustomerData(WebhookModel, _HasCustomFields):
    """A customer (periodic purchases) in a ``customers[...]`` event."""

    id: Int = None
    name: Text = None
    status_id: Int = None
    next_price: Int = None
    next_date: Int = None
    periodicity: Int = None
    responsible_user_id: Int = None
    date_create: Int = None
    last_modified: Int = None
    created_user_id: Int = None
    modified_user_id: Int = None
    account_id: Int = None
    custom_fields: CustomFields = Field(default_factory=list)
    old_status_id: Int = None
    old_responsible_user_id: Int = None
    created_at: Int = None
    updated_at: Int = None


class TaskResult(WebhookModel):
    """The result a task was completed with."""

    id: Int = None
    text: Text = None


class TaskData(WebhookModel):
    """A task in a ``task[...]`` event.

    Dates stay text: amoCRM sends ``"2017-07-20 15:00:00"`` in the account's time zone or a
    UNIX timestamp, depending on the account. ``element_type``: 1 contact, 2 lead, 3 company,
    12 customer. ``status`` 1 means completed; ``action_close`` marks the update that closed it.
    """

    id: Int = None
    element_id: Int = None
    element_type: Int = None
    task_type: IntOrText = None
    date_create: Text = None
    text: Text = None
    status: Int = None
    account_id: Int = None
    created_user_id: Int = None
    last_modified: Text = None
    responsible_user_id: Int = None
    complete_till: Text = None
    action_close: Bool = None
    result: TaskResult | None = None
    old_responsible_user_id: Int = None


class NoteData(WebhookModel):
    """A note in a ``{entity}[note][i][note][...]`` event (``element_id`` is the entity)."""

    id: Int = None
    element_id: Int = None
    element_type: Int = None
    note_type: IntOrText = None
    text: Text = None
    date_create: Int = None
    last_modified: Int = None
    created_user_id: Int = None
    modified_user_id: Int = None
    responsible_user_id: Int = None
    created_by: Int = None
    account_id: Int = None
    created_at: Int = None
    updated_at: Int = None


class UnsortedResult(WebhookModel):
    """Ids of what accepting (or declining) an incoming lead created or touched."""

    leads: Ints = Field(default_factory=list)
    contacts: Ints = Field(default_factory=list)
    companies: Ints = Field(default_factory=list)


class UnsortedData(WebhookModel):
    """An incoming lead (``unsorted[add|update|delete]``).

    Accepting and declining arrive as ``unsorted[delete]`` with ``action`` ``accept`` or
    ``decline`` and an ``accept_result``/``decline_result``; the event's ``action`` says which.
    ``source_data`` and ``data`` depend on the category and are kept as sent.
    """

    action: Text = None
    uid: Text = None
    category: Text = None
    account_id: Int = None
    user_id: Int = None
    source: Text = None
    pipeline_id: Int = None
    created_at: Int = None
    source_data: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    accept_result: UnsortedResult | None = None
    decline_result: UnsortedResult | None = None


class TalkData(WebhookModel):
    """A conversation (``talk[add|update]``) of a chat bound to a contact and an entity."""

    talk_id: Int = None
    created_at: Int = None
    updated_at: Int = None
    rate: Int = None
    contact_id: Int = None
    chat_id: Text = None
    entity_id: Int = None
    entity_type: Text = None
    is_in_work: Bool = None
    is_read: Bool = None
    origin: Text = None
    account_id: Int = None


class MessageAuthor(WebhookModel):
    id: Text = None
    type: Text = None
    name: Text = None
    avatar_url: Text = None


class MessageAttachment(WebhookModel):
    type: Text = None
    link: Text = None
    file_name: Text = None


class MessageData(WebhookModel):
    """A chat message (``message[add]``); ``type`` is ``incoming`` or ``outgoing``."""

    id: Text = None
    chat_id: Text = None
    talk_id: Int = None
    contact_id: Int = None
    text: Text = None
    created_at: Int = None
    element_type: Int = None
    entity_type: Text = None
    element_id: Int = None
    entity_id: Int = None
    type: Text = None
    author: MessageAuthor | None = None
    attachment: MessageAttachment | None = None
    origin: Text = None


_SINGULAR = {
    "leads": "lead",
    "contacts": "contact",
    "companies": "company",
    "customers": "customer",
    "tasks": "task",
    "unsorted": "unsorted",
    "talks": "talk",
    "messages": "message",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class _Event:
    """What every event has: the action, the account it came from, the wire action."""

    wire_action: ClassVar[Mapping[str, str]] = {}

    entity_type: str
    action: str
    account: WebhookAccount | None = None

    @property
    def code(self) -> str:
        """The event code a webhook subscription names (``status_lead``, ``note_contact``)."""
        action = self.wire_action.get(self.action, self.action)
        return f"{action}_{_SINGULAR.get(self.entity_type, self.entity_type)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadEvent(_Event):
    data: LeadData
    entity_type: Literal["leads"] = "leads"


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactEvent(_Event):
    data: ContactData
    entity_type: Literal["contacts"] = "contacts"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompanyEvent(_Event):
    data: CompanyData
    entity_type: Literal["companies"] = "companies"


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerEvent(_Event):
    data: CustomerData
    entity_type: Literal["customers"] = "customers"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskEvent(_Event):
    data: TaskData
    entity_type: Literal["tasks"] = "tasks"


@dataclass(frozen=True, slots=True, kw_only=True)
class NoteEvent(_Event):
    """A note added to an entity: ``action`` is ``"note"``, ``parent_type`` the entity type
    (``leads``, ``contacts``, ``companies``, ``customers``) and ``data.element_id`` its id."""

    data: NoteData
    parent_type: str = "leads"
    entity_type: Literal["notes"] = "notes"

    @property
    def code(self) -> str:
        return f"note_{_SINGULAR.get(self.parent_type, self.parent_type)}"


@dataclass(frozen=True, slots=True, kw_only=True)
class UnsortedEvent(_Event):
    """``action``: ``add``, ``update``, ``delete``, ``accept`` or ``decline``."""

    wire_action: ClassVar[Mapping[str, str]] = {"accept": "delete", "decline": "delete"}

    data: UnsortedData
    entity_type: Literal["unsorted"] = "unsorted"


@dataclass(frozen=True, slots=True, kw_only=True)
class TalkEvent(_Event):
    data: TalkData
    entity_type: Literal["talks"] = "talks"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEvent(_Event):
    data: MessageData
    entity_type: Literal["messages"] = "messages"


WebhookEvent = (
    LeadEvent
    | ContactEvent
    | CompanyEvent
    | CustomerEvent
    | TaskEvent
    | NoteEvent
    | UnsortedEvent
    | TalkEvent
    | MessageEvent
)
"""Any parsed webhook event; narrow it by ``entity_type``."""
