"""Pages and page iteration over amoCRM's HAL lists.

amoCRM has no total count for leads/contacts: a list ends when a page has no ``next`` link or
when the server answers 204 (a page past the end, or nothing matched; protocol.md §3).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

import anyio

from .errors import AmoCRMError

__all__ = ["Page", "PageIterator", "PageResult", "next_page_number"]

M = TypeVar("M")


@dataclass(frozen=True, slots=True)
class PageResult(Generic[M]):
    """What one list request yielded: its items and the number of the next page, if any."""

    items: list[M]
    page: int
    next_page: int | None


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
    """One page of a list: ``items``, ``page`` number, ``has_next``, and :meth:`next_page`."""

    def __init__(
        self,
        result: PageResult[M],
        fetch: Callable[[int], Awaitable[PageResult[M]]],
    ) -> None:
        self.items = result.items
        self.page = result.page
        self.next_page_number = result.next_page
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


class PageIterator(AsyncIterator[M]):
    """Async iterator over every item of a list, in order.

    With ``concurrency=1`` it follows ``next`` links one page at a time. With ``concurrency=N``
    it keeps up to N page requests in flight (each still paced by the rate limiter) and buffers
    at most ``4 * N`` pages, so an export reaches the rate-limit bound even when latency exceeds
    the request spacing, while memory stays bounded.
    """

    def __init__(
        self,
        fetch: Callable[[int], Awaitable[PageResult[M]]],
        *,
        start_page: int = 1,
        concurrency: int = 1,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self._fetch = fetch
        self._next: int | None = start_page
        self._concurrency = concurrency
        self._items: deque[M] = deque()

    def __aiter__(self) -> PageIterator[M]:
        return self

    async def __anext__(self) -> M:
        while not self._items:
            if self._next is None:
                raise StopAsyncIteration
            if self._concurrency == 1:
                result = await self._fetch(self._next)
                self._items.extend(result.items)
                self._next = result.next_page
            else:
                await self._fill_window()
        return self._items.popleft()

    async def _fill_window(self) -> None:
        """Fetch up to ``4 * concurrency`` pages with a sliding window of requests in flight."""
        assert self._next is not None
        first = self._next
        budget = 4 * self._concurrency
        results: dict[int, PageResult[M]] = {}
        scopes: dict[int, anyio.CancelScope] = {}
        end: list[int] = []
        window = anyio.Semaphore(self._concurrency)

        async def fetch(number: int) -> None:
            with scopes[number]:
                try:
                    result = await self._fetch(number)
                finally:
                    window.release()
                results[number] = result
                if result.next_page is None or result.next_page != number + 1:
                    end.append(number)
                    for later, scope in scopes.items():
                        if later > number:
                            scope.cancel()

        async with anyio.create_task_group() as tg:
            for number in range(first, first + budget):
                await window.acquire()
                if end and number > min(end):
                    window.release()
                    break
                scopes[number] = anyio.CancelScope()
                tg.start_soon(fetch, number)

        last = min(end) if end else first + budget - 1
        for number in range(first, last + 1):
            self._items.extend(results[number].items)
        if end:
            tail = results[last]
            self._next = tail.next_page
        else:
            self._next = last + 1
