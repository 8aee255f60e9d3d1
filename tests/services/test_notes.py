"""Notes: the contract for the notes of leads, contacts, companies and customers, plus what is
special — typed items off the wire, the notes of one entity, the filter, read-only types, the
fake."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.filters import NotesFilter, Range
from amocrm_async.models import (
    CallInNote,
    CallNoteParams,
    CallOutNote,
    CallStatus,
    CommonNote,
    CommonNoteParams,
    GenericNote,
    GeolocationNote,
    GeolocationNoteParams,
    Note,
    NoteType,
    SmsNoteParams,
    SmsOutNote,
    TransactionNote,
)
from amocrm_async.services import NotesService
from amocrm_async.testing import FakeAmoCRM

from ..samples import sample
from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio

FIRST_LEAD, FIRST_CONTACT, FIRST_COMPANY = 10_000_001, 20_000_001, 30_000_001
FIRST_CUSTOMER = 50_000_001
"""The first ids the fake gives (the contract's fake is seeded with three of each)."""


def note_spec(entity: str, entity_id: int) -> ServiceSpec:
    return ServiceSpec(
        f"{entity}.notes",
        make=lambda i: CommonNote(
            entity_id=entity_id, params=CommonNoteParams(text=f"Note #{i} about {entity}")
        ),
        change=lambda note: setattr(note.params, "text", "Called back, all agreed"),
    )


class TestLeadNotesContract(ServiceContract):
    spec = note_spec("leads", FIRST_LEAD)


class TestContactNotesContract(ServiceContract):
    spec = note_spec("contacts", FIRST_CONTACT)


class TestCompanyNotesContract(ServiceContract):
    spec = note_spec("companies", FIRST_COMPANY)


class TestCustomerNotesContract(ServiceContract):
    spec = note_spec("customers", FIRST_CUSTOMER)

    @pytest.fixture
    async def on_fake(self) -> AsyncIterator[AmoCRMClient]:
        """The contract's fake, with customers to write notes on."""
        fake = FakeAmoCRM()
        fake.seed(customers=3)
        async with AmoCRMClient(
            fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
        ) as client:
            yield client


def test_one_class_for_every_entity_and_its_declaration() -> None:
    for entity in ("leads", "contacts", "companies", "customers"):
        assert note_spec(entity, 1).service_class() is NotesService
    assert NotesService.embedded_key == "notes"
    assert frozenset({"is_pinned"}) == NotesService.with_allowed


# ----------------------------------------------------------------------------------------------
# Over the wire (respx)
# ----------------------------------------------------------------------------------------------


def page_of(*items: dict[str, Any], page: int = 1, more: bool = False) -> dict[str, Any]:
    links: dict[str, Any] = {
        "self": {"href": f"https://acme.amocrm.ru/api/v4/leads/notes?page={page}"}
    }
    if more:
        links["next"] = {"href": f"https://acme.amocrm.ru/api/v4/leads/notes?page={page + 1}"}
    return {"_page": page, "_links": links, "_embedded": {"notes": list(items)}}


async def test_items_come_back_typed(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    call_in = sample("notes", "call_in_note")
    other = {**call_in, "id": 2, "note_type": "some_future_type", "params": {"x": 1}}
    router.get("/api/v4/contacts/notes").respond(200, json=page_of(call_in, other))
    router.get("/api/v4/contacts/notes/1254829").respond(200, json=call_in)
    page = await amo.contacts.notes.get()
    assert [type(note) for note in page] == [CallInNote, GenericNote]
    one = await amo.contacts.notes.get_one(1254829)
    assert isinstance(one, CallInNote) and one.params is not None
    assert one.params.call_status is CallStatus.SUCCESS_CONVERSATION


async def test_filter_goes_on_the_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get("/api/v4/leads/notes").respond(204)
    await amo.leads.notes.get(
        NotesFilter(note_types=[NoteType.CALL_IN], updated_at=Range(from_=1_700_000_000)),
        limit=10,
        with_=["is_pinned"],
    )
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[note_type][0]", "call_in"),
        ("filter[updated_at][from]", "1700000000"),
        ("limit", "10"),
        ("page", "1"),
        ("with", "is_pinned"),
    ]


async def test_get_by_parent_id_lists_the_notes_of_one_entity(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    first = {**sample("notes", "call_in_note"), "id": 1}
    pages = {"1": page_of(first, more=True), "2": page_of({**first, "id": 2}, page=2)}
    route = router.get("/api/v4/companies/42/notes").mock(
        side_effect=lambda request: httpx.Response(200, json=pages[request.url.params["page"]])
    )
    page = await amo.companies.notes.get_by_parent_id(
        42, NotesFilter(note_types="call_in", order=("id", "desc")), limit=1
    )
    assert [note.id for note in page] == [1] and page.has_next
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[note_type][0]", "call_in"),
        ("order[id]", "desc"),
        ("limit", "1"),
        ("page", "1"),
    ]
    assert [n.id async for n in amo.companies.notes.iterate_by_parent_id(42, limit=1)] == [1, 2]
    with pytest.raises(ValueError, match="entity id must be a positive int"):
        await amo.companies.notes.get_by_parent_id(0)


async def test_add_sends_typed_params_and_maps_ids_back(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    def answer(request: Any) -> httpx.Response:
        sent = json.loads(request.content)
        items = [{"id": 500 + i, "request_id": n["request_id"]} for i, n in enumerate(sent)]
        return httpx.Response(200, json={"_embedded": {"notes": items}})

    route = router.post("/api/v4/leads/notes").mock(side_effect=answer)
    call = CallOutNote(
        entity_id=7,
        params=CallNoteParams(uniq="u1", duration=42, source="pbx", phone="+7999", call_status=4),
    )
    sms = SmsOutNote(entity_id=7, params=SmsNoteParams(text="Ваш заказ готов", phone="+7999"))
    await amo.leads.notes.add([call, sms])
    sent = json.loads(route.calls.last.request.content)
    assert [(n["note_type"], n["params"]) for n in sent] == [
        (
            "call_out",
            {"uniq": "u1", "duration": 42, "source": "pbx", "phone": "+7999", "call_status": 4},
        ),
        ("sms_out", {"text": "Ваш заказ готов", "phone": "+7999"}),
    ]
    assert (call.id, sms.id) == (500, 501)


async def test_read_only_types_are_refused_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    transaction = TransactionNote(id=3, entity_id=1)
    with pytest.raises(ValueError, match="TransactionNote is read-only"):
        await amo.leads.notes.update_one(transaction)
    with pytest.raises(ValueError, match="a new note needs the id"):
        await amo.leads.notes.add_one(CommonNote(params=CommonNoteParams(text="x")))
    assert not router.calls


# ----------------------------------------------------------------------------------------------
# End to end against the fake amoCRM
# ----------------------------------------------------------------------------------------------


async def test_seeded_notes_read_typed_through_every_service(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    seeded = fake.seed(leads=20, contacts=10, companies=5, notes=300)
    read = [
        note
        for service in (on_fake.leads.notes, on_fake.contacts.notes, on_fake.companies.notes)
        async for note in service.iterate(limit=100)
    ]
    assert sorted(note.id or 0 for note in read) == sorted(seeded.notes)
    assert all(isinstance(note, Note) and not isinstance(note, GenericNote) for note in read)
    assert {note.note_type for note in read} >= {"common", "call_in", "call_out", "amomail_message"}
    calls = [n.params for n in read if isinstance(n, CallInNote | CallOutNote)]
    assert calls and all(params is not None and params.uniq for params in calls)


async def test_notes_of_one_lead_with_filters(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    lead, other = fake.seed(leads=2).leads
    notes = on_fake.leads.notes
    written = await notes.add(
        [
            CommonNote(entity_id=lead, params=CommonNoteParams(text="first")),
            GeolocationNote(
                entity_id=lead,
                params=GeolocationNoteParams(address="Москва", latitude="55.7", longitude="37.6"),
            ),
            CommonNote(entity_id=other, params=CommonNoteParams(text="elsewhere")),
        ]
    )
    ids = [note.id for note in written]
    assert [n.id async for n in notes.iterate_by_parent_id(lead)] == ids[:2]
    only_geo = await notes.get_by_parent_id(lead, NotesFilter(note_types=NoteType.GEOLOCATION))
    assert [type(n) for n in only_geo] == [GeolocationNote]
    newest_first = await notes.get(NotesFilter(order=("id", "desc"), entity_ids=[lead, other]))
    assert [n.id for n in newest_first] == ids[::-1]
    assert len(await on_fake.contacts.notes.get()) == 0


async def test_update_and_sync_one_keep_the_type(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    [contact] = fake.seed(contacts=1).contacts
    notes = on_fake.contacts.notes
    note = CallInNote(
        entity_id=contact, params=CallNoteParams(uniq="u", duration=5, source="pbx", phone="+7900")
    )
    assert await notes.add_one(note) is note and note.id is not None
    note.params = CallNoteParams(uniq="u", duration=5, source="pbx", phone="+7900", call_status=7)
    await notes.update([note])
    fresh = await notes.get_one(note.id)
    assert isinstance(fresh, CallInNote) and fresh.params is not None
    assert fresh.params.call_status is CallStatus.FAIL_BUSY
    local = CallInNote(id=note.id, params=CallNoteParams(call_result="Занято"))
    synced = await notes.sync_one(local)
    assert isinstance(synced, CallInNote) and synced.params is not None
    assert (synced.params.call_result, synced.params.phone) == ("Занято", "+7900")
    await notes.update_one(synced)
    stored = fake.entity("notes", note.id)
    assert stored is not None and stored["params"]["call_result"] == "Занято"


async def test_customers_have_notes_too(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    [customer] = fake.seed(customers=1).customers
    assert isinstance(on_fake.customers.notes, NotesService)
    note = SmsOutNote(entity_id=customer, params=SmsNoteParams(text="Бонусы начислены", phone="+7"))
    await on_fake.customers.notes.add([note])
    assert note.id is not None
    [read] = (await on_fake.customers.notes.get_by_parent_id(customer)).items
    assert isinstance(read, SmsOutNote) and read.params == note.params
    assert len(await on_fake.leads.notes.get()) == 0


async def test_pin_and_unpin_post_an_empty_body(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    pin = router.post("/api/v4/leads/notes/7/pin").respond(204)
    unpin = router.post("/api/v4/leads/notes/7/unpin").respond(204)
    await amo.leads.notes.pin(7)
    await amo.leads.notes.unpin(CommonNote(id=7, entity_id=1))
    assert pin.call_count == unpin.call_count == 1
    assert pin.calls.last.request.content == b""
    with pytest.raises(ValueError, match="id"):
        await amo.leads.notes.pin(CommonNote(entity_id=1))
    with pytest.raises(ValueError, match="positive"):
        await amo.leads.notes.pin(0)


async def test_a_pinned_note_reads_is_pinned(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    (lead,) = fake.seed(leads=1).leads
    notes = on_fake.leads.notes
    note = await notes.add_one(CommonNote(entity_id=lead, params=CommonNoteParams(text="x")))
    assert note.id is not None
    await notes.pin(note)
    assert (await notes.get_one(note.id, with_=["is_pinned"])).is_pinned is True
    assert (await notes.get_one(note.id)).is_pinned is None
    await notes.unpin(note.id)
    assert (await notes.get_one(note.id, with_=["is_pinned"])).is_pinned is False
    with pytest.raises(errors.NotFoundError):
        await on_fake.contacts.notes.pin(note.id)  # a lead's note is no contact's
