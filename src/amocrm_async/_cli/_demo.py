"""``amocrm-async demo``: the SDK end to end against the embedded fake amoCRM."""

from __future__ import annotations

import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TextIO

import anyio

from .._client import AmoCRMClient
from .._oauth import OAuthConfig, authorization_url
from .._token_store import MemoryTokenStore
from ..filters import LeadsFilter, TasksFilter
from ..models import (
    CommonNote,
    CommonNoteParams,
    Company,
    Contact,
    EntityLink,
    Lead,
    LeadEmbedded,
    MultitextCustomFieldValues,
    MultitextValue,
    Task,
    TextCustomFieldValues,
)
from ..testing import FakeAmoCRM

__all__ = ["run_demo"]

REDIRECT_URI = "https://integration.example/oauth/callback"


@dataclass
class Step:
    name: str
    requests: int
    seconds: float
    detail: str


class Progress:
    """A one-line progress indicator on stderr (plain lines when it is not a terminal)."""

    def __init__(self, label: str, total: int, out: TextIO = sys.stderr) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self.out = out
        self.tty = out.isatty()

    def advance(self, n: int) -> None:
        self.done += n
        if self.tty:
            width = 30
            filled = int(width * self.done / max(1, self.total))
            bar = "#" * filled + "-" * (width - filled)
            self.out.write(f"\r  {self.label:<28} [{bar}] {self.done}/{self.total}")
            if self.done >= self.total:
                self.out.write("\n")
            self.out.flush()

    def close(self) -> None:
        if not self.tty:
            self.out.write(f"  {self.label}: {self.done}/{self.total}\n")
            self.out.flush()


def _new_lead(i: int) -> Lead:
    contact = Contact(
        first_name="Client",
        last_name=f"#{i}",
        custom_fields_values=[
            MultitextCustomFieldValues.of(
                MultitextValue(value=f"+7900{i:07d}", enum_code="WORK"), field_code="PHONE"
            ),
            MultitextCustomFieldValues.of(
                MultitextValue(value=f"client{i}@example.com", enum_code="WORK"),
                field_code="EMAIL",
            ),
        ],
    )
    return Lead(
        name=f"Demo deal #{i}",
        price=1_000 + i,
        custom_fields_values=[TextCustomFieldValues.of("demo", field_code="UTM_SOURCE")],
        embedded=LeadEmbedded(contacts=[contact], companies=[Company(name=f"Company #{i}")]),
    )


@asynccontextmanager
async def _client_for(
    fake: FakeAmoCRM, config: OAuthConfig, serve: bool, rate: float
) -> AsyncIterator[tuple[AmoCRMClient, str]]:
    store = MemoryTokenStore()
    if serve:
        async with (
            fake.serving(port=0) as base_url,
            AmoCRMClient(
                base_url, oauth=config, token_store=store, allow_any_host=True, rate_limit=rate
            ) as amo,
        ):
            yield amo, base_url
    else:
        async with AmoCRMClient(
            fake.base_domain,
            oauth=config,
            token_store=store,
            transport=fake.transport,
            rate_limit=rate,
        ) as amo:
            yield amo, f"in-process transport ({fake.base_domain})"


