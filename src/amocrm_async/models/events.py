"""Events of the account — ``/api/v4/events`` and ``/api/v4/events/types`` (§5.16, §5.17, §7.16).

Events are read-only. Their id is a string. ``value_before`` and ``value_after`` are lists of
one-key objects whose key says what changed (``{"lead_status": {"id": 142, "pipeline_id": 7}}``,
``{"responsible_user": {"id": 5}}`` …); each item is parsed into the typed value of its key
(:data:`EVENT_VALUE_TYPES`), and an item of a shape not listed there is kept as the dict it was.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeAlias

from pydantic import Field, SerializeAsAny, field_validator

from ._base import AmoModel
from ._hal import HalLinks

__all__ = [
    "EVENT_VALUE_TYPES",
    "CustomFieldChange",
    "CustomFieldChangeValue",
    "CustomerStatusChange",
    "EntityLinkChange",
    "EntityLinkChangeValue",
    "Event",
    "EventChange",
    "EventEmbedded",
    "EventType",
    "EventTypeInfo",
    "EventValue",
    "IdValue",
    "LeadStatusChange",
    "MessageChange",
    "MessageValue",
    "NameChange",
    "NameValue",
    "NoteValue",
    "ResponsibleUserChange",
    "SaleChange",
    "SaleValue",
    "StatusValue",
    "TagChange",
    "TagValue",
    "TaskValue",
    "TransactionValue",
]


class EventType(StrEnum):
    """Event type keys of the API (``filter[type]``, ``Event.type``).

    The custom-field change of a field comes as ``custom_field_<id>_value_changed``; use
    :meth:`custom_field` to build it. The account's own catalogue is ``amo.events.types()``.
    """

    LEAD_ADDED = "lead_added"
    LEAD_DELETED = "lead_deleted"
    LEAD_RESTORED = "lead_restored"
    LEAD_STATUS_CHANGED = "lead_status_changed"
    LEAD_LINKED = "lead_linked"
    LEAD_UNLINKED = "lead_unlinked"
    CONTACT_ADDED = "contact_added"
    CONTACT_DELETED = "contact_deleted"
    CONTACT_RESTORED = "contact_restored"
    CONTACT_LINKED = "contact_linked"
    CONTACT_UNLINKED = "contact_unlinked"
    COMPANY_ADDED = "company_added"
    COMPANY_DELETED = "company_deleted"
    COMPANY_RESTORED = "company_restored"
    COMPANY_LINKED = "company_linked"
    COMPANY_UNLINKED = "company_unlinked"
    CUSTOMER_ADDED = "customer_added"
    CUSTOMER_DELETED = "customer_deleted"
    CUSTOMER_STATUS_CHANGED = "customer_status_changed"
    CUSTOMER_LINKED = "customer_linked"
    CUSTOMER_UNLINKED = "customer_unlinked"
    TASK_ADDED = "task_added"
    TASK_DELETED = "task_deleted"
    TASK_COMPLETED = "task_completed"
    TASK_TYPE_CHANGED = "task_type_changed"
    TASK_TEXT_CHANGED = "task_text_changed"
    TASK_DEADLINE_CHANGED = "task_deadline_changed"
    TASK_RESULT_ADDED = "task_result_added"
    INCOMING_CALL = "incoming_call"
    OUTGOING_CALL = "outgoing_call"
    INCOMING_CHAT_MESSAGE = "incoming_chat_message"
    OUTGOING_CHAT_MESSAGE = "outgoing_chat_message"
    ENTITY_DIRECT_MESSAGE = "entity_direct_message"
    INCOMING_SMS = "incoming_sms"
    OUTGOING_SMS = "outgoing_sms"
    ENTITY_TAG_ADDED = "entity_tag_added"
    ENTITY_TAG_DELETED = "entity_tag_deleted"
    ENTITY_LINKED = "entity_linked"
    ENTITY_UNLINKED = "entity_unlinked"
    SALE_FIELD_CHANGED = "sale_field_changed"
    NAME_FIELD_CHANGED = "name_field_changed"
    LTV_FIELD_CHANGED = "ltv_field_changed"
    CUSTOM_FIELD_VALUE_CHANGED = "custom_field_value_changed"
    ENTITY_RESPONSIBLE_CHANGED = "entity_responsible_changed"
    ROBOT_REPLIED = "robot_replied"
    INTENT_IDENTIFIED = "intent_identified"
    NPS_RATE_ADDED = "nps_rate_added"
    LINK_FOLLOWED = "link_followed"
    TRANSACTION_ADDED = "transaction_added"
    COMMON_NOTE_ADDED = "common_note_added"
    COMMON_NOTE_DELETED = "common_note_deleted"
    ATTACHMENT_NOTE_ADDED = "attachment_note_added"
    TARGETING_IN_NOTE_ADDED = "targeting_in_note_added"
    TARGETING_OUT_NOTE_ADDED = "targeting_out_note_added"
    GEO_NOTE_ADDED = "geo_note_added"
    SERVICE_NOTE_ADDED = "service_note_added"
    SITE_VISIT_NOTE_ADDED = "site_visit_note_added"
    MESSAGE_TO_CASHIER_NOTE_ADDED = "message_to_cashier_note_added"
    KEY_ACTION_COMPLETED = "key_action_completed"
    ENTITY_MERGED = "entity_merged"

    @staticmethod
    def custom_field(field_id: int) -> str:
        """``custom_field_<id>_value_changed``: changes of one custom field."""
        return f"custom_field_{field_id}_value_changed"


class IdValue(AmoModel):
    """``{"id": …}``: a reference (note, task, transaction, responsible user …)."""

    id: int | str | None = None


class StatusValue(AmoModel):
    """A status: ``id`` and, for lead statuses, ``pipeline_id``."""

    id: int | None = None
    pipeline_id: int | None = None


class NameValue(AmoModel):
    name: str | None = None


class SaleValue(AmoModel):
    sale: int | float | None = None


class TagValue(AmoModel):
    name: str | None = None


class CustomFieldChangeValue(AmoModel):
    """One value of a changed custom field (``enum_id`` for list fields, ``text`` otherwise)."""

    field_id: int | None = None
    field_type: int | None = None
    enum_id: int | None = None
    text: str | None = None


class EntityLinkChangeValue(AmoModel):
    """``{"entity": {"id", "type"}}``: what was linked or unlinked."""

    entity: dict[str, Any] | None = None


class MessageValue(AmoModel):
    """A chat message: its uuid and where it came from."""

    id: str | None = None
    origin: str | None = None


class EventChange(AmoModel):
    """Base of the typed ``value_before``/``value_after`` items: one key, named by
    :data:`EVENT_VALUE_TYPES` (``{"lead_status": {...}}`` is a :class:`LeadStatusChange`)."""


class LeadStatusChange(EventChange):
    lead_status: StatusValue


class CustomerStatusChange(EventChange):
    customer_status: StatusValue


class ResponsibleUserChange(EventChange):
    responsible_user: IdValue


class NameChange(EventChange):
    name_field_value: NameValue


class SaleChange(EventChange):
    sale_field_value: SaleValue


class TagChange(EventChange):
    tag: TagValue


class CustomFieldChange(EventChange):
    custom_field_value: CustomFieldChangeValue


class EntityLinkChange(EventChange):
    link: EntityLinkChangeValue


class NoteValue(EventChange):
    note: IdValue


class TaskValue(EventChange):
    task: IdValue


class TransactionValue(EventChange):
    transaction: IdValue


class MessageChange(EventChange):
    message: MessageValue


EVENT_VALUE_TYPES: dict[str, type[EventChange]] = {
    "lead_status": LeadStatusChange,
    "customer_status": CustomerStatusChange,
    "responsible_user": ResponsibleUserChange,
    "name_field_value": NameChange,
    "sale_field_value": SaleChange,
    "tag": TagChange,
    "custom_field_value": CustomFieldChange,
    "link": EntityLinkChange,
    "note": NoteValue,
    "task": TaskValue,
    "transaction": TransactionValue,
    "message": MessageChange,
}
"""The key of a ``value_before``/``value_after`` item → its typed model."""

EventValue: TypeAlias = Annotated[
    dict[str, Any] | SerializeAsAny[EventChange], Field(union_mode="left_to_right")
]
"""One item of ``value_before``/``value_after``: typed where the shape is known, else a dict."""


def _typed_value(item: Any) -> EventValue:
    if isinstance(item, EventChange):
        return item
    if isinstance(item, dict) and len(item) == 1:
        key = next(iter(item))
        model = EVENT_VALUE_TYPES.get(key)
        if model is not None and isinstance(item[key], dict):
            try:
                return model.model_validate(item)
            except ValueError:
                return item  # a known key with an unexpected shape stays as sent
    if isinstance(item, dict):
        return item
    return {"value": item}


class EventEmbedded(AmoModel):
    """``_embedded.entity``: a reference to the entity the event is about."""

    entity: dict[str, Any] | None = None


class Event(AmoModel):
    """One event. ``type`` is a key of :class:`EventType` (or a newer one, kept as a str)."""

    __read_only__ = frozenset(
        {
            "id",
            "type",
            "entity_id",
            "entity_type",
            "created_by",
            "created_at",
            "value_after",
            "value_before",
            "account_id",
            "embedded",
            "links",
        }
    )

    id: str
    type: str
    entity_id: int | None = None
    entity_type: str | None = None
    created_by: int | None = None
    created_at: int | None = None
    value_after: list[EventValue] = Field(default_factory=list)
    value_before: list[EventValue] = Field(default_factory=list)
    account_id: int | None = None
    embedded: EventEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    @field_validator("value_after", "value_before", mode="before")
    @classmethod
    def _typed_values(cls, value: Any) -> Any:
        if value is None or value == {}:
            return []
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list):
            return value
        return [_typed_value(item) for item in value]

    @property
    def event_type(self) -> EventType | None:
        """``type`` as an :class:`EventType` member, or ``None`` for one the SDK does not list."""
        try:
            return EventType(self.type)
        except ValueError:
            return None


class EventTypeInfo(AmoModel):
    """An item of ``GET /api/v4/events/types``: the key, its numeric type and its caption."""

    key: str
    type: int | None = None
    lang: dict[str, Any] | str | None = None
