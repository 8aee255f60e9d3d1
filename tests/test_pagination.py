"""Page iteration: order, requests in flight, end detection, errors, buffering."""

from __future__ import annotations

import random

import pytest

from amocrm_async import PageIterator, VirtualClock, errors
from amocrm_async._pagination import PageResult, next_page_number

pytestmark = pytest.mark.anyio


class Pages:
    """A fake list endpoint: ``total`` pages of ``size`` items, random latency, counters."""

    def __init__(
        self, clock: VirtualClock, total: int, size: int = 3, fail_on: int | None = None
    ) -> None:
        self.clock = clock
        self.total = total
        self.size = size
        self.fail_on = fail_on
        self.requested: list[int] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self.rng = random.Random(7)

    async def fetch(self, number: int) -> PageResult[int]:
        self.requested.append(number)
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await self.clock.sleep(self.rng.uniform(0.05, 0.4))
        finally:
            self.in_flight -= 1
        if number == self.fail_on:
            raise errors.ServerError(status=502, method="GET", url="https://a.amocrm.ru/x")
        if number > self.total:
            return PageResult([], number, None)
        items = [number * 100 + i for i in range(self.size)]
        return PageResult(items, number, number + 1 if number < self.total else None)

    def expected(self) -> list[int]:
        return [n * 100 + i for n in range(1, self.total + 1) for i in range(self.size)]


@pytest.mark.parametrize("concurrency", [1, 2, 5])
@pytest.mark.parametrize("total", [1, 7, 30])
async def test_plain_iteration_in_order(clock: VirtualClock, concurrency: int, total: int) -> None:
    pages = Pages(clock, total)
    got = [item async for item in PageIterator(pages.fetch, concurrency=concurrency)]
    assert got == pages.expected()
    assert pages.max_in_flight <= concurrency
    assert len(pages.requested) == len(set(pages.requested))
    assert max(pages.requested) <= total + concurrency - 1


@pytest.mark.parametrize("concurrency", [2, 5])
@pytest.mark.parametrize("total", [1, 7, 30])
async def test_background_iteration_in_order(
    clock: VirtualClock, concurrency: int, total: int
) -> None:
    pages = Pages(clock, total)
    async with PageIterator(pages.fetch, concurrency=concurrency) as iterator:
        got = [item async for item in iterator]
    assert got == pages.expected()
    assert pages.max_in_flight <= concurrency
    assert max(pages.requested) <= total + concurrency - 1


async def test_background_iteration_keeps_requests_in_flight_while_the_body_runs(
    clock: VirtualClock,
) -> None:
    pages = Pages(clock, 40)
    started = clock.monotonic()
    async with PageIterator(pages.fetch, concurrency=4) as iterator:
        async for _ in iterator:
            await clock.sleep(0.001)  # the loop body takes time, fetching goes on
    background = clock.monotonic() - started

    pages = Pages(clock, 40)
    started = clock.monotonic()
    async for _ in PageIterator(pages.fetch, concurrency=4):
        await clock.sleep(0.001)
    windows = clock.monotonic() - started
    assert background < windows


async def test_background_buffer_is_bounded(clock: VirtualClock) -> None:
    pages = Pages(clock, 50)
    async with PageIterator(pages.fetch, concurrency=3) as iterator:
        first = await iterator.__anext__()
        await clock.sleep(100)  # a consumer that stalls: requests must stop, not pile up
        fetched_while_stalled = len(pages.requested)
        rest = [item async for item in iterator]
    assert [first, *rest] == pages.expected()
    assert fetched_while_stalled <= 1 + 2 * 3 + 1


async def test_leaving_early_cancels_background_requests(clock: VirtualClock) -> None:
    pages = Pages(clock, 1000)
    async with PageIterator(pages.fetch, concurrency=3) as iterator:
        async for item in iterator:
            if item == 500:
                break
    requested = len(pages.requested)
    await clock.sleep(50)
    assert len(pages.requested) == requested < 20
    assert pages.in_flight == 0


@pytest.mark.parametrize("mode", ["plain", "background"])
@pytest.mark.parametrize("concurrency", [1, 3])
async def test_errors_surface_as_themselves_after_earlier_items(
    clock: VirtualClock, mode: str, concurrency: int
) -> None:
    pages = Pages(clock, 20, fail_on=9)
    got: list[int] = []
    iterator = PageIterator(pages.fetch, concurrency=concurrency)

    async def consume() -> None:
        if mode == "background" and concurrency > 1:
            async with iterator:
                async for item in iterator:
                    got.append(item)
        else:
            async for item in iterator:
                got.append(item)

    with pytest.raises(errors.ServerError):
        await consume()
    assert got == pages.expected()[: len(got)]
    assert 0 < len(got) <= 8 * pages.size


def test_next_page_number() -> None:
    assert next_page_number(None, 3) is None
    assert next_page_number("https://a.amocrm.ru/api/v4/leads?page=4&limit=250", 3) == 4
    assert next_page_number("https://a.amocrm.ru/api/v4/leads?limit=250", 3) == 4
    with pytest.raises(errors.AmoCRMError, match="refusing to loop"):
        next_page_number("https://a.amocrm.ru/api/v4/leads?page=3", 3)
    with pytest.raises(errors.AmoCRMError, match="unreadable"):
        next_page_number("https://a.amocrm.ru/api/v4/leads?page=x", 3)


def test_concurrency_must_be_positive() -> None:
    async def fetch(number: int) -> PageResult[int]:
        raise AssertionError

    with pytest.raises(ValueError, match="concurrency"):
        PageIterator(fetch, concurrency=0)
