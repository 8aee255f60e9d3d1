"""Shared set-up for the loopback benchmarks: a rate-limited, slow fake amoCRM in its own process.

The fake runs as ``amocrm-async fake-server`` in a subprocess (so it does not share the GIL with
the client being measured) and is configured through its ``/_fake/*`` control routes.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class Scenario:
    rate: float
    latency: float
    count: int
    concurrency: int


def parse(description: str, *, full_count: int, quick_count: int) -> Scenario:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="R = 50 req/s, L = 50 ms")
    parser.add_argument("--rate", type=float, help="rate limit R enforced by the fake (req/s)")
    parser.add_argument("--latency", type=float, help="server latency L (seconds)")
    parser.add_argument("-n", "--count", type=int, help="number of leads")
    parser.add_argument("--concurrency", type=int, default=4, help="pages in flight")
    args = parser.parse_args()
    rate = args.rate or (50.0 if args.quick else 7.0)
    latency = args.latency if args.latency is not None else (0.05 if args.quick else 0.2)
    count = args.count or (quick_count if args.quick else full_count)
    return Scenario(rate, latency, count, args.concurrency)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class FakeServer:
    """Controls a fake amoCRM served by another process."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def control(self, route: str, **body: Any) -> Any:
        response = self.http.post(f"/_fake/{route}", json=body)
        response.raise_for_status()
        return response.json() if response.content else None

    def stats(self) -> dict[str, Any]:
        result: dict[str, Any] = self.http.get("/_fake/stats").json()
        return result

    def token(self) -> str:
        return str(self.control("token")["access_token"])


@contextmanager
def fake_in_process(command: list[str], port: int, *, timeout: float) -> Iterator[FakeServer]:
    """Run ``command`` (a fake serving on ``port``), wait until it answers, stop it after."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        server = FakeServer(f"http://127.0.0.1:{port}")
        deadline = time.monotonic() + timeout
        while True:
            try:
                server.http.get("/_fake")
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the fake server did not start") from None
                time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        process.wait(10)


@contextmanager
def slow_limited_fake(scenario: Scenario) -> Iterator[FakeServer]:
    port = free_port()
    command = [sys.executable, "-m", "amocrm_async.cli", "fake-server", "--port", str(port)]
    with fake_in_process(command, port, timeout=20) as server:
        server.control(
            "rate_limit",
            enabled=True,
            integration_rps=scenario.rate,
            account_rps=max(50.0, scenario.rate),
        )
        server.control("faults", kind="latency", seconds=scenario.latency)
        yield server


def report(label: str, *, elapsed: float, requests: int, scenario: Scenario, r429: int) -> None:
    bound = requests / scenario.rate
    print(
        f"{label}: R={scenario.rate:g} req/s, L={scenario.latency * 1000:.0f} ms\n"
        f"  elapsed {elapsed:.2f} s, bound {bound:.2f} s ({requests} requests / R), "
        f"ratio {bound / elapsed:.3f}, 429s {r429}"
    )
