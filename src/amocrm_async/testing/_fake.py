"""``FakeAmoCRM``: a stateful in-memory emulator of the amoCRM / Kommo REST API v4."""

from __future__ import annotations

import copy
import enum
import hashlib
import json
import random
import threading
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from email.utils import formatdate
from typing import Any, Literal

from amocrm_async._clock import Clock, SystemClock
from amocrm_async.testing._asgi import ASGIApp, FakeASGIApp, ThreadedServer
from amocrm_async.testing._call import Call
from amocrm_async.testing._faults import (
    ConnectFault,
    ConnectionDropped,
    Fault,
    FaultInjector,
    FaultKind,
)
from amocrm_async.testing._fields import render_definition
from amocrm_async.testing._http import (
    PLAIN_JSON,
    BadBody,
    FakeResponse,
    Headers,
    Request,
    html_page,
    json_response,
    no_content,
    problem,
)
from amocrm_async.testing._oauth import (
    AuthCode,
    Integration,
    OAuthError,
    OAuthRegistry,
    RefreshToken,
    authorize_redirect,
    bad_request,
    bot_token_claims,
    check_redirect,
    oauth_problem,
    sign_jwt,
    subdomain_json,
    widget_token_claims,
)
from amocrm_async.testing._ratelimit import RateLimiter, RateLimitSettings, RetryAfterHeader
from amocrm_async.testing._registry import Registry, SeedResult
from amocrm_async.testing._state import Account
from amocrm_async.testing._stats import FakeStats, RequestRecord
from amocrm_async.testing._transport import FakeTransport
from amocrm_async.testing._webhook_delivery import WebhookSender
from amocrm_async.testing.resources import RESOURCES
from amocrm_async.testing.resources.drive import drive_host
from amocrm_async.testing.resources.pipelines import pipelines_of
from amocrm_async.testing.resources.users import admin_of, users_of

__all__ = ["FakeAmoCRM", "FakeStats", "RequestRecord"]

LONG_LIVED_TTL = 5 * 365 * 86_400
_API_DOMAINS = {
    "amocrm.ru": "api-a.amocrm.ru",
    "amocrm.com": "api-b.amocrm.com",
    "kommo.com": "api-c.kommo.com",
}


REGISTRY = Registry(RESOURCES)
"""The fake's resources and everything built from them (routes, seeding, lookups)."""


def api_domain_for(tld: str) -> str:
    return _API_DOMAINS.get(tld, f"api-a.{tld}")


class _Keep(enum.Enum):
    KEEP = "keep"


_KEEP = _Keep.KEEP


@dataclass(slots=True)
class _Retired:
    account: Account
    api_status: int
    token_status: int


