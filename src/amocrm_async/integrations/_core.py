"""What every web-framework integration does, without the web framework.

:class:`IntegrationCore` holds one :class:`~amocrm_async.AmoCRMClient` per account, runs
webhook handlers in the background, and makes each security decision once, before anything is
sent or any handler runs:

* **OAuth login**: a random ``state`` travels in a signed, short-lived cookie; the callback
  checks the signature, the age and the ``state`` (constant time), then the ``referer`` host
  (an amoCRM/Kommo account host, or one you allowed) before the client secret goes there.
* **Webhooks**: the destination URL carries a secret: either one shared token
  (``/webhook/{token}``, for the accounts you list) or a per-account HMAC
  (``/webhook/{account_id}/{signature}``, see :meth:`IntegrationCore.webhook_path`); the
  account in the body must then be that account. The answer (200) is given as soon as the
  body is parsed; handlers run afterwards, so amoCRM's 2-second limit never triggers a retry.
* **Disconnect hook**: the HMAC-SHA256 signature over ``client_uuid|account_id``.
* **One-time tokens**: widget ``X-Auth-Token`` (HS256) and Salesbot tokens (HS512), each
  accepted once (:class:`MemoryReplayCache` or your own :class:`ReplayCache`).

Framework adapters turn :class:`IntegrationError` into an HTTP answer with its ``status``.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import parse_qsl, urlencode

import anyio
import anyio.abc
import anyio.lowlevel

from .._auth import decode_jwt_claims
from .._client import AmoCRMClient
from .._clock import Clock, SystemClock
from .._domains import is_account_host, normalize_base_domain
from .._oauth import (
    OAuthCallback,
    OAuthConfig,
    OAuthMode,
    authorization_url,
    generate_state,
    parse_oauth_callback,
)
from .._one_time_tokens import (
    BotDisposableToken,
    DisposableToken,
    parse_bot_disposable_token,
    parse_disposable_token,
    verify_disconnect_signature,
)
from .._token_store import TokenStore
from ..errors import (
    AmoCRMError,
    APIError,
    AuthorizationCallbackError,
    DisposableTokenError,
    InvalidBaseDomainError,
    TransportError,
)
from ..webhooks import (
    DEFAULT_LIMITS,
    WebhookAccount,
    WebhookEvent,
    WebhookLimits,
    WebhookParseError,
    WebhookPayload,
    parse_webhook,
)

__all__ = [
    "STATE_COOKIE",
    "BotRequest",
    "EventHandler",
    "IntegrationCore",
    "IntegrationError",
    "MemoryReplayCache",
    "ReplayCache",
]

logger = logging.getLogger("amocrm_async.integrations")
_T = TypeVar("_T")

STATE_COOKIE = "amocrm_oauth_state"
STATE_MAX_AGE = 20 * 60
"""An authorisation code lives 20 minutes; a login older than that cannot finish anyway."""

EventHandler = Callable[[WebhookEvent], Awaitable[Any]]
AccountHook = Callable[[int], Awaitable[Any]]
AuthorizedHook = Callable[[AmoCRMClient, OAuthCallback], Awaitable[Any]]


class IntegrationError(AmoCRMError):
    """A request the integration refuses; ``status`` is the HTTP answer to give."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


@runtime_checkable
class ReplayCache(Protocol):
    """Remembers one-time tokens until they expire; shared by every worker that verifies them."""

    async def claim(self, key: str, expires_at: float) -> bool:
        """Record ``key`` until ``expires_at``; False if it was already recorded (a replay)."""
        ...


