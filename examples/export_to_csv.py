"""Export every lead updated since a date to CSV, at the account's rate limit.

python examples/export_to_csv.py              # against the embedded fake amoCRM
AMO_DOMAIN=acme.amocrm.ru AMO_TOKEN=... python examples/export_to_csv.py leads.csv
"""

from __future__ import annotations

import csv
import os
import sys
from datetime import UTC, datetime

import anyio

from amocrm_async import AmoCRMClient
from amocrm_async.filters import LeadsFilter, Range
from amocrm_async.testing import FakeAmoCRM


async def export(amo: AmoCRMClient, path: str) -> int:
    since = LeadsFilter(
        updated_at=Range(from_=datetime(2020, 1, 1, tzinfo=UTC)), order=("updated_at", "asc")
    )
    rows = 0
    with open(path, "w", newline="") as out:  # noqa: ASYNC230 - a local file, written row by row
        writer = csv.writer(out)
        writer.writerow(["id", "name", "price", "status_id", "pipeline_id", "updated_at"])
        async with amo.leads.iterate(since, concurrency=3) as leads:
            async for lead in leads:
                writer.writerow(
                    [
                        lead.id,
                        lead.name,
                        lead.price,
                        lead.status_id,
                        lead.pipeline_id,
                        lead.updated_at,
                    ]
                )
                rows += 1
    return rows


async def main() -> None:
    path = sys.argv[1] if len(sys.argv) > 1 else "leads.csv"
    if "AMO_TOKEN" in os.environ:
        client = AmoCRMClient(os.environ["AMO_DOMAIN"], access_token=os.environ["AMO_TOKEN"])
    else:
        fake = FakeAmoCRM()
        fake.seed(leads=2_000)
        client = AmoCRMClient(
            fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
        )
    async with client as amo:
        print(f"{await export(amo, path)} leads written to {path}")


if __name__ == "__main__":
    anyio.run(main)
