"""The default ``iterate()``: read-ahead sized from latency times rate, on virtual time.

Throughput is asserted on the fake's virtual clock (deterministic: request counts and the
virtual seconds the fake's own latency and rate limit imply), never on wall time.
"""

from __future__ import annotations

import asyncio
import math

import pytest

from amocrm_async import AmoCRMClient, VirtualClock, errors
from amocrm_async._pagination import ReadAhead
from amocrm_async.errors import APIError
from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

RATE = 7.0
LATENCY = 0.2
LEADS_PATH = "/api/v4/leads"


@pytest.mark.parametrize(
    ("latency", "expected"),
    [
        (0.0, (1, 1)),  # nothing seen yet: one page, to measure
        (0.1, (1, 1)),  # latency under the request spacing: sequential is at the bound
        (0.2, (14, 3)),  # L*R = 1.4: 0.4 slots lost per window
        (0.5, (16, 5)),  # capped
    ],
)
def test_window_size_follows_latency_times_rate(latency: float, expected: tuple[int, int]) -> None:
    read_ahead = ReadAhead(RATE)
    read_ahead.observe(latency)
    assert read_ahead.window() == expected


def test_window_reaches_the_target_share_of_the_bound() -> None:
    for latency in (0.15, 0.2, 0.3):
        read_ahead = ReadAhead(RATE)
        read_ahead.observe(latency)
        pages, _ = read_ahead.window()
        lost = latency * RATE - 1
        assert pages / (pages + lost) >= read_ahead.target or pages == read_ahead.max_pages


def test_the_slowest_recent_page_sizes_the_window() -> None:
    read_ahead = ReadAhead(RATE)
    for seconds in (0.05, 0.3, 0.05):
        read_ahead.observe(seconds)
    assert read_ahead.latency == 0.3
    for _ in range(8):  # the slow page leaves the recent history
        read_ahead.observe(0.05)
    assert read_ahead.latency == 0.05


@pytest.mark.parametrize(
    "kwargs", [{"rate": 0}, {"rate": 7, "target": 1}, {"rate": 7, "max_pages": 0}]
)
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError, match="must be"):
        ReadAhead(**kwargs)  # type: ignore[arg-type]


def slow_limited_fake(leads: int) -> FakeAmoCRM:
    fake = FakeAmoCRM(clock=VirtualClock(settle=64))
    fake.seed(leads=leads)
    fake.set_rate_limit(integration_rps=RATE, account_rps=50)
    fake.faults.add("latency", seconds=LATENCY, path=LEADS_PATH)
    return fake


def client_for(fake: FakeAmoCRM) -> AmoCRMClient:
    return AmoCRMClient(
        fake.base_domain,
        access_token=fake.long_lived_token(),
        transport=fake.transport,
        clock=fake.clock,
        rate_limit=RATE,
    )


async def warm_up(amo: AmoCRMClient, fake: FakeAmoCRM) -> None:
    """One page, so the read-ahead knows the latency; then let the limiter's slot pass."""
    await amo.leads.get(limit=1)
    await fake.clock.sleep(1)


async def assert_no_request_starts_later(fake: FakeAmoCRM) -> None:
    """Nothing reaches the fake in the next 30 virtual seconds."""
    sent = len(fake.requests)
    await fake.clock.sleep(30)
    assert len(fake.requests) == sent


async def test_a_plain_loop_reaches_the_rate_bound_at_200_ms() -> None:
    fake = slow_limited_fake(10_000)
    async with client_for(fake) as amo:
        await warm_up(amo, fake)
        before = fake.stats.total_requests
        started = fake.clock.monotonic()
        ids = []
        async for lead in amo.leads.iterate():
            ids.append(lead.id)
            last_item_at = fake.clock.monotonic()
        elapsed = last_item_at - started
    requests = fake.stats.total_requests - before
    assert len(ids) == len(set(ids)) == 10_000
    assert fake.stats.rate_limited == 0
    pages = math.ceil(10_000 / 250)
    assert pages <= requests <= pages + 3  # at most the window's last in-flight slots past the end
    assert (pages / RATE) / elapsed >= 0.95


