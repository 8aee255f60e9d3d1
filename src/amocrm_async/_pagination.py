"""Pages and page iteration over amoCRM's HAL lists.

A list ends when a page has no successor (no ``next`` link, and no ``_page_count`` beyond it)
or when the server answers 204 (a page past the end, or nothing matched; protocol.md §3).
"""

from __future__ import annotations

import math
import weakref
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import suppress
from dataclasses import dataclass
from functools import partial
from types import TracebackType
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio
import anyio.abc
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream

from ._background import BackgroundTasks
from .errors import AmoCRMError, ClientClosedError

__all__ = [
    "IterationProgress",
    "Page",
    "PageIterator",
    "PageResult",
    "ReadAhead",
    "RequestMeter",
    "next_page_number",
]

M = TypeVar("M")

DEFAULT_RATE = 7.0
"""amoCRM's per-integration limit (requests/s), for read-ahead when the client's is unknown."""


@dataclass(frozen=True, slots=True)
class PageResult(Generic[M]):
    """What one list request yielded: its items and the number of the next page, if any."""

    items: list[M]
    page: int
    next_page: int | None
    total_items: int | None = None
    elapsed: float = 0.0
    """Seconds the page took to arrive and decode, rate-limit waits excluded (0 if unknown)."""


def next_page_number(next_url: str | None, current: int) -> int | None:
    """The page number a ``next`` link points at; refuses a link that does not advance."""
    if next_url is None:
        return None
    values = parse_qs(urlsplit(next_url).query).get("page")
    try:
        number = int(values[0]) if values else current + 1
    except ValueError as exc:
        raise AmoCRMError(f"unreadable next link (page={values!r})") from exc
    if number <= current:
        raise AmoCRMError(
            f"the next link points at page {number} after page {current}; refusing to loop"
        )
    return number


class Page(Generic[M]):
    """One page of a list: ``items``, ``page`` number, ``has_next``, and :meth:`next_page`.

    ``total_items`` is the size of the whole list where the endpoint says (``_total_items``:
    links, webhooks, unsorted, unpaged collections); leads, contacts and tasks do not.
    """

    def __init__(
        self,
        result: PageResult[M],
        fetch: Callable[[int], Awaitable[PageResult[M]]],
    ) -> None:
        self.items = result.items
        self.page = result.page
        self.next_page_number = result.next_page
        self.total_items = result.total_items
        self._fetch = fetch

    @property
    def has_next(self) -> bool:
        return self.next_page_number is not None

    async def next_page(self) -> Page[M] | None:
        """Fetch the following page, or return ``None`` on the last one."""
        if self.next_page_number is None:
            return None
        return Page(await self._fetch(self.next_page_number), self._fetch)

    def __iter__(self) -> Iterator[M]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, index: int) -> M:
        return self.items[index]

    def __bool__(self) -> bool:
        return bool(self.items)

    def __repr__(self) -> str:
        return f"Page(page={self.page}, items={len(self.items)}, has_next={self.has_next})"


class ReadAhead:
    """How many pages a plain ``async for`` fetches ahead, sized from what it has seen.

    ``in_flight`` requests at once cover latency L at rate R (``ceil(L * R) + 1``). While L
    stays under the request spacing the loop is sequential, as that already runs at the bound.
    The requests run as a background task of the client and keep going while the loop body
    runs (see :class:`PageIterator`). An iterator without a client to run them can keep no
    request running between its steps (that would leave a task behind when it breaks), so it
    fetches ``pages`` per window; each window ends with one round trip in which no request
    starts, which costs ``L * R - 1`` request slots, so a window reaches
    ``pages / (pages + L * R - 1)`` of the rate bound. The window is the smallest that reaches
    ``target``, capped at ``max_pages`` (which bounds the memory held).
    """

    def __init__(self, rate: float, *, target: float = 0.97, max_pages: int = 16) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        if not 0 < target < 1:
            raise ValueError("target must be between 0 and 1")
        if max_pages < 1:
            raise ValueError("max_pages must be at least 1")
        self.rate = rate
        self.target = target
        self.max_pages = max_pages
        self._recent: deque[float] = deque(maxlen=8)

    def observe(self, seconds: float) -> None:
        """Record how long one page took (request sent to page decoded)."""
        if seconds > 0:
            self._recent.append(seconds)

    @property
    def latency(self) -> float:
        """The slowest of the recent page times (0 before the first page)."""
        return max(self._recent, default=0.0)

    def window(self) -> tuple[int, int]:
        """``(pages, in_flight)`` for the next window."""
        slots = self.latency * self.rate
        lost = slots - 1
        if lost <= 0:
            return 1, 1
        pages = min(self.max_pages, math.ceil(lost * self.target / (1 - self.target)) + 1)
        return pages, min(pages, math.ceil(slots) + 1)