class FakeAmoCRM:
    """A stateful in-memory amoCRM: accounts, OAuth, leads, contacts, companies, tasks, limits
    and faults.

    Three ways in, one core (:meth:`handle`): :attr:`transport` (an ``httpx`` transport, no
    sockets), :attr:`app` (an ASGI app; :meth:`serving` / :meth:`serve_in_thread` run it under
    uvicorn on loopback) and the pytest fixtures of :mod:`amocrm_async.testing.plugin`.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        seed: int = 0,
        rate_limit: bool = False,
        integration_rps: float = 7,
        account_rps: float = 50,
        subdomain: str = "acme",
        tld: str = "amocrm.ru",
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        self._seed = seed
        self._subdomain = subdomain.lower()
        self._tld = tld.lower()
        self.rate_limit_settings = RateLimitSettings(
            enabled=rate_limit,
            integration_rps=float(integration_rps),
            account_rps=float(account_rps),
        )
        self.faults = FaultInjector(seed)
        self.missing_entity_status = 204
        """Status of ``GET /api/v4/{entity}/{id}`` for a missing id (204 like amoCRM, or 404)."""
        self._lock = threading.RLock()
        self._transport: FakeTransport | None = None
        self._app: FakeASGIApp | None = None
        self._webhooks: WebhookSender | None = None
        self._init_state()

    def _init_state(self) -> None:
        seed = self._seed
        self._ids = REGISTRY.new_ids()
        self._rng = random.Random(seed)
        self._oauth = OAuthRegistry(
            random.Random(f"oauth-{seed}"), hashlib.sha256(f"amocrm-fake/{seed}".encode()).digest()
        )
        self._accounts: dict[int, Account] = {}
        self._hosts: dict[str, Account] = {}
        self._retired: dict[str, _Retired] = {}
        self._private: dict[int, Integration] = {}
        self._limiter = RateLimiter(self.rate_limit_settings)
        self._sequence = 0
        self.stats = FakeStats()
        self.requests: list[RequestRecord] = []
        self.last_exchanged_code: str | None = None
        """The authorization code produced by the latest ``POST /oauth2/exchange_api_key``."""
        self._default = self._create_account(self._subdomain, self._tld, None)

    # ------------------------------------------------------------------------------------------
    # Accounts
    # ------------------------------------------------------------------------------------------

    def _now(self) -> int:
        return int(self.clock.time())

    def _create_account(self, subdomain: str, tld: str, name: str | None) -> Account:
        host = f"{subdomain}.{tld}"
        if host in self._hosts:
            raise ValueError(f"account {host} already exists")
        account = REGISTRY.new_account(self._ids, subdomain, tld, self._now(), name)
        self._accounts[account.id] = account
        self._hosts[host] = account
        self._retired.pop(host, None)
        return account

    def add_account(
        self, subdomain: str, *, tld: str | None = None, name: str | None = None
    ) -> str:
        """Create another account; returns its base domain (``subdomain.tld``)."""
        with self._lock:
            return self._create_account(
                subdomain.lower(), (tld or self._tld).lower(), name
            ).base_domain

    def _account(self, account: str | None) -> Account:
        if account is None:
            return self._default
        key = account.lower()
        found = self._hosts.get(key) or self._hosts.get(f"{key}.{self._tld}")
        if found is None:
            for candidate in self._accounts.values():
                if candidate.subdomain == key:
                    return candidate
            raise KeyError(f"no account {account!r}")
        return found

    @property
    def base_domain(self) -> str:
        """Host of the default account, e.g. ``acme.amocrm.ru``."""
        return self._default.base_domain

    @property
    def base_url(self) -> str:
        return f"https://{self.base_domain}"

    @property
    def account_id(self) -> int:
        return self._default.id

    @property
    def api_domain(self) -> str:
        """The shared API host carried in the ``api_domain`` claim (e.g. ``api-a.amocrm.ru``)."""
        return api_domain_for(self._default.tld)

    def rename_subdomain(
        self, old: str, new: str, *, api_status: int = 404, token_status: int = 401
    ) -> str:
        """Rename an account's subdomain; returns the new base domain.

        Afterwards the old host answers ``token_status`` (401) on the token endpoint and
        ``api_status`` (404) on API paths; tokens stay valid on the new host, and
        ``/oauth2/account/current/subdomain`` reports the new domain.
        """
        with self._lock:
            account = self._account(old)
            old_host = account.base_domain
            new_host = f"{new.lower()}.{account.tld}"
            if new_host in self._hosts:
                raise ValueError(f"account {new_host} already exists")
            del self._hosts[old_host]
            account.subdomain = new.lower()
            self._hosts[new_host] = account
            self._retired[old_host] = _Retired(account, api_status, token_status)
            return new_host

    # ------------------------------------------------------------------------------------------
    # OAuth control
    # ------------------------------------------------------------------------------------------

    def register_integration(
        self,
        redirect_uri: str = "https://example.com/oauth/callback",
        *,
        name: str = "Test integration",
    ) -> Integration:
        """Register an OAuth integration (``client_id`` / ``client_secret`` / ``redirect_uri``)."""
        with self._lock:
            return self._oauth.register(redirect_uri, name)

    def issue_authorization_code(self, integration: Integration, account: str | None = None) -> str:
        """An authorization code for ``integration`` in ``account``; valid 20 min of clock time."""
        with self._lock:
            target = self._account(account)
            return self._oauth.issue_code(
                integration, target.id, admin_of(target).id, self.clock.time()
            )

    def authorize(
        self,
        integration: Integration,
        *,
        state: str,
        account: str | None = None,
        deny: bool = False,
    ) -> str:
        """What amoCRM's ``/oauth`` page does when the account's admin answers: the URL it
        redirects the browser to — the integration's redirect URI with a fresh ``code``,
        ``state``, ``referer`` (the account host) and ``client_id``, or ``error=access_denied``
        when ``deny``. The loopback ``GET /oauth?client_id=&state=`` page answers this as a 302."""
        with self._lock:
            target = self._account(account)
            code = None if deny else self.issue_authorization_code(integration, account)
            return authorize_redirect(
                integration, state=state, referer=target.base_domain, code=code
            )

    def widget_token(
        self,
        integration: Integration,
        *,
        user_id: int | None = None,
        account: str | None = None,
        expires_in: float = 30 * 60,
    ) -> str:
        """A widget's one-time ``X-Auth-Token`` (HS256 with the client secret, ``aud`` the
        redirect URI's origin, a fresh ``jti``) for ``user_id`` (default: the admin)."""
        with self._lock:
            target = self._account(account)
            users = users_of(target)
            user = users[user_id] if user_id is not None else admin_of(target)
            claims = widget_token_claims(
                integration,
                target,
                user_id=user.id,
                is_admin=user.is_admin,
                jti=self._oauth.uuid(),
                now=self.clock.time(),
                ttl=expires_in,
            )
            return sign_jwt(claims, integration.client_secret, "HS256")

    def bot_token(
        self,
        integration: Integration,
        *,
        entity_id: int,
        entity_type: str = "leads",
        bot_type: Literal["salesbot", "marketingbot"] = "salesbot",
        receiver: str | None = None,
        account: str | None = None,
        expires_in: float = 30 * 60,
    ) -> str:
        """The token a Salesbot ``widget_request`` step posts (HS512 with the client secret);
        ``receiver`` (the URL the bot calls) sets ``aud``."""
        with self._lock:
            claims = bot_token_claims(
                integration,
                self._account(account),
                entity_id=entity_id,
                entity_type=entity_type,
                bot_type=bot_type,
                now=self.clock.time(),
                ttl=expires_in,
                audience=receiver,
            )
            return sign_jwt(claims, integration.client_secret, "HS512")

    def issue_token_pair(
        self, integration: Integration, account: str | None = None
    ) -> dict[str, Any]:
        """Token-endpoint JSON for a fresh grant, without going through HTTP."""
        with self._lock:
            target = self._account(account)
            return self._oauth.issue_pair(
                integration.client_id,
                target.id,
                admin_of(target).id,
                target.base_domain,
                api_domain_for(target.tld),
                self.clock.time(),
            )

    def long_lived_token(
        self, *, expires_in: float = LONG_LIVED_TTL, account: str | None = None
    ) -> str:
        """A long-lived (never refreshable) JWT bearer for ``account`` (default account)."""
        with self._lock:
            target = self._account(account)
            integration = self._private.get(target.id)
            if integration is None:
                integration = self._oauth.register(
                    f"https://{target.base_domain}/private", "Private integration"
                )
                self._private[target.id] = integration
            return self._oauth.issue_long_lived(
                integration.client_id,
                target.id,
                admin_of(target).id,
                target.base_domain,
                api_domain_for(target.tld),
                self.clock.time(),
                expires_in,
            )

    def expire_tokens(self, account: str | None = None, *, include_long_lived: bool = False) -> int:
        """Expire current access tokens (all accounts unless ``account``); returns the count."""
        with self._lock:
            account_id = self._account(account).id if account is not None else None
            return self._oauth.expire_access(self.clock.time(), account_id, include_long_lived)

    def revoke_tokens(
        self, integration: Integration | None = None, account: str | None = None
    ) -> None:
        """Revoke access and refresh tokens (as an uninstall or a secret regeneration does)."""
        with self._lock:
            account_id = self._account(account).id if account is not None else None
            self._oauth.revoke(integration.client_id if integration else None, account_id)

    def api_key(self, login: str | None = None, account: str | None = None) -> tuple[str, str]:
        """``(login, api_key)`` of a user (default: the admin) for ``/oauth2/exchange_api_key``."""
        target = self._account(account)
        for user in users_of(target).values():
            if (login is None and user.is_admin) or user.email == login:
                return user.email, user.api_key
        raise KeyError(f"no user {login!r}")

    @property
    def grace_ends_on_access_use(self) -> bool:
        """Whether an API call with the new access token also ends the old refresh token's grace."""
        return self._oauth.grace_ends_on_access_use

    @grace_ends_on_access_use.setter
    def grace_ends_on_access_use(self, value: bool) -> None:
        self._oauth.grace_ends_on_access_use = value

    # ------------------------------------------------------------------------------------------
    # Rate limits and blocks
    # ------------------------------------------------------------------------------------------

    def set_rate_limit(
        self,
        enabled: bool = True,
        *,
        integration_rps: float | None = None,
        account_rps: float | None = None,
        block_after: int | _Keep | None = _KEEP,
        block_window: float | None = None,
        retry_after: float | _Keep | None = _KEEP,
        retry_after_header: RetryAfterHeader | _Keep = _KEEP,
    ) -> None:
        """Configure the server-side limiter.

        ``block_after``: 429s within ``block_window`` seconds that block the account (None:
        never block). ``retry_after``: fixed body ``retry_after`` seconds (None: time until the
        window frees up, at least 1). ``retry_after_header``: also send ``Retry-After`` as
        ``"seconds"`` or an HTTP ``"date"`` (None: body only, like amoCRM). Arguments left out
        keep their current values. Recent request history is forgotten.
        """
        with self._lock:
            s = self.rate_limit_settings
            s.enabled = enabled
            if integration_rps is not None:
                s.integration_rps = float(integration_rps)
            if account_rps is not None:
                s.account_rps = float(account_rps)
            if not isinstance(block_after, _Keep):
                s.block_after = block_after
            if block_window is not None:
                s.block_window = float(block_window)
            if not isinstance(retry_after, _Keep):
                s.retry_after = retry_after
            if not isinstance(retry_after_header, _Keep):
                s.retry_after_header = retry_after_header
            self._limiter.reset()

    def block(self, account: str | None = None) -> None:
        """Put an account into the blocked state (HTML 403 for everything)."""
        with self._lock:
            self._account(account).blocked = True
            self.stats.blocks += 1

    def unblock(self, account: str | None = None) -> None:
        """Lift blocks (all accounts unless ``account``) and forget recent rate-limit history."""
        with self._lock:
            targets = (
                [self._account(account)] if account is not None else list(self._accounts.values())
            )
            for target in targets:
                target.blocked = False
                self._limiter.forget(target.id)

    def is_blocked(self, account: str | None = None) -> bool:
        return self._account(account).blocked

    # ------------------------------------------------------------------------------------------
    # Data
    # ------------------------------------------------------------------------------------------

    def seed(self, *, account: str | None = None, **counts: int) -> SeedResult:
        """Create realistic entities directly in the store (no requests, no stats).

        Keywords are entity types: ``fake.seed(leads=1_000, contacts=200, tasks=50)``.
        """
        with self._lock:
            return REGISTRY.seed(self._account(account), self._ids, self._rng, self._now(), counts)

    def count(
        self, entity_type: str, account: str | None = None, *, include_deleted: bool = False
    ) -> int:
        store = REGISTRY.entity(entity_type).store(self._account(account))
        if include_deleted:
            return len(store)
        return sum(1 for e in store.values() if not e.deleted)

    def entities(
        self, entity_type: str, account: str | None = None, *, with_: Iterable[str] = ("contacts",)
    ) -> list[dict[str, Any]]:
        """Wire JSON of every (not deleted) entity of a type, as ``GET`` would render it."""
        with self._lock:
            target = self._account(account)
            resource = REGISTRY.entity(entity_type)
            options = resource.parse_with(",".join(with_))
            render = resource.renderer(target, f"https://{target.base_domain}", options)
            rendered = [render(e) for e in resource.store(target).values() if not e.deleted]
            return copy.deepcopy(rendered)

    def entity(
        self,
        entity_type: str,
        entity_id: int,
        account: str | None = None,
        *,
        with_: Iterable[str] = ("contacts",),
    ) -> dict[str, Any] | None:
        """Wire JSON of one entity (deleted ones included), or None."""
        with self._lock:
            target = self._account(account)
            resource = REGISTRY.entity(entity_type)
            entity = resource.store(target).get(entity_id)
            if entity is None:
                return None
            options = resource.parse_with(",".join(with_))
            return copy.deepcopy(
                resource.render(target, entity, f"https://{target.base_domain}", options)
            )

    def delete_entities(
        self, entity_type: str, ids: Iterable[int], account: str | None = None
    ) -> None:
        """Delete entities: leads, contacts and companies go to the trash (they show up only with
        ``with=only_deleted``); entities without a trash (tasks) are removed."""
        with self._lock:
            target = self._account(account)
            resource = REGISTRY.entity(entity_type)
            now = self._now()
            store = resource.store(target)
            for entity_id in ids:
                resource.trash(target, store[entity_id], now)
            target.touch()

    def custom_fields(self, entity_type: str, account: str | None = None) -> list[dict[str, Any]]:
        """Custom-field definitions of an entity type (wire JSON)."""
        target = self._account(account)
        base = f"https://{target.base_domain}"
        return [render_definition(d, target.id, base) for d in target.fields[entity_type].values()]

    def field_id(
        self,
        entity_type: str,
        *,
        code: str | None = None,
        type: str | None = None,
        account: str | None = None,
    ) -> int:
        """Id of the first custom field of ``entity_type`` with the given code and/or type."""
        target = self._account(account)
        for definition in target.fields[entity_type].values():
            if (code is None or definition.code == code.upper()) and (
                type is None or definition.type == type
            ):
                return definition.id
        raise KeyError(f"no {entity_type} field with code={code!r} type={type!r}")

    def enum_id(
        self, entity_type: str, field_id: int, value: str, account: str | None = None
    ) -> int:
        """Id of an enum value (or code) of a select/multiselect/radiobutton/multitext field."""
        definition = self._account(account).fields[entity_type][field_id]
        enum = definition.enum_by_value.get(value.casefold()) or definition.enum_by_code.get(
            value.upper()
        )
        if enum is None:
            raise KeyError(f"field {field_id} has no enum {value!r}")
        return int(enum["id"])

    def pipelines(self, account: str | None = None) -> list[dict[str, Any]]:
        """Pipelines with their statuses (wire JSON)."""
        target = self._account(account)
        return [
            {
                "id": p.id,
                "name": p.name,
                "is_main": p.is_main,
                "statuses": [
                    {"id": s.id, "name": s.name, "type": s.type} for s in p.statuses.values()
                ],
            }
            for p in pipelines_of(target).values()
        ]

    def users(self, account: str | None = None) -> list[dict[str, Any]]:
        target = self._account(account)
        return [
            {"id": u.id, "name": u.name, "email": u.email, "is_admin": u.is_admin}
            for u in users_of(target).values()
        ]

    # ------------------------------------------------------------------------------------------
    # Reset
    # ------------------------------------------------------------------------------------------

    def reset_stats(self) -> None:
        """Zero the counters and clear the request log."""
        with self._lock:
            self.stats = FakeStats()
            self.requests = []

    def reset(self) -> None:
        """Back to the freshly constructed state: data, tokens, blocks, faults and stats."""
        with self._lock:
            grace = self._oauth.grace_ends_on_access_use
            self.faults.clear()
            self._init_state()
            self._oauth.grace_ends_on_access_use = grace
            if self._webhooks is not None:
                self._webhooks.clear()

    # ------------------------------------------------------------------------------------------
    # Ways in
    # ------------------------------------------------------------------------------------------

    @property
    def webhooks(self) -> WebhookSender:
        """The webhooks the fake sends: routes to receivers, ``flush()``/``running()``, and
        every delivery with its attempts (see :mod:`amocrm_async.testing._webhook_delivery`)."""
        if self._webhooks is None:
            self._webhooks = WebhookSender(
                lock=self._lock,
                clock=lambda: self.clock,
                accounts=lambda: self._accounts.values(),
                account=self._account,
                ids=lambda: self._ids,
            )
        return self._webhooks

    def deliver_webhooks_to(self, app: ASGIApp, destination: str | None = None) -> WebhookSender:
        """Post webhooks to the ASGI ``app`` in-process (all destinations, or ``destination``)."""
        return self.webhooks.deliver_to(app, destination)

    @property
    def transport(self) -> FakeTransport:
        """An ``httpx.AsyncBaseTransport`` calling the core directly (no sockets)."""
        if self._transport is None:
            self._transport = FakeTransport(self)
        return self._transport

    @property
    def app(self) -> FakeASGIApp:
        """An ASGI 3 application over the same core."""
        if self._app is None:
            self._app = FakeASGIApp(self)
        return self._app

    @contextmanager
    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Run uvicorn in a background thread; yields the base URL (``http://127.0.0.1:PORT``)."""
        server = ThreadedServer(self.app, host, port)
        server.start()
        try:
            yield server.base_url
        finally:
            server.stop()

    @asynccontextmanager
    async def serving(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Async form of :meth:`serve_in_thread` (thread start/stop run off the event loop)."""
        import anyio.to_thread

        server = ThreadedServer(self.app, host, port)
        await anyio.to_thread.run_sync(server.start)
        try:
            yield server.base_url
        finally:
            await anyio.to_thread.run_sync(server.stop)

    # ------------------------------------------------------------------------------------------
    # The core
    # ------------------------------------------------------------------------------------------

    async def handle(
        self,
        method: str,
        url: str,
        headers: Headers = None,
        body: bytes = b"",
    ) -> FakeResponse:
        """Handle one HTTP request against the in-memory state.

        Routes by the ``Host`` header (or the URL's host); unknown hosts (e.g. loopback) map to
        the default account. Raises :class:`ConnectFault` / :class:`ConnectionDropped` when an
        injected fault says there is no response at all.
        """
        with self._lock:
            self._sequence += 1
            request_id = hashlib.md5(
                f"{self._seed}:{self._sequence}".encode(), usedforsecurity=False
            ).hexdigest()
        req = Request(method, url, headers, body, request_id)
        if (req.method, req.path) == ("POST", "/_fake/webhooks/flush"):
            sent = await self.webhooks.flush()  # async: it posts, so not under the lock
            response = json_response(200, [d.as_json() for d in sent], PLAIN_JSON)
            response.set_header("X-Request-Id", request_id)
            return response
        if req.path == "/_fake" or req.path.startswith("/_fake/"):
            with self._lock:
                response = self._control(req)
            response.set_header("X-Request-Id", request_id)
            return response
        fired = self.faults.select(req.method, req.path)
        delay = sum(f.seconds for f in fired if f.kind is FaultKind.LATENCY)
        if delay > 0:
            await self.clock.sleep(delay)
        with self._lock:
            return self._process(req, fired)

    def _process(self, req: Request, fired: list[Fault]) -> FakeResponse:
        for fault in fired:
            self.stats.faults[fault.kind.value] += 1
        primary = next((f for f in fired if f.kind is not FaultKind.LATENCY), None)
        kind = primary.kind if primary is not None else None
        if primary is not None and primary.kind in (
            FaultKind.CONNECT_ERROR,
            FaultKind.CONNECTION_RESET,
        ):
            self._record(req, 0, primary.kind)
            no_connection = (
                ConnectFault if primary.kind is FaultKind.CONNECT_ERROR else ConnectionDropped
            )
            raise no_connection(primary.kind)
        response = self._instead_of_handling(primary)
        if response is None:
            response = self._route(req)
            if kind is FaultKind.APPLY_THEN_DROP:
                self._record(req, response.status, kind)
                raise ConnectionDropped(kind, applied=True)
            response = self._after_handling(primary, response)
        response.set_header("X-Request-Id", req.request_id)
        self._record(req, response.status, kind)
        return response

    def _instead_of_handling(self, fault: Fault | None) -> FakeResponse | None:
        """The answer of a fault that replaces handling the request (None: handle it)."""
        if fault is None:
            return None
        if fault.kind is FaultKind.STATUS and not fault.apply:
            return self._fault_status(fault)
        if fault.kind is FaultKind.RATE_LIMIT:
            self.stats.rate_limited += 1
            retry_after = fault.retry_after if fault.retry_after is not None else 1
            return self._too_many(retry_after, fault.retry_after_header)
        if fault.kind is FaultKind.HTML_BODY:
            response = html_page(fault.status or 502)
            if fault.body is not None:
                response.body = _raw_body(fault.body)
            return response
        return None

    def _after_handling(self, fault: Fault | None, response: FakeResponse) -> FakeResponse:
        """What a fault that fires after handling does to the answer."""
        if fault is not None and fault.kind is FaultKind.STATUS:
            return self._fault_status(fault)
        if fault is not None and fault.kind in _BODY_REWRITES:
            response.body = _BODY_REWRITES[fault.kind](response.body)
        return response

    def _record(self, req: Request, status: int, fault: FaultKind | None) -> None:
        self.stats.requests[(req.method, req.path, status)] += 1
        self.requests.append(
            RequestRecord(
                method=req.method,
                path=req.path,
                query=req.query,
                raw_query=req.raw_query,
                status=status,
                time=self.clock.monotonic(),
                json=req.logged_body(),
                host=req.host,
                headers=req.headers,
                request_id=req.request_id,
                fault=fault.value if fault is not None else None,
            )
        )

    def _fault_status(self, fault: Fault) -> FakeResponse:
        status = fault.status or 500
        if fault.body is not None:
            response = FakeResponse(status, [], _raw_body(fault.body))
            content_type = (
                PLAIN_JSON if isinstance(fault.body, dict | list) else "text/plain; charset=utf-8"
            )
            if isinstance(fault.body, str | bytes) and _raw_body(fault.body).lstrip().startswith(
                b"<"
            ):
                content_type = "text/html"
            response.set_header("Content-Type", content_type)
            return response
        if status == 500:
            trace_id = hashlib.md5(
                f"trace:{self._sequence}".encode(), usedforsecurity=False
            ).hexdigest()
            return json_response(
                500,
                {
                    "title": "ErrInternalServer",
                    "status": 500,
                    "detail": "Internal server error",
                    "trace_id": trace_id,
                },
                "application/problem+json",
            )
        return problem(status, "Service temporarily unavailable")

    def _too_many(self, retry_after: float, header: RetryAfterHeader) -> FakeResponse:
        seconds = max(0, round(retry_after))
        response = problem(429, "Too many requests, try again later", retry_after=seconds)
        if header == "seconds":
            response.set_header("Retry-After", str(seconds))
        elif header == "date":
            response.set_header("Retry-After", formatdate(self.clock.time() + seconds, usegmt=True))
        return response

    # -- routing ---------------------------------------------------------------------------------

    def _resolve_host(self, hostname: str) -> tuple[str, Account | None, _Retired | None]:
        account = self._hosts.get(hostname)
        if account is not None:
            return "account", account, None
        retired = self._retired.get(hostname)
        if retired is not None:
            return "retired", retired.account, retired
        if hostname in {api_domain_for(a.tld) for a in self._accounts.values()}:
            return "api", None, None
        if hostname in {drive_host(a.tld) for a in self._accounts.values()}:
            return "drive", None, None
        return "other", self._default, None

    def _blocked(self) -> FakeResponse:
        self.stats.blocked += 1
        return html_page(403)

    def _route(self, req: Request) -> FakeResponse:
        kind, account, retired = self._resolve_host(req.hostname)
        if account is not None and account.blocked and kind != "api":
            return self._blocked()
        path = req.path
        if kind == "drive" and not path.startswith(("/api/", "/oauth")):
            return self._api_call(req, kind, self._default)
        if path == "/oauth":
            return self._authorize_page(req)
        if path.startswith("/oauth2/"):
            return self._oauth_route(req, kind, account, retired)
        if path.startswith("/api/"):
            if retired is not None:
                if retired.api_status == 401:
                    return self._unauthorized("Account not found")
                return problem(retired.api_status, "Account not found")
            if account is None:
                return problem(404, f"Cannot {req.method} {path}")
            return self._api_call(req, kind, account)
        return problem(404, f"Cannot {req.method} {path}")

    def _authorize_page(self, req: Request) -> FakeResponse:
        """``GET /oauth?client_id=&state=``: the admin of the default account allows at once."""
        if req.method != "GET":
            return problem(405, f"Method {req.method} is not allowed")
        client_id, state = req.query.get("client_id"), req.query.get("state")
        integration = (
            self._oauth.integrations.get(client_id) if isinstance(client_id, str) else None
        )
        if integration is None or not isinstance(state, str):
            return problem(400, "Unknown client_id or no state")
        return FakeResponse(302, [("Location", self.authorize(integration, state=state))], b"")

    def _unauthorized(self, detail: str) -> FakeResponse:
        self.stats.unauthorized += 1
        return problem(401, detail)

    def _api_call(self, req: Request, kind: str, account: Account) -> FakeResponse:
        scheme, _, raw_token = req.headers.get("authorization", "").partition(" ")
        token = raw_token.strip()
        if scheme.lower() != "bearer" or not token:
            return self._unauthorized("Authorization required")
        known = self._oauth.access.get(token)
        if known is None:
            return self._unauthorized("Token is invalid")
        owner = self._accounts[known.account_id]
        if kind in ("other", "drive"):
            account = owner
            if account.blocked:
                return self._blocked()
        elif owner is not account:
            return self._unauthorized("Token was issued for another account")
        record, reason = self._oauth.authenticate(token, self.clock.time())
        if record is None:
            return self._unauthorized(reason)
        settings = self.rate_limit_settings
        if settings.enabled:
            now = self.clock.monotonic()
            wait = self._limiter.check(record.client_id, account.id, now)
            if wait is not None:
                self.stats.rate_limited += 1
                if self._limiter.record_rejection(account.id, now):
                    account.blocked = True
                    self.stats.blocks += 1
                return self._too_many(
                    self._limiter.retry_after_seconds(wait), settings.retry_after_header
                )
        user_id = record.user_id
        context_user = req.headers.get("x-context-user-id", "").strip()
        if context_user.isdigit() and int(context_user) in users_of(account):
            user_id = int(context_user)
        call = Call(
            req,
            account,
            user_id,
            self._now(),
            self._ids,
            self.stats,
            REGISTRY.link_rules,
            self.missing_entity_status,
        )
        return REGISTRY.dispatch(call)

    # -- OAuth endpoints -------------------------------------------------------------------------

    def _oauth_route(
        self, req: Request, kind: str, account: Account | None, retired: _Retired | None
    ) -> FakeResponse:
        path = req.path
        if path == "/oauth2/account/current/subdomain":
            if req.method != "GET":
                return problem(405, f"Method {req.method} is not allowed")
            return self._subdomain_by_refresh(req)
        if path == "/oauth2/account/subdomain":
            if req.method != "GET":
                return problem(405, f"Method {req.method} is not allowed")
            return self._subdomain_by_access(req)
        if path not in ("/oauth2/access_token", "/oauth2/exchange_api_key"):
            return problem(404, f"Cannot {req.method} {path}")
        if req.method != "POST":
            return problem(405, f"Method {req.method} is not allowed")
        if retired is not None:
            if path == "/oauth2/access_token" and _grant_type(req) == "refresh_token":
                self.stats.rejected_refreshes += 1
            if retired.token_status == 404:
                return problem(404, "Account not found")
            return oauth_problem(
                OAuthError(
                    retired.token_status,
                    "Account not found",
                    "Аккаунт не найден",
                    "Аккаунт не найден",
                )
            )
        if kind == "api" or account is None:
            return problem(404, f"Cannot {req.method} {path}")
        bound = account if kind == "account" else None
        if path == "/oauth2/access_token":
            return self._token_endpoint(req, bound)
        return self._exchange_api_key(req, account)

    def _token_endpoint(self, req: Request, bound: Account | None) -> FakeResponse:
        grant: object = None
        try:
            body = _json_object(req.form_or_json)
            grant = body.get("grant_type")
            integration = self._oauth.check_client(body.get("client_id"), body.get("client_secret"))
            check_redirect(integration, body)
            now = self.clock.time()
            grantor = self._redeem(grant, body, integration, bound, now)
            parent = grantor if isinstance(grantor, RefreshToken) else None
            target = self._accounts[grantor.account_id]
            pair = self._oauth.issue_pair(
                integration.client_id,
                target.id,
                grantor.user_id,
                target.base_domain,
                api_domain_for(target.tld),
                now,
                parent=parent,
            )
        except OAuthError as error:
            if grant == "refresh_token":
                self.stats.rejected_refreshes += 1
            return oauth_problem(error)
        if parent is not None:
            self.stats.token_refreshes += 1
        self.stats.tokens_issued += 1
        return json_response(200, pair, PLAIN_JSON)

    def _redeem(
        self,
        grant: object,
        body: dict[str, Any],
        integration: Integration,
        bound: Account | None,
        now: float,
    ) -> AuthCode | RefreshToken:
        """The code or refresh token a grant uses up (``bound``: the host's account)."""
        oauth = self._oauth
        if grant == "authorization_code":
            code = body.get("code")
            pending = oauth.codes.get(code) if isinstance(code, str) else None
            if bound is not None and pending is not None and pending.account_id != bound.id:
                raise bad_request("Cannot decrypt the authorization code")
            return oauth.redeem_code(integration, code, now)
        if grant == "refresh_token":
            token = body.get("refresh_token")
            known = oauth.refresh.get(token) if isinstance(token, str) else None
            if bound is not None and known is not None and known.account_id != bound.id:
                raise OAuthError(
                    401,
                    "Token has been revoked",
                    "Некорректный запрос",
                    "Токен выдан другому аккаунту",
                )
            return oauth.redeem_refresh(integration, token, now)
        raise OAuthError(
            400,
            "The authorization grant type is not supported by the authorization server.",
            "Некорректный тип авторизации",
            "Тип авторизации не поддерживается",
        )

    def _exchange_api_key(self, req: Request, account: Account) -> FakeResponse:
        try:
            body = _json_object(req.json)
            integration = self._oauth.check_client(
                body.get("client_uuid"), body.get("client_secret")
            )
            login, api_key = body.get("login"), body.get("api_key")
            user = next((u for u in users_of(account).values() if u.email == login), None)
            if user is None or not isinstance(api_key, str) or api_key != user.api_key:
                raise OAuthError(
                    401,
                    "Invalid login or API key",
                    "Некорректный запрос",
                    "Неверный логин или API-ключ",
                )
        except OAuthError as error:
            return oauth_problem(error)
        self.last_exchanged_code = self._oauth.issue_code(
            integration, account.id, user.id, self.clock.time()
        )
        return FakeResponse(202, [], b"")

    def _subdomain_by_refresh(self, req: Request) -> FakeResponse:
        token = req.headers.get("x-refresh-token", "").strip()
        record = self._oauth.known_refresh(token) if token else None
        if record is None or record.expires_at <= self.clock.time():
            return oauth_problem(
                OAuthError(
                    401, "Refresh token is invalid", "Unauthorized", "Refresh token is invalid"
                )
            )
        return subdomain_json(self._accounts[record.account_id])

    def _subdomain_by_access(self, req: Request) -> FakeResponse:
        scheme, _, raw_token = req.headers.get("authorization", "").partition(" ")
        record, reason = (
            self._oauth.authenticate(raw_token.strip(), self.clock.time())
            if scheme.lower() == "bearer"
            else (None, "Authorization required")
        )
        if record is None:
            return oauth_problem(OAuthError(401, reason, "Unauthorized", reason))
        return subdomain_json(self._accounts[record.account_id])

    # -- control surface (/_fake/...) ------------------------------------------------------------

    def _control(self, req: Request) -> FakeResponse:
        """Test-control routes for out-of-process use (the CLI fake server). Unauthenticated."""
        route = req.path.removeprefix("/_fake").strip("/")
        try:
            body = req.json() if req.body.strip() else {}
        except BadBody as exc:
            return exc.response
        if not isinstance(body, dict):
            return problem(400, "Expected a JSON object")
        account = body.get("account") if isinstance(body.get("account"), str) else None
        action = _CONTROL_ROUTES.get((req.method, route))
        if action is None:
            if req.method != "POST":
                return problem(405, f"Method {req.method} is not allowed")
            return problem(404, f"Unknown control route /_fake/{route}")
        try:
            answer = action(self, body, account)
        except (KeyError, TypeError, ValueError) as exc:
            return problem(400, f"Bad control request: {exc}")
        return no_content() if answer is None else json_response(200, answer, PLAIN_JSON)

    def _describe(self) -> dict[str, Any]:
        return {
            "base_domain": self.base_domain,
            "accounts": [
                {"id": a.id, "base_domain": a.base_domain, "blocked": a.blocked}
                | REGISTRY.counts(a)
                for a in self._accounts.values()
            ],
            "rate_limit": {
                "enabled": self.rate_limit_settings.enabled,
                "integration_rps": self.rate_limit_settings.integration_rps,
                "account_rps": self.rate_limit_settings.account_rps,
            },
            "faults": [f.kind.value for f in self.faults],
        }

    def _request_log(self) -> list[dict[str, Any]]:
        return [
            {
                "method": r.method,
                "path": r.path,
                "query": r.raw_query,
                "status": r.status,
                "time": r.time,
                "json": r.json,
                "fault": r.fault,
            }
            for r in self.requests
        ]

    def _seed_counts(self, body: dict[str, Any], account: str | None) -> dict[str, int]:
        """``POST /_fake/seed``: the body names entity types; answers the count of each."""
        counts = {name: int(body[name]) for name in REGISTRY.entities if name in body}
        result = self.seed(account=account, **counts)
        return {name: len(ids) for name, ids in result.as_dict().items()}

    def _control_token(self, body: dict[str, Any], account: str | None) -> dict[str, Any]:
        expires_in = float(body.get("expires_in", LONG_LIVED_TTL))
        token = self.long_lived_token(expires_in=expires_in, account=account)
        return {"access_token": token, "base_domain": self._account(account).base_domain}

    def _control_integration(self, body: dict[str, Any], account: str | None) -> dict[str, Any]:
        redirect_uri = str(body.get("redirect_uri", "https://example.com/oauth/callback"))
        integration = self.register_integration(redirect_uri)
        return {
            "client_id": integration.client_id,
            "client_secret": integration.client_secret,
            "redirect_uri": integration.redirect_uri,
            "code": self.issue_authorization_code(integration, account),
        }

    def __repr__(self) -> str:
        return f"FakeAmoCRM(base_domain={self.base_domain!r}, clock={self.clock!r})"


def _without_embedded(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return body
    if isinstance(data, dict):
        data.pop("_embedded", None)
    return json.dumps(data).encode()


_BODY_REWRITES: dict[FaultKind, Callable[[bytes], bytes]] = {
    FaultKind.TRUNCATED_BODY: lambda body: body[: len(body) // 2],
    FaultKind.EMPTY_BODY: lambda body: b"",
    FaultKind.EMPTY_OBJECT: lambda body: b"{}",
    FaultKind.NO_EMBEDDED: _without_embedded,
}
"""Faults that keep the status of a handled request but break its body."""


def _raw_body(body: bytes | str | dict[str, Any] | list[Any]) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body, ensure_ascii=False).encode("utf-8")


def _grant_type(req: Request) -> object:
    try:
        body = req.form_or_json()
    except BadBody:
        return None
    return body.get("grant_type") if isinstance(body, dict) else None


def _json_object(parse: Callable[[], Any]) -> dict[str, Any]:
    """The body of an OAuth request as an object; a 400 OAuth error otherwise."""
    try:
        body = parse()
    except BadBody:
        raise bad_request("The request is missing a required parameter") from None
    if not isinstance(body, dict):
        raise bad_request("The request is missing a required parameter")
    return body


ControlAction = Callable[[FakeAmoCRM, dict[str, Any], "str | None"], Any]
"""``(fake, body, account) -> JSON answer`` (None: 204)."""


def _options(body: dict[str, Any], *left_out: str) -> dict[str, Any]:
    return {key: value for key, value in body.items() if key not in left_out}


def _add_fault(fake: FakeAmoCRM, body: dict[str, Any], account: str | None) -> None:
    fake.faults.add(str(body.get("kind")), **_options(body, "kind"))


_CONTROL_ROUTES: dict[tuple[str, str], ControlAction] = {
    ("GET", ""): lambda fake, body, account: fake._describe(),
    ("GET", "stats"): lambda fake, body, account: fake.stats.as_dict(),
    ("GET", "requests"): lambda fake, body, account: fake._request_log(),
    ("GET", "webhooks"): lambda fake, body, account: [
        d.as_json() for d in fake.webhooks.deliveries
    ],
    ("POST", "reset"): lambda fake, body, account: fake.reset(),
    ("POST", "reset_stats"): lambda fake, body, account: fake.reset_stats(),
    ("POST", "unblock"): lambda fake, body, account: fake.unblock(account),
    ("POST", "expire_tokens"): lambda fake, body, account: {"expired": fake.expire_tokens(account)},
    ("POST", "seed"): FakeAmoCRM._seed_counts,
    ("POST", "token"): FakeAmoCRM._control_token,
    ("POST", "integrations"): FakeAmoCRM._control_integration,
    ("POST", "faults"): _add_fault,
    ("DELETE", "faults"): lambda fake, body, account: fake.faults.clear(),
    ("POST", "rate_limit"): lambda fake, body, account: fake.set_rate_limit(
        bool(body.get("enabled", True)), **_options(body, "enabled")
    ),
    ("POST", "rename"): lambda fake, body, account: {
        "base_domain": fake.rename_subdomain(str(body["old"]), str(body["new"]))
    },
}
"""The ``/_fake/*`` routes: ``(method, route)`` → action."""
