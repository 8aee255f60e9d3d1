"""Notes: the public samples and every one of the 22 note types parse into their own class and
serialise back; unknown types stay readable; writes follow the model write rules."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from amocrm_async.models import (
    NOTES_BY_TYPE,
    READ_ONLY_NOTE_TYPES,
    AiResultNote,
    AmomailMessageNote,
    AttachmentNote,
    AttachmentNoteParams,
    BillPaidNote,
    CallInNote,
    CallNote,
    CallNoteParams,
    CallOutNote,
    CallStatus,
    ChatNote,
    CommonNote,
    CommonNoteParams,
    DropboxNote,
    ExtendedServiceMessageNote,
    GenericNote,
    GeolocationNote,
    GeolocationNoteParams,
    InvoicePaidNote,
    LinkFollowedNote,
    MessageCashierNote,
    MessageCashierStatus,
    Note,
    NoteType,
    ServiceMessageNote,
    SiteVisitNote,
    SmsInNote,
    SmsNote,
    SmsOutNote,
    TargetingInNote,
    TargetingOutNote,
    TargetingService,
    TransactionNote,
    ZoomMeetingNote,
    collection_adapter,
)

from ..samples import sample

READ_ONLY_KEYS = ("updated_at", "group_id", "account_id", "is_pinned", "_links")
CREATE_ONLY_KEYS = ("created_at", "created_by", "updated_by")


def envelope(note_type: str, params: dict[str, Any] | None, **extra: Any) -> dict[str, Any]:
    """A note as amoCRM lists it: the envelope of the public call_in sample."""
    body = dict(sample("notes", "call_in_note"))
    body.update(note_type=note_type, params=params, **extra)
    if params is None:
        del body["params"]
    return body


def dump(note: Note) -> dict[str, Any]:
    """What was read, as JSON: every field that came in, nothing that did not."""
    return note.model_dump(mode="json", by_alias=True, exclude_unset=True)


def write_of(body: dict[str, Any], read_only_params: tuple[str, ...] = ()) -> dict[str, Any]:
    """The write payload of a read note: no read-only or create-only keys (it has an id)."""
    out = {k: v for k, v in body.items() if k not in READ_ONLY_KEYS + CREATE_ONLY_KEYS}
    if "params" in out:
        out["params"] = {k: v for k, v in out["params"].items() if k not in read_only_params}
    return out


# (note_type, class, params as amoCRM sends them — the keys PHP's NoteType/*::fromArray reads)
TYPES: list[tuple[str, type[Note], dict[str, Any] | None]] = [
    ("common", CommonNote, {"text": "Клиент просил перезвонить"}),
    (
        "attachment",
        AttachmentNote,
        {
            "version_uuid": "1e8f1c6a-0b4d-4b8e-9a55-0e4a1f0c2d10",
            "file_uuid": "7a1d2b3c-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
            "file_name": "Договор.pdf",
            "original_name": "Договор.pdf",
            "is_drive_attachment": True,
        },
    ),
    ("call_in", CallInNote, sample("notes", "call_in_note")["params"]),
    (
        "call_out",
        CallOutNote,
        {
            "uniq": "8f52d38a-5fb3-406d-93a3-a4832dc28f8b",
            "duration": 60,
            "source": "onlinePBX",
            "link": "https://example.com",
            "phone": "+79999999999",
            "call_result": "Перезвонить",
            "call_status": 2,
            "call_responsible": 504141,
        },
    ),
    (
        "amomail_message",
        AmomailMessageNote,
        {
            "thread_id": 18015,
            "message_id": 31312,
            "private": False,
            "income": True,
            "from": {"email": "client@example.com", "name": "Клиент"},
            "to": {"email": "sales@example.com", "name": "Отдел продаж"},
            "subject": "Коммерческое предложение",
            "content_summary": "Добрый день! Высылаю…",
            "attach_cnt": 1,
            "delivery": {"status": "delivered", "time": 1587731353},
        },
    ),
    ("chat", ChatNote, None),
    ("site_visit", SiteVisitNote, {"url": "https://example.com/pricing"}),
    (
        "targeting_in",
        TargetingInNote,
        {"service": "facebook", "campaign": "Весенняя акция", "contacts": [1, 2]},
    ),
    (
        "targeting_out",
        TargetingOutNote,
        {"service": "vkontakte", "campaign": "Ретаргетинг", "contacts": [3]},
    ),
    ("transaction", TransactionNote, {"transaction_id": 412}),
    ("service_message", ServiceMessageNote, {"service": "Мой сервис", "text": "Оплата получена"}),
    ("message_cashier", MessageCashierNote, {"status": "created", "text": "Чек создан"}),
    (
        "invoice_paid",
        InvoicePaidNote,
        {"service": "Банк", "text": "Счёт оплачен", "icon_url": "https://example.com/i.png"},
    ),
    (
        "geolocation",
        GeolocationNote,
        {
            "text": "Примечание: геолокация",
            "address": "ул. Пушкина, дом Колотушкина, квартира Вольнова",
            "longitude": "53.714816",
            "latitude": "91.423146",
        },
    ),
    ("sms_in", SmsInNote, {"text": "Спасибо, получил", "phone": "+79990001122"}),
    ("sms_out", SmsOutNote, {"text": "Ваш заказ готов", "phone": "+79990001122"}),
    (
        "extended_service_message",
        ExtendedServiceMessageNote,
        {"service": "Мой сервис", "text": "Подробный отчёт"},
    ),
    (
        "zoom_meeting",
        ZoomMeetingNote,
        {
            "conference": {"id": "85012345678", "topic": "Демо"},
            "recordings": [{"url": "https://zoom.example/rec/1", "duration": 1800}],
        },
    ),
    ("dropbox_attachment", DropboxNote, {"link": "https://dropbox.example/f", "filename": "a.pdf"}),
    ("link_followed", LinkFollowedNote, {"url": "https://example.com/offer"}),
    (
        "bill_paid",
        BillPaidNote,
        {"service": "Банк", "text": "Счёт №154 оплачен", "icon_url": "https://example.com/i.png"},
    ),
    (
        "ai_result",
        AiResultNote,
        {"text": "Клиент готов к сделке", "answer_id": "a-17", "talk_id": 88, "is_error": False},
    ),
]
READ_ONLY_PARAMS = {"attachment": ("original_name", "is_drive_attachment")}


def test_there_are_22_note_types_each_with_its_class() -> None:
    assert len(NoteType) == len(NOTES_BY_TYPE) == len(TYPES) == 22
    assert {kind for kind, _, _ in TYPES} == set(NoteType) == set(NOTES_BY_TYPE)
    assert all(NOTES_BY_TYPE[kind] is cls for kind, cls, _ in TYPES)
    assert {
        "amomail_message",
        "chat",
        "transaction",
        "dropbox_attachment",
        "link_followed",
    } == READ_ONLY_NOTE_TYPES


@pytest.mark.parametrize(("note_type", "cls", "params"), TYPES, ids=[t[0] for t in TYPES])
def test_each_type_parses_into_its_class_and_round_trips(
    note_type: str, cls: type[Note], params: dict[str, Any] | None
) -> None:
    body = envelope(note_type, params)
    note = Note.model_validate_json(json.dumps(body))
    assert type(note) is cls
    assert note.note_type == note_type and isinstance(note.note_type, NoteType)
    assert dump(note) == body
    assert type(cls.model_validate(body)) is cls  # the concrete class parses it as well
    if note_type in READ_ONLY_NOTE_TYPES:
        with pytest.raises(ValueError, match=f"is read-only: amoCRM does not accept .*{note_type}"):
            note.to_api()
    else:
        assert note.to_api() == write_of(body, READ_ONLY_PARAMS.get(note_type, ()))


def test_the_public_call_in_sample_is_typed() -> None:
    note = Note.model_validate(sample("notes", "call_in_note"))
    assert isinstance(note, CallInNote) and isinstance(note.params, CallNoteParams)
    assert note.params.call_status is CallStatus.SUCCESS_CONVERSATION
    assert (note.entity_id, note.params.duration, note.params.phone) == (
        8694432,
        130,
        "+7912312321",
    )
    assert (note.account_id, note.group_id, note.updated_at) == (123, 0, 1587731353)


def test_the_sample_php_rejects_parses_but_is_not_taken_for_more() -> None:
    """PHP throws TypeError on ``entity_id: null``; we read it, keeping the stray param."""
    body = sample("notes", "note_without_entity_id")
    note = Note.model_validate(body)
    assert isinstance(note, CallInNote) and note.entity_id is None
    assert note.params is not None and note.params.model_extra == {"text": "123123"}
    assert dump(note) == body
    assert note.to_api() == {
        "id": 0,
        "note_type": "call_in",
        "responsible_user_id": 1,
        "params": {},
    }


def test_the_add_request_sample_is_what_to_api_sends() -> None:
    [item] = sample("notes", "common_note_add_request")
    note = Note.model_validate({**item, "entity_id": 8694432})
    assert isinstance(note, CommonNote)
    assert note.to_api() == {**item, "entity_id": 8694432}
    built = CommonNote(entity_id=8694432, params=CommonNoteParams(text=item["params"]["text"]))
    assert built.to_api() == note.to_api()
    # the sample posts to /leads/{id}/notes; the SDK posts to /leads/notes, which needs the id
    with pytest.raises(ValueError, match=r"CommonNote\.entity_id: a new note needs"):
        Note.model_validate(item).to_api()


def test_a_page_of_mixed_types() -> None:
    items = [envelope(kind, params, id=1000 + i) for i, (kind, _, params) in enumerate(TYPES)]
    body = {"_page": 1, "_links": {}, "_embedded": {"notes": items}}
    page = collection_adapter("notes", Note).validate_json(json.dumps(body))
    assert [type(note) for note in page.items] == [cls for _, cls, _ in TYPES]


def test_an_unknown_type_is_generic_and_written_as_it_is() -> None:
    body = envelope("whatsapp_voice", {"duration": 12, "nested": {"a": [1]}})
    note = Note.model_validate(body)
    assert isinstance(note, GenericNote)
    assert (note.note_type, note.params) == (
        "whatsapp_voice",
        {"duration": 12, "nested": {"a": [1]}},
    )
    assert dump(note) == body
    assert note.to_api() == write_of(body)
    missing = {k: v for k, v in body.items() if k != "note_type"}
    assert type(Note.model_validate(missing)) is GenericNote


def test_a_known_type_with_bad_params_is_an_error_not_a_generic_note() -> None:
    body = envelope("call_in", {"duration": "long"})
    with pytest.raises(ValidationError) as caught:
        collection_adapter("notes", Note).validate_python({"_embedded": {"notes": [body]}})
    assert caught.value.errors()[0]["loc"] == ("_embedded", "notes", 0, "params", "duration")
    with pytest.raises(ValidationError, match="has a typed model"):
        GenericNote(note_type="common")


def test_bases_are_not_constructed_but_parse_into_their_types() -> None:
    for base in (Note, CallNote, SmsNote):
        with pytest.raises(TypeError, match="is a base of the note types"):
            base(entity_id=1)
    assert type(CallNote.model_validate({"note_type": "call_out"})) is CallOutNote
    assert type(SmsNote.model_validate({"note_type": "sms_in"})) is SmsInNote
    with pytest.raises(ValidationError, match="note_type 'common' is not a CallNote"):
        CallNote.model_validate({"note_type": "common"})
    with pytest.raises(ValidationError):
        CallInNote.model_validate({"note_type": "call_out"})
    already = CommonNote(entity_id=1)
    assert Note.model_validate(already) is already


def test_enums_and_lenient_codes() -> None:
    assert [status.value for status in CallStatus] == list(range(1, 9))
    known = CallNoteParams.model_validate({"call_status": 7, "call_responsible": "504141"})
    assert known.call_status is CallStatus.FAIL_BUSY
    assert known.call_responsible == "504141"  # a name, not a user id: never turned into one
    unknown = CallNoteParams.model_validate({"call_status": 99, "call_responsible": 504141})
    assert (type(unknown.call_status), unknown.call_status, unknown.call_responsible) == (
        int,
        99,
        504141,
    )
    cashier = Note.model_validate(envelope("message_cashier", {"status": "refunded"}))
    assert isinstance(cashier, MessageCashierNote) and cashier.params is not None
    assert cashier.params.status == "refunded"
    shown = MessageCashierNote.model_validate({"params": {"status": "shown"}}).params
    assert shown is not None and shown.status is MessageCashierStatus.SHOWN
    targeting = Note.model_validate(envelope("targeting_in", {"service": "adwords"}))
    assert isinstance(targeting, TargetingInNote) and targeting.params is not None
    assert targeting.params.service is TargetingService.ADWORDS


def test_writes_send_only_what_an_api_write_takes() -> None:
    new = CallOutNote(
        entity_id=5,
        created_by=7,
        params=CallNoteParams(
            uniq="u-1",
            duration=30,
            source="pbx",
            phone="+7999",
            call_status=CallStatus.SUCCESS_CONVERSATION,
        ),
    )
    assert new.to_api() == {
        "entity_id": 5,
        "created_by": 7,
        "note_type": "call_out",
        "params": {
            "uniq": "u-1",
            "duration": 30,
            "source": "pbx",
            "phone": "+7999",
            "call_status": 4,
        },
    }
    read = Note.model_validate(envelope("attachment", TYPES[1][2], is_pinned=True))
    assert isinstance(read, AttachmentNote) and isinstance(read.params, AttachmentNoteParams)
    payload = read.to_api()
    assert {"is_pinned", "account_id", "group_id", "updated_at", "created_by"}.isdisjoint(payload)
    assert set(payload["params"]) == {"version_uuid", "file_uuid", "file_name"}
    geo = GeolocationNote(entity_id=1, params=GeolocationNoteParams(latitude=55.75, longitude=37))
    assert geo.to_api()["params"] == {"latitude": "55.75", "longitude": "37"}
    with pytest.raises(ValueError, match="a new note needs the id"):
        SmsOutNote().to_api()
    with pytest.raises(ValidationError):
        new.entity_id = "five"  # type: ignore[assignment]