class RequestMeter(Protocol):
    """Running totals of requests sent and 429s received (the pipeline's account state)."""

    requests: int
    rate_limited: int


class IterationProgress:
    """How far an iteration has got, for a progress bar of the application's own.

    ``pages`` fetched and ``items`` handed to the loop so far, ``total`` when the endpoint tells
    the size of the list (``_total_items``; leads and contacts do not), and the ``requests`` sent
    and ``rate_limited`` (429) answers received since the iteration started. Requests and 429s
    are the account's: calls made on the same client meanwhile are counted too. Without a meter
    every page counts as one request.
    """

    def __init__(self, meter: RequestMeter | None = None) -> None:
        self.pages = 0
        self.items = 0
        self.total: int | None = None
        self._meter = meter
        self._base = (meter.requests, meter.rate_limited) if meter is not None else (0, 0)

    @property
    def requests(self) -> int:
        if self._meter is None:
            return self.pages
        return self._meter.requests - self._base[0]

    @property
    def rate_limited(self) -> int:
        if self._meter is None:
            return 0
        return self._meter.rate_limited - self._base[1]

    def page(self, total: int | None) -> None:
        """Count one page received (and the list's size, when it came with one)."""
        self.pages += 1
        if total is not None:
            self.total = total

    def __repr__(self) -> str:
        total = "" if self.total is None else f"/{self.total}"
        return (
            f"IterationProgress(pages={self.pages}, items={self.items}{total}, "
            f"requests={self.requests}, rate_limited={self.rate_limited})"
        )


