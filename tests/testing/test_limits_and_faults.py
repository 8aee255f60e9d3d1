from __future__ import annotations

import json
import re
from email.utils import parsedate_to_datetime

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM, FaultKind, VirtualClock

pytestmark = pytest.mark.anyio


async def burst(client: httpx.AsyncClient, n: int, path: str = "/api/v4/leads") -> list[int]:
    return [(await client.get(path)).status_code for _ in range(n)]


# -- server-side rate limits -------------------------------------------------------------------


async def test_integration_limit_returns_429_with_retry_after(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    fake.set_rate_limit(block_after=None)
    assert await burst(api, 7) == [204] * 7
    limited = await api.get("/api/v4/leads")
    assert limited.status_code == 429
    assert limited.headers["content-type"] == "application/problem+json"
    assert "retry-after" not in limited.headers
    body = limited.json()
    assert body["status"] == 429
    assert body["type"] == "https://httpstatus.es/429"
    assert body["retry_after"] == 1
    clock.advance(1.0)
    assert (await api.get("/api/v4/leads")).status_code == 204
    assert fake.stats.rate_limited == 1
    assert fake.stats.count(status=429) == 1


async def test_sliding_window(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    fake.set_rate_limit(block_after=None)
    for _ in range(7):
        assert (await api.get("/api/v4/leads")).status_code == 204
        clock.advance(0.1)
    # 0.7 s later the window still holds 7 requests
    assert (await api.get("/api/v4/leads")).status_code == 429
    clock.advance(0.35)  # the first request (t=0.0) has left the window
    assert (await api.get("/api/v4/leads")).status_code == 204


async def test_account_limit_is_shared_by_integrations(
    fake: FakeAmoCRM, clock: VirtualClock
) -> None:
    fake.set_rate_limit(integration_rps=7, account_rps=10, block_after=None)
    integration = fake.register_integration()
    tokens = [fake.long_lived_token(), fake.issue_token_pair(integration)["access_token"]]
    statuses = []
    async with httpx.AsyncClient(transport=fake.transport, base_url=fake.base_url) as client:
        for token in tokens:
            for _ in range(6):
                response = await client.get(
                    "/api/v4/leads", headers={"Authorization": f"Bearer {token}"}
                )
                statuses.append(response.status_code)
    assert statuses == [204] * 10 + [429] * 2


async def test_repeated_429_block_the_account_with_nginx_html(
    fake: FakeAmoCRM, api: httpx.AsyncClient, anon: httpx.AsyncClient, clock: VirtualClock
) -> None:
    fake.set_rate_limit(block_after=3, block_window=60)
    assert await burst(api, 10) == [204] * 7 + [429] * 3
    blocked = await api.get("/api/v4/leads")
    assert blocked.status_code == 403
    assert blocked.headers["content-type"] == "text/html"
    assert "<title>403 Forbidden</title>" in blocked.text
    assert "nginx" in blocked.text
    clock.advance(3600)  # blocks do not expire on their own
    assert (await api.get("/api/v4/leads")).status_code == 403
    token_endpoint = await anon.post("/oauth2/access_token", json={})
    assert token_endpoint.status_code == 403
    assert fake.is_blocked()
    assert fake.stats.rate_limited == 3
    assert fake.stats.blocks == 1
    assert fake.stats.blocked == 3

    fake.unblock()
    assert (await api.get("/api/v4/leads")).status_code == 204


async def test_other_accounts_are_not_blocked(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    other = fake.add_account("globex")
    fake.block()
    assert (await api.get("/api/v4/leads")).status_code == 403
    token = fake.long_lived_token(account="globex")
    response = await api.get(
        f"https://{other}/api/v4/leads", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204
    fake.reset()
    assert not fake.is_blocked()


@pytest.mark.parametrize("header", ["seconds", "date"])
async def test_retry_after_header_option(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock, header: str
) -> None:
    fake.set_rate_limit(retry_after=300, retry_after_header=header, block_after=None)  # type: ignore[arg-type]
    await burst(api, 7)
    limited = await api.get("/api/v4/leads")
    assert limited.json()["retry_after"] == 300
    if header == "seconds":
        assert limited.headers["retry-after"] == "300"
    else:
        when = parsedate_to_datetime(limited.headers["retry-after"]).timestamp()
        assert when == int(clock.time()) + 300


async def test_rate_limit_flag_in_constructor(clock: VirtualClock) -> None:
    fake = FakeAmoCRM(clock=clock, rate_limit=True, integration_rps=2)
    headers = {"Authorization": f"Bearer {fake.long_lived_token()}"}
    async with httpx.AsyncClient(
        transport=fake.transport, base_url=fake.base_url, headers=headers
    ) as client:
        assert await burst(client, 3) == [204, 204, 429]


# -- fault injection ---------------------------------------------------------------------------


async def test_latency_sleeps_on_the_fake_clock(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    fake.faults.add(FaultKind.LATENCY, seconds=2.5, path="/api/v4/leads")
    before = clock.monotonic()
    assert (await api.get("/api/v4/leads")).status_code == 204
    assert clock.monotonic() - before == pytest.approx(2.5)
    assert (await api.get("/api/v4/leads/pipelines")).status_code == 200
    assert clock.monotonic() - before == pytest.approx(2.5)
    assert fake.stats.faults["latency"] == 1


async def test_status_fault_first_n(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.faults.add("status", status=503, times=2)
    assert await burst(api, 3) == [503, 503, 204]
    fake.faults.add("status", times=1)
    failed = await api.get("/api/v4/leads")
    assert failed.status_code == 500
    body = failed.json()
    assert body["title"] == "ErrInternalServer"
    assert "trace_id" in body and "type" not in body
    assert fake.stats.faults["status"] == 3


async def test_status_fault_with_custom_body(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.faults.add("status", status=502, body="upstream down", times=1)
    response = await api.get("/api/v4/leads")
    assert (response.status_code, response.text) == (502, "upstream down")
    assert response.headers["content-type"].startswith("text/plain")


async def test_status_fault_after_applying_the_write(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    fake.faults.add("status", status=504, method="POST", apply=True, times=1)
    response = await api.post("/api/v4/leads", json=[{"name": "maybe"}])
    assert response.status_code == 504
    assert fake.count("leads") == 1


async def test_forced_rate_limit_fault(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    fake.faults.add("rate_limit", every=3, retry_after=2, retry_after_header="seconds")
    assert await burst(api, 6) == [204, 204, 429, 204, 204, 429]
    fake.faults.clear()
    fake.faults.add("rate_limit", retry_after=5, retry_after_header="date", times=1)
    limited = await api.get("/api/v4/leads")
    assert limited.json()["retry_after"] == 5
    assert (
        parsedate_to_datetime(limited.headers["retry-after"]).timestamp() == int(clock.time()) + 5
    )
    assert fake.stats.rate_limited == 3
    assert not fake.is_blocked()


async def test_connection_reset_applies_nothing(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.faults.add("connection_reset", method="POST", times=1)
    with pytest.raises(httpx.ReadError):
        await api.post("/api/v4/leads", json=[{"name": "lost"}])
    assert fake.count("leads") == 0
    assert fake.requests[-1].status == 0
    assert fake.requests[-1].fault == "connection_reset"
    assert (await api.post("/api/v4/leads", json=[{"name": "ok"}])).status_code == 200


async def test_connect_error(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.faults.add("connect_error", times=1)
    with pytest.raises(httpx.ConnectError):
        await api.get("/api/v4/leads")
    assert (await api.get("/api/v4/leads")).status_code == 204
    assert fake.stats.faults["connect_error"] == 1


async def test_apply_then_drop_stores_the_write_once(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    fake.faults.add("apply_then_drop", path="/api/v4/leads", method="POST", times=1)
    with pytest.raises(httpx.ReadError):
        await api.post("/api/v4/leads", json=[{"name": "ghost"}])
    assert fake.count("leads") == 1
    assert fake.stats.entities_created["leads"] == 1
    assert fake.stats.faults["apply_then_drop"] == 1
    assert fake.requests[-1].status == 200
    listed = (await api.get("/api/v4/leads")).json()["_embedded"]["leads"]
    assert [lead["name"] for lead in listed] == ["ghost"]


async def test_truncated_body(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.seed(leads=3)
    full = await api.get("/api/v4/leads")
    fake.faults.add("truncated_body", times=1)
    cut = await api.get("/api/v4/leads")
    assert cut.status_code == 200
    assert len(cut.content) == len(full.content) // 2
    with pytest.raises(json.JSONDecodeError):
        json.loads(cut.content)


async def test_html_body(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.faults.add("html_body", times=1)
    response = await api.get("/api/v4/leads")
    assert response.status_code == 502
    assert response.headers["content-type"] == "text/html"
    assert re.search(r"<title>502 Bad Gateway</title>", response.text)
    fake.faults.add("html_body", status=429, times=1)
    assert (await api.get("/api/v4/leads")).status_code == 429


async def test_fault_matching(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    glob = fake.faults.add("status", status=500, path="/api/v4/leads/*")
    assert (await api.get("/api/v4/leads")).status_code == 204
    assert (await api.get("/api/v4/leads/pipelines")).status_code == 500
    glob.remove()
    fake.faults.add("status", status=502, path="re:^/api/v4/(contacts|companies)$", method=["GET"])
    assert (await api.get("/api/v4/contacts")).status_code == 502
    assert (await api.post("/api/v4/contacts", json=[{}])).status_code == 200
    assert (await api.get("/api/v4/leads")).status_code == 204
    assert len(fake.faults) == 1
    fake.faults.clear()
    assert (await api.get("/api/v4/contacts")).status_code == 200


async def test_fault_context_manager(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    with fake.faults.add("status", status=503) as fault:
        assert await burst(api, 2) == [503, 503]
    assert (fault.matched, fault.fired) == (2, 2)
    assert (await api.get("/api/v4/leads")).status_code == 204


async def test_probability_is_seeded(clock: VirtualClock) -> None:
    async def run() -> list[int]:
        fake = FakeAmoCRM(clock=clock, seed=42)
        fake.faults.add("status", status=503, probability=0.5)
        headers = {"Authorization": f"Bearer {fake.long_lived_token()}"}
        async with httpx.AsyncClient(
            transport=fake.transport, base_url=fake.base_url, headers=headers
        ) as client:
            return await burst(client, 40)

    first, second = await run(), await run()
    assert first == second
    assert 5 < first.count(503) < 35


async def test_faults_also_hit_the_token_endpoint(
    fake: FakeAmoCRM, anon: httpx.AsyncClient
) -> None:
    fake.faults.add("connection_reset", path="/oauth2/access_token", times=1)
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    body = {
        "client_id": integration.client_id,
        "client_secret": integration.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": pair["refresh_token"],
    }
    with pytest.raises(httpx.ReadError):
        await anon.post("/oauth2/access_token", json=body)
    assert (await anon.post("/oauth2/access_token", json=body)).status_code == 200


def test_fault_arguments_are_checked(fake: FakeAmoCRM) -> None:
    with pytest.raises(ValueError, match="latency"):
        fake.faults.add("latency")
    with pytest.raises(ValueError, match="every"):
        fake.faults.add("status", every=0)
    with pytest.raises(ValueError, match="not a valid FaultKind"):
        fake.faults.add("explode")
