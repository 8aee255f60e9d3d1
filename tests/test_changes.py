"""``changes()``: entities changed in a window, read by ``updated_at`` windows, resumable,
deletions from the events API; and the progress that iterators expose."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import parse_qs

import pytest

from amocrm_async import AmoCRMClient, ChangesCursor, Deletion, VirtualClock
from amocrm_async.filters import LeadsFilter
from amocrm_async.models import Lead, Task
from amocrm_async.testing import FakeAmoCRM
from amocrm_async.testing.resources.events import RESOURCE as EVENTS

pytestmark = pytest.mark.anyio


@pytest.fixture
def amo(fake_client: AmoCRMClient) -> AmoCRMClient:
    return fake_client


def lead_queries(fake: FakeAmoCRM) -> list[dict[str, list[str]]]:
    return [
        parse_qs(r.raw_query)
        for r in fake.requests
        if (r.method, r.path) == ("GET", "/api/v4/leads")
    ]


def expected(fake: FakeAmoCRM, since: int = 0, until: int | None = None) -> list[int]:
    rows = [
        (lead["updated_at"], lead["id"])
        for lead in fake.entities("leads")
        if lead["updated_at"] >= since and (until is None or lead["updated_at"] <= until)
    ]
    return [lead_id for _, lead_id in sorted(rows)]


async def ids_of(iterator: AsyncIterator[Any]) -> list[int]:
    return [item.id async for item in iterator]


async def test_every_lead_in_order_without_deep_pages(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.seed(leads=1_200)
    changes = amo.leads.changes()
    got = await ids_of(changes)
    assert got == expected(fake)
    queries = lead_queries(fake)
    assert {q["page"][0] for q in queries} == {"1"}  # every request is page 1 of a window
    assert all(q["order[updated_at]"] == ["asc"] for q in queries)
    froms = [int(q["filter[updated_at][from]"][0]) for q in queries]
    assert froms == sorted(froms) and froms[0] == 0
    assert "filter[updated_at][to]" not in queries[0]
    assert len(queries) == 5  # 1,200 / 250 pages, then the window after the last lead
    assert (changes.progress.items, changes.progress.pages) == (1_200, len(queries) + 1)
    assert changes.progress.requests == len(fake.requests)  # + the deletion events page
    assert changes.progress.rate_limited == 0


async def test_window_is_inclusive_and_sent(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.seed(leads=600)
    stamps = sorted(lead["updated_at"] for lead in fake.entities("leads"))
    since, until = stamps[100], stamps[400]
    got = await ids_of(amo.leads.changes(since=since, until=until))
    assert got == expected(fake, since, until)
    first = lead_queries(fake)[0]
    assert (first["filter[updated_at][from]"], first["filter[updated_at][to]"]) == (
        [str(since)],
        [str(until)],
    )


async def test_many_leads_in_one_second_page_within_it(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.seed(leads=50)
    await amo.leads.add([Lead(name=f"burst {i}") for i in range(600)])  # all in one second
    got = await ids_of(amo.leads.changes())
    assert got == expected(fake) and len(got) == 650 and len(set(got)) == 650
    pages = [q["page"][0] for q in lead_queries(fake)]
    assert "2" in pages and "3" in pages  # the burst second is paged, nothing else


async def test_cursor_resumes_with_no_duplicate_and_no_gap(
    fake: FakeAmoCRM, amo: AmoCRMClient, clock: VirtualClock
) -> None:
    fake.seed(leads=700)
    await amo.leads.add([Lead(name=f"tie {i}") for i in range(300)])  # ties at the boundary
    first = amo.leads.changes(deletions=False)
    taken: list[int] = []
    async for lead in first:
        assert lead.id is not None
        taken.append(lead.id)
        if len(taken) == 850:  # inside the second shared by 300 leads
            break
    saved = first.cursor.to_json()
    resumed = amo.leads.changes(cursor=ChangesCursor.from_json(saved), deletions=False)
    rest = await ids_of(resumed)
    assert taken + rest == expected(fake)
    again = await ids_of(amo.leads.changes(cursor=resumed.cursor, deletions=False))
    assert again == []  # a finished run's cursor yields only what changed since
    clock.advance(5)
    (changed,) = await amo.leads.get(LeadsFilter(ids=[taken[0]]))
    changed.name = "renamed"
    await amo.leads.update_one(Lead(id=changed.id, name="renamed"))
    later = [lead async for lead in amo.leads.changes(cursor=resumed.cursor, deletions=False)]
    assert [(lead.id, getattr(lead, "name", None)) for lead in later] == [(taken[0], "renamed")]


async def test_deletions_come_from_events_in_time_order(
    fake: FakeAmoCRM, amo: AmoCRMClient, clock: VirtualClock
) -> None:
    fake.seed(leads=30)
    start = int(fake.clock.time())
    clock.advance(10)
    (kept,) = await amo.leads.add([Lead(name="kept")])
    clock.advance(10)
    gone = fake.entities("leads")[0]["id"]
    fake.delete_entities("leads", [gone])
    account = fake._account(None)  # the fake records deletions only as amoCRM's UI would
    EVENTS.record(account, fake._ids, "lead_deleted", "lead", gone, 1, int(fake.clock.time()))
    clock.advance(10)
    (late,) = await amo.leads.add([Lead(name="late")])
    items = [item async for item in amo.leads.changes(since=start + 1)]
    assert [type(i).__name__ for i in items] == ["Lead", "Deletion", "Lead"]
    deletion = items[1]
    assert isinstance(deletion, Deletion)
    assert (deletion.entity_type, deletion.id) == ("leads", gone)
    assert deletion.deleted_at == start + 20
    assert [items[0].id, items[2].id] == [kept.id, late.id]
    events = [parse_qs(r.raw_query) for r in fake.requests if r.path == "/api/v4/events"]
    assert events[0]["filter[type]"] == ["lead_deleted"]
    assert events[0]["filter[created_at][from]"] == [str(start + 1)]


async def test_tasks_are_sliced_without_order(
    fake: FakeAmoCRM, amo: AmoCRMClient, clock: VirtualClock
) -> None:
    now = int(fake.clock.time())
    tasks = [Task(text=f"t{i}", complete_till=now + 86_400) for i in range(90)]
    for chunk in range(0, 90, 30):
        await amo.tasks.add(tasks[chunk : chunk + 30])
        clock.advance(100)
    fake.reset_stats()
    changes = amo.tasks.changes(limit=10, deletions=False)
    changes._max_pages = 2  # windows of at most 20 tasks: halved until they fit
    got = [task async for task in changes]
    assert [t.id for t in got] == [t.id for t in sorted(tasks, key=lambda t: (t.updated_at, t.id))]
    queries = [parse_qs(r.raw_query) for r in fake.requests]
    assert all("order[updated_at]" not in q for q in queries)
    assert max(int(q["page"][0]) for q in queries) <= 3


async def test_bad_input_fails_before_any_request(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    with pytest.raises(TypeError, match="cannot be read by updated_at"):
        amo.pipelines.changes()
    with pytest.raises(ValueError, match="before since"):
        amo.leads.changes(since=10, until=5)
    with pytest.raises(ValueError, match="window"):
        amo.leads.changes(filter=LeadsFilter(updated_at=5))
    with pytest.raises(ValueError, match="limit"):
        amo.leads.changes(limit=500)
    cursor = ChangesCursor.start("/api/v4/contacts", 0, None)
    with pytest.raises(ValueError, match="cursor is for /api/v4/contacts"):
        amo.leads.changes(cursor=cursor)
    with pytest.raises(ValueError, match="seen"):
        ChangesCursor.from_json(cursor.to_json().replace('"seen":[]', '"seen":["x"]'))
    assert fake.requests == []


async def test_filter_narrows_the_changes(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.seed(leads=300)
    user = fake.entities("leads")[0]["responsible_user_id"]
    got = await ids_of(amo.leads.changes(filter=LeadsFilter(responsible_user_ids=[user])))
    mine = {lead["id"] for lead in fake.entities("leads") if lead["responsible_user_id"] == user}
    assert set(got) == mine and got == [i for i in expected(fake) if i in mine]


async def test_page_iterator_progress(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.seed(leads=600)
    fake.set_rate_limit(True, integration_rps=2)
    every = amo.leads.iterate(concurrency=1)
    seen = [lead.id async for lead in every]
    assert len(seen) == 600
    progress = every.progress
    assert (progress.pages, progress.items, progress.total) == (3, 600, None)
    assert progress.requests == len([r for r in fake.requests if r.path == "/api/v4/leads"])
    assert progress.rate_limited == fake.stats.rate_limited > 0  # retried after each 429
    assert progress.requests == progress.pages + progress.rate_limited
    webhooks = amo.webhooks.iterate()
    assert [w async for w in webhooks] == []
    assert webhooks.progress.pages == 1


@pytest.mark.parametrize("entity", ["contacts", "companies", "customers"])
async def test_every_crm_entity_has_changes(
    fake: FakeAmoCRM, amo: AmoCRMClient, entity: str
) -> None:
    seed: Any = fake.seed  # keyword arguments are entity types
    seed(**{entity: 400})
    rows = sorted((e["updated_at"], e["id"]) for e in fake.entities(entity))
    got = [item.id async for item in getattr(amo, entity).changes(deletions=False)]
    assert got == [entity_id for _, entity_id in rows] and len(got) == 400


async def test_notes_of_an_entity_have_changes(
    fake: FakeAmoCRM, amo: AmoCRMClient, clock: VirtualClock
) -> None:
    from amocrm_async.models import CommonNote, CommonNoteParams

    (lead,) = await amo.leads.add([Lead(name="noted")])
    assert lead.id is not None
    for i in range(3):
        await amo.leads.notes.add(
            [CommonNote(entity_id=lead.id, params=CommonNoteParams(text=f"n{i}"))]
        )
        clock.advance(1)
    changes = amo.leads.notes.changes(limit=2)
    got = [note async for note in changes]
    texts = [n.params.text for n in got if isinstance(n, CommonNote) and n.params is not None]
    assert texts == ["n0", "n1", "n2"]
    assert all(not isinstance(n, Deletion) for n in got)
    assert all(r.path == "/api/v4/leads/notes" for r in fake.requests[-changes.progress.pages :])
