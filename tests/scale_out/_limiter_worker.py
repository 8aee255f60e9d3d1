"""One OS process of the limiter spacing test: N requests through a shared RedisRateLimiter.

Usage: python _limiter_worker.py BASE_URL TOKEN REDIS_URL PREFIX RATE N NAME READY GO
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import anyio

from amocrm_async import AmoCRMClient
from amocrm_async.redis import RedisRateLimiter


async def main(argv: list[str]) -> None:
    base_url, token, redis_url, prefix, rate, count, name, ready, go = argv
    async with (
        RedisRateLimiter(redis_url, prefix=prefix) as limiter,
        AmoCRMClient(
            base_url,
            access_token=token,
            allow_any_host=True,
            rate_limiter=limiter,
            rate_limit=float(rate),
            rate_limit_margin=0.1,
            max_retries=0,
            user_agent=name,
        ) as amo,
    ):
        Path(ready).touch()
        while not os.path.exists(go):
            await anyio.sleep(0.005)
        for _ in range(int(count)):
            await amo.request("GET", "/api/v4/leads", query={"limit": 1})


if __name__ == "__main__":
    anyio.run(main, sys.argv[1:])
