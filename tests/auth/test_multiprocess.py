"""Four OS processes share one FileTokenStore and an expired pair: exactly one refresh."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import anyio
import pytest

from amocrm_async._token_store import FileTokenStore
from amocrm_async._tokens import OAuthToken

from .._processes import run_together
from ._support import CLIENT_ID, CLIENT_SECRET, fake_access_token

WORKERS = 4


class StrictTokenEndpoint:
    """A real HTTP token endpoint on 127.0.0.1 with single-use refresh tokens.

    Each refresh is slow (so the workers really overlap) and counted under a lock; reusing a
    refresh token is refused, so a second refresh anywhere would show up as a rejection.
    """

    def __init__(self, initial_refresh_token: str) -> None:
        self.lock = threading.Lock()
        self.valid = {initial_refresh_token}
        self.refreshes = 0
        self.rejections = 0
        self.issued: list[str] = []
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                status, payload = endpoint.refresh(body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]

    def refresh(self, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        with self.lock:
            token = body.get("refresh_token")
            accepted = (
                body.get("grant_type") == "refresh_token"
                and body.get("client_id") == CLIENT_ID
                and body.get("client_secret") == CLIENT_SECRET
                and token in self.valid
            )
            if not accepted:
                self.rejections += 1
                return 401, {
                    "status": 401,
                    "title": "Unauthorized",
                    "hint": "Token has been revoked",
                }
            self.valid.discard(token)
            self.refreshes += 1
            serial = self.refreshes
            new_refresh = f"def50200mp-refresh-{serial}"
            self.valid.add(new_refresh)
        time.sleep(0.3)
        access = fake_access_token({"jti": f"mp-{serial}", "exp": int(time.time()) + 86_400})
        self.issued.append(access)
        return 200, {
            "token_type": "Bearer",
            "expires_in": 86_400,
            "access_token": access,
            "refresh_token": new_refresh,
        }

    def __enter__(self) -> StrictTokenEndpoint:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def endpoint() -> Iterator[StrictTokenEndpoint]:
    with StrictTokenEndpoint("def50200mp-refresh-0") as server:
        yield server


@pytest.mark.slow
def test_four_processes_refresh_exactly_once(endpoint: StrictTokenEndpoint, tmp_path: Path) -> None:
    store_dir = tmp_path / "tokens"
    expired = OAuthToken(
        access_token=fake_access_token({"jti": "mp-0"}),
        refresh_token="def50200mp-refresh-0",
        expires_at=time.time() - 60,
    )

    async def seed() -> None:
        record = await FileTokenStore(store_dir).compare_and_set(
            "acme", None, expired, f"127.0.0.1:{endpoint.port}"
        )
        assert record is not None

    anyio.run(seed)
    worker = str(Path(__file__).with_name("_mp_worker.py"))
    outputs = run_together(
        WORKERS, lambda n, ready, go: [worker, str(store_dir), str(ready), str(go)], tmp_path
    )
    for returncode, _, stderr in outputs:
        assert returncode == 0, stderr
    results = [json.loads(stdout) for _, stdout, _ in outputs]
    assert endpoint.refreshes == 1
    assert endpoint.rejections == 0
    assert len({r["fingerprint"] for r in results}) == 1
    assert all(r["fingerprint"] == r["stored"] and r["version"] == 2 for r in results)
