"""RedisRateLimiter against the real Redis: spacing across processes, the shared cool-down,
slots given back, and what happens when Redis goes away mid-run."""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import anyio
import pytest
import redis.asyncio

from amocrm_async import AmoCRMClient, Bucket, MemoryRateLimiter, RateLimiter, VirtualClock
from amocrm_async.errors import RateLimitedError, RateLimitTimeoutError
from amocrm_async.redis import RateLimiterUnavailableError, RedisRateLimiter
from amocrm_async.testing import RATE_LIMIT, FakeAmoCRM

from .._processes import run_together

pytestmark = pytest.mark.anyio


BUCKETS = [Bucket("acme.amocrm.ru|cid", 20.0), Bucket("acme.amocrm.ru", 45.0)]


@pytest.fixture
async def limiter(redis_url: str, prefix: str) -> AsyncIterator[RedisRateLimiter]:
    async with RedisRateLimiter(redis_url, prefix=prefix) as value:
        yield value


async def bucket_field(redis_url: str, prefix: str, bucket: str, field: str) -> str | None:
    client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    try:
        key = f"{prefix}{{acme.amocrm.ru}}:bucket:{bucket}"
        value = await client.hget(key, field)
        return None if value is None else str(value)
    finally:
        await client.aclose()


def max_in_window(times: list[float], window: float = 1.0) -> int:
    """The most requests the fake saw in any sliding window of ``window`` seconds."""
    times = sorted(times)
    return max(sum(1 for u in times[i:] if u < t + window) for i, t in enumerate(times))


async def test_protocol_and_repr(limiter: RedisRateLimiter) -> None:
    assert isinstance(limiter, RateLimiter)
    assert repr(limiter).startswith("RedisRateLimiter('redis://")
    hidden = RedisRateLimiter("redis://user:hunter2@127.0.0.1:6379/0")
    assert "hunter2" not in repr(hidden)
    await hidden.aclose()


async def test_burst_then_spacing(limiter: RedisRateLimiter) -> None:
    buckets = [Bucket("acme.amocrm.ru|cid", 1.0, burst=3)]
    waits = [await limiter.acquire(buckets, account="acme.amocrm.ru") for _ in range(3)]
    assert waits == [0.0, 0.0, 0.0]
    with pytest.raises(RateLimitTimeoutError) as info:
        await limiter.acquire(buckets, account="acme.amocrm.ru", max_wait=0.0)
    assert 0 < info.value.wait <= 1.0


async def test_a_refused_or_cancelled_slot_is_given_back(
    limiter: RedisRateLimiter, redis_url: str, prefix: str
) -> None:
    slow = [Bucket("acme.amocrm.ru|cid", 1.0), Bucket("acme.amocrm.ru", 45.0)]
    await limiter.acquire(slow, account="acme.amocrm.ru")
    before = await bucket_field(redis_url, prefix, slow[0].key, "t")
    with pytest.raises(RateLimitTimeoutError):
        await limiter.acquire(slow, account="acme.amocrm.ru", max_wait=0.0)
    assert await bucket_field(redis_url, prefix, slow[0].key, "t") == before
    with anyio.move_on_after(0.3):
        await limiter.acquire(slow, account="acme.amocrm.ru")  # its slot is ~1 s out
    assert await bucket_field(redis_url, prefix, slow[0].key, "t") == before


async def test_priority_goes_ahead_of_reserved_slots(limiter: RedisRateLimiter) -> None:
    waits: list[float] = []

    async def queued() -> None:
        waits.append(await limiter.acquire(BUCKETS, account="acme.amocrm.ru"))

    async with anyio.create_task_group() as tg:
        for _ in range(8):
            tg.start_soon(queued)
        await anyio.sleep(0.02)  # the eight reserve slots up to 0.35 s ahead
        refresh = await limiter.acquire(BUCKETS, account="acme.amocrm.ru", priority=True)
    assert refresh <= 1 / 20 + 0.01
    assert max(waits) >= 7 / 20 - 0.01


