"""The fake's notes: wire shapes against the public samples, one store seen per entity type,
validation with amoCRM's error shapes, NotesFilter semantics, the notes of one entity, seeding."""

from __future__ import annotations

from collections import Counter
from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM, VirtualClock

from ..samples import sample

pytestmark = pytest.mark.anyio

BASE = "https://acme.amocrm.ru"
DAY = 86_400
CALL = {"uniq": "u-1", "duration": 60, "source": "pbx", "phone": "+79990001122"}


def issues_of(response: httpx.Response) -> list[tuple[str, str, str]]:
    assert response.status_code == 400, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return [
        (entry["request_id"], error["code"], error["path"])
        for entry in response.json()["validation-errors"]
        for error in entry["errors"]
    ]


def ids_of(response: httpx.Response) -> list[int]:
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    return [note["id"] for note in response.json()["_embedded"]["notes"]]


def common(entity_id: int, text: str = "Перезвонить", **fields: Any) -> dict[str, Any]:
    return {"entity_id": entity_id, "note_type": "common", "params": {"text": text}, **fields}


async def create(api: httpx.AsyncClient, entity: str, *notes: dict[str, Any]) -> list[int]:
    response = await api.post(f"/api/v4/{entity}/notes", json=list(notes))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["_embedded"]["notes"]]


# ----------------------------------------------------------------------------------------------
# Golden: the public samples
# ----------------------------------------------------------------------------------------------


