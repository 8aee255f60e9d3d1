"""Notes of leads, contacts, companies and customers (``/api/v4/{entity}/notes``).

A note's ``params`` depend on its ``note_type``: a call has ``uniq``/``duration``/``phone``…, an
SMS ``text``/``phone``, a geolocation ``address``/``latitude``/``longitude``. Each of the 22 note
types amoCRM documents (api-surface.md §9.1) is its own class with its own params model
(:class:`CallInNote` with :class:`CallNoteParams` …), and :class:`Note` is their common base.

Parsing goes through the base: ``Note.model_validate(data)`` (and every notes page the SDK
reads) returns the class of ``data["note_type"]`` — a :class:`CallInNote` for ``"call_in"`` — and
a :class:`GenericNote` (``params`` kept as a plain dict) for a type this SDK does not know, so a
new note type never breaks a page. A known type whose params do not fit its model is a
validation error, not a silent downgrade. Narrow with ``isinstance`` or ``match``::

    match note:
        case CallInNote(params=CallNoteParams(phone=phone, duration=seconds)):
            ...
        case CommonNote(params=CommonNoteParams(text=text)):
            ...

Why a base class and not a ``RootModel`` or an ``Annotated`` union: the generic read and write
machinery (services, HAL pages, chunked writes) works on one entity class, so
``amo.leads.notes.get_one()`` is typed :class:`Note` (an :class:`AmoEntity` with ``id``,
``entity_id``, ``note_type`` …) and its result *is* the typed note, with no ``.root`` to unwrap.

Writing: construct the concrete class (``CommonNote(entity_id=5,
params=CommonNoteParams(text="Called back"))``); ``note_type`` is filled in by the class. The
usual write rules apply (:class:`AmoEntity`): read-only fields (``group_id``, ``account_id``,
``updated_at``, ``is_pinned``, ``_links``, and read-only params such as an attachment's
``original_name``) and ``None`` are never sent; ``created_at``/``created_by``/``updated_by`` only
when creating. Types amoCRM creates itself (:data:`READ_ONLY_NOTE_TYPES`: mail, chat,
transaction, Dropbox and followed-link notes) refuse ``to_api()``, as the PHP library does.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import IntEnum, StrEnum
from typing import Annotated, Any, ClassVar, Final, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    model_validator,
)

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks

__all__ = [
    "NOTES_BY_TYPE",
    "NOTE_ENTITY_TYPES",
    "READ_ONLY_NOTE_TYPES",
    "AiResultNote",
    "AiResultNoteParams",
    "AmomailMessageNote",
    "AmomailMessageNoteParams",
    "AttachmentNote",
    "AttachmentNoteParams",
    "BillPaidNote",
    "CallInNote",
    "CallNote",
    "CallNoteParams",
    "CallOutNote",
    "CallStatus",
    "ChatNote",
    "CommonNote",
    "CommonNoteParams",
    "DropboxNote",
    "DropboxNoteParams",
    "ExtendedServiceMessageNote",
    "GenericNote",
    "GeolocationNote",
    "GeolocationNoteParams",
    "InvoicePaidNote",
    "LinkFollowedNote",
    "MessageCashierNote",
    "MessageCashierNoteParams",
    "MessageCashierStatus",
    "Note",
    "NoteParams",
    "NoteType",
    "PaymentNoteParams",
    "ServiceMessageNote",
    "ServiceMessageNoteParams",
    "SiteVisitNote",
    "SmsInNote",
    "SmsNote",
    "SmsNoteParams",
    "SmsOutNote",
    "TargetingInNote",
    "TargetingNote",
    "TargetingNoteParams",
    "TargetingOutNote",
    "TargetingService",
    "TransactionNote",
    "TransactionNoteParams",
    "UrlNoteParams",
    "ZoomMeetingNote",
    "ZoomMeetingNoteParams",
]


class NoteType(StrEnum):
    """The ``note_type`` codes of ``NoteFactory`` (amocrm-api-php at 1354d8a)."""

    COMMON = "common"
    ATTACHMENT = "attachment"
    CALL_IN = "call_in"
    CALL_OUT = "call_out"
    AMOMAIL_MESSAGE = "amomail_message"
    CHAT = "chat"
    """Deprecated by amoCRM; still parsed."""
    SITE_VISIT = "site_visit"
    TARGETING_IN = "targeting_in"
    TARGETING_OUT = "targeting_out"
    TRANSACTION = "transaction"
    SERVICE_MESSAGE = "service_message"
    MESSAGE_CASHIER = "message_cashier"
    INVOICE_PAID = "invoice_paid"
    GEOLOCATION = "geolocation"
    SMS_IN = "sms_in"
    SMS_OUT = "sms_out"
    EXTENDED_SERVICE_MESSAGE = "extended_service_message"
    ZOOM_MEETING = "zoom_meeting"
    DROPBOX = "dropbox_attachment"
    LINK_FOLLOWED = "link_followed"
    BILL_PAID = "bill_paid"
    """Like ``invoice_paid``, but also fires "invoice paid" in the Digital Pipeline."""
    AI_RESULT = "ai_result"


class CallStatus(IntEnum):
    """``params.call_status`` of call notes (and of calls): PHP ``CallInterface::CALL_STATUS_*``."""

    LEAVE_MESSAGE = 1
    SUCCESS_RECALL = 2
    SUCCESS_NOT_IN_STOCK = 3
    SUCCESS_CONVERSATION = 4
    FAIL_WRONG_NUMBER = 5
    FAIL_NOT_PHONED = 6
    FAIL_BUSY = 7
    UNDEFINED = 8


class MessageCashierStatus(StrEnum):
    """``params.status`` of a ``message_cashier`` note."""

    CREATED = "created"
    SHOWN = "shown"
    CANCELED = "canceled"


class TargetingService(StrEnum):
    """``params.service`` of ``targeting_in`` / ``targeting_out`` notes."""

    FACEBOOK = "facebook"
    VKONTAKTE = "vkontakte"
    MAILCHIMP = "mailchimp"
    ADWORDS = "adwords"


NOTE_ENTITY_TYPES: Final = frozenset({"leads", "contacts", "companies", "customers"})
"""The entity types that have notes (``/api/v4/{entity}/notes``)."""

READ_ONLY_NOTE_TYPES: Final = frozenset(
    {
        NoteType.AMOMAIL_MESSAGE,
        NoteType.CHAT,
        NoteType.TRANSACTION,
        NoteType.DROPBOX,
        NoteType.LINK_FOLLOWED,
    }
)
"""Types amoCRM writes itself; their classes refuse ``to_api()`` (PHP: NotAvailableForAction)."""


# --------------------------------------------------------------------------------------------
# Params, one model per shape
# --------------------------------------------------------------------------------------------


class NoteParams(AmoModel):
    """Base of the ``params`` models; unknown keys are kept on read and never sent."""


class CommonNoteParams(NoteParams):
    """``common``: the note's text."""

    text: str | None = None