async def test_shared_cool_down_after_one_429(redis_url: str, prefix: str) -> None:
    """A 429 seen by one client (standing in for a process) pauses another one's requests."""
    fake = FakeAmoCRM()
    fake.seed(leads=3)
    token = fake.long_lived_token()
    fake.faults.add(RATE_LIMIT, path="/api/v4/leads", times=1, retry_after=1)
    async with (
        RedisRateLimiter(redis_url, prefix=prefix) as first_limiter,
        RedisRateLimiter(redis_url, prefix=prefix) as second_limiter,
        AmoCRMClient(
            fake.base_domain,
            access_token=token,
            transport=fake.transport,
            rate_limiter=first_limiter,
        ) as first,
        AmoCRMClient(
            fake.base_domain,
            access_token=token,
            transport=fake.transport,
            rate_limiter=second_limiter,
        ) as second,
        anyio.create_task_group() as tg,
    ):
        tg.start_soon(first.leads.get)
        watcher = redis.asyncio.Redis.from_url(redis_url)
        try:  # until the first client has written the cool-down its 429 asked for
            while not await watcher.exists(f"{prefix}{{{fake.base_domain}}}:cooldown"):
                await anyio.sleep(0.002)
        finally:
            await watcher.aclose()
        assert fake.stats.rate_limited == 1
        with pytest.raises(RateLimitTimeoutError) as info:
            await second_limiter.acquire(
                second._pipeline.buckets, account=fake.base_domain, max_wait=0.2
            )
        assert 0.2 < info.value.wait <= 1.0
        assert await second_limiter.acquire([Bucket("other|x", 7)], account="other") == 0.0
        page = await second.leads.get(limit=2)
    assert len(page) == 2
    statuses = [(r.path, r.status) for r in fake.requests]
    assert statuses == [("/api/v4/leads", 429), ("/api/v4/leads", 200), ("/api/v4/leads", 200)]
    rejected_at = fake.requests[0].time
    assert sum(1 for r in fake.requests if rejected_at < r.time < rejected_at + 0.95) == 0


async def test_memory_limiters_per_process_would_trip_the_limit() -> None:
    """The control for the spacing test: four unshared limiters overrun the fake's 10/s."""
    fake = FakeAmoCRM(rate_limit=True, integration_rps=10)
    token = fake.long_lived_token()
    clients = [
        AmoCRMClient(
            fake.base_domain,
            access_token=token,
            transport=fake.transport,
            rate_limiter=MemoryRateLimiter(),
            rate_limit=9,
            max_retries=0,
        )
        for _ in range(4)
    ]
    failures: list[BaseException] = []

    async def burst(amo: AmoCRMClient) -> None:
        for _ in range(4):
            try:
                await amo.leads.get(limit=1)
            except RateLimitedError as exc:
                failures.append(exc)

    async with anyio.create_task_group() as tg:
        for amo in clients:
            tg.start_soon(burst, amo)
    for amo in clients:
        await amo.aclose()
    assert fake.stats.rate_limited == len(failures) > 0


@pytest.mark.slow
def test_four_processes_share_one_limit(redis_url: str, prefix: str, tmp_path: Path) -> None:
    rate, per_worker, workers = 10, 6, 4
    fake = FakeAmoCRM(rate_limit=True, integration_rps=rate)
    fake.seed(leads=3)
    token = fake.long_lived_token()
    worker = str(Path(__file__).with_name("_limiter_worker.py"))
    with fake.serve_in_thread() as base_url:
        results = run_together(
            workers,
            lambda n, ready, go: [
                worker,
                base_url,
                token,
                redis_url,
                prefix,
                str(rate),
                str(per_worker),
                f"worker-{n}",
                str(ready),
                str(go),
            ],
            tmp_path,
            before_go=fake.reset_stats,
        )
    for returncode, _, stderr in results:
        assert returncode == 0, stderr
    api = [r for r in fake.requests if r.path == "/api/v4/leads"]
    assert fake.stats.rate_limited == 0
    assert len(api) == workers * per_worker
    by_worker = {f"worker-{n}": 0 for n in range(workers)}
    for record in api:
        by_worker[record.headers["user-agent"]] += 1
    assert set(by_worker.values()) == {per_worker}
    busiest = max_in_window([r.time for r in api])
    assert rate - 3 <= busiest <= rate  # near the bound, never over it