async def test_sequential_when_asked_stays_below_the_bound() -> None:
    """``concurrency=1`` is the old one-page-at-a-time loop (the comparison point)."""
    fake = slow_limited_fake(2_500)
    async with client_for(fake) as amo:
        await warm_up(amo, fake)
        started = fake.clock.monotonic()
        count = sum([1 async for _ in amo.leads.iterate(concurrency=1)])
        elapsed = fake.clock.monotonic() - started
    assert count == 2_500
    assert (10 / RATE) / elapsed < 0.8


async def test_a_plain_loop_yields_every_lead_once_in_order() -> None:
    fake = slow_limited_fake(5_000)
    async with client_for(fake) as amo:
        ids = [lead.id or 0 async for lead in amo.leads.iterate()]
    assert ids == sorted(ids) and len(set(ids)) == 5_000
    assert fake.stats.total_requests <= 20 + 3


async def test_breaking_early_leaves_nothing_running() -> None:
    fake = slow_limited_fake(5_000)
    async with client_for(fake) as amo:
        seen = 0
        async for _lead in amo.leads.iterate():
            seen += 1
            if seen == 600:  # inside page 3
                break
        sent = fake.stats.total_requests
        await fake.clock.sleep(30)
        assert fake.stats.total_requests == sent
    assert seen == 600
    assert sent <= 3 + 3 + 2  # the pages read, then at most the requests in flight and buffered


async def test_pages_arrive_while_the_loop_body_runs() -> None:
    """The read-ahead runs as a task of the client: the first lead comes one page time after
    the start (no window to wait for) and at most a few pages are held."""
    fake = slow_limited_fake(5_000)
    async with client_for(fake) as amo:
        await warm_up(amo, fake)
        before = fake.stats.total_requests
        started = fake.clock.monotonic()
        first_at: float | None = None
        most_ahead = 0
        seen = 0
        async for _lead in amo.leads.iterate():
            if first_at is None:
                first_at = fake.clock.monotonic() - started
            seen += 1
            answered = fake.stats.total_requests - before
            most_ahead = max(most_ahead, answered - math.ceil(seen / 250))
    assert seen == 5_000
    assert first_at is not None and first_at < 2 * LATENCY
    assert most_ahead <= 3 + 2  # in flight (ceil(L * R) + 1) and the two-page buffer


async def test_breaking_early_cancels_the_requests_ahead() -> None:
    fake = slow_limited_fake(5_000)
    fake.faults.add("latency", seconds=5, path=LEADS_PATH, every=3)  # some pages hang for long
    async with client_for(fake) as amo:
        await warm_up(amo, fake)
        before = fake.stats.total_requests
        seen = 0
        async for _lead in amo.leads.iterate():
            seen += 1
            if seen == 300:
                break
        await assert_no_request_starts_later(fake)  # after the break
        assert fake.stats.total_requests - before <= 2 + 3 + 2
        answered_later = fake.stats.total_requests
        await fake.clock.sleep(30)
        assert fake.stats.total_requests == answered_later
    assert seen == 300


async def test_aclose_stops_an_iterator_that_is_still_referenced() -> None:
    fake = slow_limited_fake(5_000)
    async with client_for(fake) as amo:
        await warm_up(amo, fake)
        leads = amo.leads.iterate()
        first = await leads.__anext__()
        await leads.aclose()
        await assert_no_request_starts_later(fake)
        with pytest.raises(StopAsyncIteration):
            await leads.__anext__()
    assert first.id is not None


