"""The SDK end to end against the fake amoCRM: exports, bulk writes, faults, loopback, demo."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from amocrm_async import AmoCRMClient, MemoryRateLimiter, VirtualClock, errors
from amocrm_async.filters import LeadsFilter
from amocrm_async.models import Lead
from amocrm_async.testing import FakeAmoCRM, FaultKind

pytestmark = pytest.mark.anyio


def lead_id(lead: Lead) -> int:
    assert lead.id is not None
    return lead.id


ClientOn = Callable[..., AmoCRMClient]


@pytest.fixture
def client_on(fake: FakeAmoCRM, clock: VirtualClock) -> ClientOn:
    def make(**kwargs: Any) -> AmoCRMClient:
        kwargs.setdefault("rate_limit", 50.0)
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("rate_limiter", MemoryRateLimiter(clock))
        return AmoCRMClient(
            fake.base_domain,
            access_token=fake.long_lived_token(),
            transport=fake.transport,
            **kwargs,
        )

    return make


@pytest.fixture
async def amo(client_on: ClientOn) -> AsyncIterator[AmoCRMClient]:
    async with client_on() as client:
        yield client


@pytest.mark.parametrize("concurrency", [1, 4])
async def test_export_10000_seeded_leads_exactly_once(
    fake: FakeAmoCRM, amo: AmoCRMClient, concurrency: int
) -> None:
    seeded = fake.seed(leads=10_000)
    ids = [lead_id(lead) async for lead in amo.leads.iterate(concurrency=concurrency)]
    assert len(ids) == 10_000
    assert sorted(ids) == sorted(seeded.leads)
    pages = fake.stats.count("GET", "/api/v4/leads", 200)
    assert pages == 40
    assert fake.stats.count("GET", "/api/v4/leads", 204) <= concurrency


async def test_add_1000_leads_makes_20_posts(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    leads = [Lead(name=f"bulk {i}", price=i) for i in range(1_000)]
    created = await amo.leads.add(leads)
    assert fake.stats.count("POST", "/api/v4/leads") == 20
    assert fake.stats.batch_sizes == [50] * 20
    assert fake.stats.entities_created["leads"] == 1_000
    assert fake.count("leads") == 1_000
    assert len({lead.id for lead in created}) == 1_000
    stored = {e["id"]: e["name"] for e in fake.entities("leads")}
    assert all(stored[lead.id] == lead.name for lead in created if lead.id is not None)


async def test_export_exact_despite_502s_and_429s(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    seeded = fake.seed(leads=5_000)
    fake.faults.add(FaultKind.STATUS, method="GET", every=5, status=502)
    fake.faults.add(FaultKind.RATE_LIMIT, every=7, retry_after=1)
    ids = [lead_id(lead) async for lead in amo.leads.iterate(limit=100)]
    assert sorted(ids) == sorted(seeded.leads)
    assert len(ids) == len(set(ids)) == 5_000
    assert fake.stats.count(status=502) > 0
    assert fake.stats.rate_limited > 0


async def test_apply_then_drop_is_outcome_unknown_and_never_duplicated(
    fake: FakeAmoCRM, amo: AmoCRMClient
) -> None:
    fake.faults.add(FaultKind.APPLY_THEN_DROP, method="POST", path="/api/v4/leads", times=1)
    once = Lead(name="exactly once")
    with pytest.raises(errors.OutcomeUnknownError) as info:
        await amo.leads.add_one(once)
    assert info.value.request_ids == [once.request_id]
    assert fake.count("leads") == 1
    assert fake.stats.count("POST", "/api/v4/leads") == 1

    fake.faults.add(FaultKind.APPLY_THEN_DROP, method="POST", path="/api/v4/leads", times=1)
    with pytest.raises(errors.BatchError) as batch:
        await amo.leads.add([Lead(name=f"b{i}") for i in range(120)])
    assert len(batch.value.unknown) == 50
    assert len(batch.value.written) + len(batch.value.unknown) + len(batch.value.not_sent) == 120
    names = [e["name"] for e in fake.entities("leads")]
    assert len(names) == len(set(names))


async def test_validation_error_from_the_fake(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    bad = Lead(name="bad field")
    bad.custom_fields_values = [{"field_id": 999_999, "values": [{"value": "x"}]}]  # type: ignore[list-item]
    with pytest.raises(errors.BatchError) as info:
        await amo.leads.add([Lead(name="fine"), bad])
    failure = next(f for f in info.value.failed if f.item is bad)
    assert failure.issues
    assert failure.issues[0].path is not None
    assert "custom_fields_values" in failure.issues[0].path
    assert fake.count("leads") == 0


async def test_filters_and_missing_lead(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    seeded = fake.seed(leads=300)
    wanted = seeded.leads[10:13]
    page = await amo.leads.get(LeadsFilter(ids=wanted), with_=["contacts"])
    assert sorted(lead_id(lead) for lead in page) == sorted(wanted)
    assert not page.has_next
    empty = await amo.leads.get(LeadsFilter(ids=[123_456_789]))
    assert len(empty) == 0
    with pytest.raises(errors.NotFoundError):
        await amo.leads.get_one(123_456_789)


async def test_complex_and_links(fake: FakeAmoCRM, amo: AmoCRMClient) -> None:
    from amocrm_async.models import Company, Contact, EntityLink, LeadEmbedded

    leads = [
        Lead(
            name=f"c{i}",
            embedded=LeadEmbedded(contacts=[Contact(name=f"p{i}")], companies=[Company(name="co")]),
        )
        for i in range(60)
    ]
    results = await amo.leads.add_complex(leads)
    assert fake.stats.count("POST", "/api/v4/leads/complex") == 2
    assert all(r.contact_id and r.company_id for r in results)
    first = leads[0]
    assert first.id is not None
    other_contact = results[1].contact_id
    assert other_contact is not None
    await amo.leads.link(
        first.id, [EntityLink(to_entity_id=other_contact, to_entity_type="contacts")]
    )
    links = await amo.leads.get_links(first.id, to_entity_type="contacts")
    assert other_contact in {link.to_entity_id for link in links}
    await amo.leads.unlink(
        first.id, [EntityLink(to_entity_id=other_contact, to_entity_type="contacts")]
    )
    links = await amo.leads.get_links(first.id, to_entity_type="contacts")
    assert other_contact not in {link.to_entity_id for link in links}


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
async def test_over_loopback(anyio_backend: str) -> None:
    fake = FakeAmoCRM()
    seeded = fake.seed(leads=1_000)
    async with (
        fake.serving(port=0) as base_url,
        AmoCRMClient(
            base_url, access_token=fake.long_lived_token(), allow_any_host=True, rate_limit=200
        ) as amo,
    ):
        ids = [lead_id(lead) async for lead in amo.leads.iterate(concurrency=2)]
        created = await amo.leads.add([Lead(name=f"n{i}") for i in range(120)])
        fake.faults.add(FaultKind.STATUS, method="GET", every=2, status=502)
        again = [lead_id(lead) async for lead in amo.leads.iterate(LeadsFilter(ids=ids[:5]))]
        fake.faults.clear()
        fake.faults.add(FaultKind.APPLY_THEN_DROP, method="POST", times=1)
        with pytest.raises(errors.OutcomeUnknownError):
            await amo.leads.add_one(Lead(name="dropped"))
    assert sorted(ids) == sorted(seeded.leads)
    assert sorted(again) == sorted(ids[:5])
    assert len({lead.id for lead in created}) == 120
    assert fake.count("leads") == 1_000 + 120 + 1


def test_demo_command_exits_0() -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "amocrm_async.cli",
            "demo",
            "--leads",
            "100",
            "--seed-leads",
            "300",
            "--rate",
            "50",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 x 429" in result.stdout
    assert "1 token refreshes" in result.stdout


READ_FAULTS: list[tuple[FaultKind, dict[str, Any]]] = [
    (FaultKind.STATUS, {"status": 502}),
    (FaultKind.STATUS, {"status": 503, "apply": True}),
    (FaultKind.RATE_LIMIT, {"retry_after": 1}),
    (FaultKind.CONNECTION_RESET, {}),
    (FaultKind.CONNECT_ERROR, {}),
    (FaultKind.APPLY_THEN_DROP, {}),
    (FaultKind.TRUNCATED_BODY, {}),
    (FaultKind.HTML_BODY, {"status": 502}),
    (FaultKind.EMPTY_BODY, {}),
    (FaultKind.EMPTY_OBJECT, {}),
    (FaultKind.NO_EMBEDDED, {}),
    (FaultKind.LATENCY, {"seconds": 2.0}),
]


@pytest.mark.parametrize("anyio_backend", ["asyncio"])
@pytest.mark.parametrize(
    ("kind", "options"), READ_FAULTS, ids=[f"{k.value}-{i}" for i, (k, _) in enumerate(READ_FAULTS)]
)
async def test_fault_matrix_every_id_exactly_once(
    fake: FakeAmoCRM, amo: AmoCRMClient, kind: FaultKind, options: dict[str, Any]
) -> None:
    """10,000 leads with every third page request faulted: the export is complete and exact.

    A malformed 200 (empty, ``{}``, no ``_embedded``, truncated) is retried like a 5xx, never
    taken as the end of the list.
    """
    seeded = fake.seed(leads=10_000)
    fault = fake.faults.add(kind, method="GET", path="/api/v4/leads", every=3, **options)
    ids = [lead_id(lead) async for lead in amo.leads.iterate(concurrency=2)]
    assert len(ids) == 10_000
    assert sorted(ids) == sorted(seeded.leads)
    assert fault.fired >= 13
