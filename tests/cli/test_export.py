"""``amocrm-async export`` in process, against the in-process fake: 10,000 leads to JSONL and
CSV, a failure half-way and the resume (exact ids, no duplicate), ``--updated-since`` equal to
``changes()``, ``--sync`` with deletions, filters on the wire."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from amocrm_async import AmoCRMClient, VirtualClock
from amocrm_async._cli._args import UsageError
from amocrm_async._cli._export import run_export
from amocrm_async.cli import build_parser
from amocrm_async.errors import AmoCRMError
from amocrm_async.models import Lead
from amocrm_async.testing import FakeAmoCRM, FaultKind
from amocrm_async.testing.resources.events import RESOURCE as EVENTS

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    """The command runs its work with ``anyio.run`` on asyncio (the Redis store needs it)."""
    return "asyncio"


def no_nones(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: no_nones(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [no_nones(v) for v in value]
    return value


@pytest.fixture
def amo(fake_client: AmoCRMClient) -> AmoCRMClient:
    return fake_client.with_options(max_retries=0)  # an injected fault fails at once


async def export(amo: AmoCRMClient, *argv: str) -> tuple[int, str, str]:
    args = build_parser().parse_args(["export", *argv, "--no-progress"])
    out, err = io.StringIO(), io.StringIO()
    code = await run_export(args, amo, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def by_update(fake: FakeAmoCRM, since: int = 0) -> list[int]:
    rows = [(e["updated_at"], e["id"]) for e in fake.entities("leads") if e["updated_at"] >= since]
    return [entity_id for _, entity_id in sorted(rows)]


def jsonl_ids(path: Path) -> list[int]:
    return [json.loads(line)["id"] for line in path.read_text().splitlines()]


def lead_pages(fake: FakeAmoCRM) -> list[dict[str, list[str]]]:
    wanted = ("GET", "/api/v4/leads")
    return [parse_qs(r.raw_query) for r in fake.requests if (r.method, r.path) == wanted]


async def test_ten_thousand_leads_to_jsonl(
    fake: FakeAmoCRM, amo: AmoCRMClient, tmp_path: Path
) -> None:
    fake.seed(leads=10_000)
    target = tmp_path / "leads.jsonl"
    code, out, _ = await export(amo, "leads", "-o", str(target), "--json")
    assert code == 0
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [line["id"] for line in lines] == by_update(fake)
    assert len(lines) == 10_000
    first = fake.entity("leads", lines[0]["id"])
    assert first is not None and lines[0]["name"] == first["name"]
    assert lines[0]["custom_fields_values"] == no_nones(first["custom_fields_values"])
    summary = json.loads(out)
    assert (summary["written"], summary["requests"], summary["rate_limited"]) == (10_000, 41, 0)
    pages = lead_pages(fake)
    crowded = lines[-1]["updated_at"]  # 586 seeded leads share that second
    deeper = [p for p in pages if p["page"] != ["1"]]
    assert len(pages) == 41 and [p["page"] for p in deeper] == [["2"], ["3"]]
    assert {p["filter[updated_at][from]"][0] for p in deeper} == {str(crowded)}
    assert not (tmp_path / "leads.jsonl.checkpoint").exists()  # a finished export removes it


async def test_ten_thousand_leads_to_csv_with_custom_field_columns(
    fake: FakeAmoCRM, amo: AmoCRMClient, tmp_path: Path
) -> None:
    fake.seed(leads=10_000)
    target = tmp_path / "leads.csv"
    code, out, _ = await export(amo, "leads", "-o", str(target))
    assert code == 0 and out.startswith("exported 10000 leads")
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["id"]) for r in rows] == by_update(fake)
    definitions = {d["id"]: d for d in fake.custom_fields("leads")}
    label = {i: f"cf:{d.get('code') or d['name']}" for i, d in definitions.items()}
    assert set(label.values()) <= set(rows[0])
    checked = 0
    for row in rows[:300]:
        lead = fake.entity("leads", int(row["id"]))
        assert lead is not None
        assert row["name"] == lead["name"] and row["price"] == str(lead["price"])
        for value in lead.get("custom_fields_values") or []:
            plain = [v.get("value") for v in value["values"]]
            if all(isinstance(p, str) for p in plain):
                assert row[label[value["field_id"]]] == "; ".join(plain)
                checked += 1
        tags = (lead.get("_embedded") or {}).get("tags") or []
        assert row["tags"] == "; ".join(t["name"] for t in tags)
    assert checked > 50


async def test_failed_half_way_resumes_with_exact_ids(
    fake: FakeAmoCRM, amo: AmoCRMClient, tmp_path: Path
) -> None:
    fake.seed(leads=10_000)
    target = tmp_path / "leads.jsonl"
    checkpoint = tmp_path / "leads.jsonl.checkpoint"
    fake.faults.add(FaultKind.STATUS, path="/api/v4/leads", every=21, times=1, status=400)
    with pytest.raises(AmoCRMError):
        await export(amo, "leads", "-o", str(target))
    state = json.loads(checkpoint.read_text())
    written = state["written"]
    assert 4_900 < written <= 5_000 and not state["complete"]  # 20 windows of 250, overlaps
    order = by_update(fake)
    assert jsonl_ids(target) == order[:written]
    with target.open("ab") as broken:  # a half-written line after the checkpoint
        broken.write(b'{"id": 1, "na')
    code, out, _ = await export(amo, "leads", "-o", str(target))
    assert code == 0 and f"resumed: {written} written before" in out
    ids = jsonl_ids(target)
    assert ids == order and len(set(ids)) == 10_000
    resumed = lead_pages(fake)[21:]  # the failed request is the 21st
    last = fake.entity("leads", ids[written - 1])
    assert last is not None
    assert resumed[0]["filter[updated_at][from]"] == [str(last["updated_at"])]


async def test_updated_since_equals_changes(
    fake: FakeAmoCRM, amo: AmoCRMClient, tmp_path: Path
) -> None:
    fake.seed(leads=2_000)
    since = sorted(e["updated_at"] for e in fake.entities("leads"))[1_234]
    target = tmp_path / "recent.jsonl"
    code, _, _ = await export(amo, "leads", "-o", str(target), "--updated-since", str(since))
    assert code == 0
    library = [lead.id async for lead in amo.leads.changes(since=since)]
    assert jsonl_ids(target) == library == by_update(fake, since)
    assert len(library) == 2_000 - 1_234


async def test_sync_writes_changes_then_deletions_and_keeps_its_cursor(
    fake: FakeAmoCRM, amo: AmoCRMClient, clock: VirtualClock, tmp_path: Path
) -> None:
    fake.seed(leads=300)
    target, checkpoint = tmp_path / "sync.jsonl", tmp_path / "sync.jsonl.checkpoint"
    code, _, _ = await export(amo, "leads", "-o", str(target), "--sync")
    assert code == 0 and len(jsonl_ids(target)) == 300
    assert json.loads(checkpoint.read_text())["complete"]
    clock.advance(60)
    (new,) = await amo.leads.add([Lead(name="new one")])
    clock.advance(1)
    gone = by_update(fake)[0]
    fake.delete_entities("leads", [gone])
    account = fake._account(None)
    EVENTS.record(account, fake._ids, "lead_deleted", "lead", gone, 1, int(clock.time()))
    code, _out, _ = await export(amo, "leads", "-o", str(target), "--sync")
    assert code == 0
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    assert [(line["_change"], line["id"]) for line in lines] == [
        ("updated", new.id),
        ("deleted", gone),
    ]
    code, _, _ = await export(amo, "leads", "-o", str(target), "--sync")
    assert code == 0 and target.read_text() == ""  # nothing changed since


async def test_filters_go_on_the_wire(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    fake.seed(leads=200)
    user = fake.entities("leads")[0]["responsible_user_id"]
    code, out, err = await export(
        amo,
        "leads",
        "--filter",
        f"responsible_user_ids={user}",
        "--filter",
        "price=0..999999999",
        "--query",
        "with=contacts",
    )
    assert code == 0 and err.startswith("exported")
    ids = [json.loads(line)["id"] for line in out.splitlines()]
    mine = {e["id"] for e in fake.entities("leads") if e["responsible_user_id"] == user}
    assert set(ids) == mine
    query = lead_pages(fake)[0]
    assert query["filter[responsible_user_id][0]"] == [str(user)]
    assert query["filter[price][from]"] == ["0"] and query["with"] == ["contacts"]


async def test_lists_without_updated_at_export_page_by_page(
    fake: FakeAmoCRM, amo: AmoCRMClient, tmp_path: Path
) -> None:
    target = tmp_path / "pipelines.csv"
    code, _, _ = await export(amo, "pipelines", "-o", str(target))
    assert code == 0
    with target.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["id"]) for r in rows] == [p["id"] for p in fake.pipelines()]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["leads", "--filter", "bogus=1"], "leads has no filter 'bogus'"),
        (["leads", "--filter", "novalue"], "expected key=value"),
        (["pipelines", "--updated-since", "5"], "pipelines has no updated_at"),
        (["pipelines", "--sync", "-o", "x.jsonl"], "cannot be read by updated_at"),
        (["leads", "--sync"], "--sync needs a file --output"),
        (["leads", "--filter", "ids=-1"], "selects nothing"),
        (["leads", "--updated-since", "20", "--updated-until", "10"], "before since"),
        (["leads", "--with", "nonsense"], "nonsense"),
    ],
)
async def test_bad_export_arguments_fail_before_any_request(
    fake: FakeAmoCRM,
    amo: AmoCRMClient,
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match=message):
        await export(amo, *argv)
    assert [r for r in fake.requests if r.path.startswith("/api/v4/leads")] == []


async def test_a_checkpoint_of_another_export_is_refused(
    fake: FakeAmoCRM, amo: AmoCRMClient, tmp_path: Path
) -> None:
    fake.seed(leads=10)
    target = tmp_path / "x.jsonl"
    fake.faults.add(FaultKind.STATUS, path="/api/v4/leads", status=400, times=1)
    with pytest.raises(AmoCRMError):
        await export(amo, "leads", "-o", str(target))
    with pytest.raises(UsageError, match="belongs to a different export"):
        await export(amo, "leads", "-o", str(target), "--updated-since", "5")
    target.write_bytes(b"")  # the output lost what the checkpoint counts on
    checkpoint = tmp_path / "x.jsonl.checkpoint"
    state = json.loads(checkpoint.read_text())
    checkpoint.write_text(json.dumps({**state, "offset": 10}))
    with pytest.raises(UsageError, match="shorter than its checkpoint says"):
        await export(amo, "leads", "-o", str(target))
    checkpoint.write_text(json.dumps({**state, "written": "many"}))
    with pytest.raises(UsageError, match="damaged checkpoint"):
        await export(amo, "leads", "-o", str(target))


async def test_events_are_read_newest_first_by_created_at_windows(
    fake: FakeAmoCRM, amo: AmoCRMClient, tmp_path: Path
) -> None:
    fake.seed(leads=100)
    fake.seed(events=1_000)
    total = fake.count("events")
    target = tmp_path / "events.jsonl"
    fake.faults.add(FaultKind.STATUS, path="/api/v4/events", every=4, times=1, status=400)
    with pytest.raises(AmoCRMError):
        await export(amo, "events", "-o", str(target))
    code, out, _ = await export(amo, "events", "-o", str(target))
    assert code == 0 and "resumed" in out
    lines = [json.loads(line) for line in target.read_text().splitlines()]
    ids = [line["id"] for line in lines]
    assert len(ids) == len(set(ids)) == total
    stamps = [line["created_at"] for line in lines]
    assert stamps == sorted(stamps, reverse=True)
    queries = [parse_qs(r.raw_query) for r in fake.requests if r.path == "/api/v4/events"]
    assert {q["page"][0] for q in queries} == {"1"} and all(
        "filter[created_at][to]" in q for q in queries
    )


async def test_a_sync_run_that_fails_half_way_resumes_its_delta(
    fake: FakeAmoCRM, amo: AmoCRMClient, clock: VirtualClock, tmp_path: Path
) -> None:
    fake.seed(leads=100)
    target = tmp_path / "sync.jsonl"
    assert (await export(amo, "leads", "-o", str(target), "--sync"))[0] == 0
    clock.advance(60)
    added = []
    for _ in range(3):
        added += await amo.leads.add([Lead(name=f"new {i}") for i in range(200)])
        clock.advance(1)
    fake.reset_stats()
    fake.faults.add(FaultKind.STATUS, path="/api/v4/leads", every=2, times=1, status=400)
    with pytest.raises(AmoCRMError):
        await export(amo, "leads", "-o", str(target), "--sync")
    assert 0 < len(jsonl_ids(target)) < 600
    code, out, _ = await export(amo, "leads", "-o", str(target), "--sync")
    assert code == 0 and "resumed" in out
    assert jsonl_ids(target) == [lead.id for lead in added]
