"""aiohttp only: the widget-token middleware guards every path under its prefix."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp import DummyCookieJar, web
from aiohttp.test_utils import TestClient, TestServer

from amocrm_async import VirtualClock
from amocrm_async.integrations.aiohttp import WIDGET_TOKEN, AmoCRMIntegration
from amocrm_async.testing import FakeAmoCRM, Integration

from .conftest import tamper, widget_token

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def test_widget_middleware(
    options: dict[str, Any], fake: FakeAmoCRM, registered: Integration, clock: VirtualClock
) -> None:
    amo = AmoCRMIntegration(**options)
    with pytest.raises(ValueError, match="prefix"):
        amo.widget_middleware(prefix="widget")

    async def me(request: web.Request) -> web.Response:
        token = request.get(WIDGET_TOKEN)
        return web.json_response({"user_id": token.user_id if token else None})

    app = web.Application(middlewares=[amo.widget_middleware(prefix="/widget/")])
    amo.setup(app)
    app.add_routes([web.get("/widget/me", me), web.options("/widget/me", me), web.get("/open", me)])
    async with TestClient(TestServer(app), cookie_jar=DummyCookieJar()) as http:
        token = widget_token(registered, clock, fake)
        async with http.get("/widget/me", headers={"X-Auth-Token": token}) as ok:
            assert (ok.status, await ok.json()) == (200, {"user_id": 7})
        for headers in ({"X-Auth-Token": token}, {"X-Auth-Token": tamper(token)}, {}):
            async with http.get("/widget/me", headers=headers) as refused:
                assert refused.status == 401
        async with http.options("/widget/me") as preflight:
            assert (preflight.status, await preflight.json()) == (200, {"user_id": None})
        async with http.get("/open") as unguarded:
            assert unguarded.status == 200
    assert fake.requests == []
