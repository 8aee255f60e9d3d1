"""Background jobs on taskiq + Redis: many worker processes, one rate limit, one token refresh.

Each worker process creates one ``AmoCRMClient`` when it starts, with a ``RedisRateLimiter``
and a ``RedisTokenStore`` on the Redis that also carries the queue. However many workers (and
hosts) run, the account sees one 7 req/s budget and one refresh of its rotating token pair.

In production::

    taskiq worker --app-dir examples taskiq_worker:broker --workers 4   # on each host
    await export_window.kiq(created_from, created_to)                   # from your app

configured by ``REDIS_URL``, ``AMOCRM_BASE_DOMAIN``, ``AMOCRM_CLIENT_ID``,
``AMOCRM_CLIENT_SECRET`` and ``AMOCRM_REDIRECT_URI`` (the pair was stored once by
``amo.authorize(code)`` with the same store).

Against the embedded fake (starts it on loopback, stores an *expired* pair, runs two worker
processes, enqueues four export jobs and waits for them)::

    python examples/taskiq_worker.py
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from taskiq import Context, TaskiqDepends, TaskiqEvents, TaskiqState
from taskiq_redis import ListQueueBroker, RedisAsyncResultBackend

from amocrm_async import AmoCRMClient, OAuthConfig, OAuthToken
from amocrm_async.filters import LeadsFilter, Range
from amocrm_async.redis import RedisRateLimiter, RedisTokenStore

REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
if __name__ == "__main__" and "EXAMPLE_PREFIX" not in os.environ:
    os.environ["EXAMPLE_PREFIX"] = f"amocrm-example:{uuid.uuid4().hex}:"  # this demo's own keys
PREFIX = os.environ.get("EXAMPLE_PREFIX", "amocrm:")  # keys of the queue, store and limiter
TOKEN_KEY = "main-account"

broker = ListQueueBroker(REDIS_URL, queue_name=f"{PREFIX}jobs").with_result_backend(
    RedisAsyncResultBackend(REDIS_URL, prefix_str=f"{PREFIX}results", result_ex_time=600)
)


@broker.on_event(TaskiqEvents.WORKER_STARTUP)
async def open_client(state: TaskiqState) -> None:
    """One client per worker process, shared by all its jobs."""
    config = OAuthConfig(
        os.environ["AMOCRM_CLIENT_ID"],
        os.environ["AMOCRM_CLIENT_SECRET"],
        os.environ["AMOCRM_REDIRECT_URI"],
    )
    state.limiter = RedisRateLimiter(REDIS_URL, prefix=PREFIX)
    state.store = RedisTokenStore(REDIS_URL, prefix=PREFIX)
    state.amo = AmoCRMClient(
        os.environ["AMOCRM_BASE_DOMAIN"],
        oauth=config,
        token_store=state.store,
        token_key=TOKEN_KEY,
        rate_limiter=state.limiter,
        rate_limit=float(os.environ.get("AMOCRM_RATE_LIMIT", "7")),
        allow_any_host=os.environ.get("AMOCRM_ALLOW_ANY_HOST") == "1",  # the local fake only
    )


@broker.on_event(TaskiqEvents.WORKER_SHUTDOWN)
async def close_client(state: TaskiqState) -> None:
    await state.amo.aclose()
    await state.store.aclose()
    await state.limiter.aclose()


@broker.task(task_name="amocrm.export_window")
async def export_window(
    created_from: int,
    created_to: int,
    context: Context = TaskiqDepends(),  # noqa: B008 - taskiq's injection
) -> dict[str, Any]:
    """Export the leads created within [created_from, created_to]; answer a summary."""
    amo: AmoCRMClient = context.state.amo
    window = LeadsFilter(created_at=Range(from_=created_from, to=created_to))
    count = 0
    async for _lead in amo.leads.iterate(window, limit=250):
        count += 1
    return {"leads": count, "pid": os.getpid()}


# -- the demo against the fake --------------------------------------------------------------------


def windows(low: int, high: int, count: int) -> list[tuple[int, int]]:
    width = (high - low + 1) / count
    edges = [low + int(i * width) for i in range(count)] + [high + 1]
    return [(edges[i], edges[i + 1] - 1) for i in range(count)]


async def store_expired_pair(base_url: str, config: OAuthConfig, code: str) -> None:
    """What a web app does once at install (authorize), then age the pair for the demo."""
    async with RedisTokenStore(REDIS_URL, prefix=PREFIX) as store:
        async with AmoCRMClient(
            base_url, oauth=config, token_store=store, token_key=TOKEN_KEY, allow_any_host=True
        ) as amo:
            await amo.authorize(code)
        record = await store.load(TOKEN_KEY)
        assert record is not None
        token = record.token
        expired = OAuthToken(token.access_token, token.refresh_token, time.time() - 60)
        assert await store.compare_and_set(TOKEN_KEY, record.version, expired, record.base_domain)


async def remove_keys() -> None:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(REDIS_URL)
    try:
        keys = [key async for key in client.scan_iter(match=f"{PREFIX}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def start_workers(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """``taskiq worker`` with two worker processes, as you would run it on each host."""
    app_dir = str(Path(__file__).resolve().parent)
    command = ["taskiq", "worker", "--app-dir", app_dir, "taskiq_worker:broker", "--workers", "2"]
    return subprocess.Popen([sys.executable, "-m", *command, "--log-level", "WARNING"], env=env)


async def demo() -> None:
    from amocrm_async.testing import FakeAmoCRM

    fake = FakeAmoCRM(rate_limit=True, integration_rps=20)
    fake.seed(leads=2_000)
    created = [lead["created_at"] for lead in fake.entities("leads", with_=())]
    integration = fake.register_integration()
    config = OAuthConfig(integration.client_id, integration.client_secret, integration.redirect_uri)
    with fake.serve_in_thread() as base_url:
        await store_expired_pair(base_url, config, fake.issue_authorization_code(integration))
        env = {
            **os.environ,
            "AMOCRM_BASE_DOMAIN": base_url,
            "AMOCRM_CLIENT_ID": config.client_id,
            "AMOCRM_CLIENT_SECRET": config.client_secret,
            "AMOCRM_REDIRECT_URI": config.redirect_uri,
            "AMOCRM_RATE_LIMIT": "20",
            "AMOCRM_ALLOW_ANY_HOST": "1",
        }
        workers = start_workers(env)
        await broker.startup()
        try:
            jobs = [
                await export_window.kiq(a, b) for a, b in windows(min(created), max(created), 4)
            ]
            results = [(await job.wait_result(timeout=120)).return_value for job in jobs]
        finally:
            await broker.shutdown()
            workers.terminate()
            workers.wait(30)
            await remove_keys()
    leads = sum(r["leads"] for r in results)
    processes = len({r["pid"] for r in results})
    print(
        f"exported {leads} leads in {len(jobs)} jobs on {processes} worker process(es); "
        f"{fake.stats.token_refreshes} token refresh; {fake.stats.rate_limited} rate-limited"
    )


if __name__ == "__main__":
    asyncio.run(demo())