class CallNoteParams(NoteParams):
    """``call_in`` / ``call_out``.

    ``call_status`` is a :class:`CallStatus` when the code is one of the eight known ones and a
    plain ``int`` otherwise (the PHP setter drops unknown codes; we keep them readable).
    ``call_responsible`` is a user id (``int``) or, as amoCRM also accepts, a user's name
    (``str``): the two mean different things, so a string is never turned into a number.
    """

    uniq: str | None = None
    duration: int | None = None
    source: str | None = None
    link: str | None = None
    phone: str | None = None
    call_result: str | None = None
    call_status: Annotated[CallStatus | int, Field(union_mode="left_to_right")] | None = None
    call_responsible: int | str | None = None


class SmsNoteParams(NoteParams):
    """``sms_in`` / ``sms_out``."""

    text: str | None = None
    phone: str | None = None


class ServiceMessageNoteParams(NoteParams):
    """``service_message`` / ``extended_service_message``: which service wrote what."""

    service: str | None = None
    text: str | None = None


class MessageCashierNoteParams(NoteParams):
    """``message_cashier``."""

    status: Annotated[MessageCashierStatus | str, Field(union_mode="left_to_right")] | None = None
    text: str | None = None


class PaymentNoteParams(NoteParams):
    """``invoice_paid`` / ``bill_paid``."""

    service: str | None = None
    text: str | None = None
    icon_url: str | None = None


