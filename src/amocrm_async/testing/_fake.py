"""``FakeAmoCRM``: a stateful in-memory emulator of the amoCRM / Kommo REST API v4."""

from __future__ import annotations

import copy
import enum
import hashlib
import json
import random
import threading
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from email.utils import formatdate
from typing import TYPE_CHECKING, Any

from amocrm_async._clock import Clock, SystemClock
from amocrm_async.testing._entities import SPECS, parse_with, render_entity
from amocrm_async.testing._faults import (
    ConnectFault,
    ConnectionDropped,
    Fault,
    FaultInjector,
    FaultKind,
)
from amocrm_async.testing._fields import render_definition
from amocrm_async.testing._handlers import (
    Api,
    Call,
    bad_request,
    check_redirect,
    oauth_problem,
    subdomain_json,
)
from amocrm_async.testing._http import (
    PLAIN_JSON,
    BadBody,
    FakeResponse,
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
)
from amocrm_async.testing._ratelimit import RateLimiter, RateLimitSettings, RetryAfterHeader
from amocrm_async.testing._seed import SeedResult, seed_account
from amocrm_async.testing._state import ENTITY_TYPES, Account, IdAllocator, build_account

if TYPE_CHECKING:
    from amocrm_async.testing._asgi import FakeASGIApp
    from amocrm_async.testing._transport import FakeTransport

__all__ = ["FakeAmoCRM", "FakeStats", "RequestRecord"]

LONG_LIVED_TTL = 5 * 365 * 86_400
_API_DOMAINS = {
    "amocrm.ru": "api-a.amocrm.ru",
    "amocrm.com": "api-b.amocrm.com",
    "kommo.com": "api-c.kommo.com",
}


def api_domain_for(tld: str) -> str:
    return _API_DOMAINS.get(tld, f"api-a.{tld}")


@dataclass(slots=True)
class RequestRecord:
    """One entry of ``fake.requests``."""

    method: str
    path: str
    query: dict[str, Any]
    raw_query: str
    status: int
    """HTTP status; 0 when the connection was dropped or refused before a response existed."""
    time: float
    """``fake.clock.monotonic()`` when the request was handled."""
    json: Any
    """Parsed JSON body (form bodies as a dict), or None."""
    host: str
    headers: dict[str, str]
    request_id: str
    fault: str | None = None


@dataclass
class FakeStats:
    """Counters for assertions; ``fake.reset_stats()`` starts them over."""

    requests: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    """Requests by ``(method, path, status)`` (status 0: no response)."""
    rate_limited: int = 0
    """429 answers (server-side limiter and injected ``rate_limit`` faults)."""
    blocked: int = 0
    """403 answers sent because an account is blocked."""
    blocks: int = 0
    """Times an account went into the blocked state."""
    unauthorized: int = 0
    """401 answers on API calls."""
    tokens_issued: int = 0
    """Token pairs issued by the token endpoint (both grants)."""
    token_refreshes: int = 0
    """Successful ``refresh_token`` grants."""
    rejected_refreshes: int = 0
    """Failed ``refresh_token`` grants (revoked, superseded, unknown, bad client...)."""
    entities_created: Counter[str] = field(default_factory=Counter)
    entities_updated: Counter[str] = field(default_factory=Counter)
    batch_sizes: list[int] = field(default_factory=list)
    """Entity count of every successful entity write request (POST/PATCH, complex)."""
    faults: Counter[str] = field(default_factory=Counter)
    """Injected faults that fired, by kind."""

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def count(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> int:
        """Requests matching all given criteria."""
        return sum(
            n
            for (m, p, s), n in self.requests.items()
            if (method is None or m == method.upper())
            and (path is None or p == path)
            and (status is None or s == status)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": [
                {"method": m, "path": p, "status": s, "count": n}
                for (m, p, s), n in self.requests.items()
            ],
            "total_requests": self.total_requests,
            "rate_limited": self.rate_limited,
            "blocked": self.blocked,
            "blocks": self.blocks,
            "unauthorized": self.unauthorized,
            "tokens_issued": self.tokens_issued,
            "token_refreshes": self.token_refreshes,
            "rejected_refreshes": self.rejected_refreshes,
            "entities_created": dict(self.entities_created),
            "entities_updated": dict(self.entities_updated),
            "batch_sizes": list(self.batch_sizes),
            "faults": dict(self.faults),
        }