class MemoryReplayCache:
    """A single-process replay cache: a dict and an expiry heap, bounded in size.

    When full, the entries closest to expiry are dropped first; a token can only be replayed
    after its own expiry, when verification rejects it anyway, unless the cache overflows —
    size it above the number of tokens your widget users make in 30 minutes.
    """

    def __init__(self, *, clock: Clock | None = None, max_entries: int = 100_000) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be positive")
        self._clock = clock or SystemClock()
        self._max = max_entries
        self._seen: dict[str, float] = {}
        self._expiry: list[tuple[float, str]] = []

    async def claim(self, key: str, expires_at: float) -> bool:
        await anyio.lowlevel.checkpoint()
        now = self._clock.time()
        while self._expiry and (self._expiry[0][0] <= now or len(self._seen) >= self._max):
            when, old = heapq.heappop(self._expiry)
            if self._seen.get(old) == when:
                del self._seen[old]
        if key in self._seen:
            return False
        self._seen[key] = expires_at
        heapq.heappush(self._expiry, (expires_at, key))
        return True

    def __len__(self) -> int:
        return len(self._seen)


@dataclass(frozen=True, slots=True)
class BotRequest:
    """A verified Salesbot/Marketingbot ``widget_request``: the token and what the bot sent."""

    token: BotDisposableToken
    data: Any
    return_url: str | None


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _derive(secret: str, purpose: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), purpose.encode("ascii"), hashlib.sha256).digest()


class _Accounts:
    """The accounts an app serves, given as hosts (``acme.amocrm.ru``) or account ids."""

    def __init__(self, accounts: Iterable[str | int]) -> None:
        self.hosts: set[str] = set()
        self.ids: set[int] = set()
        for account in accounts:
            if isinstance(account, int) and not isinstance(account, bool):
                self.ids.add(account)
            elif isinstance(account, str):
                self.hosts.add(normalize_base_domain(account, allow_any_host=True))
            else:
                raise ValueError(f"an account is a host or an id, not {account!r}")

    def __bool__(self) -> bool:
        return bool(self.hosts or self.ids)

    def match(self, subdomain: str | None, host: str | None, account_id: int | None) -> bool:
        if account_id is not None and self.ids and account_id not in self.ids:
            return False
        if account_id is not None and account_id in self.ids:
            return host is None or not self.hosts or host in self.hosts
        if host is not None:
            return host in self.hosts
        return subdomain is not None and any(h.split(".", 1)[0] == subdomain for h in self.hosts)


def _account_host(account: WebhookAccount) -> str | None:
    url = account.url
    if url is None:
        return None
    try:
        return normalize_base_domain(url, allow_any_host=True)
    except InvalidBaseDomainError:
        return None


def _account_ids(payload: WebhookPayload) -> set[int]:
    """Every account id the body names: ``account[id]`` and each entity's ``account_id``."""
    ids = {payload.account.id} if payload.account.id is not None else set()
    for event in payload.events:
        value = getattr(event.data, "account_id", None)
        if isinstance(value, int):
            ids.add(value)
    return ids


