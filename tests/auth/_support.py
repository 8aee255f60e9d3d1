"""Test doubles for the auth tests: a token endpoint with rotation, a recording store, a context.

The token endpoint models amoCRM's refresh-token rotation:

* every refresh issues a new pair whose refresh token is the *child* of the one redeemed;
* grace rule (default): a refresh token keeps working until its child pair is first used (its
  access token on the API, or its refresh token), so a lost response can be retried with the old
  token; a second refresh from the same token revokes the earlier, unused child — the pair a late
  refresh would take from a peer; ``grace=False`` revokes a refresh token on first use;
* ``GET /api/v4/...`` with a bearer is the API: 200 for a live access token (its first use
  ends the grace period of the refresh token it replaced), else 401; ``api_failure`` overrides;
* revoked tokens answer 401 with ``hint: "Token has been revoked"``;
* a renamed account answers 404 on its old host; the subdomain lookup on the shared API host
  tells the new one.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio.lowlevel
import httpx

from amocrm_async._auth import AuthContext
from amocrm_async._clock import Clock
from amocrm_async._domains import normalize_base_domain
from amocrm_async._token_store import StoredToken, TokenStore
from amocrm_async._tokens import OAuthToken

CLIENT_ID = "9f3c1f4e-client-id"
CLIENT_SECRET = "clientSECRET-Zq8vR1n7Xk2Lm5Tp9Wc3Yb6Hd4Jf0Gs8Ue1Ia7Oo2"
REDIRECT_URI = "https://integration.example.com/amo/callback"
DOMAIN = "acme.amocrm.ru"
API_DOMAIN = "api-a.amocrm.ru"


class Secrets:
    """Every secret a test produced; the leak guard checks logs and reprs against it."""

    def __init__(self) -> None:
        self.values: set[str] = {CLIENT_SECRET}

    def add(self, *values: str) -> None:
        self.values.update(v for v in values if v)

    def found_in(self, text: str) -> list[str]:
        return sorted(v for v in self.values if v in text)

    def assert_absent(self, *objects: object) -> None:
        for obj in objects:
            for rendered in (repr(obj), str(obj)):
                leaked = self.found_in(rendered)
                assert not leaked, f"secret leaked in {type(obj).__name__}: {rendered!r}"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def fake_access_token(claims: dict[str, Any]) -> str:
    """JWT-shaped, as amoCRM's are (the SDK only reads the payload, never verifies it)."""
    header = _b64(json.dumps({"typ": "JWT", "alg": "RS256"}).encode())
    payload = _b64(json.dumps(claims).encode())
    signature = _b64(hashlib.sha256(payload.encode()).digest())
    return f"{header}.{payload}.{signature}"


@dataclass
class _RefreshRecord:
    token: str
    parent: _RefreshRecord | None
    revoked: bool = False
    used: bool = False
    children: list[_RefreshRecord] = field(default_factory=list)

    def use(self) -> None:
        """The first use of a pair ends its parent's grace period."""
        self.used = True
        if self.parent is not None:
            self.parent.revoked = True


@dataclass
class Call:
    kind: str  # "authorization_code" | "refresh_token" | "lookup" | "exchange_api_key" | "account"
    host: str
    credential: str = field(repr=False, default="")


def problem(
    status: int, hint: str | None = None, title: str = "Некорректный запрос"
) -> httpx.Response:
    body: dict[str, Any] = {
        "title": title,
        "type": "https://developers.amocrm.ru/v3/errors/OAuthProblemJson",
        "status": status,
        "detail": "Параметры запроса невалидны",
    }
    if hint is not None:
        body["hint"] = hint
    return httpx.Response(status, json=body, headers={"X-Request-Id": "req-1"})


