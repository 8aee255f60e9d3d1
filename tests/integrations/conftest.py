"""One small app per framework over the fake amoCRM, driven through each framework's test client.

The same scenarios run on FastAPI (under asyncio and trio, httpx ``ASGITransport``) and on
aiohttp (asyncio, ``aiohttp.test_utils``); :class:`Driver` hides the difference. Each app has
the integration's routes plus three of its own that call the SDK (``/lead/{id}``,
``/widget``, ``/bot``), so "no SDK call" is visible in the fake's request log.
"""

# No ``from __future__ import annotations``: FastAPI resolves the routes' ``Annotated[...,
# Depends(amo...)]`` at runtime, and ``amo`` is local to the app factory.

import hashlib
import hmac
import io
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Annotated, Any, Protocol

import anyio
import httpx
import pytest
from fastapi import Depends, FastAPI
from joserfc import jwt
from joserfc.jwk import OctKey

from amocrm_async import (
    AmoCRMClient,
    DisposableToken,
    MemoryRateLimiter,
    MemoryTokenStore,
    OAuthConfig,
    VirtualClock,
)
from amocrm_async.integrations import STATE_COOKIE, BotRequest, IntegrationCore
from amocrm_async.testing import FakeAmoCRM, Integration
from amocrm_async.webhooks import WebhookEvent

ORIGIN = "https://app.example.com"
REDIRECT_URI = f"{ORIGIN}/amocrm/oauth/callback"
WEBHOOK_SECRET = "whsec-0123456789abcdef-SECRET"
STACKS = ["fastapi-asyncio", "fastapi-trio", "aiohttp-asyncio"]