class GeolocationNoteParams(NoteParams):
    """``geolocation``. Coordinates are strings, as amoCRM sends them (numbers are accepted)."""

    model_config = ConfigDict(coerce_numbers_to_str=True)

    address: str | None = None
    text: str | None = None
    latitude: str | None = None
    longitude: str | None = None


class AttachmentNoteParams(NoteParams):
    """``attachment``: a file of the account's drive; ``original_name`` and
    ``is_drive_attachment`` are read-only."""

    __read_only__ = frozenset({"original_name", "is_drive_attachment"})

    version_uuid: str | None = None
    file_uuid: str | None = None
    file_name: str | None = None
    original_name: str | None = None
    is_drive_attachment: bool | None = None


class TargetingNoteParams(NoteParams):
    """``targeting_in`` / ``targeting_out``; ``contacts`` and ``campaign`` are kept as sent."""

    contacts: Any = None
    campaign: Any = None
    service: Annotated[TargetingService | str, Field(union_mode="left_to_right")] | None = None


class UrlNoteParams(NoteParams):
    """``site_visit`` / ``link_followed``."""

    url: str | None = None


class TransactionNoteParams(NoteParams):
    """``transaction`` (read-only)."""

    transaction_id: int | None = None


class ZoomMeetingNoteParams(NoteParams):
    """``zoom_meeting``; both parts are kept as amoCRM sends them."""

    conference: Any = None
    recordings: Any = None


class DropboxNoteParams(NoteParams):
    """``dropbox_attachment`` (read-only)."""

    link: str | None = None
    filename: str | None = None


class AiResultNoteParams(NoteParams):
    """``ai_result``. (PHP reads ``talk_id`` from ``params.text``, a bug not copied here.)"""

    text: str | None = None
    answer_id: str | None = None
    talk_id: int | None = None
    is_error: bool | None = None


class AmomailMessageNoteParams(NoteParams):
    """``amomail_message`` (read-only): a mail of the built-in mail client."""

    thread_id: int | None = None
    message_id: int | None = None
    private: bool | None = None
    income: bool | None = None
    from_: dict[str, Any] | None = Field(default=None, alias="from")
    to: dict[str, Any] | None = None
    subject: str | None = None
    content_summary: str | None = None
    attach_cnt: int | None = None
    delivery: dict[str, Any] | None = None


# --------------------------------------------------------------------------------------------
# Notes
# --------------------------------------------------------------------------------------------


class Note(AmoEntity):
    """Base of every note type; parsing it returns the class of the note's ``note_type``.

    ``entity_id`` is the lead, contact, company or customer the note belongs to; a new note
    needs it. Do not construct ``Note`` itself: construct the type you mean
    (:class:`CommonNote`, :class:`CallOutNote` …), or parse with ``Note.model_validate()``.
    ``is_pinned`` is only sent by amoCRM with ``with_=["is_pinned"]``.
    """

    __read_only__ = frozenset({"updated_at", "group_id", "account_id", "is_pinned", "links"})
    __create_only__ = frozenset({"created_at", "created_by", "updated_by"})

    read_only_type: ClassVar[bool] = False
    """Whether amoCRM refuses notes of this type in writes."""

    entity_id: int | None = None
    note_type: str | None = None
    responsible_user_id: int | None = None
    group_id: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    account_id: int | None = None
    is_pinned: bool | None = None
    is_need_to_trigger_digital_pipeline: bool | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    def __init__(self, /, **data: Any) -> None:
        if type(self) in _ABSTRACT:
            raise TypeError(
                f"{type(self).__name__} is a base of the note types: construct CommonNote, "
                "CallInNote, … (or GenericNote), or parse a response with "
                f"{type(self).__name__}.model_validate()"
            )
        super().__init__(**data)

    @model_validator(mode="wrap")
    @classmethod
    def _by_note_type(cls, data: Any, handler: ModelWrapValidatorHandler[Note]) -> Note:
        """Parsing a base class (``Note``, ``CallNote`` …) gives the class of ``note_type``."""
        if cls not in _ABSTRACT or not isinstance(data, Mapping):
            return handler(data)
        kind = data.get("note_type")
        target = NOTES_BY_TYPE.get(kind, GenericNote) if isinstance(kind, str) else GenericNote
        if not issubclass(target, cls):
            raise ValueError(f"note_type {kind!r} is not a {cls.__name__}")
        return target.model_validate(data)

    def _check_writable(self) -> None:
        if self.read_only_type:
            raise ValueError(
                f"{type(self).__name__} is read-only: amoCRM does not accept note_type "
                f"{str(self.note_type)!r} in writes"
            )
        if self.id is None and self.entity_id is None:
            raise ValueError(
                f"{type(self).__name__}.entity_id: a new note needs the id of the entity it "
                "belongs to"
            )


