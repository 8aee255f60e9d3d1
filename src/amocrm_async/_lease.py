"""What the server-backed token stores share: a leased, fenced refresh lock and record checks.

A lock on a server (Redis, PostgreSQL) cannot notice that its holder stopped: a process paused
by the garbage collector, a VM migration or a debugger outlives its lease, someone else takes
the lock, and the paused process later wakes up and writes. So each acquisition gets a fence, a
number one higher than any fence handed out before for that key, and the store's
compare-and-set refuses a write whose fence is no longer the newest. The lease only bounds how
long a dead holder blocks the others.

The fence travels in a context variable set by :meth:`LeasedLocks.lock`, so the store's
``compare_and_set`` inside ``async with store.lock(key):`` finds it without any change to the
:class:`~amocrm_async.TokenStore` protocol; a write outside the lock is fenced by the version
alone, as with every store.
"""

from __future__ import annotations

import asyncio
import logging
import math
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import anyio

from ._token_store import StoredToken
from ._tokens import OAuthToken
from .errors import TokenStoreError, TokenStoreLockTimeoutError

__all__ = [
    "Lease",
    "LeasedLocks",
    "check_key",
    "check_write",
    "decode_record",
    "require_asyncio",
]

logger = logging.getLogger("amocrm_async.auth")

_MAX_KEY = 512


def check_key(key: object) -> str:
    """The store key, or ValueError before any I/O."""
    if not isinstance(key, str) or not key:
        raise ValueError("the store key must be a non-empty string")
    if len(key) > _MAX_KEY:
        raise ValueError(f"the store key is longer than {_MAX_KEY} characters")
    return key


def require_asyncio(what: str, driver: str) -> None:
    """``driver`` runs on asyncio only; say so instead of failing deep inside it."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        raise RuntimeError(
            f"{what} uses {driver}, which needs an asyncio event loop (under trio use the "
            "in-process limiter and the file store)"
        ) from None


def check_write(expected_version: object, token: object, base_domain: object) -> None:
    """Bad ``compare_and_set`` arguments fail before any I/O, naming the argument."""
    if expected_version is not None and (
        isinstance(expected_version, bool)
        or not isinstance(expected_version, int)
        or expected_version < 1
    ):
        raise ValueError("expected_version must be None or a positive int")
    if not isinstance(token, OAuthToken):
        raise TypeError(f"token must be an OAuthToken, not {type(token).__name__}")
    if not isinstance(base_domain, str) or not base_domain:
        raise ValueError("base_domain must be a non-empty string")


def decode_record(key: str, version: object, base_domain: object, token: object) -> StoredToken:
    """A stored record from its parts; TokenStoreError names what is wrong, never a value."""

    def corrupt(reason: str) -> TokenStoreError:
        return TokenStoreError(f"the stored record for {key!r} is unusable: {reason}")

    try:
        number = int(version)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise corrupt("bad version") from None
    if number < 1:
        raise corrupt("bad version")
    if not isinstance(base_domain, str) or not base_domain:
        raise corrupt("bad base_domain")
    if not isinstance(token, str | bytes):
        raise corrupt("bad token")
    try:
        pair = OAuthToken.from_json(token)
    except ValueError:
        raise corrupt("bad token") from None
    return StoredToken(pair, base_domain, number)


@dataclass(frozen=True, slots=True)
class Lease:
    """One acquisition of the refresh lock: who holds it and its fence."""

    owner: str
    fence: int


class LeasedLocks(ABC):
    """The ``lock(key)`` of a server-backed token store.

    Tasks of one process queue on an anyio lock per key; processes contend on the server through
    :meth:`_try_lock`, polled with a short backoff until ``lock_timeout``. ``lease`` is how long a
    holder that stopped answering keeps the others out; it should be well above the token
    call's timeout (30 s by default), since a refresh outliving its lease is refused its write.
    """

    #: exceptions meaning "the server did not answer", turned into TokenStoreError
    _unavailable: tuple[type[BaseException], ...] = (OSError,)

    def __init__(self, *, lock_timeout: float, lease: float) -> None:
        if not (math.isfinite(lock_timeout) and lock_timeout > 0):
            raise ValueError("lock_timeout must be a positive number of seconds")
        if not (math.isfinite(lease) and lease >= 0.001):
            raise ValueError("lease must be at least 0.001 seconds")
        self._lock_timeout = float(lock_timeout)
        self._lease = float(lease)
        self._local_locks: dict[str, anyio.Lock] = {}
        self._held: ContextVar[Mapping[str, Lease] | None] = ContextVar(
            f"amocrm_async_leases_{id(self):x}", default=None
        )

    @property
    def lease_ms(self) -> int:
        return max(1, round(self._lease * 1000))

    @abstractmethod
    async def _try_lock(self, key: str, owner: str) -> int | None:
        """Take the lock for ``lease`` if it is free or its lease ran out; return the new fence."""

    @abstractmethod
    async def _unlock(self, key: str, owner: str) -> None:
        """Release the lock if ``owner`` still holds it (never someone else's)."""

    @abstractmethod
    def _where(self) -> str:
        """The server, for messages (never a password)."""

    def held_lease(self, key: str) -> Lease | None:
        """The lease this task holds on ``key`` (inside ``async with lock(key)``), if any."""
        return (self._held.get() or {}).get(key)

    def _unreachable(self, what: str, exc: BaseException) -> TokenStoreError:
        # only the class name: driver messages may quote connection strings
        return TokenStoreError(f"{what}: {self._where()} did not answer ({type(exc).__name__})")

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        key = check_key(key)
        deadline = time.monotonic() + self._lock_timeout
        local = self._local_locks.get(key)
        if local is None:
            local = self._local_locks[key] = anyio.Lock()
        try:
            with anyio.fail_after(self._lock_timeout):
                await local.acquire()
        except TimeoutError:
            raise self._lock_timeout_error(key) from None
        try:
            lease = await self._acquire(key, deadline)
            token = self._held.set({**(self._held.get() or {}), key: lease})
            try:
                yield
            finally:
                self._held.reset(token)
                await self._release(key, lease)
        finally:
            local.release()

    async def _acquire(self, key: str, deadline: float) -> Lease:
        owner = secrets.token_hex(16)
        delay = 0.005
        while True:
            try:
                fence = await self._try_lock(key, owner)
            except self._unavailable as exc:
                raise TokenStoreLockTimeoutError(
                    f"could not take the refresh lock for key {key!r}: {self._where()} did not "
                    f"answer ({type(exc).__name__})"
                ) from exc
            if fence is not None:
                return Lease(owner, fence)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise self._lock_timeout_error(key)
            await anyio.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.1)

    async def _release(self, key: str, lease: Lease) -> None:
        with anyio.move_on_after(5, shield=True):
            try:
                await self._unlock(key, lease.owner)
            except self._unavailable as exc:
                logger.warning(
                    "could not release the refresh lock for %r at %s (%s); it ends with its "
                    "lease in at most %g s",
                    key,
                    self._where(),
                    type(exc).__name__,
                    self._lease,
                )

    def _lock_timeout_error(self, key: str) -> TokenStoreLockTimeoutError:
        return TokenStoreLockTimeoutError(
            f"could not take the refresh lock for key {key!r} at {self._where()} "
            f"within {self._lock_timeout:g} s"
        )

    def _log_fenced(self, key: str, lease: Lease) -> None:
        logger.error(
            "the refresh lock for %r ran out of its %g s lease and was taken by another holder; "
            "refusing this holder's write (fence %d is no longer the newest)",
            key,
            self._lease,
            lease.fence,
        )
