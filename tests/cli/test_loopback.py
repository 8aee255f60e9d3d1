"""The command end to end against ``amocrm-async fake-server`` on loopback, in subprocesses:
the banner once listening (real port for ``--port 0``), ``auth`` through the local redirect
listener with a simulated browser hit, and an export killed half-way (SIGKILL) and resumed."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import anyio
import httpx
import pytest

from amocrm_async import AmoCRMClient

pytestmark = pytest.mark.slow

COMMAND = [sys.executable, "-m", "amocrm_async.cli"]


class Lines:
    """A subprocess stream read line by line in a thread, with a deadline per line."""

    def __init__(self, stream: IO[str]) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self._queue.put(line)
        self._queue.put(None)

    def next(self, timeout: float = 30.0) -> str:
        line = self._queue.get(timeout=timeout)
        if line is None:
            raise EOFError("the stream ended")
        self.seen.append(line)
        return line

    def rest(self) -> str:
        while True:
            try:
                line = self._queue.get(timeout=10)
            except queue.Empty:
                break
            if line is None:
                break
            self.seen.append(line)
        return "".join(self.seen)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def server() -> Iterator[dict[str, Any]]:
    process = subprocess.Popen(
        [*COMMAND, "fake-server", "--port", "0", "--seed-leads", "3000", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = json.loads(Lines(process.stdout).next(timeout=60))
        yield banner
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_the_banner_comes_once_listening_with_the_real_port(server: dict[str, Any]) -> None:
    url = server["url"]
    assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
    answer = httpx.get(
        f"{url}/api/v4/account", headers={"Authorization": f"Bearer {server['token']}"}
    )
    assert answer.status_code == 200  # the first try: it listened before it printed
    assert answer.json()["subdomain"] == "acme"


def test_auth_through_the_local_listener(server: dict[str, Any], tmp_path: Path) -> None:
    url = server["url"]
    redirect = f"http://127.0.0.1:{free_port()}/callback"
    integration = httpx.post(f"{url}/_fake/integrations", json={"redirect_uri": redirect}).json()
    config = tmp_path / "config"
    process = subprocess.Popen(
        [
            *COMMAND,
            "auth",
            "--server",
            url,
            "--client-id",
            integration["client_id"],
            "--client-secret",
            integration["client_secret"],
            "--redirect-uri",
            redirect,
            "--no-browser",
            "--timeout",
            "60",
            "--config-dir",
            str(config),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None and process.stdout is not None
    err = Lines(process.stderr)
    while "/oauth?" not in (line := err.next()):
        pass
    authorize = line.strip()
    assert authorize.startswith(f"{url}/oauth?client_id={integration['client_id']}&state=")
    err.next()  # "waiting for the redirect ..." is written once the listener is up
    forged = httpx.get(f"{redirect}?code=stolen&state=forged&referer=acme.amocrm.ru")
    assert forged.status_code == 400  # another state: refused, the command keeps waiting
    browser = httpx.get(authorize, follow_redirects=True)  # the fake's /oauth page → 302 → us
    assert browser.status_code == 200 and "Authorised" in browser.text
    assert str(browser.url).startswith(f"{redirect}?code=")
    assert process.wait(30) == 0
    out, errors = process.stdout.read(), err.rest()
    process.stdout.close()
    process.stderr.close()
    assert (
        "authorised: Администратор <admin@acme.example.com> (user 9000001) in account Acme" in out
    )
    assert "state does not match" in errors
    (token_file,) = (config / "tokens").glob("*.json")
    pair = json.loads(token_file.read_text())["token"]
    for secret in (pair["access_token"], pair["refresh_token"], integration["client_secret"]):
        assert secret not in out and secret not in errors
    accounts = config / "accounts.json"
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    status = subprocess.run(
        [*COMMAND, "auth", "status", "--json", "--config-dir", str(config)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert (report["ok"], report["domain"], report["user"]["id"]) == (
        True,
        "acme.amocrm.ru",
        9000001,
    )
    assert pair["access_token"] not in status.stdout


def test_an_export_killed_half_way_resumes_exactly(server: dict[str, Any], tmp_path: Path) -> None:
    url, token = server["url"], server["token"]
    target = tmp_path / "leads.jsonl"
    checkpoint = tmp_path / "leads.jsonl.checkpoint"
    argv = [*COMMAND, "export", "leads", "--server", url, "--token", token, "-o", str(target)]
    argv += ["--config-dir", str(tmp_path / "config"), "--no-progress"]
    process = subprocess.Popen(
        [*argv, "--rate", "10"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    written = 0
    while written < 750:
        assert process.poll() is None and time.monotonic() < deadline
        time.sleep(0.02)
        try:
            written = json.loads(checkpoint.read_text())["written"]
        except (FileNotFoundError, ValueError):
            continue
    os.kill(process.pid, signal.SIGKILL)
    process.wait(10)
    assert 750 <= json.loads(checkpoint.read_text())["written"] < 3_000
    resumed = subprocess.run(
        [*argv, "--rate", "50", "--json"], capture_output=True, text=True, timeout=120, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["resumed"] and summary["total_written"] == 3_000
    ids = [json.loads(line)["id"] for line in target.read_text().splitlines()]

    async def library() -> list[int]:
        async with AmoCRMClient(url, access_token=token, allow_any_host=True, rate_limit=50) as amo:
            return [lead.id async for lead in amo.leads.changes() if lead.id is not None]

    assert ids == anyio.run(library)
    assert len(ids) == len(set(ids)) == 3_000
    assert not checkpoint.exists()
