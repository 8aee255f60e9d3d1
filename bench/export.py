"""Export N leads over loopback from a fake enforcing R req/s with latency L.

Two runs: a plain ``async for lead in amo.leads.iterate()`` (the default read-ahead), then
``async with amo.leads.iterate(concurrency=N)``. Each prints elapsed, the bound (pages / R),
their ratio, the 429 count, and the client's CPU time per lead (the fake runs in another
process). Targets: ratio >= 0.95 with 0 429s at L = 200 ms, R = 7 (``--quick``: R = 50,
L = 50 ms); CPU <= 11 µs per lead.

    python bench/export.py            # N = 10,000 leads, R = 7, L = 200 ms
    python bench/export.py --quick    # N = 25,000 leads, R = 50, L = 50 ms
"""

from __future__ import annotations

import math
import time

import anyio
from _common import parse, report, slow_limited_fake

from amocrm_async import AmoCRMClient


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


if __name__ == "__main__":
    anyio.run(main)
