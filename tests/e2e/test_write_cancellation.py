"""A batch write cancelled mid-way against the fake amoCRM, in-process and over loopback.

Chunk 0 is answered; chunks 1-2 are stored by the fake but their answers never come; chunks 3-4
hang before the fake sees them; chunk 5 never leaves the client (the in-flight bound). The
caller cancels once four requests hang. The ``WriteReport`` must say exactly that, and the
resume recipe of docs/errors.md must end with every lead stored exactly once.
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
import anyio.to_thread
import httpx
import pytest

from amocrm_async import AmoCRMClient, MemoryRateLimiter, VirtualClock
from amocrm_async.errors import WriteReport, WriteState
from amocrm_async.filters import LeadsFilter
from amocrm_async.models import Lead
from amocrm_async.services._writes import MAX_CHUNKS_IN_FLIGHT
from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CHUNK = 2
PLAN = {"m2": "apply_then_hang", "m4": "apply_then_hang", "m6": "hang", "m8": "hang"}
"""What happens to the chunk that starts with this lead; other chunks are answered."""


class Holds:
    """Which requests hang, shared by the test and the server side (thread-safe)."""

    def __init__(self) -> None:
        self.released = False
        self.hanging = 0
        self.all_hanging = threading.Event()
        self._lock = threading.Lock()

    def action(self, method: str, path: str, body: bytes) -> str | None:
        if self.released or method != "POST" or path != "/api/v4/leads":
            return None
        items = json.loads(body)
        return PLAN.get(items[0].get("name", "")) if items else None

    def note_hanging(self) -> None:
        with self._lock:
            self.hanging += 1
            if self.hanging == len(PLAN):
                self.all_hanging.set()


class HoldingTransport(httpx.AsyncBaseTransport):
    """In-process: the fake's own transport, with some requests held."""

    def __init__(self, inner: httpx.AsyncBaseTransport, holds: Holds) -> None:
        self.inner, self.holds = inner, holds

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        action = self.holds.action(request.method, request.url.path, request.content)
        if action == "hang":
            self.holds.note_hanging()
            await anyio.sleep_forever()
        response = await self.inner.handle_async_request(request)
        if action == "apply_then_hang":
            await response.aread()
            self.holds.note_hanging()
            await anyio.sleep_forever()
        return response


def holding_app(app: ASGIApp, holds: Holds) -> ASGIApp:
    """Over loopback: the fake's ASGI app, with some requests held until the client goes."""

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def swallow(message: Message) -> None:
            return None

        action = holds.action(scope["method"], scope["path"], body)
        if action is None:
            await app(scope, replay, send)
            return
        if action == "apply_then_hang":
            await app(scope, replay, swallow)
        holds.note_hanging()
        while (await receive())["type"] != "http.disconnect":
            pass

    return wrapped


