"""One rate limit for an account across processes and hosts: GCRA in a Redis Lua script."""

from __future__ import annotations

import contextlib
import logging
import math
import secrets
from collections.abc import Sequence
from typing import Any, Literal

import anyio
import redis.asyncio

from .._clock import Clock, SystemClock
from .._closeable import AsyncCloseable
from .._ratelimit import Bucket, MemoryRateLimiter
from ..errors import AmoCRMError
from ._connection import UNAVAILABLE, Connection, hash_tag, text

__all__ = ["RateLimiterUnavailableError", "RedisRateLimiter"]

logger = logging.getLogger("amocrm_async.redis")

OnUnavailable = Literal["local", "fail"]

# Times are integer microseconds of the Redis server's clock (TIME), so hosts whose clocks
# disagree still space their requests on one time line. Per bucket: a hash whose field t is the
# GCRA theoretical arrival time, and a sorted set of the last `count` requests let out (score =
# when). KEYS[1] is the account's cool-down (until when), then the n hashes, then the n sets.
# ARGV: mode, a nonce (unique per acquire), then interval, burst and count per bucket, then
# (mode "release") the arrival times a cancelled reservation had set.
# Replies: {0} go now; {1, wait} cool-down, wait and ask again; {2, wait, tat...} sleep, then
# "confirm"; {3, wait} a priority slot: sleep, then "check" the cool-down.
_SCRIPT = """
pcall(redis.replicate_commands)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local mode = ARGV[1]
local n = (#KEYS - 1) / 2
local function fmt(x) return string.format('%.0f', x) end
if mode == 'cool' then
  local span = tonumber(ARGV[3])
  local current = tonumber(redis.call('GET', KEYS[1]) or '0')
  if now + span > current then
    redis.call('SET', KEYS[1], fmt(now + span), 'PX', math.floor(span / 1000) + 1000)
  end
  return {0}
end
local left = tonumber(redis.call('GET', KEYS[1]) or '0') - now
if left > 0 then return {1, left} end
if mode == 'check' then return {0} end
local interval, burst, count = {}, {}, {}
for i = 1, n do
  interval[i] = tonumber(ARGV[3 * i])
  burst[i] = tonumber(ARGV[3 * i + 1])
  count[i] = tonumber(ARGV[3 * i + 2])
end
local function tat_of(i)
  return tonumber(redis.call('HGET', KEYS[1 + i], 't') or '')
end
local function lag()
  -- the count-th previous request must be count intervals back: a request woken late is
  -- never followed by enough on-time ones to overfill a window, and lateness does not add up
  local most = 0
  for i = 1, n do
    if burst[i] == 1 then
      local back = count[i] - 1
      local oldest = redis.call('ZREVRANGE', KEYS[1 + n + i], back, back, 'WITHSCORES')
      if oldest[2] then
        most = math.max(most, tonumber(oldest[2]) + count[i] * interval[i] - now)
      end
    end
  end
  return most
end
local function mark_sent(at)
  for i = 1, n do
    local sent = KEYS[1 + n + i]
    redis.call('ZADD', sent, fmt(at), fmt(at) .. ':' .. ARGV[2])
    redis.call('ZREMRANGEBYRANK', sent, 0, -(count[i] + 1))
    redis.call('PEXPIRE', sent, math.ceil(count[i] * interval[i] / 1000) + 1000)
  end
end
local function set_tat(i, value)
  redis.call('HSET', KEYS[1 + i], 't', fmt(value))
  redis.call('PEXPIRE', KEYS[1 + i], math.ceil((value - now) / 1000) + 1000)
end
if mode == 'release' then
  for i = 1, n do
    local reserved = ARGV[3 * n + 2 + i]
    if redis.call('HGET', KEYS[1 + i], 't') == reserved then
      set_tat(i, tonumber(reserved) - interval[i])
    end
  end
  return {0}
end
if mode == 'confirm' then
  local wait = lag()
  if wait > 0 then return {2, wait} end
  mark_sent(now)
  return {0}
end
local slot = now
local tat = {}
for i = 1, n do
  tat[i] = math.max(tat_of(i) or now, now)
  if mode == 'reserve' then slot = math.max(slot, tat[i] - (burst[i] - 1) * interval[i]) end
end
local reply = {2, slot - now}
for i = 1, n do
  local next_tat = math.max(tat[i], slot) + interval[i]
  set_tat(i, next_tat)
  reply[i + 2] = fmt(next_tat)
end
if mode == 'priority' then
  local wait = lag()
  mark_sent(now + wait)
  return {3, wait}
end
if slot == now then
  local wait = lag()
  if wait <= 0 then
    mark_sent(now)
    return {0}
  end
  reply[2] = wait
end
return reply
"""

