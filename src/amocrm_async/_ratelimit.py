"""Client-side rate limiting: keep an account under amoCRM's limits so it never gets blocked.

amoCRM allows about 7 requests/s per integration and account and 50 requests/s per account
(protocol.md §2); repeated 429s end in a 403 block of the whole account. The limiter spaces
requests evenly (GCRA: one "theoretical arrival time" per bucket, no polling), checks several
buckets at once and commits a single slot that satisfies all of them, and keeps a per-account
cool-down that a 429 extends, so one 429 pauses every coroutine of that account.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from ._clock import Clock, SystemClock
from .errors import RateLimitTimeoutError

__all__ = ["Bucket", "MemoryRateLimiter", "RateLimiter"]


@dataclass(frozen=True, slots=True)
class Bucket:
    """One limit: at most ``rate`` requests per second under ``key``, ``burst`` back to back."""

    key: str
    rate: float
    burst: int = 1

    def __post_init__(self) -> None:
        if self.rate <= 0:
            raise ValueError("rate must be positive")
        if self.burst < 1:
            raise ValueError("burst must be at least 1")


@runtime_checkable
class RateLimiter(Protocol):
    """What the request pipeline needs from a limiter (in-process, or e.g. Redis-backed)."""

    async def acquire(
        self,
        buckets: Sequence[Bucket],
        *,
        account: str,
        max_wait: float | None = None,
        priority: bool = False,
    ) -> float:
        """Wait for a slot in every bucket and outside the account's cool-down.

        Returns the seconds waited; raises RateLimitTimeoutError if the wait would exceed
        ``max_wait``. ``priority`` (token refreshes, which every other request waits for) goes
        ahead of slots already reserved, still keeping sends spaced.
        """
        ...

    async def cool_down(self, account: str, seconds: float) -> None:
        """Pause every request of ``account`` for at least ``seconds`` from now."""
        ...


class MemoryRateLimiter:
    """In-process GCRA limiter. Share one instance between clients of the same account.

    A task cancelled while waiting gives its slot back if no later slot was reserved after it.
    """

    def __init__(self, clock: Clock | None = None) -> None:
        self.clock: Clock = clock or SystemClock()
        self._tat: dict[str, float] = {}
        self._cooldown_until: dict[str, float] = {}
        self._last_sent: dict[str, float] = {}

    def cooldown_remaining(self, account: str) -> float:
        return max(0.0, self._cooldown_until.get(account, 0.0) - self.clock.monotonic())

    async def acquire(
        self,
        buckets: Sequence[Bucket],
        *,
        account: str,
        max_wait: float | None = None,
        priority: bool = False,
    ) -> float:
        waited = 0.0
        while True:
            now = self.clock.monotonic()
            cooldown = self._cooldown_until.get(account, 0.0) - now
            if cooldown > 0:
                self._check(waited + cooldown, max_wait, "the account's 429 cool-down")
                await self.clock.sleep(cooldown)
                waited += cooldown
                continue
            if priority:
                # jump the queue of reserved slots: claim the next send instant outright, so
                # tasks waking for their reserved slots space themselves after it
                send_at = now + self._lag(buckets)
                self._commit(buckets, now)
                for bucket in buckets:
                    self._last_sent[bucket.key] = send_at
                await self.clock.sleep(send_at - now)
                waited += send_at - now
                if self._cooldown_until.get(account, 0.0) <= self.clock.monotonic():
                    return waited
                continue
            wait = self._reserve(buckets, now)
            reserved = {bucket.key: self._tat[bucket.key] for bucket in buckets}
            try:
                self._check(waited + wait, max_wait, "the rate limit")
                await self.clock.sleep(wait)
            except BaseException:
                self._release(buckets, reserved)
                raise
            waited += wait
            lag = self._lag(buckets)
            while lag > 0:
                await self.clock.sleep(lag)
                waited += lag
                lag = self._lag(buckets)
            now = self.clock.monotonic()
            if self._cooldown_until.get(account, 0.0) <= now:
                for bucket in buckets:
                    self._last_sent[bucket.key] = now
                return waited

    def _reserve(self, buckets: Sequence[Bucket], now: float) -> float:
        """Commit the earliest slot every bucket allows; return how long until it."""
        slot = now
        for bucket in buckets:
            interval = 1.0 / bucket.rate
            tat = max(self._tat.get(bucket.key, now), now)
            slot = max(slot, tat - (bucket.burst - 1) * interval)
        self._commit(buckets, slot)
        return slot - now

    def _commit(self, buckets: Sequence[Bucket], slot: float) -> None:
        """Record a send at ``slot`` in every bucket's theoretical arrival time."""
        for bucket in buckets:
            tat = max(self._tat.get(bucket.key, slot), slot)
            self._tat[bucket.key] = tat + 1.0 / bucket.rate

    def _release(self, buckets: Sequence[Bucket], reserved: dict[str, float]) -> None:
        """Give back an unused slot if nobody reserved after it (e.g. its task was cancelled)."""
        for bucket in buckets:
            if self._tat.get(bucket.key) == reserved[bucket.key]:
                self._tat[bucket.key] = reserved[bucket.key] - 1.0 / bucket.rate

    def _lag(self, buckets: Sequence[Bucket]) -> float:
        """How much sooner than one interval after the previous actual send this one would be.

        Slots are reserved ahead of time; a task that wakes late would otherwise be followed by
        an on-time one less than an interval later, and a server counting requests in a
        sliding window would see one request too many.
        """
        now = self.clock.monotonic()
        lag = 0.0
        for bucket in buckets:
            last = self._last_sent.get(bucket.key)
            if last is not None and bucket.burst == 1:
                lag = max(lag, last + 1.0 / bucket.rate - now)
        return lag

    async def cool_down(self, account: str, seconds: float) -> None:
        until = self.clock.monotonic() + max(0.0, seconds)
        if until > self._cooldown_until.get(account, 0.0):
            self._cooldown_until[account] = until

    @staticmethod
    def _check(wait: float, max_wait: float | None, what: str) -> None:
        if max_wait is not None and wait > max_wait:
            raise RateLimitTimeoutError(
                f"waiting {wait:.2f}s for {what} exceeds max_wait={max_wait:.2f}s", wait=wait
            )

    def __repr__(self) -> str:
        return f"MemoryRateLimiter(buckets={len(self._tat)})"