@asynccontextmanager
async def loopback(app: ASGIApp) -> AsyncIterator[str]:
    """uvicorn on 127.0.0.1 (an ephemeral port) in a thread; yields the base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(app, log_level="critical", lifespan="off", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            await anyio.sleep(0.005)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        await anyio.to_thread.run_sync(thread.join, 10.0)
        sock.close()


@asynccontextmanager
async def client_for(fake: FakeAmoCRM, holds: Holds, way: str) -> AsyncIterator[AmoCRMClient]:
    token = fake.long_lived_token()
    if way == "in_process":
        clock = VirtualClock()
        async with AmoCRMClient(
            fake.base_domain,
            access_token=token,
            transport=HoldingTransport(fake.transport, holds),
            clock=clock,
            rate_limiter=MemoryRateLimiter(clock),
        ) as amo:
            yield amo
        return
    async with (
        loopback(holding_app(fake.app, holds)) as base_url,
        AmoCRMClient(
            base_url,
            access_token=token,
            allow_any_host=True,
            rate_limit=50.0,
            rate_limiter=MemoryRateLimiter(),
        ) as amo,
    ):
        yield amo


async def resume(amo: AmoCRMClient, report: WriteReport[Lead]) -> list[Lead]:
    """The recipe of docs/errors.md: look up the unknown ones, resend what was not stored."""
    names = [lead.name for lead in report.unknown if lead.name]
    stored = {found.name: found async for found in amo.leads.iterate(LeadsFilter(names=names))}
    resend = []
    for lead in report.unknown:
        match = stored.get(lead.name)
        if match is None:
            resend.append(lead)
        else:
            lead.id = match.id
    resend += report.not_sent
    again: WriteReport[Lead] = WriteReport()
    await amo.leads.add(resend, report=again)
    assert again.complete
    return resend


@pytest.mark.slow
@pytest.mark.parametrize("way", ["in_process", "loopback"])
async def test_a_cancelled_add_keeps_the_books_and_resumes_without_duplicates(way: str) -> None:
    assert len(PLAN) == MAX_CHUNKS_IN_FLIGHT  # chunk 5 waits for a slot that never frees
    fake = FakeAmoCRM()
    holds = Holds()
    leads = [Lead(name=f"m{i}", price=i) for i in range(CHUNK * (len(PLAN) + 2))]
    report: WriteReport[Lead] = WriteReport()
    async with client_for(fake, holds, way) as amo:
        scope = anyio.CancelScope()

        async def write() -> None:
            with scope:
                await amo.leads.add(leads, chunk_size=CHUNK, report=report)

        async with anyio.create_task_group() as tg:
            tg.start_soon(write)
            assert await anyio.to_thread.run_sync(holds.all_hanging.wait, 60.0)
            assert report.counts()[WriteState.IN_FLIGHT] == CHUNK * len(PLAN)
            scope.cancel()
        assert scope.cancelled_caught

        assert report.finished and report.cancelled
        assert report.written == leads[:2]
        assert report.unknown == leads[2:10]
        assert report.not_sent == leads[10:]
        stored = {e["name"]: e["id"] for e in fake.entities("leads")}
        assert sorted(stored) == sorted(f"m{i}" for i in range(6))  # 0-1 answered, 2-5 applied
        assert [stored[lead.name or ""] for lead in report.written] == [m.id for m in leads[:2]]

        holds.released = True
        resent = await resume(amo, report)
    assert [lead.name for lead in resent] == [f"m{i}" for i in range(6, 12)]
    names = [e["name"] for e in fake.entities("leads")]
    assert sorted(names) == sorted(f"m{i}" for i in range(len(leads)))  # each exactly once
    final = {e["name"]: e["id"] for e in fake.entities("leads")}
    assert [lead.id for lead in leads] == [final[lead.name or ""] for lead in leads]
    # answered chunk 0, the two stored-but-unanswered chunks, one resend of the six left
    assert fake.stats.count("POST", "/api/v4/leads") == 1 + 2 + 1


CTRL_C = """
import json, os, signal, sys
import anyio, httpx
from amocrm_async import AmoCRMClient
from amocrm_async.errors import WriteReport
from amocrm_async.models import Lead

report = WriteReport()


async def main() -> None:
    hanging = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal hanging
        items = json.loads(request.content)
        if items[0]["name"] == "m0":
            answer = [{"id": 1 + n, "request_id": i["request_id"]} for n, i in enumerate(items)]
            return httpx.Response(200, json={"_embedded": {"leads": answer}})
        hanging += 1
        if hanging == 4:
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while four chunks are in flight
        await anyio.sleep_forever()
        raise AssertionError

    async with AmoCRMClient(
        "acme.amocrm.ru", access_token="t", transport=httpx.MockTransport(handler),
        rate_limit=1000, account_rate_limit=1000,
    ) as amo:
        await amo.leads.add([Lead(name=f"m{i}") for i in range(12)], chunk_size=2, report=report)


try:
    anyio.run(main, backend=sys.argv[1])
    raised = "nothing"
except BaseException as exc:
    raised = type(exc).__name__
counts = {state.value: n for state, n in report.counts().items() if n}
print(json.dumps({"raised": raised, "counts": counts, "cancelled": report.cancelled}))
"""


@pytest.mark.slow
async def test_ctrl_c_keeps_the_books(anyio_backend: str) -> None:
    assert len(PLAN) == MAX_CHUNKS_IN_FLIGHT
    done = await anyio.run_process([sys.executable, "-c", CTRL_C, anyio_backend])
    assert json.loads(done.stdout) == {
        "raised": "KeyboardInterrupt",
        "counts": {"written": 2, "unknown": 8, "not_sent": 2},
        "cancelled": True,
    }