class CommonNote(Note):
    """A plain text note."""

    note_type: Literal[NoteType.COMMON] = NoteType.COMMON
    params: CommonNoteParams | None = None


class CallNote(Note):
    """Base of :class:`CallInNote` and :class:`CallOutNote`."""

    params: CallNoteParams | None = None


class CallInNote(CallNote):
    """An incoming call."""

    note_type: Literal[NoteType.CALL_IN] = NoteType.CALL_IN


class CallOutNote(CallNote):
    """An outgoing call."""

    note_type: Literal[NoteType.CALL_OUT] = NoteType.CALL_OUT


class SmsNote(Note):
    """Base of :class:`SmsInNote` and :class:`SmsOutNote`."""

    params: SmsNoteParams | None = None


class SmsInNote(SmsNote):
    """An incoming SMS."""

    note_type: Literal[NoteType.SMS_IN] = NoteType.SMS_IN


class SmsOutNote(SmsNote):
    """An outgoing SMS."""

    note_type: Literal[NoteType.SMS_OUT] = NoteType.SMS_OUT


class ServiceMessageNote(Note):
    """A message from an integration (``service`` names it)."""

    note_type: Literal[NoteType.SERVICE_MESSAGE] = NoteType.SERVICE_MESSAGE
    params: ServiceMessageNoteParams | None = None


class ExtendedServiceMessageNote(Note):
    """A service message shown expanded in the card."""

    note_type: Literal[NoteType.EXTENDED_SERVICE_MESSAGE] = NoteType.EXTENDED_SERVICE_MESSAGE
    params: ServiceMessageNoteParams | None = None


class MessageCashierNote(Note):
    """A cashier message (``status`` is a :class:`MessageCashierStatus`)."""

    note_type: Literal[NoteType.MESSAGE_CASHIER] = NoteType.MESSAGE_CASHIER
    params: MessageCashierNoteParams | None = None


class InvoicePaidNote(Note):
    """An invoice was paid."""

    note_type: Literal[NoteType.INVOICE_PAID] = NoteType.INVOICE_PAID
    params: PaymentNoteParams | None = None


class BillPaidNote(Note):
    """A bill was paid (fires the Digital Pipeline's "invoice paid" trigger)."""

    note_type: Literal[NoteType.BILL_PAID] = NoteType.BILL_PAID
    params: PaymentNoteParams | None = None


class GeolocationNote(Note):
    """A place, with an address and coordinates."""

    note_type: Literal[NoteType.GEOLOCATION] = NoteType.GEOLOCATION
    params: GeolocationNoteParams | None = None


class AttachmentNote(Note):
    """A file attached from the account's drive."""

    note_type: Literal[NoteType.ATTACHMENT] = NoteType.ATTACHMENT
    params: AttachmentNoteParams | None = None


