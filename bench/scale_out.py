"""Scale-out on Redis: several processes on one account share one rate limit and one refresh.

1. Export: W worker processes (default 4) export disjoint ``created_at`` windows of N leads
   (default 40,000) from a fake amoCRM in its own process that enforces R req/s (7) with
   latency L (200 ms). Each worker has its own ``AmoCRMClient`` with a ``RedisRateLimiter`` on
   the same Redis. Printed: the rate the fake saw (first to last arrival) as a ratio of R
   (target >= 0.95), the 429 count (target 0) and that every lead arrived exactly once. The
   fake keeps its seeded data out of the garbage collector (see ``fake_main``), and each worker
   opens its connection before the clock starts.
2. Refresh: P processes (default 8) start with an expired OAuth pair in a ``RedisTokenStore``
   and make one call each. Printed: the refreshes the fake's token endpoint saw (target 1).

    python bench/scale_out.py                      # N = 40,000, W = 4, P = 8, R = 7, L = 200 ms
    python bench/scale_out.py --quick              # N = 10,000
    python bench/scale_out.py --redis redis://host:6379/1

Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import time
import uuid
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import anyio
from _common import FakeServer, fake_in_process, free_port

from amocrm_async import AmoCRMClient, OAuthConfig, OAuthToken
from amocrm_async.filters import LeadsFilter, Range
from amocrm_async.redis import RedisRateLimiter, RedisTokenStore

SECRET_VARIABLE = "AMOCRM_BENCH_CLIENT_SECRET"
TOKEN_VARIABLE = "AMOCRM_BENCH_ACCESS_TOKEN"
MARGIN_VARIABLE = "AMOCRM_BENCH_MARGIN"
REDIRECT_URI = "https://example.com/oauth/callback"
TOKEN_KEY = "bench-account"


# -- the worker processes ------------------------------------------------------------------------


async def export_worker(
    base_url: str, redis_url: str, prefix: str, rate: float, low: int, high: int, pages: int
) -> dict[str, Any]:
    """Export the leads created within [low, high] with a limiter shared through Redis."""
    ids: list[int] = []
    async with (
        RedisRateLimiter(redis_url, prefix=prefix) as limiter,
        AmoCRMClient(
            base_url,
            access_token=os.environ[TOKEN_VARIABLE],
            allow_any_host=True,
            rate_limit=rate,
            rate_limit_margin=float(os.environ.get(MARGIN_VARIABLE, "0.02")),
            rate_limiter=limiter,
        ) as amo,
    ):
        window = LeadsFilter(created_at=Range(from_=low, to=high))
        # open the connection (and warm the fake's query path) first, as a long-running
        # worker would have done already
        await amo.leads.get(window, limit=1)
        await wait_for_go()
        async with amo.leads.iterate(window, limit=250, concurrency=pages) as leads:
            async for lead in leads:
                assert lead.id is not None
                ids.append(lead.id)
    return {"ids": ids}


async def refresh_worker(
    base_url: str, redis_url: str, prefix: str, rate: float, client_id: str
) -> dict[str, Any]:
    """One call with the stored (expired) pair: the store decides who refreshes."""
    config = OAuthConfig(client_id, os.environ[SECRET_VARIABLE], REDIRECT_URI)
    async with (
        RedisRateLimiter(redis_url, prefix=prefix) as limiter,
        RedisTokenStore(redis_url, prefix=prefix) as store,
        AmoCRMClient(
            base_url,
            oauth=config,
            token_store=store,
            token_key=TOKEN_KEY,
            allow_any_host=True,
            rate_limit=rate,
            rate_limiter=limiter,
        ) as amo,
    ):
        await wait_for_go()
        await amo.request("GET", "/api/v4/account")
        stored = await store.load(TOKEN_KEY)
    assert stored is not None
    return {
        "version": stored.version,
        "token": hashlib.sha256(stored.token.access_token.encode()).hexdigest()[:12],
    }


async def wait_for_go() -> None:
    Path(os.environ["AMOCRM_BENCH_READY"]).touch()
    go = os.environ["AMOCRM_BENCH_GO"]
    while not os.path.exists(go):
        await anyio.sleep(0.005)


def fake_main(port: int, count: int, rate: float, latency: float) -> None:
    """The fake amoCRM of this bench, in its own process, with its data out of the GC's way.

    The 40,000 seeded leads are millions of Python objects; a full garbage collection over them
    stalls the fake for ~0.3 s, after which it handles the requests that queued up meanwhile
    back to back and counts them as a burst (a 429 for requests that were sent evenly spaced).
    ``gc.freeze()`` after seeding keeps them out of every collection.
    """
    import gc

    from amocrm_async.testing import LATENCY, FakeAmoCRM, serve

    fake = FakeAmoCRM(rate_limit=True, integration_rps=rate, account_rps=max(50.0, rate))
    fake.seed(leads=count)
    fake.faults.add(LATENCY, seconds=latency)
    gc.collect()
    gc.freeze()
    serve(fake, port=port, log_level="warning")


def fake_server(count: int, rate: float, latency: float) -> AbstractContextManager[FakeServer]:
    port = free_port()
    command = [sys.executable, __file__, "--fake", str(port), str(count), str(rate), str(latency)]
    return fake_in_process(command, port, timeout=120)


def worker_main(argv: list[str]) -> None:
    kind, *args = argv
    if kind == "export":
        base_url, redis_url, prefix, rate, low, high, pages = args
        result = anyio.run(
            export_worker, base_url, redis_url, prefix, float(rate), int(low), int(high), int(pages)
        )
    else:
        base_url, redis_url, prefix, rate, client_id = args
        result = anyio.run(refresh_worker, base_url, redis_url, prefix, float(rate), client_id)
    print(json.dumps(result), flush=True)


# -- the coordinator -----------------------------------------------------------------------------


def run_workers(
    runs: list[list[str]], env: dict[str, str], workdir: Path, fake: FakeServer
) -> tuple[list[dict[str, Any]], float]:
    """Start every worker, release them together once all are ready; (results, seconds).

    The fake's counters start over just before the release, after the workers' warm-up.
    """
    go = workdir / f"go-{uuid.uuid4().hex}"
    processes = []
    for n, args in enumerate(runs):
        ready = workdir / f"ready-{go.name}-{n}"
        worker_env = {**env, "AMOCRM_BENCH_READY": str(ready), "AMOCRM_BENCH_GO": str(go)}
        processes.append(
            (
                ready,
                subprocess.Popen(
                    [sys.executable, __file__, "--worker", *args],
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                    env=worker_env,
                ),
            )
        )
    try:
        deadline = time.monotonic() + 120
        while not all(ready.exists() for ready, _ in processes):
            for _, process in processes:
                if process.poll() not in (None, 0):
                    raise RuntimeError(f"a worker failed to start:\n{process.communicate()[1]}")
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start within 120 s")
            time.sleep(0.01)
        fake.control("reset_stats")
        started = time.perf_counter()
        go.touch()
        outputs = [process.communicate(timeout=600) for _, process in processes]
        elapsed = time.perf_counter() - started
    finally:
        for _, process in processes:
            if process.poll() is None:
                process.kill()
                process.communicate()
    results = []
    for (_, process), (stdout, stderr) in zip(processes, outputs, strict=True):
        if process.returncode != 0:
            raise RuntimeError(f"a worker failed:\n{stderr}")
        results.append(json.loads(stdout))
    return results, elapsed


def windows(low: int, high: int, count: int) -> list[tuple[int, int]]:
    """``count`` disjoint inclusive integer windows covering [low, high]."""
    width = (high - low + 1) / count
    edges = [low + math.floor(i * width) for i in range(count)] + [high + 1]
    return [(edges[i], edges[i + 1] - 1) for i in range(count)]


async def bounds(fake: FakeServer, token: str) -> tuple[int, int]:
    async with AmoCRMClient(fake.base_url, access_token=token, allow_any_host=True) as amo:
        oldest = await amo.leads.get(LeadsFilter(order=("created_at", "asc")), limit=1)
        newest = await amo.leads.get(LeadsFilter(order=("created_at", "desc")), limit=1)
    low, high = oldest[0].created_at, newest[0].created_at
    assert low is not None and high is not None
    return int(low), int(high)


async def seed_expired_pair(fake: FakeServer, redis_url: str, prefix: str) -> tuple[str, str]:
    """Authorise an integration through the fake, then make the stored pair expired."""
    integration = fake.control("integrations", redirect_uri=REDIRECT_URI)
    config = OAuthConfig(integration["client_id"], integration["client_secret"], REDIRECT_URI)
    async with RedisTokenStore(redis_url, prefix=prefix) as store:
        async with AmoCRMClient(
            fake.base_url, oauth=config, token_store=store, token_key=TOKEN_KEY, allow_any_host=True
        ) as amo:
            await amo.authorize(integration["code"])
        record = await store.load(TOKEN_KEY)
        assert record is not None
        token = record.token
        expired = OAuthToken(token.access_token, token.refresh_token, time.time() - 60)
        assert await store.compare_and_set(TOKEN_KEY, record.version, expired, record.base_domain)
    return integration["client_id"], integration["client_secret"]


def arrival_rate(fake: FakeServer, path: str) -> tuple[int, float]:
    """Requests to ``path`` the fake saw, and their rate from the first to the last arrival."""
    log = fake.http.get("/_fake/requests").json()
    if os.environ.get("AMOCRM_BENCH_DUMP"):
        Path(os.environ["AMOCRM_BENCH_DUMP"]).write_text(json.dumps(log))
    times = sorted(entry["time"] for entry in log if entry["path"] == path)
    if len(times) < 2:
        return len(times), math.nan
    return len(times), (len(times) - 1) / (times[-1] - times[0])


async def clean(redis_url: str, prefix: str) -> None:
    import redis.asyncio

    client = redis.asyncio.Redis.from_url(redis_url)
    try:
        keys = [key async for key in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
    finally:
        await client.aclose()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="N = 10,000 leads")
    parser.add_argument("-n", "--count", type=int, help="leads to export (default 40,000)")
    parser.add_argument("--workers", type=int, default=4, help="export processes")
    parser.add_argument("--refreshers", type=int, default=8, help="refresh processes")
    parser.add_argument("--concurrency", type=int, default=1, help="pages in flight per worker")
    parser.add_argument(
        "--margin", type=float, default=0.02, help="rate_limit_margin of the clients (0.02)"
    )
    parser.add_argument("--rate", type=float, default=7.0, help="R, req/s enforced by the fake")
    parser.add_argument("--latency", type=float, default=0.2, help="L, seconds per request")
    parser.add_argument(
        "--redis", default=os.environ.get("AMOCRM_TEST_REDIS_URL") or "redis://127.0.0.1:6379/0"
    )
    args = parser.parse_args()
    count = args.count or (10_000 if args.quick else 40_000)
    prefix = f"amocrm-bench:{uuid.uuid4().hex}:"
    src = Path(__file__).resolve().parents[1] / "src"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(src), os.environ.get("PYTHONPATH", "")]),
    }
    workdir = Path(os.environ.get("TMPDIR", "/tmp"))
    ok = True
    try:
        with fake_server(count, args.rate, args.latency) as fake:
            token = fake.token()
            low, high = anyio.run(bounds, fake, token)

            # 1. export
            common = ["export", fake.base_url, args.redis, prefix, str(args.rate)]
            runs = [
                [*common, str(a), str(b), str(args.concurrency)]
                for a, b in windows(low, high, args.workers)
            ]
            results, elapsed = run_workers(runs, {**env, TOKEN_VARIABLE: token}, workdir, fake)
            stats = fake.stats()
            requests, rate = arrival_rate(fake, "/api/v4/leads")
            ids = [i for result in results for i in result["ids"]]
            ratio = rate / args.rate
            slices = ", ".join(str(len(result["ids"])) for result in results)
            print(
                f"export: {args.workers} processes sharing a RedisRateLimiter, {len(ids)} leads "
                f"({slices} per created_at window), R={args.rate:g} req/s, "
                f"L={args.latency * 1000:.0f} ms, client margin {args.margin:.0%}\n"
                f"  the fake saw {requests} requests at {rate:.2f} req/s (first to last arrival): "
                f"ratio {ratio:.3f} of R (target >= 0.95); 429s {stats['rate_limited']} "
                f"(target 0); wall {elapsed:.1f} s"
            )
            distinct = len(set(ids))
            exact = distinct == len(ids) == count
            print(f"  leads: {len(ids)} exported, {distinct} distinct, {count} seeded")
            ok &= ratio >= 0.95 and stats["rate_limited"] == 0 and exact

            # 2. one refresh across processes
            client_id, secret = anyio.run(seed_expired_pair, fake, args.redis, prefix)
            runs = [
                ["refresh", fake.base_url, args.redis, prefix, str(args.rate), client_id]
            ] * args.refreshers
            results, elapsed = run_workers(runs, {**env, SECRET_VARIABLE: secret}, workdir, fake)
            stats = fake.stats()
            versions = sorted({r["version"] for r in results})
            tokens = {r["token"] for r in results}
            print(
                f"refresh: {args.refreshers} processes, expired pair in a RedisTokenStore\n"
                f"  token refreshes {stats['token_refreshes']} (target 1), "
                f"ratio {stats['token_refreshes']}/{args.refreshers} processes; "
                f"rejected {stats['rejected_refreshes']}; 429s {stats['rate_limited']}; "
                f"every process ended on version {versions} with {len(tokens)} distinct "
                f"token(s); wall {elapsed:.1f} s"
            )
            ok &= stats["token_refreshes"] == 1 and stats["rejected_refreshes"] == 0
            ok &= len(tokens) == 1 and stats["rate_limited"] == 0
    finally:
        anyio.run(clean, args.redis, prefix)
    print("all targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        worker_main(sys.argv[2:])
    elif sys.argv[1:2] == ["--fake"]:
        port, count, rate, latency = sys.argv[2:]
        fake_main(int(port), int(count), float(rate), float(latency))
    else:
        sys.exit(main())