class Proxy:
    """A TCP proxy to Redis that the test can take away (and bring back) mid-run."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.port = 0
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        self.writers += [writer, up_writer]

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            while data := await src.read(65536):
                dst.write(data)
                await dst.drain()
            dst.close()

        await asyncio.gather(
            pipe(reader, up_writer), pipe(up_reader, writer), return_exceptions=True
        )

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()


@pytest.fixture
async def proxy(redis_url: str) -> AsyncIterator[Proxy]:
    kwargs = redis.asyncio.Redis.from_url(redis_url).connection_pool.connection_kwargs
    value = Proxy((kwargs.get("host", "127.0.0.1"), kwargs.get("port", 6379)))
    await value.start()
    yield value
    if value.server is not None and value.server.is_serving():
        await value.stop()


def redis_logs(caplog: pytest.LogCaptureFixture, level: int) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == "amocrm_async.redis" and r.levelno == level
    ]


async def test_redis_down_mid_run_falls_back_to_a_local_limit(
    proxy: Proxy, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "amocrm_async.redis")
    clock = VirtualClock()
    limiter = RedisRateLimiter(
        f"redis://127.0.0.1:{proxy.port}/0", prefix=prefix, clock=clock, retry_interval=5
    )
    buckets = [Bucket("acme.amocrm.ru|cid", 40.0), Bucket("acme.amocrm.ru", 45.0)]
    assert await limiter.acquire(buckets, account="acme.amocrm.ru") == 0.0
    assert not limiter.degraded

    await proxy.stop()
    sent = []
    for _ in range(5):
        await limiter.acquire(buckets, account="acme.amocrm.ru")
        sent.append(clock.monotonic())
    assert limiter.degraded
    # a quarter of the strictest rate, 10/s, evenly: no burst while Redis is away
    assert [round(b - a, 6) for a, b in itertools.pairwise(sent)] == [0.1] * 4
    warnings = redis_logs(caplog, logging.WARNING)
    assert len(warnings) == 1
    assert "unreachable" in warnings[0] and "25%" in warnings[0] and str(proxy.port) in warnings[0]

    await limiter.cool_down("acme.amocrm.ru", 2.0)  # kept locally while Redis is away
    before = clock.monotonic()
    await limiter.acquire(buckets, account="acme.amocrm.ru")
    assert clock.monotonic() - before >= 2.0

    await proxy.start()
    clock.advance(5)
    await limiter.acquire(buckets, account="acme.amocrm.ru")
    assert not limiter.degraded
    assert len(redis_logs(caplog, logging.WARNING)) == 1
    assert any("answers again" in m for m in redis_logs(caplog, logging.INFO))
    await limiter.aclose()


async def test_fail_closed_when_chosen(prefix: str, caplog: pytest.LogCaptureFixture) -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:1/0", prefix=prefix, on_unavailable="fail")
    for _ in range(3):
        with pytest.raises(RateLimiterUnavailableError, match=r"127\.0\.0\.1:1/"):
            await limiter.acquire(BUCKETS, account="acme.amocrm.ru")
    assert len(redis_logs(caplog, logging.WARNING)) == 1
    await limiter.aclose()


def test_construction_errors() -> None:
    with pytest.raises(ValueError, match="on_unavailable"):
        RedisRateLimiter("redis://127.0.0.1/0", on_unavailable="ignore")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="local_share"):
        RedisRateLimiter("redis://127.0.0.1/0", local_share=0)
    with pytest.raises(ValueError, match="Redis URL is empty"):
        RedisRateLimiter("")


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_needs_asyncio(anyio_backend: str) -> None:
    limiter = RedisRateLimiter("redis://127.0.0.1:6379/0")
    with pytest.raises(RuntimeError, match="asyncio event loop"):
        await limiter.acquire(BUCKETS, account="acme.amocrm.ru")


async def test_a_given_client_decoding_replies_works_and_stays_open(
    redis_url: str, prefix: str
) -> None:
    client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    try:
        async with RedisRateLimiter(client, prefix=prefix) as limiter:
            slow = [Bucket("acme.amocrm.ru|cid", 2.0)]
            assert await limiter.acquire(slow, account="acme.amocrm.ru") == 0.0
            with pytest.raises(RateLimitTimeoutError):  # a reservation, refused and given back
                await limiter.acquire(slow, account="acme.amocrm.ru", max_wait=0.0)
            await limiter.cool_down("acme.amocrm.ru", 0.5)
            assert float(await client.get(f"{prefix}{{acme.amocrm.ru}}:cooldown") or 0) > 0
        assert await client.ping()
    finally:
        await client.aclose()


async def test_a_full_window_holds_the_next_request(
    limiter: RedisRateLimiter, redis_url: str, prefix: str
) -> None:
    """Late wakers that sent together: the next waits until the oldest of them is a window back."""
    bucket = Bucket("acme.amocrm.ru|cid", 50.0)  # 50 sends per 50 intervals (1 s)
    sent = f"{prefix}{{acme.amocrm.ru}}:sent:{bucket.key}"
    client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
    try:
        seconds, micros = await client.time()
        now = seconds * 1_000_000 + micros
        await client.zadd(sent, {f"late-{n}": now - 500_000 + n for n in range(50)})
        waited = await limiter.acquire([bucket], account="acme.amocrm.ru")
        assert 0.0 < waited <= 0.5  # the oldest of the fifty is 0.5 s back: up to 0.5 s to go
        assert await client.zcard(sent) == 50  # only the last window is kept
        assert await client.zscore(sent, "late-0") is None
    finally:
        await client.aclose()