class TargetingNote(Note):
    """Base of :class:`TargetingInNote` and :class:`TargetingOutNote`."""

    params: TargetingNoteParams | None = None


class TargetingInNote(TargetingNote):
    """A contact joined an ad audience."""

    note_type: Literal[NoteType.TARGETING_IN] = NoteType.TARGETING_IN


class TargetingOutNote(TargetingNote):
    """A contact left an ad audience."""

    note_type: Literal[NoteType.TARGETING_OUT] = NoteType.TARGETING_OUT


class SiteVisitNote(Note):
    """A visit to the company's site."""

    note_type: Literal[NoteType.SITE_VISIT] = NoteType.SITE_VISIT
    params: UrlNoteParams | None = None


class ZoomMeetingNote(Note):
    """A Zoom meeting and its recordings."""

    note_type: Literal[NoteType.ZOOM_MEETING] = NoteType.ZOOM_MEETING
    params: ZoomMeetingNoteParams | None = None


class AiResultNote(Note):
    """What an AI assistant answered."""

    note_type: Literal[NoteType.AI_RESULT] = NoteType.AI_RESULT
    params: AiResultNoteParams | None = None


class AmomailMessageNote(Note):
    """A mail of the built-in mail client (read-only)."""

    read_only_type = True
    note_type: Literal[NoteType.AMOMAIL_MESSAGE] = NoteType.AMOMAIL_MESSAGE
    params: AmomailMessageNoteParams | None = None


class ChatNote(Note):
    """A chat message (deprecated by amoCRM; read-only). ``params`` is kept as sent."""

    read_only_type = True
    note_type: Literal[NoteType.CHAT] = NoteType.CHAT
    params: dict[str, Any] | None = None


class TransactionNote(Note):
    """A customer's transaction (read-only)."""

    read_only_type = True
    note_type: Literal[NoteType.TRANSACTION] = NoteType.TRANSACTION
    params: TransactionNoteParams | None = None


class DropboxNote(Note):
    """A Dropbox attachment (read-only)."""

    read_only_type = True
    note_type: Literal[NoteType.DROPBOX] = NoteType.DROPBOX
    params: DropboxNoteParams | None = None


class LinkFollowedNote(Note):
    """A contact followed a link (read-only)."""

    read_only_type = True
    note_type: Literal[NoteType.LINK_FOLLOWED] = NoteType.LINK_FOLLOWED
    params: UrlNoteParams | None = None


_TYPED: tuple[type[Note], ...] = (
    CommonNote,
    AttachmentNote,
    CallInNote,
    CallOutNote,
    AmomailMessageNote,
    ChatNote,
    SiteVisitNote,
    TargetingInNote,
    TargetingOutNote,
    TransactionNote,
    ServiceMessageNote,
    MessageCashierNote,
    InvoicePaidNote,
    GeolocationNote,
    SmsInNote,
    SmsOutNote,
    ExtendedServiceMessageNote,
    ZoomMeetingNote,
    DropboxNote,
    LinkFollowedNote,
    BillPaidNote,
    AiResultNote,
)

_ABSTRACT: frozenset[type[Note]] = frozenset({Note, CallNote, SmsNote, TargetingNote})

NOTES_BY_TYPE: Mapping[str, type[Note]] = {
    cls.model_fields["note_type"].default: cls for cls in _TYPED
}
"""The class of each of the 22 known ``note_type`` codes (keys are :class:`NoteType` members)."""


def _reject_known_type(note_type: str | None) -> str | None:
    typed = NOTES_BY_TYPE.get(note_type) if note_type is not None else None
    if typed is not None:
        raise ValueError(f"note_type {note_type!r} has a typed model ({typed.__name__})")
    return note_type


class GenericNote(Note):
    """A note of a type this SDK does not know; ``params`` stay a plain dict.

    Known types never land here (``GenericNote(note_type="common")`` is an error). It is
    written as it is, so a note of a newer type can be read and sent back.
    """

    note_type: Annotated[str | None, AfterValidator(_reject_known_type)] = None
    params: dict[str, Any] | None = None
