"""Create N leads with ``add`` over loopback against a fake enforcing R req/s with latency L.

Prints elapsed, the bound (ceil(N / 50) / R), their ratio, and the 429 count.

    python bench/write.py             # N = 2,000 leads, R = 7, L = 200 ms
    python bench/write.py --quick     # N = 10,000 leads, R = 50, L = 50 ms
"""

from __future__ import annotations

import math
import time

import anyio
from _common import parse, report, slow_limited_fake

from amocrm_async import AmoCRMClient
from amocrm_async.models import Lead


async def main() -> None:
    scenario = parse(__doc__ or "", full_count=2_000, quick_count=10_000)
    leads = [Lead(name=f"bench {i}", price=i) for i in range(scenario.count)]
    chunks = math.ceil(scenario.count / 50)
    with slow_limited_fake(scenario) as fake:
        async with AmoCRMClient(
            fake.base_url, access_token=fake.token(), allow_any_host=True, rate_limit=scenario.rate
        ) as amo:
            await amo.leads.get(limit=1)  # warm-up request, outside the measurement
            await anyio.sleep(1)
            fake.control("reset_stats")
            started = time.perf_counter()
            created = await amo.leads.add(leads)
            elapsed = time.perf_counter() - started
        stats = fake.stats()
    assert len({lead.id for lead in created}) == scenario.count
    assert stats["entities_created"]["leads"] == scenario.count
    report(
        f"add of {scenario.count} leads ({chunks} chunks of 50)",
        elapsed=elapsed,
        requests=chunks,
        scenario=scenario,
        r429=stats["rate_limited"],
    )


if __name__ == "__main__":
    anyio.run(main)
