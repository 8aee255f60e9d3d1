"""Export N leads over loopback from a fake enforcing R req/s with latency L.

Prints elapsed, the bound (pages / R), their ratio, and the 429 count.
Target: ratio >= 0.95 with 0 429s at L = 200 ms, R = 7 (``--quick``: R = 50, L = 50 ms).

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
            fake.control("reset_stats")
            started = time.perf_counter()
            exported = 0
            async with amo.leads.iterate(limit=250, concurrency=scenario.concurrency) as leads:
                async for _lead in leads:
                    exported += 1
            elapsed = time.perf_counter() - started
        stats = fake.stats()
    assert exported == scenario.count, (exported, scenario.count)
    report(
        f"export of {exported} leads ({pages} pages, concurrency {scenario.concurrency})",
        elapsed=elapsed,
        requests=pages,
        scenario=scenario,
        r429=stats["rate_limited"],
    )
    print(f"  requests sent: {stats['total_requests']}")


if __name__ == "__main__":
    anyio.run(main)