class FakeTokenEndpoint:
    """An in-test amoCRM token endpoint (use ``handle`` as an ``httpx.MockTransport`` handler)."""

    def __init__(self, clock: Clock, secrets: Secrets, *, grace: bool = True) -> None:
        self.clock = clock
        self.secrets = secrets
        self.grace = grace
        self.domain = DOMAIN
        self.api_domain = API_DOMAIN
        self.old_domains: set[str] = set()
        self.expires_in = 86_400
        self.calls: list[Call] = []
        self.events: list[str] | None = None
        self.drop_responses = 0
        self.unreachable = False
        self.checkpoints = 3
        self.before_response: Callable[[Call], Awaitable[httpx.Response | None]] | None = None
        self._refresh: dict[str, _RefreshRecord] = {}
        self._access: dict[str, _RefreshRecord] = {}
        self.api_failure: Callable[[], httpx.Response] | None = None
        self._codes: set[str] = set()
        self._serial = itertools.count(1)

    # -- control

    def issue_code(self) -> str:
        code = f"def50200code{next(self._serial)}"
        self._codes.add(code)
        self.secrets.add(code)
        return code

    def issue_pair(
        self, *, expires_in: float | None = None, parent: str | None = None
    ) -> OAuthToken:
        """A pair as the endpoint would issue it (no call recorded)."""
        serial = next(self._serial)
        access = fake_access_token(
            {
                "jti": f"jti-{serial}",
                "account_id": 31_000_001,
                "base_domain": self.domain,
                "api_domain": self.api_domain,
                "exp": int(self.clock.time() + self.expires_in),
                "nonce": f"access{serial}",
            }
        )
        refresh = f"def50200refresh{serial}x"
        parent_record = self._refresh.get(parent) if parent else None
        record = self._refresh[refresh] = _RefreshRecord(refresh, parent_record)
        if parent_record is not None:
            parent_record.children.append(record)
        self._access[access] = record
        self.secrets.add(access, refresh)
        return OAuthToken(
            access_token=access,
            refresh_token=refresh,
            expires_at=self.clock.time() + (self.expires_in if expires_in is None else expires_in),
        )

    def revoke_all(self) -> None:
        for record in self._refresh.values():
            record.revoked = True

    def rename(self, new_domain: str) -> None:
        self.old_domains.add(self.domain)
        self.domain = new_domain

    def count(self, kind: str) -> int:
        return sum(1 for call in self.calls if call.kind == kind)

    def accepts(self, token: OAuthToken) -> bool:
        """Would amoCRM still take this pair (without using it)?"""
        record = self._access.get(token.access_token)
        return record is not None and not record.revoked

    async def late_refresh(self, refresh_token: str) -> httpx.Response:
        """A refresh that reaches amoCRM only now, sent earlier by a worker that is gone."""
        request = httpx.Request(
            "POST",
            f"https://{self.domain}/oauth2/access_token",
            json={
                "client_id": CLIENT_ID,
                "client_secret": CLIENT_SECRET,
                "redirect_uri": REDIRECT_URI,
                "grant_type": "refresh_token",
                "refresh_token": refresh_token,
            },
        )
        response = await self._token(request, self.domain)
        if response.status_code == 200:
            self.secrets.add(response.json()["access_token"], response.json()["refresh_token"])
        return response

    # -- HTTP

    async def handle(self, request: httpx.Request) -> httpx.Response:
        host = request.url.netloc.decode("ascii")
        path = request.url.path
        for _ in range(self.checkpoints):
            await anyio.lowlevel.checkpoint()
        if path.startswith("/api/v4/") and request.method == "GET":
            return self._api(request, host)
        assert "authorization" not in request.headers, "token calls must not carry a bearer"
        if path == "/oauth2/access_token" and request.method == "POST":
            return await self._token(request, host)
        if path == "/oauth2/account/current/subdomain" and request.method == "GET":
            return self._lookup(request, host)
        if path == "/oauth2/exchange_api_key" and request.method == "POST":
            body = json.loads(request.content)
            self.calls.append(Call("exchange_api_key", host))
            if body.get("client_secret") != CLIENT_SECRET or body.get("client_uuid") != CLIENT_ID:
                return problem(401, "Client authentication failed")
            return httpx.Response(202)
        return httpx.Response(404, json={"title": "Not found", "status": 404})

    def _log(self, event: str) -> None:
        if self.events is not None:
            self.events.append(event)

    async def _token(self, request: httpx.Request, host: str) -> httpx.Response:
        body = json.loads(request.content)
        grant = body.get("grant_type", "")
        credential = body.get("refresh_token") or body.get("code") or ""
        call = Call(grant, host, credential)
        self.calls.append(call)
        self._log(f"token:{grant}")
        if self.unreachable:
            raise httpx.ConnectError("connection refused", request=request)
        if self.before_response is not None:
            override = await self.before_response(call)
            if override is not None:
                return override
        if (
            body.get("client_id") != CLIENT_ID
            or body.get("client_secret") != CLIENT_SECRET
            or body.get("redirect_uri") != REDIRECT_URI
        ):
            return problem(401, "Client authentication failed", title="Некорректный клиент")
        if host != self.domain:
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        if grant == "authorization_code":
            if credential not in self._codes:
                return problem(400, "Authorization code has been revoked")
            self._codes.discard(credential)
            token = self.issue_pair()
        elif grant == "refresh_token":
            record = self._refresh.get(credential)
            if record is None or record.revoked:
                return problem(401, "Token has been revoked")
            for earlier in record.children:
                if not earlier.used:
                    earlier.revoked = True
            record.use()
            if not self.grace:
                record.revoked = True
            token = self.issue_pair(parent=credential)
        else:
            return problem(400, "Unsupported grant type")
        response = httpx.Response(
            200,
            json={
                "token_type": "Bearer",
                "expires_in": self.expires_in,
                "server_time": int(self.clock.time()),
                "access_token": token.access_token,
                "refresh_token": token.refresh_token,
            },
        )
        if self.drop_responses:
            self.drop_responses -= 1
            raise httpx.ReadError("connection reset while reading the response", request=request)
        return response

    def _api(self, request: httpx.Request, host: str) -> httpx.Response:
        scheme, _, access = request.headers.get("authorization", "").partition(" ")
        kind = "account" if request.url.path == "/api/v4/account" else "api"
        self.calls.append(Call(kind, host, access))
        self._log(kind)
        if self.api_failure is not None:
            return self.api_failure()
        record = self._access.get(access)
        if scheme != "Bearer" or record is None or record.revoked:
            return httpx.Response(401, json={"title": "Unauthorized", "status": 401})
        if host != self.domain:
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        record.use()
        return httpx.Response(200, json={"id": 31_000_001, "subdomain": host.partition(".")[0]})

    def calls_of(self, kind: str) -> list[Call]:
        return [call for call in self.calls if call.kind == kind]

    def _lookup(self, request: httpx.Request, host: str) -> httpx.Response:
        credential = request.headers.get("x-refresh-token", "")
        self.calls.append(Call("lookup", host, credential))
        self._log("lookup")
        if self.unreachable:
            raise httpx.ConnectError("connection refused", request=request)
        if host != self.api_domain:
            return httpx.Response(404, json={"title": "Not Found", "status": 404})
        record = self._refresh.get(credential)
        if record is None or record.revoked:
            return problem(401, "Token has been revoked")
        subdomain, _, rest = self.domain.partition(".")
        return httpx.Response(
            200,
            json={
                "id": 31_000_001,
                "subdomain": subdomain,
                "domain": self.domain,
                "top_level_domain": rest.rsplit(".", 1)[-1],
            },
        )