@pytest.fixture(params=STACKS)
def stack(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def anyio_backend(stack: str) -> str:
    return stack.split("-", 1)[1]


@pytest.fixture
def registered(fake: FakeAmoCRM) -> Integration:
    return fake.register_integration(REDIRECT_URI)


@dataclass
class Recorder:
    """What the app's handlers saw; ``gate`` (when set) holds every handler until opened."""

    events: list[WebhookEvent] = field(default_factory=list)
    disconnected: list[int] = field(default_factory=list)
    gate: anyio.Event | None = None
    fail_on: set[int] = field(default_factory=set)

    async def on_event(self, event: WebhookEvent) -> None:
        if self.gate is not None:
            await self.gate.wait()
        self.events.append(event)
        if getattr(event.data, "id", None) in self.fail_on:
            raise RuntimeError("handler failed on purpose")

    async def on_disconnect(self, account_id: int) -> None:
        self.disconnected.append(account_id)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@dataclass
class Reply:
    status: int
    headers: Mapping[str, str]
    set_cookies: list[str]
    body: bytes

    def json(self) -> Any:
        import json

        return json.loads(self.body)

    def cookie(self, name: str) -> str | None:
        for header in self.set_cookies:
            parsed: SimpleCookie = SimpleCookie()
            parsed.load(header)
            if name in parsed:
                return parsed[name].value
        return None


class Driver(Protocol):
    amo: IntegrationCore
    asgi: Any
    """The ASGI app (FastAPI), for the fake to post webhooks to in-process; None for aiohttp."""

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (a loopback server's for aiohttp)."""
        ...

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        content: bytes | str | None = None,
    ) -> Reply: ...


def core_options(
    fake: FakeAmoCRM, registered: Integration, clock: VirtualClock, recorder: Recorder
) -> dict[str, Any]:
    return {
        "oauth": OAuthConfig(registered.client_id, registered.client_secret, REDIRECT_URI),
        "token_store": MemoryTokenStore(),
        "accounts": [fake.base_domain],
        "default_account": fake.base_domain,
        "webhook_secret": WEBHOOK_SECRET,
        "on_event": recorder.on_event,
        "on_disconnect": recorder.on_disconnect,
        "client_options": {
            "transport": fake.transport,
            "rate_limiter": MemoryRateLimiter(clock),
            "rate_limit": 1000.0,
            "account_rate_limit": 1000.0,
        },
        "clock": clock,
    }


@dataclass
class _HttpxDriver:
    amo: IntegrationCore
    http: httpx.AsyncClient
    asgi: Any

    def url(self, path: str) -> str:
        return ORIGIN + path

    async def request(self, method: str, path: str, **kwargs: Any) -> Reply:
        response = await self.http.request(method, path, **kwargs)
        self.http.cookies.clear()  # the tests send the state cookie themselves
        return Reply(
            response.status_code,
            response.headers,
            response.headers.get_list("set-cookie"),
            response.content,
        )


@dataclass
class _AiohttpDriver:
    amo: IntegrationCore
    client: Any
    asgi: Any = None

    def url(self, path: str) -> str:
        return str(self.client.make_url(path))

    async def request(
        self, method: str, path: str, *, content: bytes | str | None = None, **kwargs: Any
    ) -> Reply:
        data: Any = content.encode() if isinstance(content, str) else content
        if data is not None and len(data) > 2**20:
            data = io.BytesIO(data)  # aiohttp warns about large raw bodies
        async with self.client.request(
            method, path, data=data, allow_redirects=False, **kwargs
        ) as response:
            body = await response.read()
            return Reply(
                response.status, response.headers, response.headers.getall("Set-Cookie", []), body
            )


async def _fastapi(options: dict[str, Any]) -> AsyncIterator[Driver]:
    from amocrm_async.integrations.fastapi import AmoCRMIntegration

    amo = AmoCRMIntegration(**options)
    app = FastAPI(lifespan=amo.lifespan)
    app.include_router(amo.router())

    @app.get("/lead/{lead_id}")
    async def lead(
        lead_id: int, client: Annotated[AmoCRMClient, Depends(amo.current_client)]
    ) -> Any:
        return {"name": (await client.leads.get_one(lead_id)).name}

    @app.post("/widget")
    async def widget(token: Annotated[DisposableToken, Depends(amo.widget_token)]) -> Any:
        account = await amo.client_for(token).request("GET", "/api/v4/account")
        return {"user_id": token.user_id, "account_id": account.json()["id"]}

    @app.post("/bot")
    async def bot(request: Annotated[BotRequest, Depends(amo.bot_request)]) -> Any:
        found = await amo.client_for(request.token).leads.get_one(request.token.entity_id)
        return {"lead": found.name, "data": request.data}

    transport = httpx.ASGITransport(app=app)
    async with amo.lifespan(app), httpx.AsyncClient(transport=transport, base_url=ORIGIN) as http:
        yield _HttpxDriver(amo, http, app)


async def _aiohttp(options: dict[str, Any]) -> AsyncIterator[Driver]:
    from aiohttp import DummyCookieJar, web
    from aiohttp.test_utils import TestClient, TestServer

    from amocrm_async.integrations.aiohttp import (
        AMOCRM,
        BOT_REQUEST,
        WIDGET_TOKEN,
        AmoCRMIntegration,
    )

    amo = AmoCRMIntegration(**options)
    app = web.Application()
    amo.setup(app)

    async def lead(request: web.Request) -> web.Response:
        client = request.app[AMOCRM].client()
        found = await client.leads.get_one(int(request.match_info["lead_id"]))
        return web.json_response({"name": found.name})

    @amo.require_widget_token
    async def widget(request: web.Request) -> web.Response:
        token = request[WIDGET_TOKEN]
        account = await amo.client_for(token).request("GET", "/api/v4/account")
        return web.json_response({"user_id": token.user_id, "account_id": account.json()["id"]})

    @amo.require_bot_token
    async def bot(request: web.Request) -> web.Response:
        sent = request[BOT_REQUEST]
        found = await amo.client_for(sent.token).leads.get_one(sent.token.entity_id)
        return web.json_response({"lead": found.name, "data": sent.data})

    app.add_routes(
        [web.get("/lead/{lead_id}", lead), web.post("/widget", widget), web.post("/bot", bot)]
    )
    async with TestClient(TestServer(app), cookie_jar=DummyCookieJar()) as client:
        yield _AiohttpDriver(amo, client)


@pytest.fixture
def options(
    fake: FakeAmoCRM, registered: Integration, clock: VirtualClock, recorder: Recorder
) -> dict[str, Any]:
    """Keyword arguments of the integration; a test may change them before using ``app``."""
    return core_options(fake, registered, clock, recorder)


@pytest.fixture
async def app(stack: str, options: dict[str, Any]) -> AsyncIterator[Driver]:
    build = _fastapi if stack.startswith("fastapi") else _aiohttp
    async for driver in build(options):
        yield driver


# --------------------------------------------------------------------------- helpers


def cookie_header(value: str) -> dict[str, str]:
    return {"Cookie": f"{STATE_COOKIE}={value}"}


def _mint(registered: Integration, claims: dict[str, Any], alg: str) -> str:
    key = OctKey.import_key(registered.client_secret.encode())
    return jwt.encode({"alg": alg, "typ": "JWT"}, claims, key, algorithms=[alg])


def widget_token(
    registered: Integration, clock: VirtualClock, fake: FakeAmoCRM, **overrides: Any
) -> str:
    """A widget ``X-Auth-Token`` as amoCRM signs it (HS256 with the client secret)."""
    now = int(clock.time())
    claims: dict[str, Any] = {
        "iss": f"https://{fake.base_domain}",
        "aud": ORIGIN,
        "jti": str(uuid.uuid4()),
        "iat": now,
        "nbf": now,
        "exp": now + 1800,
        "account_id": fake.account_id,
        "user_id": 7,
        "client_uuid": registered.client_id,
        "subdomain": fake.base_domain.split(".", 1)[0],
        "is_admin": True,
    }
    claims.update(overrides)
    return _mint(registered, claims, claims.pop("alg", "HS256"))


def bot_token(
    registered: Integration, clock: VirtualClock, fake: FakeAmoCRM, **overrides: Any
) -> str:
    """A Salesbot ``widget_request`` token (HS512 with the client secret)."""
    claims: dict[str, Any] = {
        "iss": f"https://{fake.base_domain}",
        "subdomain": fake.base_domain.split(".", 1)[0],
        "account_id": fake.account_id,
        "client_uuid": registered.client_id,
        "entity_id": 1,
        "entity_type": 2,
        "bot_type": "salesbot",
        "exp": int(clock.time()) + 600,
    }
    claims.update(overrides)
    return _mint(registered, claims, claims.pop("alg", "HS512"))


def disconnect_signature(secret: str, client_uuid: str, account_id: int) -> str:
    message = f"{client_uuid}|{account_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def tamper(token: str) -> str:
    """The same token with one claim changed and the signature kept."""
    import base64
    import json

    head, body, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims["account_id"] += 1
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{signature}"
