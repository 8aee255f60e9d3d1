"""``fake.app`` (ASGI 3) and running it under uvicorn: blocking, or in a background thread."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any, Protocol

from amocrm_async.testing._faults import NetworkFault
from amocrm_async.testing._http import Core, FakeResponse

if TYPE_CHECKING:
    import uvicorn

__all__ = ["FakeASGIApp", "ThreadedServer", "serve"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class DroppedByFake(ConnectionAbortedError):
    """Raised inside the ASGI app to make the server abort the connection (injected fault)."""


ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class Servable(Protocol):
    """Anything with an ASGI ``app`` (a ``FakeAmoCRM``): what :func:`serve` runs."""

    @property
    def app(self) -> ASGIApp: ...


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _read_body(receive: Receive) -> bytes | None:
    """The request body, or None when the client disconnected first."""
    chunks = []
    more = True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        more = bool(message.get("more_body", False))
    return b"".join(chunks)


def _request_of(scope: Scope) -> tuple[str, list[tuple[str, str]]]:
    """The absolute URL (from the ``Host`` header, else the server address) and the headers."""
    headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope.get("headers", ())]
    host = next((v for k, v in headers if k.lower() == "host"), None)
    if host is None:
        server = scope.get("server") or ("localhost", None)
        host = f"{server[0]}:{server[1]}" if server[1] else str(server[0])
    raw_path = scope.get("raw_path") or scope["path"].encode("utf-8")
    path = raw_path.decode("latin-1") if isinstance(raw_path, bytes) else str(raw_path)
    query = scope.get("query_string", b"").decode("latin-1")
    url = f"{scope.get('scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")
    return url, headers


async def _send_response(send: Send, response: FakeResponse) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": response.status,
            "headers": [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers]
            + [(b"content-length", str(len(response.body)).encode("ascii"))],
        }
    )
    await send({"type": "http.response.body", "body": response.body})


async def _drop(send: Send, fault: NetworkFault) -> None:
    """Promise a body, then abort: the client sees the connection break mid-response."""
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", b"1048576")],
        }
    )
    raise DroppedByFake(f"connection dropped by injected fault: {fault.kind.value}") from None


class FakeASGIApp:
    """ASGI 3 application over :meth:`FakeAmoCRM.handle`.

    A ``connection_reset`` / ``connect_error`` / ``apply_then_drop`` fault starts a response
    that promises a body and then raises :class:`DroppedByFake`: the server closes the
    connection mid-response and the client sees a protocol error instead of a usable reply.
    """

    def __init__(self, fake: Core) -> None:
        self.fake = fake

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            raise RuntimeError(f"unsupported ASGI scope type {scope['type']!r}")
        body = await _read_body(receive)
        if body is None:
            return
        url, headers = _request_of(scope)
        try:
            response = await self.fake.handle(scope["method"], url, headers, body)
        except NetworkFault as fault:
            await _drop(send, fault)
        await _send_response(send, response)


class _HideInjectedDrops(logging.Filter):
    """Keep uvicorn from logging a traceback for every deliberately dropped connection."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and isinstance(record.exc_info[1], DroppedByFake))


def _quiet_injected_drops() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideInjectedDrops) for f in logger.filters):
        logger.addFilter(_HideInjectedDrops())


def _uvicorn() -> Any:
    try:
        import uvicorn
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise RuntimeError(
            "serving the fake needs uvicorn: pip install 'amocrm-async[server]'"
        ) from exc
    return uvicorn


def serve(
    fake: Servable, host: str = "127.0.0.1", port: int = 8000, *, log_level: str = "info"
) -> None:
    """Serve ``fake.app`` with uvicorn until interrupted (used by ``amocrm-async fake-server``)."""
    uvicorn = _uvicorn()
    _quiet_injected_drops()
    config = uvicorn.Config(fake.app, host=host, port=port, log_level=log_level, lifespan="off")
    uvicorn.Server(config).run()


class ThreadedServer:
    """uvicorn on an already-bound socket in a daemon thread (for loopback tests)."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        uv = _uvicorn()
        _quiet_injected_drops()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, port))
        except OSError:
            self._socket.close()
            raise
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uv.Config(app, log_level="warning", lifespan="off", access_log=False)
        self._server: uvicorn.Server = uv.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name="amocrm-fake-server",
            daemon=True,
        )

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive():
                self._socket.close()
                raise RuntimeError("the fake server thread exited during startup")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError("the fake server did not start in time")
            time.sleep(0.005)

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._socket.close()
