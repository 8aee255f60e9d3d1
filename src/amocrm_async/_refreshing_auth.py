"""OAuth access tokens that refresh themselves, once, however many tasks and processes ask.

amoCRM's refresh token is single-use: every refresh returns a new one and (at the latest once
the new one is used) revokes the old. Two workers refreshing from the same pair therefore break
the account's grant. :class:`RefreshingAuth` prevents that in three layers:

1. inside a process, one refresh per account at a time (an anyio lock, re-checked inside);
2. across processes, the store's lock, a re-read of the stored pair under it (adopting a newer
   pair someone else saved), and a compare-and-set write;
3. the new pair is saved *before* any request uses it, so a crash after the refresh can never
   leave a process holding a pair the store does not know.

Failures are handled without loops: a rejected refresh token re-reads the store once and then
raises :class:`~amocrm_async.errors.ReauthorizationRequiredError`; a lost refresh response is
retried once with the same refresh token (amoCRM keeps the old one valid until the new one is
used); a 401/404 from the token endpoint triggers the subdomain lookup (the account may have
been renamed) and one refresh against the new host.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

import anyio
import httpx

from ._auth import Auth, decode_jwt_claims
from ._domains import normalize_base_domain
from ._oauth import (
    OAuthConfig,
    exchange_code,
    lookup_account_domain,
    refresh_access_token,
)
from ._token_store import StoredToken, TokenStore
from ._tokens import OAuthToken
from .errors import (
    InvalidBaseDomainError,
    OAuthError,
    RateLimitedError,
    ReauthorizationRequiredError,
    ServerError,
    TokenStoreError,
    TokenStoreLockTimeoutError,
    TransportError,
)

__all__ = ["RefreshingAuth", "TokenRefreshedCallback"]

logger = logging.getLogger("amocrm_async.auth")

TokenRefreshedCallback = Callable[[OAuthToken, str], Awaitable[None] | None]
"""``on_token_refreshed(token, base_domain)``: told about every pair this auth saved."""

_TRANSPORT_ERRORS: tuple[type[Exception], ...] = (httpx.TransportError, TransportError)
_TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OAuthError,
    ServerError,
    RateLimitedError,
    *_TRANSPORT_ERRORS,
)


_DOMAIN_CHECK_INTERVAL = 300.0
"""At most one subdomain lookup per this many seconds is started by API 404s."""

_NOT_MOVED = OAuthError(status=404, method="GET", url="", title="account not found here")
"""Stand-in cause when a subdomain lookup starts from a 404 on the API, not the token endpoint."""


class _RefreshRejected(Exception):
    """Internal: amoCRM refused the refresh token itself (as opposed to a transient failure)."""

    def __init__(self, error: OAuthError) -> None:
        super().__init__(str(error))
        self.error = error


_LOOKUP_ERRORS: tuple[type[Exception], ...] = (_RefreshRejected, *_TRANSIENT_ERRORS)
"""A subdomain lookup that fails this way means: no move we can follow."""


_REFUSAL_HINTS = ("revoked", "expired", "decrypt")


def _refused(error: OAuthError) -> bool:
    """Did amoCRM refuse the refresh token itself (so a subdomain lookup cannot help)?"""
    if error.status == 400:
        return True
    hint = (error.hint or "").lower()
    return error.status == 401 and any(word in hint for word in _REFUSAL_HINTS)


def _summary(error: BaseException) -> str:
    if isinstance(error, OAuthError):
        return f"{error.status}" + (f", hint: {error.hint}" if error.hint else "")
    return type(error).__name__


class RefreshingAuth(Auth):
    """OAuth 2.0 for a public or private integration: refreshes ahead of expiry and on 401.

    ``key`` names the account in ``store`` (any stable string: the subdomain, the account id).
    The pair is refreshed when less than ``refresh_margin`` seconds of it are left. If a refresh
    fails transiently while the access token still works, that token is used and the refresh is
    retried no sooner than ``retry_interval`` seconds later.

    ``on_token_refreshed(token, base_domain)`` (sync or async) runs after each refresh this
    instance saved — not for pairs adopted from other processes. The store remains the record of
    truth; a failing callback is logged and does not fail the request.

    The store must already hold a pair, or :meth:`authorize` must run first; otherwise requests
    fail with :class:`~amocrm_async.errors.ReauthorizationRequiredError`.
    """

    def __init__(
        self,
        config: OAuthConfig,
        store: TokenStore,
        *,
        key: str,
        refresh_margin: float = 300.0,
        on_token_refreshed: TokenRefreshedCallback | None = None,
        retry_interval: float = 30.0,
    ) -> None:
        if not isinstance(key, str) or not key:
            raise ValueError("key must be a non-empty string")
        if refresh_margin < 0:
            raise ValueError("refresh_margin must not be negative")
        if retry_interval < 0:
            raise ValueError("retry_interval must not be negative")
        self._config = config
        self._store = store
        self._key = key
        self._margin = float(refresh_margin)
        self._retry_interval = float(retry_interval)
        self._next_domain_check = -math.inf
        self._on_token_refreshed = on_token_refreshed
        self._lock = anyio.Lock()
        self._current: StoredToken | None = None
        self._dead_version: int | None = None
        self._retry_at = -math.inf

    @property
    def key(self) -> str:
        return self._key

    @property
    def config(self) -> OAuthConfig:
        return self._config

    @property
    def store(self) -> TokenStore:
        return self._store

    @property
    def stored(self) -> StoredToken | None:
        """The record this instance currently uses (None before the first request)."""
        return self._current

    # ------------------------------------------------------------------ Auth interface

    async def get_access_token(self) -> str:
        current = self._current
        if current is not None and self._acceptable(current):
            return current.token.access_token
        async with self._lock:
            record = await self._ensure(fallback=True)
        return record.token.access_token

    async def handle_unauthorized(self, rejected_token: str) -> bool:
        async with self._lock:
            current = self._current
            if (
                current is not None
                and current.token.access_token != rejected_token
                and current.version != self._dead_version
            ):
                return True
            self._current = None
            record = await self._ensure(rejected=rejected_token, fallback=False)
        return record.token.access_token != rejected_token

    async def handle_not_found(self, host: str) -> bool:
        """After a rename the old host answers 404 on API paths while the token is still fresh.

        Ask amoCRM where the account lives now (at most once every five minutes); if it moved,
        switch the client there, store the new domain beside the pair and tell
        ``on_token_refreshed``. Requests that got their 404 from the old host while the lookup
        ran are told to retry on the new one.
        """
        context = self.context
        async with self._lock:
            if context.get_base_domain() != host:
                return True
            now = context.clock.monotonic()
            if now < self._next_domain_check:
                return False
            self._next_domain_check = now + _DOMAIN_CHECK_INTERVAL
            record = self._current or await self._load()
            try:
                moved_to = await self._find_moved_account(record, _NOT_MOVED)
            except _LOOKUP_ERRORS:
                return False
            async with self._store.lock(self._key):
                latest = await self._store.load(self._key)
                if latest is None:
                    return True
                saved, ours = await self._save(latest, latest.token, moved_to, "re-homed")
            if ours:
                await self._notify(saved)
        return True

    # ------------------------------------------------------------------ public extras

    async def authorize(self, code: str, *, base_domain: str | None = None) -> OAuthToken:
        """Exchange an authorisation code and store the first pair (replacing any old one).

        ``base_domain`` is the account host from the OAuth redirect (``referer``); it is handed
        to the client first, which validates it, so the client secret only goes to an accepted
        host. Without it the client's current base domain is used.
        """
        context = self.context
        if base_domain is not None:
            context.set_base_domain(base_domain)
        domain = context.get_base_domain()
        if not domain:
            raise ValueError(
                "no base domain: pass base_domain= (the redirect's referer) or give the client one"
            )
        async with self._lock:
            token = await exchange_code(
                context.send,
                self._config,
                base_domain=domain,
                code=code,
                now=context.clock.time,
                scheme=context.scheme,
                allow_any_host=True,
            )
            record = await self._replace(token, domain)
        logger.info("stored a new token pair for %r (version %d)", self._key, record.version)
        return record.token

    async def refresh(self) -> OAuthToken:
        """Refresh now even if the access token is fresh.

        Run it periodically (e.g. weekly) for accounts the integration rarely calls: amoCRM
        revokes a refresh token unused for three months. Concurrent callers and processes still
        produce a single refresh; transient failures raise instead of falling back.
        """
        known = self._current or await self._load()
        async with self._lock:
            record = await self._ensure(newer_than=known.version, fallback=False)
        return record.token

    async def aclose(self) -> None:
        self._current = None

    def __repr__(self) -> str:
        return (
            f"RefreshingAuth(key={self._key!r}, client_id={self._config.client_id!r}, "
            f"store={self._store!r})"
        )

    # ------------------------------------------------------------------ core

    def _acceptable(
        self,
        record: StoredToken,
        rejected: str | None = None,
        newer_than: int | None = None,
    ) -> bool:
        """Can ``record`` serve the next request without a refresh?"""
        if record.version == self._dead_version:
            return False
        if rejected is not None and record.token.access_token == rejected:
            return False
        if newer_than is not None and record.version <= newer_than:
            return False
        now = self.context.clock.time()
        if not record.token.is_expired(now, margin=self._margin):
            return True
        return not record.token.is_expired(now) and self.context.clock.monotonic() < self._retry_at

    async def _ensure(
        self,
        *,
        rejected: str | None = None,
        newer_than: int | None = None,
        fallback: bool,
    ) -> StoredToken:
        """Return a usable record, refreshing at most once. Caller holds ``self._lock``.

        The record is only cached once it is known to be usable: while a refresh is in flight,
        other requests wait on the lock instead of going out with the token being replaced.
        """
        record = await self._ensure_usable(
            rejected=rejected, newer_than=newer_than, fallback=fallback
        )
        self._current = record
        return record

    async def _ensure_usable(
        self,
        *,
        rejected: str | None,
        newer_than: int | None,
        fallback: bool,
    ) -> StoredToken:
        current = self._current
        if current is not None and self._acceptable(current, rejected, newer_than):
            return current
        record = await self._load()
        if self._acceptable(record, rejected, newer_than):
            return record
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self._store.lock(self._key))
            except TokenStoreLockTimeoutError as exc:
                return self._fall_back(record, exc, allowed=fallback)
            record = await self._load()
            if self._acceptable(record, rejected, newer_than):
                logger.debug("adopted version %d for %r from the store", record.version, self._key)
                return record
            if record.version == self._dead_version:
                raise ReauthorizationRequiredError(
                    f"the refresh token stored for {self._key!r} was already rejected by amoCRM; "
                    "the account must authorise the integration again"
                )
            record, refreshed = await self._refresh(record, fallback=fallback)
        if refreshed:
            await self._notify(record)
        return record

    async def _load(self) -> StoredToken:
        _ = self.context  # fail fast, before any I/O, when not attached to a client
        record = await self._store.load(self._key)
        if record is None:
            raise ReauthorizationRequiredError(
                f"no token pair is stored for {self._key!r}; complete the OAuth flow "
                "(authorize(code)) first"
            )
        self._adopt_domain(record)
        return record

    def _adopt(self, record: StoredToken) -> None:
        self._current = record
        self._adopt_domain(record)

    def _adopt_domain(self, record: StoredToken) -> None:
        context = self.context
        if record.base_domain != context.get_base_domain():
            context.set_base_domain(record.base_domain)

    async def _refresh(self, record: StoredToken, *, fallback: bool) -> tuple[StoredToken, bool]:
        """Refresh ``record`` (read under the store lock); returns (record in use, saved by us)."""
        logger.debug("refreshing the token pair for %r (version %d)", self._key, record.version)
        try:
            token, domain = await self._obtain(record)
        except _RefreshRejected as rejection:
            return await self._after_rejection(record, rejection.error)
        except _TRANSIENT_ERRORS as exc:
            return self._fall_back(record, exc, allowed=fallback), False
        return await self._save(record, token, domain)

    def _fall_back(self, record: StoredToken, error: Exception, *, allowed: bool) -> StoredToken:
        """After a transient failure: keep serving a pair that has not expired yet, or re-raise."""
        now = self.context.clock.time()
        if not allowed or record.token.is_expired(now):
            raise error
        self._retry_at = self.context.clock.monotonic() + self._retry_interval
        logger.warning(
            "could not refresh the token for %r (%s); using the current access token, "
            "which expires in %.0f s",
            self._key,
            _summary(error),
            record.token.expires_in(now),
        )
        return record

    async def _obtain(self, record: StoredToken) -> tuple[OAuthToken, str]:
        refresh_token = record.token.refresh_token
        try:
            return await self._request(record.base_domain, refresh_token), record.base_domain
        except OAuthError as exc:
            if _refused(exc):
                raise _RefreshRejected(exc) from exc
            if exc.status not in (401, 404):
                raise
            new_domain = await self._find_moved_account(record, exc)
        try:
            return await self._request(new_domain, refresh_token), new_domain
        except OAuthError as exc:
            if exc.status in (400, 401, 404):
                raise _RefreshRejected(exc) from exc
            raise

    async def _request(self, base_domain: str, refresh_token: str) -> OAuthToken:
        context = self.context

        async def attempt() -> OAuthToken:
            return await refresh_access_token(
                context.send,
                self._config,
                base_domain=base_domain,
                refresh_token=refresh_token,
                now=context.clock.time,
                scheme=context.scheme,
                allow_any_host=True,
            )

        try:
            return await attempt()
        except _TRANSPORT_ERRORS as exc:
            logger.warning(
                "the token endpoint answer for %r was lost (%s); retrying once with the same "
                "refresh token, which stays valid until its successor is used",
                self._key,
                type(exc).__name__,
            )
            return await attempt()

    async def _find_moved_account(self, record: StoredToken, error: OAuthError) -> str:
        """After a 401/404 from the token endpoint: has the account moved to a new subdomain?"""
        try:
            api_domain = decode_jwt_claims(record.token.access_token).get("api_domain")
        except ValueError:
            api_domain = None
        if not isinstance(api_domain, str) or not api_domain:
            raise _RefreshRejected(error)
        context = self.context
        try:
            account = await lookup_account_domain(
                context.send,
                api_domain=api_domain,
                refresh_token=record.token.refresh_token,
                scheme=context.scheme,
                allow_any_host=True,
            )
        except InvalidBaseDomainError:
            raise _RefreshRejected(error) from None
        except OAuthError as lookup_error:
            if lookup_error.status in (400, 401, 403, 404):
                raise _RefreshRejected(error) from lookup_error
            raise
        try:
            same = normalize_base_domain(
                account.domain, allow_any_host=True
            ) == normalize_base_domain(record.base_domain, allow_any_host=True)
        except InvalidBaseDomainError:
            same = False
        if same:
            raise _RefreshRejected(error)
        context.set_base_domain(account.domain)
        new_domain = context.get_base_domain()
        logger.warning(
            "account %r moved from %s to %s; refreshing there",
            self._key,
            record.base_domain,
            new_domain,
        )
        return new_domain

    async def _after_rejection(
        self, record: StoredToken, error: OAuthError
    ) -> tuple[StoredToken, bool]:
        """The refresh token was refused: adopt a newer pair if one appeared, else give up."""
        latest = await self._store.load(self._key)
        if latest is not None and latest.version != record.version:
            logger.info(
                "the refresh token for %r was refused, but version %d was saved meanwhile; "
                "adopting it",
                self._key,
                latest.version,
            )
            self._adopt(latest)
            return latest, False
        self._dead_version = record.version
        logger.error(
            "amoCRM refused the refresh token for %r (%s); re-authorisation required",
            self._key,
            _summary(error),
        )
        raise ReauthorizationRequiredError(
            f"amoCRM refused the refresh token for {self._key!r} ({_summary(error)}); "
            "the account must authorise the integration again"
        ) from error

    async def _save(
        self, record: StoredToken, token: OAuthToken, domain: str, action: str = "refreshed"
    ) -> tuple[StoredToken, bool]:
        with anyio.CancelScope(shield=True):
            saved = await self._store.compare_and_set(self._key, record.version, token, domain)
        if saved is not None:
            self._retry_at = -math.inf
            self._adopt(saved)
            logger.info("%s the token pair for %r (version %d)", action, self._key, saved.version)
            return saved, True
        winner = await self._store.load(self._key)
        logger.error(
            "another writer saved the pair for %r while this process refreshed version %d; "
            "adopting the stored pair and discarding ours (is every writer using the store lock?)",
            self._key,
            record.version,
        )
        if winner is None:
            raise TokenStoreError(f"the pair for {self._key!r} vanished from the store")
        self._adopt(winner)
        return winner, False

    async def _replace(self, token: OAuthToken, domain: str) -> StoredToken:
        async with self._store.lock(self._key):
            for _ in range(3):
                current = await self._store.load(self._key)
                with anyio.CancelScope(shield=True):
                    saved = await self._store.compare_and_set(
                        self._key, current.version if current else None, token, domain
                    )
                if saved is not None:
                    self._dead_version = None
                    self._retry_at = -math.inf
                    self._adopt(saved)
                    return saved
        raise TokenStoreError(f"could not save the pair for {self._key!r}: the store kept changing")

    async def _notify(self, record: StoredToken) -> None:
        callback = self._on_token_refreshed
        if callback is None:
            return
        try:
            result = callback(record.token, record.base_domain)
            if inspect.isawaitable(result):
                await result
        except Exception:
            logger.exception(
                "on_token_refreshed failed for %r; the new pair is saved in the store anyway",
                self._key,
            )