_check = MemoryRateLimiter._check

_GO, _COOL_DOWN, _SLEEP_THEN_CONFIRM, _PRIORITY = 0, 1, 2, 3


class RateLimiterUnavailableError(AmoCRMError):
    """The shared limiter's Redis did not answer and ``on_unavailable="fail"`` was chosen."""


class RedisRateLimiter(AsyncCloseable):
    """The :class:`~amocrm_async.RateLimiter` of every process and host that shares a Redis.

    ``RedisRateLimiter("redis://127.0.0.1:6379/0")`` (or a ``redis.asyncio.Redis`` client) is
    passed as ``AmoCRMClient(..., rate_limiter=limiter)`` in each process. It keeps the same two
    buckets as :class:`~amocrm_async.MemoryRateLimiter` — per integration and account (7/s) and
    per account (50/s) — and the same account-wide cool-down after a 429, keyed by account
    under ``prefix``. Every decision is one Lua script run on the Redis server (GCRA, with the
    server's ``TIME``), so it is atomic and independent of each host's clock; sleeping happens
    here, on ``clock``. A process that wakes late for its slot does not push everyone after it
    back (that would lose throughput with every late wake across many processes); instead the
    script holds a request while the ``ceil(rate)``-th request before it is less than
    ``ceil(rate)`` intervals back, so a window never fills beyond the rate however the lateness
    falls. One account's keys share a hash tag (Redis Cluster works).

    If Redis does not answer (connection refused or lost, timeout), ``on_unavailable`` decides:

    * ``"local"`` (default): log one warning and limit this process on its own to
      ``local_share`` of each rate (0.25: up to four processes stay within the account's limit
      together), then try Redis again every ``retry_interval`` seconds, and log when it is back;
    * ``"fail"``: log one warning and raise :class:`RateLimiterUnavailableError` from every
      acquire until Redis answers (nothing is sent meanwhile).

    Either way a Redis outage never lets requests out unlimited. A 429 cool-down is also kept
    in this process, so it holds while Redis is away. Runs on asyncio (redis.asyncio).
    """

    def __init__(
        self,
        redis: str | redis.asyncio.Redis,
        *,
        prefix: str = "amocrm:",
        clock: Clock | None = None,
        on_unavailable: OnUnavailable = "local",
        local_share: float = 0.25,
        retry_interval: float = 5.0,
    ) -> None:
        if on_unavailable not in ("local", "fail"):
            raise ValueError('on_unavailable must be "local" or "fail"')
        if not (math.isfinite(local_share) and 0 < local_share <= 1):
            raise ValueError("local_share must be within (0, 1]")
        if not (math.isfinite(retry_interval) and retry_interval > 0):
            raise ValueError("retry_interval must be a positive number of seconds")
        if not isinstance(prefix, str):
            raise TypeError("prefix must be a string")
        self._connection = Connection(redis, "RedisRateLimiter")
        self._script = self._connection.client.register_script(_SCRIPT)
        self.prefix = prefix
        self.clock: Clock = clock or SystemClock()
        self.on_unavailable: OnUnavailable = on_unavailable
        self.local_share = float(local_share)
        self.retry_interval = float(retry_interval)
        self._local = MemoryRateLimiter(self.clock)
        self._down_until: float | None = None

    @property
    def degraded(self) -> bool:
        """True while Redis is considered unreachable (local limit or failing, as configured)."""
        return self._down_until is not None

    async def acquire(
        self,
        buckets: Sequence[Bucket],
        *,
        account: str,
        max_wait: float | None = None,
        priority: bool = False,
    ) -> float:
        self._connection.check_loop()
        waited = 0.0
        local = self._local.cooldown_remaining(account)
        if local > 0:
            _check(local, max_wait, "the account's 429 cool-down")
            await self.clock.sleep(local)
            waited = local
        if self._down_until is None or self.clock.monotonic() >= self._down_until:
            try:
                waited += await self._acquire_shared(buckets, account, max_wait, priority, waited)
            except UNAVAILABLE as exc:
                self._went_down(exc, buckets)
            else:
                self._came_back()
                return waited
        if self.on_unavailable == "fail":
            raise RateLimiterUnavailableError(
                f"the shared rate limiter's Redis at {self._connection.describe()} does not "
                "answer; not sending (on_unavailable='fail')"
            )
        local_buckets = [Bucket(b.key, b.rate * self.local_share) for b in buckets]
        remaining = None if max_wait is None else max(0.0, max_wait - waited)
        return waited + await self._local.acquire(
            local_buckets, account=account, max_wait=remaining, priority=priority
        )

    async def cool_down(self, account: str, seconds: float) -> None:
        seconds = max(0.0, seconds)
        await self._local.cool_down(account, seconds)
        if self._down_until is not None and self.clock.monotonic() < self._down_until:
            return
        try:
            await self._run(self._cooldown_key(account), (), "cool", "", str(round(seconds * 1e6)))
        except UNAVAILABLE as exc:
            self._went_down(exc, ())
        else:
            self._came_back()

    async def _acquire_shared(
        self,
        buckets: Sequence[Bucket],
        account: str,
        max_wait: float | None,
        priority: bool,
        waited_before: float,
    ) -> float:
        keys = self._bucket_keys(buckets, account)
        cooldown_key = self._cooldown_key(account)
        spec = [secrets.token_hex(8)]
        for bucket in buckets:
            interval = max(1, round(1e6 / bucket.rate))
            spec += [str(interval), str(bucket.burst), str(max(1, math.ceil(bucket.rate)))]
        start_mode = "priority" if priority else "reserve"
        mode = start_mode
        waited = 0.0
        while True:
            reply = await self._run(cooldown_key, keys, mode, *spec)
            kind = int(reply[0])
            if kind == _GO:
                return waited
            wait = int(reply[1]) / 1e6
            if kind == _COOL_DOWN:
                _check(waited_before + waited + wait, max_wait, "the account's 429 cool-down")
                await self.clock.sleep(wait)
                waited += wait
                mode = start_mode
            elif kind == _PRIORITY:
                await self.clock.sleep(wait)
                waited += wait
                mode = "check"
            elif kind == _SLEEP_THEN_CONFIRM:
                reserved = [text(x) for x in reply[2:]]
                try:
                    if reserved:
                        _check(waited_before + waited + wait, max_wait, "the rate limit")
                    await self.clock.sleep(wait)
                except BaseException:
                    if reserved:
                        await self._give_back(cooldown_key, keys, spec, reserved)
                    raise
                waited += wait
                mode = "confirm"
            else:  # pragma: no cover - the script answers nothing else
                raise AssertionError(f"unexpected limiter reply {reply!r}")

    async def _give_back(
        self, cooldown_key: str, keys: list[str], spec: list[str], reserved: list[str]
    ) -> None:
        """Return a slot whose task was cancelled, if nobody reserved after it."""
        with anyio.move_on_after(2, shield=True):
            with contextlib.suppress(*UNAVAILABLE):
                await self._run(cooldown_key, keys, "release", *spec, *reserved)

    async def _run(self, cooldown_key: str, keys: Sequence[str], *args: str) -> list[Any]:
        reply = await self._script(keys=[cooldown_key, *keys], args=list(args))
        assert isinstance(reply, list)
        return reply

    def _went_down(self, exc: BaseException, buckets: Sequence[Bucket]) -> None:
        first = self._down_until is None
        self._down_until = self.clock.monotonic() + self.retry_interval
        if not first:
            logger.debug("Redis at %s still unreachable", self._connection.describe())
            return
        if self.on_unavailable == "fail":
            then = "failing every request of the accounts it limits until Redis answers again"
        else:
            rates = ", ".join(f"{b.rate * self.local_share:.2f}" for b in buckets)
            then = (
                f"this process now limits itself locally to {self.local_share:.0%} of each rate"
                + (f" ({rates} req/s)" if rates else "")
                + " until Redis answers again"
            )
        logger.warning(
            "shared rate limiter: Redis at %s is unreachable (%s); %s (retrying every %g s)",
            self._connection.describe(),
            type(exc).__name__,
            then,
            self.retry_interval,
        )

    def _came_back(self) -> None:
        if self._down_until is not None:
            self._down_until = None
            logger.info(
                "shared rate limiter: Redis at %s answers again; limiting across processes resumed",
                self._connection.describe(),
            )

    def _cooldown_key(self, account: str) -> str:
        return f"{self.prefix}{hash_tag(account)}:cooldown"

    def _bucket_keys(self, buckets: Sequence[Bucket], account: str) -> list[str]:
        base = f"{self.prefix}{hash_tag(account)}"
        return [f"{base}:bucket:{b.key}" for b in buckets] + [
            f"{base}:sent:{b.key}" for b in buckets
        ]

    async def aclose(self) -> None:
        """Close the Redis client if this limiter created it from a URL."""
        await self._connection.aclose()

    def __repr__(self) -> str:
        return (
            f"RedisRateLimiter({self._connection.describe()!r}, prefix={self.prefix!r}"
            f"{', degraded' if self.degraded else ''})"
        )