class DomainHolder:
    """The client's side of the base domain: validated on every change, as the client does."""

    def __init__(self, domain: str = DOMAIN, *, allow_any_host: bool = False) -> None:
        self.domain = domain
        self.allow_any_host = allow_any_host
        self.changes: list[str] = []

    def get(self) -> str:
        return self.domain

    def check(self, value: str) -> str:
        return normalize_base_domain(value, allow_any_host=self.allow_any_host)

    def set(self, value: str) -> None:
        self.domain = self.check(value)
        self.changes.append(self.domain)


@asynccontextmanager
async def http_send(
    handler: Callable[[httpx.Request], Coroutine[Any, Any, httpx.Response]],
) -> AsyncIterator[Callable[..., Awaitable[httpx.Response]]]:
    """A ``send`` with AuthContext.send's signature over an httpx client and a mock transport."""
    async with httpx.AsyncClient(transport=httpx.MockTransport(handler)) as client:

        async def send(
            method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
        ) -> httpx.Response:
            return await client.request(method, url, json=json, headers=headers)

        yield send


def make_context(
    clock: Clock, send: Callable[..., Awaitable[httpx.Response]], domains: DomainHolder
) -> AuthContext:
    return AuthContext(
        clock=clock,
        get_base_domain=domains.get,
        set_base_domain=domains.set,
        send=send,
        scheme="https",
        check_base_domain=domains.check,
    )


class RecordingStore:
    """Wraps a store and logs every operation into a shared event list."""

    def __init__(self, inner: TokenStore, events: list[str]) -> None:
        self.inner = inner
        self.events = events
        self.before_cas: Callable[[], Awaitable[None]] | None = None
        self.fail_cas: BaseException | None = None

    async def load(self, key: str) -> StoredToken | None:
        self.events.append("load")
        return await self.inner.load(key)

    async def compare_and_set(
        self, key: str, expected_version: int | None, token: OAuthToken, base_domain: str
    ) -> StoredToken | None:
        self.events.append(f"cas:{expected_version}")
        if self.before_cas is not None:
            hook, self.before_cas = self.before_cas, None
            await hook()
        if self.fail_cas is not None:
            raise self.fail_cas
        return await self.inner.compare_and_set(key, expected_version, token, base_domain)

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        self.events.append("lock")
        async with self.inner.lock(key):
            yield
        self.events.append("unlock")

    def loads(self) -> int:
        return self.events.count("load")

    def __repr__(self) -> str:
        return f"RecordingStore({self.inner!r})"


async def seed(
    store: TokenStore,
    endpoint: FakeTokenEndpoint,
    *,
    expires_in: float | None = None,
    key: str = "acme",
    domain: str = DOMAIN,
) -> StoredToken:
    """Put a pair the endpoint knows into ``store`` (as a previous authorisation would have)."""
    target = store.inner if isinstance(store, RecordingStore) else store
    current = await target.load(key)
    record = await target.compare_and_set(
        key,
        current.version if current else None,
        endpoint.issue_pair(expires_in=expires_in),
        domain,
    )
    assert record is not None
    return record