async def test_the_call_in_sample_is_stored_and_rendered_with_its_keys(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    [lead] = fake.seed(leads=1).leads
    read = sample("notes", "call_in_note")
    written = {key: read[key] for key in ("note_type", "params", "created_at")}
    response = await api.post("/api/v4/leads/notes", json=[{**written, "entity_id": lead}])
    assert response.status_code == 200, response.text
    body = response.json()
    [created] = body["_embedded"]["notes"]
    assert set(created) == {"id", "request_id", "_links"} and created["request_id"] == "0"
    assert created["_links"]["self"]["href"] == f"{BASE}/api/v4/leads/notes/{created['id']}"
    assert body["_links"]["self"]["href"] == f"{BASE}/api/v4/leads/notes"
    rendered = (await api.get(f"/api/v4/leads/notes/{created['id']}")).json()
    assert set(rendered) == set(read) | {"_links"}
    assert (rendered["params"], rendered["created_at"]) == (read["params"], read["created_at"])
    assert (rendered["entity_id"], rendered["account_id"]) == (lead, fake.account_id)
    assert fake.stats.entities_created["notes"] == 1


async def test_the_add_request_sample_on_the_entity_list(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    [lead] = fake.seed(leads=1).leads
    [item] = sample("notes", "common_note_add_request")
    [note_id] = await create(api, "leads", {**item, "entity_id": lead})
    stored = fake.entity("notes", note_id)
    assert stored is not None and stored["params"] == item["params"]
    assert (stored["note_type"], stored["group_id"]) == ("common", 0)


# ----------------------------------------------------------------------------------------------
# One store, seen per entity type
# ----------------------------------------------------------------------------------------------


async def test_notes_are_found_only_under_their_entity_type(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    seeded = fake.seed(leads=1, contacts=1)
    [lead_note] = await create(api, "leads", common(seeded.leads[0]))
    [contact_note] = await create(api, "contacts", common(seeded.contacts[0], "Контакт"))
    assert ids_of(await api.get("/api/v4/leads/notes")) == [lead_note]
    assert ids_of(await api.get("/api/v4/contacts/notes")) == [contact_note]
    assert (await api.get(f"/api/v4/leads/notes/{contact_note}")).status_code == 204
    one = (await api.get(f"/api/v4/contacts/notes/{contact_note}")).json()
    assert one["_links"]["self"]["href"] == f"{BASE}/api/v4/contacts/notes/{contact_note}"
    assert (await api.patch(f"/api/v4/leads/notes/{contact_note}", json={})).status_code == 400
    moved = await api.patch(f"/api/v4/leads/notes/{contact_note}", json={"params": {"text": "x"}})
    assert moved.status_code == 404
    batch = await api.patch("/api/v4/leads/notes", json=[{"id": contact_note}])
    assert issues_of(batch) == [("0", "NotSupportedChoice", "id")]
    assert {n["id"] for n in fake.entities("notes")} == {lead_note, contact_note}
    assert fake.count("notes") == 2
    # the entity of the path must be of that type
    wrong = await api.post("/api/v4/companies/notes", json=[common(seeded.leads[0])])
    assert issues_of(wrong) == [("0", "NotSupportedChoice", "entity_id")]


async def test_the_notes_of_one_entity(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    first, second = fake.seed(leads=2).leads
    mine = await create(api, "leads", *(common(first, f"n{i}") for i in range(3)))
    await create(api, "leads", common(second))
    page = await api.get(f"/api/v4/leads/{first}/notes", params={"limit": 2})
    assert ids_of(page) == mine[:2]
    assert (
        page.json()["_links"]["next"]["href"] == f"{BASE}/api/v4/leads/{first}/notes?limit=2&page=2"
    )
    assert ids_of(await api.get(f"/api/v4/leads/{first}/notes?limit=2&page=2")) == mine[2:]
    # a filter[entity_id] of the query does not widen the path's entity
    widened = await api.get(f"/api/v4/leads/{first}/notes?filter[entity_id][]={second}")
    assert ids_of(widened) == mine
    assert (await api.get("/api/v4/leads/1/notes")).status_code == 204
    one = await api.get(f"/api/v4/leads/{first}/notes/{mine[0]}")
    assert one.json()["id"] == mine[0]
    assert (await api.get(f"/api/v4/leads/{second}/notes/{mine[0]}")).status_code == 204
    patched = await api.patch(
        f"/api/v4/leads/{first}/notes/{mine[0]}", json={"params": {"text": "!"}}
    )
    assert patched.status_code == 200
    assert (
        await api.patch(f"/api/v4/leads/{second}/notes/{mine[0]}", json={"params": {"text": "?"}})
    ).status_code == 404
    stored = fake.entity("notes", mine[0])
    assert stored is not None and stored["params"] == {"text": "!"}


# ----------------------------------------------------------------------------------------------
# Writes
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        ({"note_type": "common", "params": {"text": "x"}}, "NotBlank", "entity_id"),
        ({"entity_id": "LEAD", "params": {"text": "x"}}, "NotBlank", "note_type"),
        ({**common(0), "entity_id": "5"}, "InvalidType", "entity_id"),
        ({**common(0), "entity_id": 1}, "NotSupportedChoice", "entity_id"),
        ({**common(0), "note_type": "voice"}, "NotSupportedChoice", "note_type"),
        ({**common(0), "note_type": "amomail_message"}, "NotSupportedChoice", "note_type"),
        ({**common(0), "note_type": 4}, "InvalidType", "note_type"),
        ({**common(0), "params": "text"}, "InvalidType", "params"),
        ({**common(0), "params": {}}, "NotBlank", "params.text"),
        ({**common(0), "params": {"text": 5}}, "InvalidType", "params.text"),
        ({**common(0), "params": {"text": "x", "phone": "1"}}, "FieldNotExpected", "params.phone"),
        ({"entity_id": "LEAD", "note_type": "common"}, "NotBlank", "params"),
        (
            {"entity_id": "LEAD", "note_type": "call_in", "params": {**CALL, "call_status": 9}},
            "NotSupportedChoice",
            "params.call_status",
        ),
        (
            {"entity_id": "LEAD", "note_type": "call_out", "params": {**CALL, "duration": -1}},
            "InvalidType",
            "params.duration",
        ),
        (
            {"entity_id": "LEAD", "note_type": "sms_out", "params": {"text": "x", "uniq": "1"}},
            "FieldNotExpected",
            "params.uniq",
        ),
        (
            {
                "entity_id": "LEAD",
                "note_type": "message_cashier",
                "params": {"status": "paid", "text": "x"},
            },
            "NotSupportedChoice",
            "params.status",
        ),
        ({**common(0), "responsible_user_id": 1}, "NotSupportedChoice", "responsible_user_id"),
        (
            {**common(0), "is_need_to_trigger_digital_pipeline": "yes"},
            "InvalidType",
            "is_need_to_trigger_digital_pipeline",
        ),
        ({**common(0), "text": "v2 style"}, "FieldNotExpected", "text"),
    ],
)
async def test_create_validation(
    fake: FakeAmoCRM, api: httpx.AsyncClient, body: dict[str, Any], code: str, path: str
) -> None:
    [lead] = fake.seed(leads=1).leads
    item = {**body, "entity_id": lead} if body.get("entity_id") in ("LEAD", 0) else body
    response = await api.post("/api/v4/leads/notes", json=[common(lead), item])
    assert (("1", code, path)) in issues_of(response)
    assert [issue for issue in issues_of(response) if issue[0] == "0"] == []
    assert fake.count("notes") == 0  # all or nothing


async def test_call_notes_need_their_main_params(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [lead] = fake.seed(leads=1).leads
    response = await api.post(
        "/api/v4/leads/notes", json=[{"entity_id": lead, "note_type": "call_in", "params": {}}]
    )
    assert sorted(path for _, _, path in issues_of(response)) == [
        "params.duration",
        "params.phone",
        "params.source",
        "params.uniq",
    ]
    ok = await create(
        api,
        "leads",
        {"entity_id": lead, "note_type": "call_in", "params": {**CALL, "call_responsible": "Анна"}},
    )
    assert len(ok) == 1


async def test_every_writable_type_is_accepted(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [company] = fake.seed(companies=1).companies
    params: dict[str, dict[str, Any]] = {
        "common": {"text": "x"},
        "call_in": CALL,
        "call_out": {**CALL, "call_status": 4, "call_result": "ok", "link": "https://r/1.mp3"},
        "service_message": {"service": "s", "text": "x"},
        "extended_service_message": {"service": "s", "text": "x"},
        "message_cashier": {"status": "shown", "text": "x"},
        "invoice_paid": {"text": "x", "service": "bank", "icon_url": "https://i/1.png"},
        "bill_paid": {"text": "x"},
        "geolocation": {"address": "Москва", "latitude": 55.7, "longitude": "37.6"},
        "sms_in": {"text": "x", "phone": "+7"},
        "sms_out": {"text": "x", "phone": "+7"},
        "attachment": {"version_uuid": "v", "file_uuid": "f", "file_name": "a.pdf"},
        "site_visit": {"url": "https://example.com"},
        "targeting_in": {"service": "facebook", "campaign": "c", "contacts": [1]},
        "targeting_out": {"service": "mailchimp"},
        "zoom_meeting": {"conference": {"id": "1"}, "recordings": []},
        "ai_result": {"text": "x", "answer_id": "a", "talk_id": 1, "is_error": False},
    }
    notes = [{"entity_id": company, "note_type": kind, "params": p} for kind, p in params.items()]
    ids = await create(api, "companies", *notes)
    stored = {n["note_type"]: n["params"] for n in fake.entities("notes")}
    assert len(ids) == len(stored) == 17
    assert stored["attachment"] == {
        **params["attachment"],
        "original_name": "a.pdf",
        "is_drive_attachment": True,
    }


async def test_update_merges_params_and_keeps_the_type(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    [lead] = fake.seed(leads=1).leads
    [note_id] = await create(
        api, "leads", {"entity_id": lead, "note_type": "call_out", "params": CALL}
    )
    clock.advance(60)
    response = await api.patch(
        f"/api/v4/leads/notes/{note_id}",
        json={"params": {"call_status": 4}, "is_need_to_trigger_digital_pipeline": True},
    )
    assert response.status_code == 200
    assert set(response.json()) == {"id", "updated_at", "_links"}
    stored = fake.entity("notes", note_id)
    assert stored is not None
    assert stored["params"] == {**CALL, "call_status": 4}
    assert stored["updated_at"] == int(clock.time())
    assert "is_need_to_trigger_digital_pipeline" not in stored
    retyped = await api.patch("/api/v4/leads/notes", json=[{"id": note_id, "note_type": "common"}])
    assert issues_of(retyped) == [("0", "NotSupportedChoice", "note_type")]
    bad = await api.patch("/api/v4/leads/notes", json=[{"id": note_id, "params": {"phone": 1}}])
    assert issues_of(bad) == [("0", "InvalidType", "params.phone")]
    same = await api.patch("/api/v4/leads/notes", json=[{"id": note_id, "note_type": "call_out"}])
    assert same.status_code == 200
    assert fake.stats.entities_updated["notes"] == 2


async def test_request_limits(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [lead] = fake.seed(leads=1).leads
    too_many = await api.post("/api/v4/leads/notes", json=[common(lead)] * 251)
    assert too_many.status_code == 422
    assert (await api.post("/api/v4/leads/notes", json=[])).status_code == 400
    assert (await api.delete("/api/v4/leads/notes")).status_code == 405


# ----------------------------------------------------------------------------------------------
# Lists and filters
# ----------------------------------------------------------------------------------------------


@pytest.fixture
async def notes(fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock) -> dict[str, Any]:
    """Five lead notes of known types, on two leads, written a day apart."""
    first, second = fake.seed(leads=2).leads
    start = int(clock.time())
    rows = [
        common(first, "a"),
        {"entity_id": first, "note_type": "call_in", "params": CALL},
        {"entity_id": second, "note_type": "call_out", "params": CALL},
        {"entity_id": second, "note_type": "sms_out", "params": {"text": "b", "phone": "+7"}},
        common(second, "c"),
    ]
    ids = []
    for row in rows:
        ids.extend(await create(api, "leads", row))
        clock.advance(DAY)
    # the first note changes last
    await api.patch(f"/api/v4/leads/notes/{ids[0]}", json={"params": {"text": "a2"}})
    return {"ids": ids, "start": start, "first": first, "second": second}


FILTER_CASES: list[tuple[str, str, list[int]]] = [
    ("ids", "filter[id][]={ids[1]}&filter[id][]={ids[3]}", [1, 3]),
    ("one note type", "filter[note_type]=common", [0, 4]),
    ("note types", "filter[note_type][0]=call_in&filter[note_type][1]=call_out", [1, 2]),
    ("read-only type, none here", "filter[note_type][]=amomail_message", []),
    ("updated since (a single value)", "filter[updated_at]={day3}", [0, 3, 4]),
    ("updated_at range", "filter[updated_at][from]={day1}&filter[updated_at][to]={day2}", [1, 2]),
    ("entity ids", "filter[entity_id][]={first}", [0, 1]),
    ("AND-ed", "filter[entity_id][]={second}&filter[note_type][]=common", [4]),
    ("unknown filters are ignored", "filter[text]=a", [0, 1, 2, 3, 4]),
    ("no match is 204", "filter[id]=1", []),
]


@pytest.mark.parametrize(
    ("query", "expected"), [pytest.param(q, e, id=name) for name, q, e in FILTER_CASES]
)
async def test_filters(
    api: httpx.AsyncClient, notes: dict[str, Any], query: str, expected: list[int]
) -> None:
    days = {f"day{n}": notes["start"] + n * DAY for n in (1, 2, 3)}
    response = await api.get(f"/api/v4/leads/notes?{query.format(**notes, **days)}")
    assert ids_of(response) == [notes["ids"][i] for i in expected]
    assert response.status_code == (200 if expected else 204)


async def test_order_and_with(api: httpx.AsyncClient, notes: dict[str, Any]) -> None:
    ids = notes["ids"]
    assert ids_of(await api.get("/api/v4/leads/notes?order[id]=desc")) == ids[::-1]
    by_update = await api.get("/api/v4/leads/notes", params={"order[updated_at]": "desc"})
    assert ids_of(by_update) == [ids[0], ids[4], ids[3], ids[2], ids[1]]
    ignored = await api.get("/api/v4/leads/notes", params={"order[created_at]": "desc"})
    assert ids_of(ignored) == ids
    pinned = (await api.get("/api/v4/leads/notes", params={"with": "is_pinned"})).json()
    assert {note["is_pinned"] for note in pinned["_embedded"]["notes"]} == {False}
    plain = (await api.get(f"/api/v4/leads/notes/{ids[0]}")).json()
    assert "is_pinned" not in plain


# ----------------------------------------------------------------------------------------------
# Seeding
# ----------------------------------------------------------------------------------------------


def test_seeded_notes_are_realistic() -> None:
    clock = VirtualClock()
    fake = FakeAmoCRM(clock=clock)
    seeded = fake.seed(leads=40, contacts=20, companies=10, notes=600)
    assert len(seeded.notes) == fake.count("notes") == 600
    notes = fake.entities("notes")
    kinds = Counter(note["note_type"] for note in notes)
    assert {"common", "call_in", "call_out", "sms_out", "attachment", "amomail_message"} <= set(
        kinds
    )
    assert kinds.most_common(1)[0][0] == "common"
    parents = Counter(note["_links"]["self"]["href"].split("/")[5] for note in notes)
    assert parents["leads"] > parents["contacts"] > 0 and parents["companies"] > 0
    for note in notes:
        entity_type = note["_links"]["self"]["href"].split("/")[5]
        assert note["entity_id"] in seeded[entity_type]
        assert note["created_at"] <= note["updated_at"] <= clock.time()
    calls = [n["params"] for n in notes if n["note_type"] in ("call_in", "call_out")]
    assert all(
        c["uniq"] and c["phone"].startswith("+7") and c["call_status"] in range(1, 9) for c in calls
    )
    assert all(c["duration"] > 0 for c in calls if c["call_status"] == 4)
    assert len({n["responsible_user_id"] for n in notes}) >= 4


async def test_seeded_notes_are_served_and_deleted(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    seeded = fake.seed(leads=3, notes=10)
    assert ids_of(await api.get("/api/v4/leads/notes")) == seeded.notes
    fake.delete_entities("notes", seeded.notes[:4])
    assert ids_of(await api.get("/api/v4/leads/notes")) == seeded.notes[4:]
    assert fake.entity("notes", seeded.notes[0]) is None  # notes have no trash


def test_notes_need_something_to_belong_to() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    with pytest.raises(ValueError, match="needs leads, contacts or companies"):
        fake.seed(notes=1)
    assert fake.seed(notes=0).notes == []


def test_control_route_seeds_notes() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    with fake.serve_in_thread() as base_url, httpx.Client(base_url=base_url) as client:
        seeded = client.post("/_fake/seed", json={"contacts": 2, "notes": 5}).json()
        assert (seeded["contacts"], seeded["notes"]) == (2, 5)
        assert client.get("/_fake").json()["accounts"][0]["notes"] == 5