async def test_an_error_in_the_read_ahead_comes_after_the_pages_before_it() -> None:
    fake = slow_limited_fake(5_000)
    async with client_for(fake) as amo:
        await warm_up(amo, fake)
        fake.faults.add("status", status=403, path=LEADS_PATH, every=6, times=1)
        ids: list[int] = []

        async def export() -> None:
            async for lead in amo.leads.iterate():
                ids.append(lead.id or 0)

        with pytest.raises(APIError) as caught:
            await export()
    assert caught.value.status == 403
    # The sixth request to arrive fails; with requests in flight together (trio shuffles its
    # tasks) that may be page 5 or 7 rather than 6. Every page before it comes first, in order.
    (failed,) = [r for r in fake.requests if r.status == 403]
    failed_page = int(failed.query.get("page", 1))
    assert failed_page >= 4
    assert len(ids) == (failed_page - 1) * 250
    assert ids == sorted(ids)


async def test_a_client_outside_async_with_reads_ahead_too() -> None:
    """A client only ever ``aclose()``d (an app's startup and shutdown hooks) reads ahead the
    same way; ``aclose()`` cancels what is left and waits for it."""
    fake = slow_limited_fake(5_000)
    amo = client_for(fake)
    try:
        await warm_up(amo, fake)
        started = fake.clock.monotonic()
        leads = amo.leads.iterate()
        await anext(leads)
        assert fake.clock.monotonic() - started < 2 * LATENCY
        ids = [lead.id or 0 async for lead in leads]
        kept = amo.leads.iterate()
        await anext(kept)  # still reading ahead when the client closes
    finally:
        await amo.aclose()
    await assert_no_request_starts_later(fake)
    assert ids == sorted(ids) and len(set(ids)) == 5_000 - 1


async def test_a_view_reads_ahead_as_its_client_and_closing_it_stops_nothing() -> None:
    fake = slow_limited_fake(2_500)
    async with client_for(fake) as amo:
        await amo.leads.get(limit=1)
        async with amo.with_options(timeout=30) as view:
            ids = [lead.id async for lead in view.leads.iterate()]
        assert len(ids) == 2_500
        assert len([lead async for lead in amo.leads.iterate()]) == 2_500


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # as pytest-asyncio's fixtures do it
async def test_a_client_entered_and_closed_in_different_tasks_closes_cleanly() -> None:
    fake = slow_limited_fake(2_500)
    amo = client_for(fake)
    await asyncio.get_running_loop().create_task(amo.__aenter__())  # a task of its own
    await amo.leads.get(limit=1)
    seen = 0
    async for _lead in amo.leads.iterate():
        seen += 1
        if seen == 300:
            break
    leads = amo.leads.iterate()
    await leads.__anext__()  # a read-ahead still running when the client closes
    await amo.__aexit__(None, None, None)
    await assert_no_request_starts_later(fake)
    assert seen == 300


async def test_a_failing_background_task_is_logged_and_cancels_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake = slow_limited_fake(250)
    async with client_for(fake) as amo:

        async def broken() -> None:
            raise RuntimeError("a bug in a background task")

        amo._pipeline.background.start_soon(broken)
        await fake.clock.sleep(1)  # the block goes on
        assert len([lead async for lead in amo.leads.iterate()]) == 250
    assert "a background task of the client failed" in caplog.text


async def test_closing_the_client_mid_loop_is_an_error_not_the_end_of_the_list() -> None:
    fake = slow_limited_fake(5_000)
    seen = 0

    async def export(amo: AmoCRMClient) -> None:
        nonlocal seen
        async for _lead in amo.leads.iterate():
            seen += 1
            if seen == 300:
                await amo.aclose()  # e.g. the app shutting down under the export

    async with client_for(fake) as amo:
        await warm_up(amo, fake)
        with pytest.raises(errors.ClientClosedError, match="not all of it"):
            await export(amo)
    assert 300 <= seen < 5_000


async def test_closing_the_client_cancels_read_ahead_that_has_not_started_yet() -> None:
    fake = slow_limited_fake(2_500)
    async with client_for(fake) as amo:
        await warm_up(amo, fake)
        leads = amo.leads.iterate()
        sent = len(fake.requests)
        leads._read_in_background(amo._pipeline.background)  # scheduled, not yet running
        await amo.aclose()
        await fake.clock.sleep(30)
        assert len(fake.requests) == sent
        with pytest.raises(errors.ClientClosedError):
            await anext(leads)