class IntegrationCore:
    """One amoCRM integration inside a web app: clients, OAuth, webhooks, one-time tokens.

    ``oauth`` and ``token_store`` are what every :class:`~amocrm_async.AmoCRMClient` of the app
    is created with (one per account, on first use, closed when :meth:`running` ends);
    ``client_options`` are passed to each (``transport=``, ``clock=``, ``allow_any_host=`` …).
    ``accounts`` lists the accounts the app serves (hosts or account ids): webhooks on the
    shared-token URL and one-time tokens must come from one of them; with no list, only
    per-account signed webhook URLs are accepted and tokens of any account.
    ``default_account`` is the account :meth:`client` returns without an argument.

    ``on_event`` (or :meth:`event_handler`) receives every webhook event, in body order, in
    the background; ``queue`` (an anyio send stream) gets them instead or as well.
    """

    def __init__(
        self,
        *,
        oauth: OAuthConfig,
        token_store: TokenStore,
        accounts: Iterable[str | int] = (),
        default_account: str | None = None,
        webhook_secret: str | None = None,
        cookie_secret: str | None = None,
        on_event: EventHandler | None = None,
        queue: anyio.abc.ObjectSendStream[WebhookEvent] | None = None,
        on_authorized: AuthorizedHook | None = None,
        on_disconnect: AccountHook | None = None,
        replay_cache: ReplayCache | None = None,
        client_options: Mapping[str, Any] | None = None,
        clock: Clock | None = None,
        prefix: str = "/amocrm",
        allowed_hosts: Iterable[str] = (),
        authorize_url: str | None = None,
        oauth_mode: OAuthMode = "popup",
        success_url: str | None = None,
        cookie_secure: bool = True,
        bot_receiver_url: str | None = None,
        token_leeway: float = 0.0,
        webhook_limits: WebhookLimits = DEFAULT_LIMITS,
        max_pending: int = 1000,
        concurrency: int = 8,
        shutdown_timeout: float = 10.0,
    ) -> None:
        if webhook_secret is not None and len(webhook_secret) < 16:
            raise ValueError("webhook_secret must be at least 16 characters (it is a password)")
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            raise ValueError("prefix must start with '/' and not end with it (or be empty)")
        if max_pending < 1 or concurrency < 1:
            raise ValueError("max_pending and concurrency must be positive")
        self.oauth = oauth
        self.token_store = token_store
        self.accounts = _Accounts(accounts)
        self.default_account = (
            normalize_base_domain(default_account, allow_any_host=True)
            if default_account is not None
            else None
        )
        self.prefix = prefix
        self.client_options = dict(client_options or {})
        self.clock: Clock = clock or self.client_options.get("clock") or SystemClock()
        self.replay_cache: ReplayCache = replay_cache or MemoryReplayCache(clock=self.clock)
        self.allowed_hosts = frozenset(
            normalize_base_domain(host, allow_any_host=True) for host in allowed_hosts
        )
        self.authorize_url = authorize_url
        self.oauth_mode: OAuthMode = oauth_mode
        self.success_url = success_url
        self.cookie_secure = cookie_secure
        self.bot_receiver_url = bot_receiver_url
        self.token_leeway = token_leeway
        self.webhook_limits = webhook_limits
        self._webhook_secret = webhook_secret
        self._cookie_key = _derive(cookie_secret or oauth.client_secret, "amocrm-async/state")
        self._webhook_key = (
            _derive(webhook_secret, "amocrm-async/webhook") if webhook_secret else None
        )
        self._handlers: list[EventHandler] = [on_event] if on_event is not None else []
        self._queue = queue
        self._on_authorized = on_authorized
        self._on_disconnect = on_disconnect
        self._clients: dict[str, AmoCRMClient] = {}
        self._tg: anyio.abc.TaskGroup | None = None
        self._concurrency = concurrency
        self._limiter: anyio.CapacityLimiter | None = None
        self._max_pending = max_pending
        self._pending = 0
        self._idle: anyio.Event | None = None
        self._shutdown_timeout = shutdown_timeout
        self.failures = 0
        """How many background handler calls raised (each is logged)."""

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(client_id={self.oauth.client_id!r}, prefix={self.prefix!r}, "
            f"accounts={sorted(self.accounts.hosts)!r}+{sorted(self.accounts.ids)!r}, "
            f"clients={sorted(self._clients)!r})"
        )

    # ------------------------------------------------------------------ lifecycle and clients

    def event_handler(self, handler: EventHandler) -> EventHandler:
        """Register ``handler`` for every webhook event (usable as a decorator)."""
        self._handlers.append(handler)
        return handler

    @asynccontextmanager
    async def running(self) -> AsyncIterator[IntegrationCore]:
        """Run the background task group; on exit, let handlers finish and close the clients."""
        if self._tg is not None:
            raise RuntimeError("the integration is already running")
        # created here, not in __init__: the integration is usually built at import time,
        # before any event loop exists
        self._limiter = anyio.CapacityLimiter(self._concurrency)
        self._idle = anyio.Event()
        self._idle.set()
        try:
            async with anyio.create_task_group() as tg:
                self._tg = tg
                try:
                    yield self
                finally:
                    with anyio.move_on_after(self._shutdown_timeout, shield=True):
                        await self.drain()
                    tg.cancel_scope.cancel()
        finally:
            self._tg = None
            clients, self._clients = list(self._clients.values()), {}
            with anyio.CancelScope(shield=True):
                for client in clients:
                    await client.aclose()

    def client(self, base_domain: str | None = None) -> AmoCRMClient:
        """The client of an account (created on first use, shared afterwards).

        Without ``base_domain``, the ``default_account``. Only while :meth:`running`.
        """
        if self._tg is None:
            raise RuntimeError("the integration is not running (use its lifespan/cleanup_ctx)")
        domain = base_domain if base_domain is not None else self.default_account
        if domain is None:
            raise ValueError("no default_account configured: pass the account's base domain")
        host = normalize_base_domain(domain, allow_any_host=True)
        client = self._clients.get(host)
        if client is None:
            options = dict(self.client_options)
            options.setdefault("clock", self.clock)
            client = AmoCRMClient(host, oauth=self.oauth, token_store=self.token_store, **options)
            self._clients[host] = client
        return client

    def client_for(
        self, account: WebhookAccount | DisposableToken | BotDisposableToken
    ) -> AmoCRMClient:
        """The client of the account a webhook or a one-time token came from."""
        if isinstance(account, WebhookAccount):
            host = _account_host(account)
            if host is None and account.subdomain:
                host = self._host_of_subdomain(account.subdomain)
        else:
            host = normalize_base_domain(account.account_domain, allow_any_host=True)
        if host is None:
            raise ValueError("the webhook does not say which account it is from")
        return self.client(host)

    def _host_of_subdomain(self, subdomain: str) -> str:
        for host in (*self.accounts.hosts, *self._clients, self.default_account or ""):
            if host.split(".", 1)[0] == subdomain:
                return host
        return f"{subdomain}.amocrm.ru"

    # ------------------------------------------------------------------ background work

    async def drain(self) -> None:
        """Wait until every accepted webhook has been handed to the handlers."""
        while self._pending and self._idle is not None:
            await self._idle.wait()

    def _submit(self, job: Callable[[], Awaitable[None]]) -> None:
        if self._tg is None:
            raise IntegrationError(503, "the integration is not running")
        if self._pending >= self._max_pending:
            raise IntegrationError(503, "too many webhooks are waiting; retry later")
        if self._pending == 0:
            self._idle = anyio.Event()
        self._pending += 1
        self._tg.start_soon(self._run, job)

    async def _run(self, job: Callable[[], Awaitable[None]]) -> None:
        assert self._limiter is not None and self._idle is not None
        try:
            async with self._limiter:
                await job()
        except Exception:  # never let one delivery take the app's task group down
            self.failures += 1
            logger.exception("amoCRM webhook delivery failed")
        finally:
            self._pending -= 1
            if self._pending == 0:
                self._idle.set()

    async def _call(self, what: str, func: Callable[[_T], Awaitable[Any]], arg: _T) -> None:
        try:
            await func(arg)
        except Exception:
            self.failures += 1
            logger.exception("amoCRM %s handler failed", what)

    async def _names_its_own_account(self, payload: WebhookPayload) -> bool:
        """Whether the account host the events point at (what :meth:`client_for` would use)
        holds a token pair of the account id the body names.

        The destination URL is visible to the account's admins; one could post a body naming
        its own id (which passes the URL check) and another account's host. The stored access
        token (a JWT carrying ``account_id``) tells the two apart; without a stored pair there
        is nothing of another account to act with.
        """
        ids = _account_ids(payload)
        account = payload.account
        host = _account_host(account)
        if host is None and account.subdomain:
            host = self._host_of_subdomain(account.subdomain)
        if len(ids) != 1 or host is None:
            return True
        try:
            record = await self.token_store.load(host)
            claims = decode_jwt_claims(record.token.access_token) if record else {}
        except (ValueError, AmoCRMError):
            return True
        owner = claims.get("account_id")
        if isinstance(owner, int | str) and str(owner).isdecimal() and int(owner) not in ids:
            self.failures += 1
            logger.warning("dropped a webhook naming account %s with the host of another", ids)
            return False
        return True

    async def _deliver(self, payload: WebhookPayload) -> None:
        if not await self._names_its_own_account(payload):
            return
        for event in payload.events:
            for handler in self._handlers:
                await self._call(event.code, handler, event)
            if self._queue is not None:
                await self._call(event.code, self._queue.send, event)

    # ------------------------------------------------------------------ OAuth

    @property
    def oauth_path(self) -> str:
        return f"{self.prefix}/oauth"

    def sign_state(self, state: str) -> str:
        """The state cookie's value: ``state.issued_at.signature``."""
        issued = str(int(self.clock.time()))
        mac = hmac.new(self._cookie_key, f"{state}.{issued}".encode(), hashlib.sha256).digest()
        return f"{state}.{issued}.{_b64(mac)}"

    def read_state(self, cookie: str | None) -> str:
        """The state a valid, fresh cookie carries; IntegrationError(400) otherwise."""
        parts = (cookie or "").split(".")
        if len(parts) != 3 or not parts[1].isdecimal():
            raise IntegrationError(400, "the login cookie is missing: start again from the login")
        state, issued, signature = parts
        mac = hmac.new(self._cookie_key, f"{state}.{issued}".encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(_b64(mac).encode(), signature.encode("utf-8", "replace")):
            raise IntegrationError(400, "the login cookie is not ours")
        age = self.clock.time() - int(issued)
        if not -60 <= age <= STATE_MAX_AGE:
            raise IntegrationError(400, "the login has expired: start again from the login")
        return state

    def login(self, mode: OAuthMode | None = None) -> tuple[str, str]:
        """Start a login: ``(URL to redirect the browser to, state cookie value)``."""
        state = generate_state()
        chosen: OAuthMode = mode or self.oauth_mode
        if self.authorize_url is None:
            url = authorization_url(self.oauth, state=state, mode=chosen)
        else:
            query = urlencode({"client_id": self.oauth.client_id, "state": state, "mode": chosen})
            separator = "&" if "?" in self.authorize_url else "?"
            url = f"{self.authorize_url}{separator}{query}"
        return url, self.sign_state(state)

    def _referer_allowed(self, host: str) -> bool:
        return host in self.allowed_hosts or (":" not in host and is_account_host(host))

    async def complete_login(
        self, query: str | Mapping[str, Any], cookie: str | None
    ) -> tuple[AmoCRMClient, OAuthCallback]:
        """Check the redirect back from amoCRM and store the first token pair.

        ``query`` is the raw query string (so a repeated ``state`` is caught) or a mapping.
        In order: the cookie's signature and age, ``state`` (constant time), ``error``,
        ``client_id``, ``code``, and the ``referer`` host — all before the code and the
        client secret go anywhere. Each refusal is IntegrationError(400/403).
        """
        expected = self.read_state(cookie)
        try:
            callback = parse_oauth_callback(
                query if isinstance(query, str) else dict(query),
                expected_state=expected,
                client_id=self.oauth.client_id,
                allow_any_host=True,
            )
        except AuthorizationCallbackError as exc:
            raise IntegrationError(400, str(exc)) from None
        if not self._referer_allowed(callback.base_domain):
            raise IntegrationError(400, "the redirect's referer is not an amoCRM account host")
        if self.accounts.hosts and callback.base_domain not in self.accounts.hosts:
            raise IntegrationError(403, "this app does not serve that account")
        known = callback.base_domain in self._clients
        client = self.client(callback.base_domain)
        try:
            await client.authorize(callback.code, base_domain=callback.base_domain)
        except Exception as exc:
            if not known:  # a failed login leaves no client behind
                self._clients.pop(callback.base_domain, None)
                await client.aclose()
            if isinstance(exc, APIError):
                logger.warning("amoCRM refused the authorization code (HTTP %s)", exc.status)
                raise IntegrationError(400, "amoCRM refused the authorization code") from None
            if isinstance(exc, TransportError):
                raise IntegrationError(502, "amoCRM could not be reached; try again") from None
            raise
        if self._on_authorized is not None:
            await self._on_authorized(client, callback)
        return client, callback

    async def disconnect(self, query: Mapping[str, Any]) -> int:
        """Verify the disconnect hook (``client_uuid``, ``account_id``, ``signature``).

        A valid hook schedules ``on_disconnect(account_id)`` and returns the account id.
        """
        values = {k: str(v) for k, v in dict(query).items()}
        account = values.get("account_id", "")
        if not account.isdecimal() or not verify_disconnect_signature(
            client_uuid=values.get("client_uuid", ""),
            account_id=account,
            signature=values.get("signature", ""),
            client_secret=self.oauth.client_secret,
            expected_client_uuid=self.oauth.client_id,
        ):
            raise IntegrationError(403, "the disconnect hook's signature is not valid")
        account_id = int(account)
        hook = self._on_disconnect
        if hook is not None:
            self._submit(lambda: self._call("disconnect", hook, account_id))
        return account_id

    # ------------------------------------------------------------------ webhooks

    def webhook_signature(self, account_id: int) -> str:
        if self._webhook_key is None:
            raise ValueError("webhook_secret is not configured")
        mac = hmac.new(self._webhook_key, str(account_id).encode(), hashlib.sha256).digest()
        return _b64(mac[:24])

    def webhook_path(self, account_id: int | None = None) -> str:
        """The path to subscribe as the webhook destination (prepend your public origin).

        With ``account_id``, a per-account signed path that only that account's webhooks pass;
        without, the shared-token path (the body must then be from one of ``accounts``).
        """
        if self._webhook_secret is None:
            raise ValueError("webhook_secret is not configured")
        if account_id is None:
            return f"{self.prefix}/webhook/{self._webhook_secret}"
        return f"{self.prefix}/webhook/{int(account_id)}/{self.webhook_signature(account_id)}"

    def check_webhook_token(self, token: str) -> None:
        secret = self._webhook_secret
        if secret is None or not hmac.compare_digest(
            secret.encode(), token.encode("utf-8", "replace")
        ):
            raise IntegrationError(403, "unknown webhook destination")

    def check_webhook_signature(self, account_id: str, signature: str) -> int:
        if self._webhook_key is None or not account_id.isdecimal() or len(account_id) > 18:
            raise IntegrationError(403, "unknown webhook destination")
        expected = self.webhook_signature(int(account_id))
        if not hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace")):
            raise IntegrationError(403, "unknown webhook destination")
        return int(account_id)

    def _check_account(self, payload: WebhookPayload, signed_for: int | None) -> None:
        ids = _account_ids(payload)
        host, subdomain = _account_host(payload.account), payload.account.subdomain
        if host is not None and subdomain and host.split(".", 1)[0] != subdomain.lower():
            raise IntegrationError(403, "the webhook's account subdomain and address disagree")
        if signed_for is not None:
            if ids != {signed_for}:
                raise IntegrationError(403, "the webhook is from another account")
            return
        if not self.accounts or len(ids) > 1:
            raise IntegrationError(403, "the webhook is from an account this app does not serve")
        account_id = next(iter(ids)) if ids else None
        if not self.accounts.match(payload.account.subdomain, host, account_id):
            raise IntegrationError(403, "the webhook is from an account this app does not serve")

    def accept_webhook(
        self, body: bytes, content_type: str | None, *, signed_for: int | None = None
    ) -> WebhookPayload:
        """Parse a webhook, check its account, and schedule its events for the handlers.

        Call after :meth:`check_webhook_token` or :meth:`check_webhook_signature` (whose
        account id is ``signed_for``). Returns at once; IntegrationError(400/403/413/503).
        """
        if len(body) > self.webhook_limits.max_body_bytes:
            raise IntegrationError(413, "the webhook body is too large")
        try:
            payload = parse_webhook(body, content_type, limits=self.webhook_limits)
        except WebhookParseError as exc:
            raise IntegrationError(400, f"malformed webhook: {exc}") from None
        self._check_account(payload, signed_for)
        if payload.events and (self._handlers or self._queue is not None):
            self._submit(lambda: self._deliver(payload))
        return payload

    # ------------------------------------------------------------------ one-time tokens

    def _check_token_account(self, subdomain: str, domain: str, account_id: int) -> None:
        try:
            host = normalize_base_domain(domain, allow_any_host=True)
        except InvalidBaseDomainError:
            raise IntegrationError(401, "the token names no account host") from None
        if self.accounts and not self.accounts.match(subdomain, host, account_id):
            raise IntegrationError(403, "the token is from an account this app does not serve")

    async def _claim(self, key: str, expires_at: float) -> None:
        if not await self.replay_cache.claim(key, expires_at):
            raise IntegrationError(401, "the one-time token has already been used")

    async def verify_widget_token(self, token: str | None) -> DisposableToken:
        """Verify a widget's ``X-Auth-Token`` (HS256) and accept it once."""
        if not token:
            raise IntegrationError(401, "the X-Auth-Token header is missing")
        try:
            verified = parse_disposable_token(
                token,
                client_secret=self.oauth.client_secret,
                redirect_uri=self.oauth.redirect_uri,
                now=self.clock.time(),
                leeway=self.token_leeway,
            )
        except DisposableTokenError as exc:
            raise IntegrationError(401, f"invalid one-time token: {exc}") from None
        if not hmac.compare_digest(verified.client_uuid.encode(), self.oauth.client_id.encode()):
            raise IntegrationError(401, "the token was issued to another integration")
        self._check_token_account(
            verified.account_subdomain, verified.account_domain, verified.account_id
        )
        await self._claim(f"widget:{verified.token_uuid}", verified.expires_at)
        return verified

    async def verify_bot_body(self, body: bytes, content_type: str | None) -> BotRequest:
        """:meth:`verify_bot_request` for the raw body (JSON, or a urlencoded form)."""
        media = (content_type or "").split(";", 1)[0].strip().lower()
        try:
            if media == "application/x-www-form-urlencoded":
                data: Any = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
            else:
                data = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise IntegrationError(400, "the bot request is neither JSON nor a form") from None
        return await self.verify_bot_request(data)

    async def verify_bot_request(self, body: Any) -> BotRequest:
        """Verify a Salesbot ``widget_request`` body ``{token, data, return_url}`` (HS512)."""
        if not isinstance(body, Mapping) or not isinstance(body.get("token"), str):
            raise IntegrationError(401, "the bot request carries no token")
        token: str = body["token"]
        try:
            verified = parse_bot_disposable_token(
                token,
                client_secret=self.oauth.client_secret,
                receiver_path=self.bot_receiver_url,
                now=self.clock.time(),
                leeway=self.token_leeway,
            )
        except DisposableTokenError as exc:
            raise IntegrationError(401, f"invalid bot token: {exc}") from None
        if not hmac.compare_digest(verified.client_uuid.encode(), self.oauth.client_id.encode()):
            raise IntegrationError(401, "the token was issued to another integration")
        self._check_token_account(
            verified.account_subdomain, verified.account_domain, verified.account_id
        )
        digest = hashlib.sha256(token.encode()).hexdigest()
        await self._claim(f"bot:{digest}", verified.expires_at)
        return_url = body.get("return_url")
        return BotRequest(
            verified, body.get("data"), return_url if isinstance(return_url, str) else None
        )
