"""Export N leads over loopback from a fake enforcing R req/s with latency L.

Two runs: a plain ``async for lead in amo.leads.iterate()`` (the default read-ahead), then
``async with amo.leads.iterate(concurrency=N)``. Each prints elapsed, the bound (pages / R),
their ratio, the 429 count, and the client's CPU time per lead (the fake runs in another
process); then the CPU per lead of bare httpx + ``json.loads`` over the same pages at the same
pace, the floor on this machine. Targets: ratio >= 0.95 with 0 429s at L = 200 ms, R = 7
(``--quick``: R = 50, L = 50 ms); CPU <= 11 µs per lead.

    python bench/export.py            # N = 10,000 leads, R = 7, L = 200 ms
    python bench/export.py --quick    # N = 25,000 leads, R = 50, L = 50 ms
"""

from __future__ import annotations

import json
import math
import time

import anyio
import httpx
from _common import FakeServer, Scenario, parse, report, slow_limited_fake

from amocrm_async import AmoCRMClient


async def untyped_floor(fake: FakeServer, scenario: Scenario, pages: int) -> float:
    """CPU per lead of the least a client can do for the same pages at the same pace: bare
    ``httpx`` GETs, three in flight, started 1/R apart, each body ``json.loads``-ed into dicts
    (no retries, no limiter, no models). The machine's floor for the figure above."""
    exported = 0
    async with httpx.AsyncClient(base_url=fake.base_url, timeout=30) as http:
        headers = {"Authorization": f"Bearer {fake.token()}"}
        await http.get("/api/v4/leads", params={"limit": 1}, headers=headers)
        await anyio.sleep(1)
        cpu = time.process_time()

        async def get(page: int) -> None:
            nonlocal exported
            answer = await http.get(
                "/api/v4/leads", params={"limit": 250, "page": page}, headers=headers
            )
            exported += len(json.loads(answer.content)["_embedded"]["leads"])

        async with anyio.create_task_group() as tg:
            for page in range(1, pages + 1):
                tg.start_soon(get, page)
                await anyio.sleep(1 / scenario.rate)
        return (time.process_time() - cpu) / exported * 1e6


async def main() -> None:
    scenario = parse(__doc__ or "", full_count=10_000, quick_count=25_000)
    pages = math.ceil(scenario.count / 250)
    with slow_limited_fake(scenario) as fake:
        fake.control("seed", leads=scenario.count)
        async with AmoCRMClient(
            fake.base_url, access_token=fake.token(), allow_any_host=True, rate_limit=scenario.rate
        ) as amo:
            # warm up the connection and the fake's caches, then let the limiter's slot pass
            await amo.leads.get(limit=1)
            await anyio.sleep(1)
            for label, concurrency in (
                ("plain async for, default read-ahead", None),
                (f"async with, concurrency {scenario.concurrency}", scenario.concurrency),
            ):
                await anyio.sleep(1)
                fake.control("reset_stats")
                started, cpu = time.perf_counter(), time.process_time()
                exported = 0
                leads = amo.leads.iterate(limit=250, concurrency=concurrency)
                if concurrency is None:
                    async for _lead in leads:
                        exported += 1
                else:
                    async with leads:
                        async for _lead in leads:
                            exported += 1
                elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
                stats = fake.stats()
                assert exported == scenario.count, (exported, scenario.count)
                report(
                    f"export of {exported} leads ({pages} pages), {label}",
                    elapsed=elapsed,
                    requests=pages,
                    scenario=scenario,
                    r429=stats["rate_limited"],
                )
                print(
                    f"  requests sent: {stats['total_requests']}, "
                    f"client CPU {cpu / exported * 1e6:.1f} µs/lead"
                )
        floor = await untyped_floor(fake, scenario, pages)
        print(f"untyped floor (httpx + json.loads, same pages and pace): {floor:.1f} µs/lead")


if __name__ == "__main__":
    anyio.run(main)
