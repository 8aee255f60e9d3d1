from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import httpx
import pytest

import amocrm_async
from amocrm_async import SystemClock
from amocrm_async.testing import FakeAmoCRM, FakeResponse, VirtualClock
from amocrm_async.testing._asgi import DroppedByFake


@pytest.mark.anyio
async def test_core_handle_directly(fake: FakeAmoCRM) -> None:
    token = fake.long_lived_token()
    response = await fake.handle(
        "GET",
        "https://whatever.example/api/v4/leads/pipelines",
        {"Host": "acme.amocrm.ru", "Authorization": f"Bearer {token}"},
        b"",
    )
    assert isinstance(response, FakeResponse)
    assert response.status == 200
    assert response.content_type == "application/hal+json"
    assert response.header("X-Request-Id")
    assert response.json()["_embedded"]["pipelines"][0]["_links"]["self"]["href"].startswith(
        "https://acme.amocrm.ru/"
    )


@pytest.mark.anyio
async def test_asgi_app_in_process(fake: FakeAmoCRM) -> None:
    fake.seed(leads=2)
    transport = httpx.ASGITransport(app=fake.app)
    headers = {"Authorization": f"Bearer {fake.long_lived_token()}"}
    async with httpx.AsyncClient(
        transport=transport, base_url=fake.base_url, headers=headers
    ) as client:
        response = await client.get("/api/v4/leads", params={"limit": 1})
        assert response.status_code == 200
        assert response.json()["_links"]["next"]["href"].startswith("https://acme.amocrm.ru/")
        fake.faults.add("connection_reset", times=1)
        with pytest.raises(DroppedByFake):
            await client.get("/api/v4/leads")


@pytest.mark.anyio
async def test_served_on_loopback_with_uvicorn() -> None:
    fake = FakeAmoCRM()  # real clock: the server runs in its own thread and event loop
    fake.seed(leads=3)
    headers = {"Authorization": f"Bearer {fake.long_lived_token()}"}
    async with fake.serving(port=0) as base_url:
        assert base_url.startswith("http://127.0.0.1:")
        async with httpx.AsyncClient(base_url=base_url, headers=headers) as client:
            response = await client.get("/api/v4/leads", params={"limit": 2})
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/hal+json"
            body = response.json()
            assert body["_links"]["next"]["href"] == f"{base_url}/api/v4/leads?limit=2&page=2"
            created = await client.post("/api/v4/leads", json=[{"name": "over the wire"}])
            assert created.status_code == 200
    assert fake.count("leads") == 4
    assert fake.stats.count("GET", "/api/v4/leads", 200) == 1


def test_control_routes_serve_out_of_process_users() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    with fake.serve_in_thread() as base_url, httpx.Client(base_url=base_url) as client:
        seeded = client.post("/_fake/seed", json={"leads": 4}).json()
        # every seedable type is listed, only leads were seeded
        assert {"leads", "contacts", "companies", "tasks", "users", "roles"} <= set(seeded)
        assert {name: count for name, count in seeded.items() if count} == {"leads": 4}
        token = client.post("/_fake/token").json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        assert len(client.get("/api/v4/leads", headers=auth).json()["_embedded"]["leads"]) == 4
        assert (
            client.post(
                "/_fake/faults", json={"kind": "status", "status": 503, "times": 1}
            ).status_code
            == 204
        )
        assert client.get("/api/v4/leads", headers=auth).status_code == 503
        stats = client.get("/_fake/stats").json()
        assert stats["faults"] == {"status": 1}
        assert stats["total_requests"] == 2
        integration = client.post(
            "/_fake/integrations", json={"redirect_uri": "https://x/cb"}
        ).json()
        exchanged = client.post(
            "/oauth2/access_token",
            json={
                "client_id": integration["client_id"],
                "client_secret": integration["client_secret"],
                "grant_type": "authorization_code",
                "code": integration["code"],
                "redirect_uri": "https://x/cb",
            },
        )
        assert exchanged.status_code == 200
        assert client.get("/_fake/requests").json()[-1]["path"] == "/oauth2/access_token"
        assert client.post("/_fake/reset").status_code == 204
        assert client.get("/_fake").json()["accounts"][0]["leads"] == 0
        assert client.post("/_fake/nope").status_code == 404

        # an injected drop over real sockets: the write is applied, the response is lost
        token = client.post("/_fake/token").json()["access_token"]
        fake.faults.add("apply_then_drop", method="POST", times=1)
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/api/v4/leads", json=[{}], headers={"Authorization": f"Bearer {token}"})
        assert fake.count("leads") == 1


def test_amocrm_fake_fixture(amocrm_fake: FakeAmoCRM) -> None:
    assert isinstance(amocrm_fake, FakeAmoCRM)
    assert amocrm_fake.base_domain == "acme.amocrm.ru"


def test_plugin_loads_as_a_pytest_plugin(tmp_path: Path) -> None:
    (tmp_path / "test_uses_fixture.py").write_text(
        textwrap.dedent(
            """
            def test_fake(amocrm_fake):
                assert amocrm_fake.base_domain == "acme.amocrm.ru"
                assert amocrm_fake.long_lived_token().count(".") == 2
            """
        )
    )
    src = str(Path(amocrm_async.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": src, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-p",
        "amocrm_async.testing.plugin",
        "-p",
        "no:cacheprovider",
    ]
    run = subprocess.run(
        [*command, "-q", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout
    fixtures = subprocess.run(
        [*command, "--fixtures", str(tmp_path)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "amocrm_client" in fixtures.stdout
    assert "amocrm_fake" in fixtures.stdout


@pytest.mark.asyncio
async def test_amocrm_client_fixture(amocrm_fake: FakeAmoCRM, amocrm_client: object) -> None:
    """The SDK client fixture talks to the fake through its transport with a long-lived token."""
    amocrm_fake.seed(leads=3)
    page = await amocrm_client.leads.get(limit=2)  # type: ignore[attr-defined]
    assert len(page.items) == 2
    assert amocrm_fake.stats.count("GET", "/api/v4/leads", 200) == 1


@pytest.mark.asyncio
async def test_fixtures_run_on_virtual_time_with_real_pacing(
    amocrm_fake: FakeAmoCRM, amocrm_client: object
) -> None:
    """10,000 leads through the fixtures: 40 paced requests, and virtual time pays for them."""
    assert isinstance(amocrm_fake.clock, VirtualClock)
    amocrm_fake.seed(leads=10_000)
    before = amocrm_fake.clock.monotonic()
    ids = [lead.id async for lead in amocrm_client.leads.iterate()]  # type: ignore[attr-defined]
    assert len(set(ids)) == 10_000
    assert amocrm_fake.stats.count("GET", "/api/v4/leads", 200) == 40
    assert amocrm_fake.clock.monotonic() - before >= 39 / 7


@pytest.mark.amocrm_real_time
def test_real_time_marker_puts_the_fake_on_the_real_clock(amocrm_fake: FakeAmoCRM) -> None:
    assert isinstance(amocrm_fake.clock, SystemClock)
