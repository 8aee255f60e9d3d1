"""``fake.transport``: an ``httpx`` transport that calls the fake's core directly."""

from __future__ import annotations

import httpx

from amocrm_async.testing._faults import ConnectFault, ConnectionDropped
from amocrm_async.testing._http import Core

__all__ = ["FakeTransport"]


class FakeTransport(httpx.AsyncBaseTransport):
    """No sockets, no ASGI: ``httpx.Request`` in, core, ``httpx.Response`` out.

    Injected network faults surface as the exceptions a real connection would raise:
    ``connect_error`` → :class:`httpx.ConnectError`; ``connection_reset`` and
    ``apply_then_drop`` → :class:`httpx.ReadError` (the latter after the write was applied).
    """

    def __init__(self, fake: Core) -> None:
        self.fake = fake

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        try:
            response = await self.fake.handle(
                request.method, str(request.url), request.headers.multi_items(), body
            )
        except ConnectFault:
            raise httpx.ConnectError("[Errno 111] Connection refused", request=request) from None
        except ConnectionDropped:
            raise httpx.ReadError("[Errno 104] Connection reset by peer", request=request) from None
        return httpx.Response(
            response.status,
            headers=response.headers,
            content=response.body,
            request=request,
        )