class PageIterator(AsyncIterator[M]):
    """Async iterator over every item of a list, in order.

    By default (``concurrency=None``) it reads ahead as far as latency and the rate limit call
    for (see :class:`ReadAhead`), so a plain ``async for`` reaches the rate bound. The
    read-ahead runs as a background task of the client: pages keep arriving while the loop
    body runs, at most a few are held, and breaking out of the loop (or :meth:`aclose`)
    cancels the requests still running; if the client closes first, the loop raises
    :class:`~amocrm_async.errors.ClientClosedError`. With ``concurrency=1`` it follows
    ``next`` links one page at a time. With ``concurrency=N`` it keeps up to N page requests in
    flight (each still paced by the rate limiter):

    * as a plain ``async for``, in windows of ``4 * N`` pages; between windows nothing is in
      flight while your loop body runs;
    * inside ``async with amo.leads.iterate(..., concurrency=N) as leads:``, continuously in a
      background task: pages keep arriving while your loop body runs, so a long export reaches
      the rate-limit bound even when latency exceeds the request spacing. At most ``2 * N``
      pages are buffered; a slow consumer slows the requests down.
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[PageResult[M]]],
        *,
        start_page: int = 1,
        concurrency: int | None = 1,
        read_ahead: ReadAhead | None = None,
        meter: RequestMeter | None = None,
        background: BackgroundTasks | None = None,
    ) -> None:
        if concurrency is not None and concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._read_ahead = (
            None if concurrency is not None else read_ahead or ReadAhead(DEFAULT_RATE)
        )
        self._background = background if self._read_ahead is not None else None
        progress = self.progress = IterationProgress(meter)
        """Pages, items, total, requests and 429s so far (see :class:`IterationProgress`)."""

        async def counted(number: int) -> PageResult[M]:
            result = await fetch(number)
            progress.page(result.total_items)
            return result

        self._fetch = counted
        self._next: int | None = start_page
        self._concurrency = concurrency or 1
        self._items: deque[M] = deque()
        self._error: Exception | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self._pages: MemoryObjectReceiveStream[PageResult[M] | BaseException] | None = None
        self._stop_reading: weakref.finalize[..., PageIterator[M]] | None = None
        self._production = _Production()

    def __aiter__(self) -> PageIterator[M]:
        return self

    async def __anext__(self) -> M:
        while not self._items:
            if self._pages is not None:
                try:
                    received = await self._pages.receive()
                except anyio.EndOfStream:
                    self._producer_done()
                    if not self._production.finished:
                        raise ClientClosedError(
                            "the client was closed while this list was being read; "
                            "the items above are not all of it"
                        ) from None
                    raise StopAsyncIteration from None
                if isinstance(received, BaseException):
                    self._producer_done()  # an error is the producer's last item
                    raise received
                self._items.extend(received.items)
                continue
            if self._next is None:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                raise StopAsyncIteration
            pages, in_flight = self._plain_window()
            if pages == 1:
                result = await self._fetch(self._next)
                self._items.extend(result.items)
                self._next = result.next_page
            elif self._background is not None and self._background.available:
                self._read_in_background(self._background)
            else:
                try:
                    self._next = await _fetch_pages(
                        self._fetch, self._next, self._collect, pages, in_flight
                    )
                except Exception as exc:
                    self._next = None
                    self._error = exc
        self.progress.items += 1
        return self._items.popleft()

    def _plain_window(self) -> tuple[int, int]:
        if self._read_ahead is not None:
            return self._read_ahead.window()
        return 4 * self._concurrency if self._concurrency > 1 else 1, self._concurrency

    def _read_in_background(self, background: BackgroundTasks) -> None:
        """Hand the rest of the list to a producer running as a task of the client.

        The producer holds no reference to this iterator, so dropping the iterator (a loop
        that breaks) runs the finalizer, which cancels the producer and drops its pages.
        """
        send, receive = self._stream(2)
        producer = self._producer(send)
        self._pages, self._next = receive, None
        scope = background.start_soon(partial(_run_detached, producer))
        self._stop_reading = weakref.finalize(self, _stop, scope, receive)
        self._stop_reading.atexit = False  # at exit the event loop and its tasks are gone

    def _producer(
        self, send: MemoryObjectSendStream[PageResult[M] | BaseException]
    ) -> Callable[[], Coroutine[Any, Any, None]]:
        """The rest of the list, from the next page on, into ``send`` (no reference to self)."""
        return partial(
            _produce,
            self._production,
            self._fetch,
            self._next,
            self._read_ahead,
            self._concurrency,
            send,
        )

    def _stream(
        self, size: int
    ) -> tuple[
        MemoryObjectSendStream[PageResult[M] | BaseException],
        MemoryObjectReceiveStream[PageResult[M] | BaseException],
    ]:
        return anyio.create_memory_object_stream[PageResult[M] | BaseException](size)

    def _producer_done(self) -> None:
        if self._stop_reading is not None:
            self._stop_reading.detach()
        if self._pages is not None:
            self._pages.close()
        self._pages, self._next = None, None

    async def aclose(self) -> None:
        """End the iteration now: requests still reading ahead are cancelled."""
        if self._stop_reading is not None:
            self._stop_reading()
        self._pages, self._next, self._error = None, None, None
        self._items.clear()

    async def __aenter__(self) -> PageIterator[M]:
        if self._task_group is not None:
            raise RuntimeError("this iterator is already open")
        send, self._pages = self._stream(self._concurrency if self._read_ahead is None else 2)
        self._task_group = anyio.create_task_group()
        await self._task_group.__aenter__()
        self._task_group.start_soon(self._producer(send))
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        task_group, self._task_group = self._task_group, None
        if task_group is None:
            return
        task_group.cancel_scope.cancel()
        try:
            await task_group.__aexit__(None, None, None)
        finally:
            if self._pages is not None:
                self._pages.close()

    async def _collect(self, result: PageResult[M]) -> None:
        self._items.extend(result.items)


def _stop(scope: anyio.CancelScope, pages: MemoryObjectReceiveStream[object]) -> None:
    pages.close()
    with suppress(RuntimeError):  # the event loop is gone, and its tasks with it
        scope.cancel()


async def _run_detached(producer: Callable[[], Awaitable[None]]) -> None:
    # a closed stream means the iterator is gone: nobody is left to hand pages or errors to
    with suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
        await producer()


@dataclass(slots=True)
class _Production:
    """Shared by an iterator and its producer, which holds no reference to the iterator."""

    finished: bool = False
    """Whether the producer got to the end of the list or to an error (not cancelled)."""


async def _produce(
    production: _Production,
    fetch: Callable[[int], Awaitable[PageResult[M]]],
    start: int | None,
    read_ahead: ReadAhead | None,
    concurrency: int,
    send: MemoryObjectSendStream[PageResult[M] | BaseException],
) -> None:
    """Fetch every page from ``start`` on into ``send``, then close it; an error is sent as
    the last item, after the pages before it."""
    following = start
    async with send:
        try:
            while following is not None:
                budget: int | None = None
                in_flight = concurrency
                if read_ahead is not None:  # one page to measure, then continuous
                    in_flight = read_ahead.window()[1]
                    budget = None if read_ahead.latency else 1
                following = await _fetch_pages(fetch, following, send.send, budget, in_flight)
            production.finished = True
        except Exception as exc:
            production.finished = True
            await send.send(exc)


async def _fetch_pages(
    get_page: Callable[[int], Awaitable[PageResult[M]]],
    first: int,
    deliver: Callable[[PageResult[M]], Awaitable[None]],
    budget: int | None,
    in_flight: int,
) -> int | None:
    """Fetch pages from ``first`` on with up to ``in_flight`` requests at once.

    Pages are delivered in order; a slot frees up only once its page is delivered, so the
    pages held here never exceed ``in_flight``. Stops at the page that has no ``next``
    (requests for later pages are cancelled) or after ``budget`` pages. Returns the page to
    continue from, or None at the end.
    """
    slots = anyio.Semaphore(in_flight)
    scopes: dict[int, anyio.CancelScope] = {}
    results: dict[int, PageResult[M]] = {}
    end: list[int] = []
    after_end: dict[int, int | None] = {}
    failures: list[Exception] = []
    cursor = first
    delivering = anyio.Lock()

    def set_end(number: int) -> None:
        end.append(number)
        for later, scope in scopes.items():
            if later > number:
                scope.cancel()
        for later in [n for n in results if n > number]:
            del results[later]
            slots.release()

    async def flush() -> None:
        nonlocal cursor
        async with delivering:
            while cursor in results:
                result = results.pop(cursor)
                cursor += 1
                await deliver(result)
                slots.release()

    async def fetch(number: int) -> None:
        result = None
        try:
            with scopes[number]:
                result = await get_page(number)
        except Exception as exc:
            failures.append(exc)
            tg.cancel_scope.cancel()
            return
        if result is None or (end and number > min(end)):
            slots.release()
            return
        results[number] = result
        if result.next_page != number + 1:
            after_end[number] = result.next_page
            set_end(number)
        await flush()

    async with anyio.create_task_group() as tg:
        number = first
        while budget is None or number < first + budget:
            await slots.acquire()
            if end and number > min(end):
                slots.release()
                break
            scopes[number] = anyio.CancelScope()
            tg.start_soon(fetch, number)
            number += 1
    if failures:
        raise failures[0]
    if end:
        return after_end[min(end)]
    return first + (budget or 0)
