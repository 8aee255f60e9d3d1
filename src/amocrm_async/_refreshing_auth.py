"""OAuth access tokens that refresh themselves, once, however many tasks and processes ask.

amoCRM's refresh token is single-use: every refresh returns a new one and (at the latest once
the new one is used) revokes the old. Two workers refreshing from the same pair therefore break
the account's grant. :class:`RefreshingAuth` prevents that in three layers:

1. inside a process, one refresh per account at a time (an anyio lock, re-checked inside);
2. across processes, the store's lock, a re-read of the stored pair under it (adopting a newer
   pair someone else saved), and a compare-and-set write;
3. the new pair is saved *before* any request uses it, so a crash after the refresh can never
   leave a process holding a pair the store does not know.

amoCRM keeps the old refresh token valid until the new access token is first used. A refresh
that arrives late (sent by a worker that was killed or timed out, delivered after a peer's
refresh) would then be honoured and would revoke the peer's pair. So a saved pair is confirmed
with one cheap API call before anyone is told about it, which retires the old refresh token at
once (``confirm_refresh``).

Failures are handled without loops: a rejected refresh token re-reads the store once and then
raises :class:`~amocrm_async.errors.ReauthorizationRequiredError`; a lost refresh response is
retried once with the same refresh token (amoCRM keeps the old one valid until the new one is
used); a 401/404 from the token endpoint triggers the subdomain lookup (the account may have
been renamed) and one refresh against the new host. Any other failure of a refresh is
remembered: the callers that waited for that refresh, and those arriving within a backoff
window, get the same error without another token call.
"""

from __future__ import annotations

import inspect
import logging
import math
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass

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
    AmoCRMError,
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

_FIRST_BACKOFF = 1.0
"""After a failed refresh, no new attempt for this long; doubled per repeated failure."""

_CONFIRM_PATH = "/api/v4/account"
"""Cheap, read-only and answered for every token: the call that puts a new pair into use."""

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


def _origin(error: BaseException) -> str:
    """Where an exception was raised, as ``file:line in function``.

    Stands in for a traceback in logs about user callbacks: those receive the tokens, and a
    traceback prints the exception's message, which may quote them.
    """
    tb = error.__traceback__
    if tb is None:
        return "unknown location"
    while tb.tb_next is not None:
        tb = tb.tb_next
    code = tb.tb_frame.f_code
    return f"{code.co_filename}:{tb.tb_lineno} in {code.co_name}"


@dataclass(frozen=True, slots=True)
class _Failure:
    """The last failed refresh of one stored version, shared instead of repeated.

    ``serial`` orders failures, so a caller that was already waiting when it happened shares
    it whatever the backoff; ``until`` (monotonic) is when a new attempt is allowed.
    """

    error: Exception
    version: int
    serial: int
    count: int
    until: float


def _copy_of(error: Exception) -> Exception:
    """The remembered failure as a new instance, for one more caller.

    Raising one instance from many tasks would splice every task's traceback onto it. The copy
    skips ``__init__`` (exception signatures differ) and takes over the arguments and
    attributes, so it reads exactly like the original.
    """
    cls = type(error)
    try:
        clone = cls.__new__(cls, *error.args)
    except TypeError:
        return error
    clone.__dict__.update(vars(error))
    return clone