async def run_demo(
    *, leads: int, seed_leads: int, serve: bool, rate: float, out: TextIO = sys.stdout
) -> int:
    fake = FakeAmoCRM(rate_limit=True, integration_rps=rate)
    integration = fake.register_integration(redirect_uri=REDIRECT_URI)
    config = OAuthConfig(integration.client_id, integration.client_secret, integration.redirect_uri)
    steps: list[Step] = []
    started = time.perf_counter()

    def step(name: str, t0: float, requests_before: int, detail: str) -> None:
        requests = fake.stats.total_requests - requests_before
        steps.append(Step(name, requests, time.perf_counter() - t0, detail))

    out.write("amocrm-async demo — the SDK against the embedded fake amoCRM\n")
    async with _client_for(fake, config, serve, rate) as (amo, where):
        out.write(f"  server: {where}; rate limit enforced: {rate:g} req/s per integration\n")

        t0, r0 = time.perf_counter(), fake.stats.total_requests
        state = "demo-state"
        url = authorization_url(config, state=state, mode="post_message")
        code = fake.issue_authorization_code(integration)
        await amo.authorize(code)
        step("OAuth code flow", t0, r0, f"authorize URL {url.split('?')[0]} → token pair stored")

        t0, r0 = time.perf_counter(), fake.stats.total_requests
        seeded = fake.seed(leads=seed_leads, contacts=seed_leads // 2, companies=seed_leads // 5)
        step("seed account", t0, r0, f"{len(seeded.leads)} leads already in the account")

        t0, r0 = time.perf_counter(), fake.stats.total_requests
        batch = [_new_lead(i) for i in range(leads)]
        progress = Progress("complex create", leads)
        results = []
        for start in range(0, leads, 250):
            part = batch[start : start + 250]
            results.extend(await amo.leads.add_complex(part))
            progress.advance(len(part))
        progress.close()
        contacts = sum(1 for r in results if r.contact_id is not None)
        companies = sum(1 for r in results if r.company_id is not None)
        step(
            "add_complex",
            t0,
            r0,
            f"{len(results)} leads, {contacts} contacts, {companies} companies",
        )

        t0, r0 = time.perf_counter(), fake.stats.total_requests
        progress = Progress("export (iterate)", seed_leads + leads)
        exported = 0
        async with amo.leads.iterate(limit=250, concurrency=3) as every_lead:
            async for _lead in every_lead:
                exported += 1
                if exported % 250 == 0:
                    progress.advance(250)
        progress.advance(exported % 250)
        progress.close()
        step("iterate all leads", t0, r0, f"{exported} leads exported")

        t0, r0 = time.perf_counter(), fake.stats.total_requests
        to_update = batch[:100]
        for lead in to_update:
            lead.price = (lead.price or 0) + 500
        await amo.leads.update([Lead(id=lead.id, price=lead.price) for lead in to_update])
        page = await amo.leads.get(LeadsFilter(ids=[lead.id for lead in to_update[:5] if lead.id]))
        check = all((lead.price or 0) >= 1_500 for lead in page)
        step("update 100 leads", t0, r0, f"re-read {len(page)}: prices updated={check}")

        t0, r0 = time.perf_counter(), fake.stats.total_requests
        linked = 0
        for position in range(min(10, len(batch))):
            lead = batch[position]
            other = results[(position + 1) % len(results)].contact_id
            if lead.id is not None and other is not None:
                link = EntityLink(to_entity_id=other, to_entity_type="contacts")
                await amo.leads.link(lead.id, [link])
                linked += 1
        step("link leads to contacts", t0, r0, f"{linked} links")

        t0, r0 = time.perf_counter(), fake.stats.total_requests
        about = [lead.id for lead in batch[:50] if lead.id is not None]
        due = int(fake.clock.time()) + 86_400
        tasks = [
            Task(
                text=f"Call back about deal {i}",
                complete_till=due,
                entity_type="leads",
                entity_id=lead_id,
            )
            for i, lead_id in enumerate(about)
        ]
        notes = [
            CommonNote(entity_id=lead_id, params=CommonNoteParams(text="Demo call went well"))
            for lead_id in about
        ]
        await amo.tasks.add(tasks)
        await amo.leads.notes.add(notes)
        first = about[0]
        open_tasks = await amo.tasks.get(
            TasksFilter(entity_type="leads", entity_ids=[first], is_completed=False)
        )
        lead_notes = await amo.leads.notes.get_by_parent_id(first)
        step(
            "tasks and notes",
            t0,
            r0,
            f"{len(tasks)} tasks, {len(notes)} notes; lead {first}: {len(open_tasks)} open task, "
            f"{len(lead_notes)} note",
        )

        t0, r0 = time.perf_counter(), fake.stats.total_requests
        fake.expire_tokens()
        async with anyio.create_task_group() as tg:
            for lead in batch[:20]:
                if lead.id is not None:
                    tg.start_soon(amo.leads.get_one, lead.id)
        step(
            "token expired, 20 reads",
            t0,
            r0,
            f"{fake.stats.token_refreshes} refresh for 20 concurrent requests (single-flight)",
        )

    elapsed = time.perf_counter() - started
    stats = fake.stats
    out.write("\n")
    out.write(f"  {'step':<24} {'requests':>8} {'seconds':>8} {'of bound':>9}  detail\n")
    for s in steps:
        ratio = f"{_fraction(s.requests, s.seconds, rate):.0%}" if s.requests > 2 else "-"
        out.write(f"  {s.name:<24} {s.requests:>8} {s.seconds:>8.2f} {ratio:>9}  {s.detail}\n")
    out.write("\n")
    out.write(
        f"  summary: {stats.total_requests} requests, {stats.rate_limited} x 429, "
        f"{stats.token_refreshes} token refreshes, "
        f"{sum(stats.entities_created.values())} entities created "
        f"({', '.join(f'{k} {v}' for k, v in sorted(stats.entities_created.items()))}), "
        f"{elapsed:.1f}s elapsed, {stats.total_requests / elapsed:.2f} req/s "
        f"({_fraction(stats.total_requests, elapsed, rate):.0%} of the {rate:g} req/s bound)\n"
    )
    if stats.rate_limited:
        out.write("  FAILED: the client hit the rate limit\n")
        return 1
    out.write("  OK: stayed under the rate limit (0 x 429)\n")
    return 0


def _fraction(requests: int, seconds: float, rate: float) -> float:
    """Throughput as a fraction of the limit: n requests need at least (n - 1) / rate seconds."""
    return (requests - 1) / rate / seconds if seconds > 0 else 0.0
