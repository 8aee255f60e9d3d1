"""Time sources.

Everything in the SDK that waits (rate limiter, retries, token expiry) reads time and sleeps
through a :class:`Clock`, so tests can swap in :class:`VirtualClock` and never really sleep.
"""

from __future__ import annotations

import heapq
import itertools
import time
from typing import Protocol, runtime_checkable

import anyio
import anyio.lowlevel

__all__ = ["Clock", "SystemClock", "VirtualClock"]


@runtime_checkable
class Clock(Protocol):
    """A source of time the SDK can sleep on."""

    def monotonic(self) -> float:
        """Seconds on a monotonic scale (for spacing and deadlines)."""
        ...

    def time(self) -> float:
        """Wall-clock UNIX seconds (for token expiry and HTTP dates)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Suspend the calling task for ``seconds``."""
        ...


class SystemClock:
    """The real clock: ``time.monotonic``/``time.time`` and ``anyio.sleep``."""

    def monotonic(self) -> float:
        return time.monotonic()

    def time(self) -> float:
        return time.time()

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(max(0.0, seconds))

    def __repr__(self) -> str:
        return "SystemClock()"


class VirtualClock:
    """A discrete-event clock: sleeping advances virtual time instead of waiting.

    Sleepers wake in order of their wake-up time. The earliest sleeper yields to the scheduler a
    few times first, so that tasks which are still runnable can register an earlier wake-up;
    then it moves time forward to its own deadline. Works under asyncio and trio, for code that
    only waits on this clock and on in-process events (not on real sockets).
    """

    def __init__(self, start: float = 0.0, *, epoch: float = 1_767_225_600.0, settle: int = 8):
        self._now = float(start)
        self._epoch = float(epoch)
        self._settle = settle
        self._seq = itertools.count()
        self._heap: list[_Sleeper] = []
        self._wakes = 0

    def monotonic(self) -> float:
        return self._now

    def time(self) -> float:
        return self._epoch + self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by hand (e.g. to expire a token); sleepers past it wake next."""
        if seconds < 0:
            raise ValueError("time cannot go backwards")
        self._now += seconds

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await anyio.lowlevel.checkpoint()
            return
        sleeper = _Sleeper(self._now + seconds, next(self._seq))
        heapq.heappush(self._heap, sleeper)
        try:
            while True:
                if self._heap[0] is sleeper:
                    # a sleeper woken meanwhile (trio may run it after us in the same batch)
                    # has not yet had its turn to sleep again: settle anew for it
                    wakes = self._wakes
                    for _ in range(self._settle):
                        await anyio.lowlevel.checkpoint()
                    if self._heap[0] is sleeper and self._wakes == wakes:
                        heapq.heappop(self._heap)
                        self._wakes += 1
                        self._now = max(self._now, sleeper.wake_at)
                        self._wake_head()
                        await anyio.lowlevel.checkpoint()
                        return
                else:
                    sleeper.event = anyio.Event()
                    await sleeper.event.wait()
        except BaseException:
            if sleeper in self._heap:
                self._heap.remove(sleeper)
                heapq.heapify(self._heap)
                self._wake_head()
            raise

    def _wake_head(self) -> None:
        if self._heap and self._heap[0].event is not None:
            self._heap[0].event.set()

    def __repr__(self) -> str:
        return f"VirtualClock(now={self._now:.3f})"


class _Sleeper:
    __slots__ = ("event", "seq", "wake_at")

    def __init__(self, wake_at: float, seq: int) -> None:
        self.wake_at = wake_at
        self.seq = seq
        self.event: anyio.Event | None = None

    def __lt__(self, other: _Sleeper) -> bool:
        return (self.wake_at, self.seq) < (other.wake_at, other.seq)