class RefreshingAuth(Auth):
    """OAuth 2.0 for a public or private integration: refreshes ahead of expiry and on 401.

    ``key`` names the account in ``store`` (any stable string: the subdomain, the account id).
    The pair is refreshed when less than ``refresh_margin`` seconds of it are left. If a refresh
    fails transiently while the access token still works, that token is used and the refresh is
    retried no sooner than ``retry_interval`` seconds later.

    ``on_token_refreshed(token, base_domain)`` (sync or async) runs after each refresh this
    instance saved — not for pairs adopted from other processes. The store remains the record of
    truth; a failing callback is logged (its class and location, never its message or a
    traceback, which could quote the token) and does not fail the request.

    A failed refresh is not repeated by every waiting caller: they share its error, and so does
    every caller for the next second (doubling with each failure of the same pair, at most
    ``retry_interval``, at least a 429's ``retry_after``); then one caller tries again.

    ``confirm_refresh`` (default on): after saving a new pair, use its access token once
    (``GET /api/v4/account``) before handing it out or calling ``on_token_refreshed``. amoCRM
    retires the old refresh token only when the new access token is first used; until then a
    late refresh with the old token (from a worker that was killed or timed out) would succeed
    and revoke the pair everyone else uses. If this call fails, the pair stays: it is saved, and
    the next request that uses it retires the old token the same way.

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
        confirm_refresh: bool = True,
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
        self._confirm = bool(confirm_refresh)
        self._failure: _Failure | None = None
        self._failure_serial = 0

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
        seen = self._failure_serial
        async with self._lock:
            record = await self._ensure(fallback=True, seen=seen)
        return record.token.access_token

    async def handle_unauthorized(self, rejected_token: str) -> bool:
        seen = self._failure_serial
        async with self._lock:
            current = self._current
            if (
                current is not None
                and current.token.access_token != rejected_token
                and current.version != self._dead_version
            ):
                return True
            self._current = None
            record = await self._ensure(rejected=rejected_token, fallback=False, seen=seen)
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

        ``base_domain`` is the account host from the OAuth redirect (``referer``). It is checked
        by the client's rules before the client secret goes there, but the client is pointed at
        it only once the new pair is stored: a failed exchange leaves the client as it was.
        A client whose store already holds a pair for another host refuses to switch
        (ValueError, before the code is spent): one client, and token key, per account.
        Without ``base_domain`` the client's current base domain is used.
        """
        context = self.context
        current = context.get_base_domain()
        domain = current if base_domain is None else self._checked_domain(base_domain)
        if not domain:
            raise ValueError(
                "no base domain: pass base_domain= (the redirect's referer) or give the client one"
            )
        async with self._lock:
            if domain != current:
                await self._refuse_other_account(domain)
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

    def _checked_domain(self, value: str) -> str:
        check = self.context.check_base_domain
        if check is not None:
            return check(value)
        # the client's send still refuses a host it does not accept, before anything is sent
        return normalize_base_domain(value, allow_any_host=True)

    async def _refuse_other_account(self, domain: str) -> None:
        """``authorize(base_domain=...)`` must not turn a client of one account into another's.

        The pair would be stored under this client's key, replacing the other account's pair,
        and every request of this client would silently go to the other account.
        """
        stored = await self._store.load(self._key)
        if stored is not None and stored.base_domain != domain:
            raise ValueError(
                f"this client serves {stored.base_domain} (token key {self._key!r}) and will not "
                f"switch to {domain}; use one client per account: AmoCRMClient({domain!r}, "
                "oauth=..., token_store=...) with its own token_key, and authorise there"
            )

    async def refresh(self) -> OAuthToken:
        """Refresh now even if the access token is fresh.

        Run it periodically (e.g. weekly) for accounts the integration rarely calls: amoCRM
        revokes a refresh token unused for three months. Concurrent callers and processes still
        produce a single refresh; transient failures raise instead of falling back. With
        ``confirm_refresh`` the new pair is put into use before this returns, so the old refresh
        token is retired even though no request may follow for days.
        """
        known = self._current or await self._load()
        seen = self._failure_serial
        async with self._lock:
            record = await self._ensure(newer_than=known.version, fallback=False, seen=seen)
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
        seen: int,
    ) -> StoredToken:
        """Return a usable record, refreshing at most once. Caller holds ``self._lock``.

        The record is only cached once it is known to be usable: while a refresh is in flight,
        other requests wait on the lock instead of going out with the token being replaced.
        ``seen`` is the failure serial the caller read before waiting for the lock.
        """
        record = await self._ensure_usable(
            rejected=rejected, newer_than=newer_than, fallback=fallback, seen=seen
        )
        self._current = record
        return record

    async def _ensure_usable(
        self,
        *,
        rejected: str | None,
        newer_than: int | None,
        fallback: bool,
        seen: int,
    ) -> StoredToken:
        current = self._current
        if current is not None and self._acceptable(current, rejected, newer_than):
            return current
        record = await self._load()
        if self._acceptable(record, rejected, newer_than):
            return record
        self._replay_failure(record, seen)
        async with AsyncExitStack() as stack:
            try:
                await stack.enter_async_context(self._store.lock(self._key))
            except TokenStoreLockTimeoutError as exc:
                self._remember(record, exc)
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
            if self._confirm:
                await self._confirm_pair(record)
            await self._notify(record)
        return record

    def _replay_failure(self, record: StoredToken, seen: int) -> None:
        """Raise the last failure again instead of repeating a refresh that just failed.

        It applies to callers that were waiting while it happened (they asked for the same
        refresh) and to everyone until its backoff ends; a pair saved meanwhile (another version)
        makes it moot.
        """
        failure = self._failure
        if failure is None or failure.version != record.version:
            return
        if failure.serial <= seen and self.context.clock.monotonic() >= failure.until:
            return
        logger.debug(
            "sharing the failure of the last refresh for %r (%s)",
            self._key,
            _summary(failure.error),
        )
        raise _copy_of(failure.error) from failure.error.__cause__

    def _remember(self, record: StoredToken, error: Exception) -> None:
        previous = self._failure
        count = previous.count + 1 if previous and previous.version == record.version else 1
        backoff = min(self._retry_interval, _FIRST_BACKOFF * 2 ** (count - 1))
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            backoff = max(backoff, error.retry_after)
        self._failure_serial += 1
        self._failure = _Failure(
            error=error,
            version=record.version,
            serial=self._failure_serial,
            count=count,
            until=self.context.clock.monotonic() + backoff,
        )

    async def _confirm_pair(self, record: StoredToken) -> None:
        """Use the new access token once, so amoCRM retires the refresh token it replaced.

        Failure costs nothing but the early retirement: the pair is saved already, and the next
        request with it does the same. So this is one call, never retried, never raising.
        """
        context = self.context
        url = f"{context.scheme}://{record.base_domain}{_CONFIRM_PATH}"
        headers = {"Authorization": f"Bearer {record.token.access_token}"}
        try:
            response = await context.send("GET", url, json=None, headers=headers)
        except (httpx.HTTPError, AmoCRMError) as exc:
            logger.warning(
                "could not confirm the new pair for %r (%s); it is saved, and the next request "
                "with it confirms it",
                self._key,
                type(exc).__name__,
            )
            return
        status = response.status_code
        if 200 <= status < 300:
            logger.debug("confirmed the new pair for %r (version %d)", self._key, record.version)
            return
        logger.log(
            logging.ERROR if status == 401 else logging.WARNING,
            "confirming the new pair for %r (version %d) got %d; keeping the saved pair%s",
            self._key,
            record.version,
            status,
            " (refused at once: did another refresh from the same token win?)"
            if status == 401
            else ", the next request with it confirms it",
        )

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
            return await self._save(record, token, domain)
        except _RefreshRejected as rejection:
            return await self._after_rejection(record, rejection.error)
        except Exception as exc:
            self._remember(record, exc)
            if isinstance(exc, _TRANSIENT_ERRORS):
                return self._fall_back(record, exc, allowed=fallback), False
            raise

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
            self._failure = None
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
                    self._failure = None
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
        except Exception as exc:
            logger.error(
                "on_token_refreshed failed for %r (%s at %s); the new pair is saved in the store "
                "anyway",
                self._key,
                type(exc).__name__,
                _origin(exc),
            )
