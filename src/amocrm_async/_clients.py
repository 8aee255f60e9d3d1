"""``AmoCRMClients``: one client per account, for integrations that serve many accounts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from ._background import BackgroundTasks
from ._client import AmoCRMClient
from ._clock import Clock, SystemClock
from ._closeable import AsyncCloseable
from ._domains import normalize_base_domain
from .errors import AccountNotAuthorizedError, ClientClosedError

if TYPE_CHECKING:
    from ._oauth import OAuthConfig
    from ._ratelimit import RateLimiter
    from ._token_store import TokenStore

__all__ = ["AmoCRMClients"]


@dataclass(slots=True)
class _Entry:
    client: AmoCRMClient
    last_used: float
    leases: int = 0


class AmoCRMClients(AsyncCloseable):
    """A registry handing out one :class:`AmoCRMClient` per account, for a SaaS integration.

    Every client shares one connection pool and one rate-limiter backend (pass a
    :class:`~amocrm_async.redis.RedisRateLimiter` to share limits across processes), and reads
    its pair from one token store. A client is created on first use from what the store holds
    under the account's key (the base domain given to :meth:`authorize`, or the key you
    stored it under), so a worker can serve any account another process authorised::

        async with AmoCRMClients(oauth=OAUTH, token_store=store) as clients:
            await clients.authorize(code, base_domain=referer)      # a new account
            async with clients.lease("acme.amocrm.ru") as amo:      # any task, any time
                await amo.leads.get_one(42)

    Clients unused for ``idle_timeout`` seconds are closed when the registry next hands one
    out (or by :meth:`close_idle`); one under :meth:`lease` is never closed while leased.
    ``max_clients`` bounds how many are open: the least recently used idle one goes first.
    Other keyword arguments go to each :class:`AmoCRMClient` (``rate_limit``, ``timeout`` …).
    """

    def __init__(
        self,
        *,
        oauth: OAuthConfig,
        token_store: TokenStore,
        rate_limiter: RateLimiter | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        idle_timeout: float = 900.0,
        max_clients: int | None = None,
        **client_options: Any,
    ) -> None:
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client= or transport=, not both")
        if idle_timeout <= 0:
            raise ValueError("idle_timeout must be positive")
        if max_clients is not None and max_clients < 1:
            raise ValueError("max_clients must be at least 1")
        self._oauth = oauth
        self._store = token_store
        self._limiter = rate_limiter
        self._clock = clock or SystemClock()
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(
            transport=transport,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=100, max_keepalive_connections=40),
        )
        self._idle_timeout = idle_timeout
        self._max_clients = max_clients
        self._options = client_options
        self._entries: dict[str, _Entry] = {}
        self._lock = anyio.Lock()
        self._closed = False
        self._background = BackgroundTasks()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: object) -> bool:
        return key in self._entries

    async def get(self, key: str) -> AmoCRMClient:
        """The client of the account stored under ``key``, created on first use.

        Raises :class:`AccountNotAuthorizedError` when the store holds no pair for it. Keep the
        client only for the work at hand (or use :meth:`lease`): one left unused for
        ``idle_timeout`` is closed.
        """
        async with self._lock:
            entry = await self._entry(key)
            return entry.client

    @asynccontextmanager
    async def lease(self, key: str) -> AsyncIterator[AmoCRMClient]:
        """The client of ``key``, kept open until the block ends however long it takes."""
        async with self._lock:
            entry = await self._entry(key)
            entry.leases += 1
        try:
            yield entry.client
        finally:
            entry.leases -= 1
            entry.last_used = self._clock.monotonic()

    async def authorize(self, code: str, *, base_domain: str) -> AmoCRMClient:
        """Exchange an authorization code of the account at ``base_domain`` (the redirect's
        ``referer``) and return its client: a new client for a new account, the existing one
        (re-authorised) for a known one. The pair is stored under the base domain."""
        key = normalize_base_domain(base_domain, allow_any_host=self._allow_any_host)
        async with self._lock:
            self._check_open()
            entry = self._entries.get(key)
            if entry is None:
                await self._make_room()
                client = self._new_client(key, key)
                try:
                    await client.authorize(code, base_domain=base_domain)
                except BaseException:
                    await client.aclose()
                    raise
                entry = self._add(key, client)
            else:
                await entry.client.authorize(code, base_domain=base_domain)
            entry.last_used = self._clock.monotonic()
            return entry.client

    async def close_idle(self) -> int:
        """Close clients unused for ``idle_timeout`` seconds; returns how many were closed."""
        async with self._lock:
            return await self._close_idle()

    async def aclose(self) -> None:
        """Close every client and the shared pool (if the registry created it)."""
        async with self._lock:
            if self._closed:
                return
            self._closed = True
            await self._background.aclose()
            entries, self._entries = list(self._entries.values()), {}
            for entry in entries:
                await entry.client.aclose()
            if self._owns_http:
                await self._http.aclose()

    def __repr__(self) -> str:
        return f"AmoCRMClients(clients={len(self._entries)}, closed={self._closed})"

    @property
    def _allow_any_host(self) -> bool:
        return bool(self._options.get("allow_any_host", False))

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosedError("this AmoCRMClients registry is closed")

    async def _entry(self, key: str) -> _Entry:
        self._check_open()
        await self._close_idle()
        entry = self._entries.get(key)
        if entry is None:
            stored = await self._store.load(key)
            if stored is None:
                raise AccountNotAuthorizedError(key)
            await self._make_room()
            entry = self._add(key, self._new_client(stored.base_domain, key))
        entry.last_used = self._clock.monotonic()
        return entry

    def _new_client(self, base_domain: str, key: str) -> AmoCRMClient:
        client = AmoCRMClient(
            base_domain,
            oauth=self._oauth,
            token_store=self._store,
            token_key=key,
            http_client=self._http,
            rate_limiter=self._limiter,
            clock=self._clock,
            **self._options,
        )
        client._lend_background(self._background)
        return client

    def _add(self, key: str, client: AmoCRMClient) -> _Entry:
        entry = self._entries[key] = _Entry(client, self._clock.monotonic())
        return entry

    async def _close_idle(self) -> int:
        now = self._clock.monotonic()
        idle = [
            key
            for key, entry in self._entries.items()
            if not entry.leases and now - entry.last_used >= self._idle_timeout
        ]
        for key in idle:
            await self._entries.pop(key).client.aclose()
        return len(idle)

    async def _make_room(self) -> None:
        """Close the least recently used unleased clients so that one more fits."""
        if self._max_clients is None:
            return
        spare = sorted(
            (entry.last_used, key) for key, entry in self._entries.items() if not entry.leases
        )
        for _, key in spare[: max(0, len(self._entries) + 1 - self._max_clients)]:
            await self._entries.pop(key).client.aclose()
