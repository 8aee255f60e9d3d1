"""The in-process GCRA limiter on a virtual clock."""

from __future__ import annotations

import itertools

import anyio
import pytest

from amocrm_async import Bucket, MemoryRateLimiter, VirtualClock, errors

pytestmark = pytest.mark.anyio


async def send_times(limiter: MemoryRateLimiter, buckets: list[Bucket], n: int) -> list[float]:
    times: list[float] = []

    async def one() -> None:
        await limiter.acquire(buckets, account="a")
        times.append(limiter.clock.monotonic())

    async with anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(one)
    return sorted(times)


async def test_even_spacing(clock: VirtualClock) -> None:
    times = await send_times(MemoryRateLimiter(clock), [Bucket("a|x", 7)], 15)
    assert times[-1] - times[0] == pytest.approx(14 / 7)
    assert min(b - a for a, b in itertools.pairwise(times)) >= 1 / 7 - 1e-9


async def test_strictest_bucket_wins(clock: VirtualClock) -> None:
    times = await send_times(MemoryRateLimiter(clock), [Bucket("a|x", 100), Bucket("a", 5)], 11)
    assert times[-1] - times[0] == pytest.approx(10 / 5)


async def test_burst(clock: VirtualClock) -> None:
    times = await send_times(MemoryRateLimiter(clock), [Bucket("a|x", 10, burst=3)], 3)
    assert times == [0.0, 0.0, 0.0] or times[-1] <= 0.2


async def test_cool_down_pauses_everyone(clock: VirtualClock) -> None:
    limiter = MemoryRateLimiter(clock)
    await limiter.cool_down("a", 5)
    assert limiter.cooldown_remaining("a") == 5
    times = await send_times(limiter, [Bucket("a|x", 100)], 3)
    assert times[0] >= 5
    other = MemoryRateLimiter(clock)
    await other.acquire([Bucket("b|x", 100)], account="b")  # another account is not paused


async def test_max_wait_raises_instead_of_waiting(clock: VirtualClock) -> None:
    limiter = MemoryRateLimiter(clock)
    await limiter.cool_down("a", 30)
    with pytest.raises(errors.RateLimitTimeoutError) as info:
        await limiter.acquire([Bucket("a|x", 7)], account="a", max_wait=10)
    assert info.value.wait == pytest.approx(30)
    assert clock.monotonic() == 0


async def test_priority_goes_ahead_of_reserved_slots(clock: VirtualClock) -> None:
    limiter = MemoryRateLimiter(clock)
    bucket = [Bucket("a|x", 10)]
    order: list[str] = []

    async def normal(i: int) -> None:
        await limiter.acquire(bucket, account="a")
        order.append(f"n{i}")

    async def urgent() -> None:
        await clock.sleep(0.05)  # arrives after ten slots were reserved
        await limiter.acquire(bucket, account="a", priority=True)
        order.append("urgent")

    async with anyio.create_task_group() as tg:
        for i in range(10):
            tg.start_soon(normal, i)
        tg.start_soon(urgent)
    assert order.index("urgent") <= 2


async def test_late_wake_keeps_actual_spacing(clock: VirtualClock) -> None:
    limiter = MemoryRateLimiter(clock)
    bucket = [Bucket("a|x", 10)]
    await limiter.acquire(bucket, account="a")
    clock.advance(0.05)  # the previous send happened late
    await limiter.acquire(bucket, account="a")
    first = clock.monotonic()
    await limiter.acquire(bucket, account="a")
    assert clock.monotonic() - first >= 0.1 - 1e-9


def test_bucket_validation() -> None:
    with pytest.raises(ValueError, match="rate"):
        Bucket("a", 0)
    with pytest.raises(ValueError, match="burst"):
        Bucket("a", 1, burst=0)


async def test_cancelled_waiter_gives_its_slot_back(clock: VirtualClock) -> None:
    limiter = MemoryRateLimiter(clock)
    bucket = [Bucket("a|x", 1)]
    await limiter.acquire(bucket, account="a")  # t=0, next slot t=1
    with anyio.CancelScope() as scope:
        async with anyio.create_task_group() as tg:

            async def waiter() -> None:
                await limiter.acquire(bucket, account="a")  # would send at t=1

            tg.start_soon(waiter)
            await clock.sleep(0.5)
            scope.cancel()
    await limiter.acquire(bucket, account="a")
    assert clock.monotonic() == pytest.approx(1.0)  # the cancelled slot was reused, not skipped


async def test_max_wait_does_not_keep_the_slot(clock: VirtualClock) -> None:
    limiter = MemoryRateLimiter(clock)
    bucket = [Bucket("a|x", 1)]
    await limiter.acquire(bucket, account="a")
    with pytest.raises(errors.RateLimitTimeoutError):
        await limiter.acquire(bucket, account="a", max_wait=0.1)
    await limiter.acquire(bucket, account="a")
    assert clock.monotonic() == pytest.approx(1.0)