class _Keep(enum.Enum):
    KEEP = "keep"


_KEEP = _Keep.KEEP


@dataclass(slots=True)
class _Retired:
    account: Account
    api_status: int
    token_status: int


class FakeAmoCRM:
    """A stateful in-memory amoCRM: accounts, OAuth, leads/contacts/companies, limits and faults.

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
        self._init_state()

    def _init_state(self) -> None:
        seed = self._seed
        self._ids = IdAllocator()
        self._rng = random.Random(seed)
        self._oauth = OAuthRegistry(
            random.Random(f"oauth-{seed}"), hashlib.sha256(f"amocrm-fake/{seed}".encode()).digest()
        )
        self._accounts: dict[int, Account] = {}
        self._hosts: dict[str, Account] = {}
        self._retired: dict[str, _Retired] = {}
        self._private: dict[int, Integration] = {}
        self._limiter = RateLimiter(self.rate_limit_settings)
        self._api = Api(self)
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
        account = build_account(self._ids, subdomain, tld, self._now(), name)
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
                integration, target.id, target.admin.id, self.clock.time()
            )

    def issue_token_pair(
        self, integration: Integration, account: str | None = None
    ) -> dict[str, Any]:
        """Token-endpoint JSON for a fresh grant, without going through HTTP."""
        with self._lock:
            target = self._account(account)
            return self._oauth.issue_pair(
                integration.client_id,
                target.id,
                target.admin.id,
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
                target.admin.id,
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
        for user in target.users.values():
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

    def seed(
        self, *, leads: int = 0, contacts: int = 0, companies: int = 0, account: str | None = None
    ) -> SeedResult:
        """Create realistic entities directly in the store (no requests, no stats)."""
        with self._lock:
            return seed_account(
                self._account(account),
                self._ids,
                self._rng,
                self._now(),
                leads=leads,
                contacts=contacts,
                companies=companies,
            )

    def count(
        self, entity_type: str, account: str | None = None, *, include_deleted: bool = False
    ) -> int:
        store = self._account(account).stores[entity_type]
        if include_deleted:
            return len(store)
        return sum(1 for e in store.values() if not e.deleted)

    def entities(
        self, entity_type: str, account: str | None = None, *, with_: Iterable[str] = ("contacts",)
    ) -> list[dict[str, Any]]:
        """Wire JSON of every (not deleted) entity of a type, as ``GET`` would render it."""
        with self._lock:
            target = self._account(account)
            spec = SPECS[entity_type]
            options = parse_with(spec, ",".join(with_))
            rendered = [
                render_entity(target, spec, e, f"https://{target.base_domain}", options)
                for e in target.stores[entity_type].values()
                if not e.deleted
            ]
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
            spec = SPECS[entity_type]
            entity = target.stores[entity_type].get(entity_id)
            if entity is None:
                return None
            options = parse_with(spec, ",".join(with_))
            return copy.deepcopy(
                render_entity(target, spec, entity, f"https://{target.base_domain}", options)
            )

    def delete_entities(
        self, entity_type: str, ids: Iterable[int], account: str | None = None
    ) -> None:
        """Move entities to the trash (they show up only with ``with=only_deleted``)."""
        with self._lock:
            target = self._account(account)
            now = self._now()
            for entity_id in ids:
                entity = target.stores[entity_type][entity_id]
                entity.data["is_deleted"] = True
                entity.data["updated_at"] = now
            target.touch()

    def custom_fields(self, entity_type: str, account: str | None = None) -> list[dict[str, Any]]:
        """Custom-field definitions of an entity type (wire JSON)."""
        target = self._account(account)
        base = f"https://{target.base_domain}"
        return [render_definition(d, target, base) for d in target.fields[entity_type].values()]

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
            for p in target.pipelines.values()
        ]

    def users(self, account: str | None = None) -> list[dict[str, Any]]:
        target = self._account(account)
        return [
            {"id": u.id, "name": u.name, "email": u.email, "is_admin": u.is_admin}
            for u in target.users.values()
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

    # ------------------------------------------------------------------------------------------
    # Ways in
    # ------------------------------------------------------------------------------------------

    @property
    def transport(self) -> FakeTransport:
        """An ``httpx.AsyncBaseTransport`` calling the core directly (no sockets)."""
        if self._transport is None:
            from amocrm_async.testing._transport import FakeTransport

            self._transport = FakeTransport(self)
        return self._transport

    @property
    def app(self) -> FakeASGIApp:
        """An ASGI 3 application over the same core."""
        if self._app is None:
            from amocrm_async.testing._asgi import FakeASGIApp

            self._app = FakeASGIApp(self)
        return self._app

    @contextmanager
    def serve_in_thread(self, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
        """Run uvicorn in a background thread; yields the base URL (``http://127.0.0.1:PORT``)."""
        from amocrm_async.testing._asgi import ThreadedServer

        server = ThreadedServer(self, host, port)
        server.start()
        try:
            yield server.base_url
        finally:
            server.stop()

    @asynccontextmanager
    async def serving(self, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
        """Async form of :meth:`serve_in_thread` (thread start/stop run off the event loop)."""
        import anyio.to_thread

        from amocrm_async.testing._asgi import ThreadedServer

        server = ThreadedServer(self, host, port)
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
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
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
        if kind is FaultKind.CONNECT_ERROR:
            self._record(req, 0, kind)
            raise ConnectFault(kind)
        if kind is FaultKind.CONNECTION_RESET:
            self._record(req, 0, kind)
            raise ConnectionDropped(kind)
        assert primary is not None or kind is None
        if primary is not None and kind is FaultKind.STATUS and not primary.apply:
            response = self._fault_status(primary)
        elif primary is not None and kind is FaultKind.RATE_LIMIT:
            self.stats.rate_limited += 1
            ra = primary.retry_after if primary.retry_after is not None else 1
            response = self._too_many(ra, primary.retry_after_header)
        elif primary is not None and kind is FaultKind.HTML_BODY:
            response = html_page(primary.status or 502)
            if primary.body is not None:
                response.body = _raw_body(primary.body)
        else:
            response = self._route(req)
            if kind is FaultKind.APPLY_THEN_DROP:
                self._record(req, response.status, kind)
                raise ConnectionDropped(kind, applied=True)
            if primary is not None and kind is FaultKind.STATUS:
                response = self._fault_status(primary)
            elif kind is FaultKind.TRUNCATED_BODY:
                response.body = response.body[: len(response.body) // 2]
        response.set_header("X-Request-Id", req.request_id)
        self._record(req, response.status, kind)
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
        return "other", self._default, None

    def _blocked(self) -> FakeResponse:
        self.stats.blocked += 1
        return html_page(403)

    def _route(self, req: Request) -> FakeResponse:
        kind, account, retired = self._resolve_host(req.hostname)
        if account is not None and account.blocked and kind != "api":
            return self._blocked()
        path = req.path
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
        if kind == "other":
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
        if context_user.isdigit() and int(context_user) in account.users:
            user_id = int(context_user)
        call = Call(req, account, record, user_id, self._now(), self._ids)
        return self._api.dispatch(call)

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
        oauth = self._oauth
        grant: object = None
        grantor: AuthCode | RefreshToken
        parent: RefreshToken | None = None
        try:
            try:
                body = req.form_or_json()
            except BadBody:
                raise bad_request("The request is missing a required parameter") from None
            if not isinstance(body, dict):
                raise bad_request("The request is missing a required parameter")
            grant = body.get("grant_type")
            integration = oauth.check_client(body.get("client_id"), body.get("client_secret"))
            check_redirect(integration, body)
            now = self.clock.time()
            if grant == "authorization_code":
                code = body.get("code")
                pending = oauth.codes.get(code) if isinstance(code, str) else None
                if bound is not None and pending is not None and pending.account_id != bound.id:
                    raise bad_request("Cannot decrypt the authorization code")
                grantor = oauth.redeem_code(integration, code, now)
            elif grant == "refresh_token":
                token = body.get("refresh_token")
                known = oauth.refresh.get(token) if isinstance(token, str) else None
                if bound is not None and known is not None and known.account_id != bound.id:
                    raise OAuthError(
                        401,
                        "Token has been revoked",
                        "Некорректный запрос",
                        "Токен выдан другому аккаунту",
                    )
                grantor = parent = oauth.redeem_refresh(integration, token, now)
            else:
                raise OAuthError(
                    400,
                    "The authorization grant type is not supported by the authorization server.",
                    "Некорректный тип авторизации",
                    "Тип авторизации не поддерживается",
                )
            target = self._accounts[grantor.account_id]
            pair = oauth.issue_pair(
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

    def _exchange_api_key(self, req: Request, account: Account) -> FakeResponse:
        try:
            try:
                body = req.json()
            except BadBody:
                raise bad_request("The request is missing a required parameter") from None
            if not isinstance(body, dict):
                raise bad_request("The request is missing a required parameter")
            integration = self._oauth.check_client(
                body.get("client_uuid"), body.get("client_secret")
            )
            login, api_key = body.get("login"), body.get("api_key")
            user = next((u for u in account.users.values() if u.email == login), None)
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
        try:
            if (req.method, route) == ("GET", ""):
                return json_response(200, self._describe(), PLAIN_JSON)
            if (req.method, route) == ("GET", "stats"):
                return json_response(200, self.stats.as_dict(), PLAIN_JSON)
            if (req.method, route) == ("GET", "requests"):
                log = [
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
                return json_response(200, log, PLAIN_JSON)
            if req.method != "POST" and not (req.method == "DELETE" and route == "faults"):
                return problem(405, f"Method {req.method} is not allowed")
            if route == "reset":
                self.reset()
            elif route == "reset_stats":
                self.reset_stats()
            elif route == "unblock":
                self.unblock(account)
            elif route == "expire_tokens":
                return json_response(200, {"expired": self.expire_tokens(account)}, PLAIN_JSON)
            elif route == "seed":
                result = self.seed(
                    leads=int(body.get("leads", 0)),
                    contacts=int(body.get("contacts", 0)),
                    companies=int(body.get("companies", 0)),
                    account=account,
                )
                counts = {
                    "leads": len(result.leads),
                    "contacts": len(result.contacts),
                    "companies": len(result.companies),
                }
                return json_response(200, counts, PLAIN_JSON)
            elif route == "token":
                expires_in = float(body.get("expires_in", LONG_LIVED_TTL))
                token = self.long_lived_token(expires_in=expires_in, account=account)
                return json_response(
                    200,
                    {"access_token": token, "base_domain": self._account(account).base_domain},
                    PLAIN_JSON,
                )
            elif route == "integrations":
                integration = self.register_integration(
                    str(body.get("redirect_uri", "https://example.com/oauth/callback"))
                )
                code = self.issue_authorization_code(integration, account)
                return json_response(
                    200,
                    {
                        "client_id": integration.client_id,
                        "client_secret": integration.client_secret,
                        "redirect_uri": integration.redirect_uri,
                        "code": code,
                    },
                    PLAIN_JSON,
                )
            elif route == "faults" and req.method == "DELETE":
                self.faults.clear()
            elif route == "faults":
                options = {k: v for k, v in body.items() if k != "kind"}
                self.faults.add(str(body.get("kind")), **options)
            elif route == "rate_limit":
                options = {k: v for k, v in body.items() if k != "enabled"}
                self.set_rate_limit(bool(body.get("enabled", True)), **options)
            elif route == "rename":
                new = self.rename_subdomain(str(body["old"]), str(body["new"]))
                return json_response(200, {"base_domain": new}, PLAIN_JSON)
            else:
                return problem(404, f"Unknown control route /_fake/{route}")
        except (KeyError, TypeError, ValueError) as exc:
            return problem(400, f"Bad control request: {exc}")
        return no_content()

    def _describe(self) -> dict[str, Any]:
        return {
            "base_domain": self.base_domain,
            "accounts": [
                {"id": a.id, "base_domain": a.base_domain, "blocked": a.blocked}
                | {t: sum(1 for e in a.stores[t].values() if not e.deleted) for t in ENTITY_TYPES}
                for a in self._accounts.values()
            ],
            "rate_limit": {
                "enabled": self.rate_limit_settings.enabled,
                "integration_rps": self.rate_limit_settings.integration_rps,
                "account_rps": self.rate_limit_settings.account_rps,
            },
            "faults": [f.kind.value for f in self.faults],
        }

    def __repr__(self) -> str:
        return f"FakeAmoCRM(base_domain={self.base_domain!r}, clock={self.clock!r})"


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
