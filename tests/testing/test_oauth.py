from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM, Integration, VirtualClock

pytestmark = pytest.mark.anyio

OAUTH_TYPE = "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(
        base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    )
    return decoded


async def refresh(
    client: httpx.AsyncClient, integration: Integration, token: str, **extra: str
) -> httpx.Response:
    body = {
        "client_id": integration.client_id,
        "client_secret": integration.client_secret,
        "grant_type": "refresh_token",
        "refresh_token": token,
        "redirect_uri": integration.redirect_uri,
        **extra,
    }
    return await client.post("/oauth2/access_token", json=body)


async def leads(client: httpx.AsyncClient, access_token: str) -> httpx.Response:
    return await client.get("/api/v4/leads", headers={"Authorization": f"Bearer {access_token}"})


def assert_revoked(response: httpx.Response) -> None:
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == OAUTH_TYPE
    assert body["hint"] == "Token has been revoked"
    assert body["status"] == 401
    assert body["title"] and body["detail"]


async def test_authorization_code_grant_issues_a_jwt_pair(
    fake: FakeAmoCRM, anon: httpx.AsyncClient, clock: VirtualClock
) -> None:
    integration = fake.register_integration(redirect_uri="https://app.example/cb")
    code = fake.issue_authorization_code(integration)
    response = await anon.post(
        "/oauth2/access_token",
        json={
            "client_id": integration.client_id,
            "client_secret": integration.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "https://app.example/cb",
        },
    )
    assert response.status_code == 200
    pair = response.json()
    assert set(pair) == {"token_type", "expires_in", "server_time", "access_token", "refresh_token"}
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 86400
    assert pair["server_time"] == int(clock.time())
    jwt = claims(pair["access_token"])
    assert {
        "aud",
        "jti",
        "iat",
        "nbf",
        "exp",
        "sub",
        "account_id",
        "base_domain",
        "api_domain",
    } <= set(jwt)
    assert {"version", "scopes"} <= set(jwt)
    assert jwt["aud"] == integration.client_id
    assert jwt["exp"] - jwt["iat"] == 86400
    assert jwt["base_domain"] == "acme.amocrm.ru"
    assert jwt["api_domain"] == "api-a.amocrm.ru"
    assert jwt["account_id"] == fake.account_id
    assert (await leads(anon, pair["access_token"])).status_code == 204  # empty account
    assert fake.stats.tokens_issued == 1

    again = await anon.post(
        "/oauth2/access_token",
        json={
            "client_id": integration.client_id,
            "client_secret": integration.client_secret,
            "grant_type": "authorization_code",
            "code": code,
        },
    )
    assert again.status_code == 400
    assert again.json()["hint"] == "Authorization code has been revoked"


async def test_token_endpoint_accepts_form_bodies(
    fake: FakeAmoCRM, anon: httpx.AsyncClient
) -> None:
    integration = fake.register_integration()
    code = fake.issue_authorization_code(integration)
    response = await anon.post(
        "/oauth2/access_token",
        data={
            "client_id": integration.client_id,
            "client_secret": integration.client_secret,
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": integration.redirect_uri,
        },
    )
    assert response.status_code == 200
    assert fake.requests[-1].json["grant_type"] == "authorization_code"


async def test_authorization_code_expires_after_20_minutes(
    fake: FakeAmoCRM, anon: httpx.AsyncClient, clock: VirtualClock
) -> None:
    integration = fake.register_integration()
    fresh = fake.issue_authorization_code(integration)
    stale = fake.issue_authorization_code(integration)
    clock.advance(20 * 60 - 1)
    body = {
        "client_id": integration.client_id,
        "client_secret": integration.client_secret,
        "grant_type": "authorization_code",
    }
    ok = await anon.post("/oauth2/access_token", json={**body, "code": fresh})
    assert ok.status_code == 200
    clock.advance(2)
    expired = await anon.post("/oauth2/access_token", json={**body, "code": stale})
    assert expired.status_code == 400
    assert expired.json()["hint"] == "Authorization code has expired"
    assert expired.json()["type"] == OAUTH_TYPE


async def test_bad_client_credentials(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    response = await anon.post(
        "/oauth2/access_token",
        json={
            "client_id": integration.client_id,
            "client_secret": "wrong",
            "grant_type": "refresh_token",
            "refresh_token": pair["refresh_token"],
        },
    )
    assert response.status_code == 401
    body = response.json()
    assert body["type"] == OAUTH_TYPE
    assert body["hint"] == "Client authentication failed"
    assert fake.stats.rejected_refreshes == 1
    # the refresh token was not touched
    assert (await refresh(anon, integration, pair["refresh_token"])).status_code == 200


async def test_redirect_uri_must_match(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration(redirect_uri="https://app.example/cb")
    pair = fake.issue_token_pair(integration)
    response = await refresh(
        anon, integration, pair["refresh_token"], redirect_uri="https://evil/cb"
    )
    assert response.status_code == 400
    assert response.json()["hint"] == "Redirect URI mismatch"


async def test_refresh_rotates_and_old_token_works_until_new_one_is_used(
    fake: FakeAmoCRM, anon: httpx.AsyncClient
) -> None:
    integration = fake.register_integration()
    r0 = fake.issue_token_pair(integration)["refresh_token"]

    first = await refresh(anon, integration, r0)
    assert first.status_code == 200
    r1 = first.json()["refresh_token"]
    assert r1 != r0

    # grace: the response was "lost", retry with the old token
    retry = await refresh(anon, integration, r0)
    assert retry.status_code == 200
    r1b = retry.json()["refresh_token"]
    assert r1b not in (r0, r1)
    # the successor that nobody received is superseded
    assert_revoked(await refresh(anon, integration, r1))

    # using the new refresh token ends the grace period of the old one
    second = await refresh(anon, integration, r1b)
    assert second.status_code == 200
    assert_revoked(await refresh(anon, integration, r0))

    assert fake.stats.token_refreshes == 3
    assert fake.stats.rejected_refreshes == 2


async def test_api_call_with_new_access_token_ends_the_grace_period(
    fake: FakeAmoCRM, anon: httpx.AsyncClient
) -> None:
    integration = fake.register_integration()
    r0 = fake.issue_token_pair(integration)["refresh_token"]
    new = (await refresh(anon, integration, r0)).json()
    assert (await leads(anon, new["access_token"])).status_code == 204
    assert_revoked(await refresh(anon, integration, r0))
    # the rotated token is fine
    assert (await refresh(anon, integration, new["refresh_token"])).status_code == 200


async def test_grace_on_access_use_can_be_switched_off(
    fake: FakeAmoCRM, anon: httpx.AsyncClient
) -> None:
    fake.grace_ends_on_access_use = False
    integration = fake.register_integration()
    r0 = fake.issue_token_pair(integration)["refresh_token"]
    new = (await refresh(anon, integration, r0)).json()
    assert (await leads(anon, new["access_token"])).status_code == 204
    assert (await refresh(anon, integration, r0)).status_code == 200


async def test_unknown_refresh_token(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration()
    response = await refresh(anon, integration, "def50200nonsense")
    assert response.status_code == 401
    assert response.json()["type"] == OAUTH_TYPE


async def test_expired_access_token_gets_401(
    fake: FakeAmoCRM, anon: httpx.AsyncClient, clock: VirtualClock
) -> None:
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    assert (await leads(anon, pair["access_token"])).status_code == 204
    clock.advance(86_400)
    response = await leads(anon, pair["access_token"])
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 401
    assert response.json()["detail"] == "Token has expired"
    assert fake.stats.unauthorized == 1
    # the refresh token still works and yields a usable access token
    new = (await refresh(anon, integration, pair["refresh_token"])).json()
    assert (await leads(anon, new["access_token"])).status_code == 204


async def test_expire_tokens_control(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    long_lived = fake.long_lived_token()
    assert fake.expire_tokens() == 1
    assert (await leads(anon, pair["access_token"])).status_code == 401
    assert (await leads(anon, long_lived)).status_code == 204


async def test_long_lived_token(
    fake: FakeAmoCRM, anon: httpx.AsyncClient, clock: VirtualClock
) -> None:
    token = fake.long_lived_token()
    jwt = claims(token)
    assert jwt["exp"] - jwt["iat"] == 5 * 365 * 86_400
    assert jwt["base_domain"] == fake.base_domain
    clock.advance(365 * 86_400)
    assert (await leads(anon, token)).status_code == 204
    short = fake.long_lived_token(expires_in=60)
    clock.advance(61)
    assert (await leads(anon, short)).status_code == 401


async def test_missing_or_garbage_bearer(anon: httpx.AsyncClient, fake: FakeAmoCRM) -> None:
    missing = await anon.get("/api/v4/leads")
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    garbage = await leads(anon, "not-a-token")
    assert garbage.status_code == 401
    basic = await anon.get("/api/v4/leads", headers={"Authorization": "Basic abc"})
    assert basic.status_code == 401
    assert fake.stats.unauthorized == 3


async def test_revoked_tokens(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    fake.revoke_tokens(integration)
    assert (await leads(anon, pair["access_token"])).status_code == 401
    assert_revoked(await refresh(anon, integration, pair["refresh_token"]))


async def test_token_of_another_account_is_rejected(
    fake: FakeAmoCRM, anon: httpx.AsyncClient
) -> None:
    other = fake.add_account("globex")
    token = fake.long_lived_token(account="globex")
    assert (await leads(anon, token)).status_code == 401
    response = await anon.get(
        f"https://{other}/api/v4/leads", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204


async def test_subdomain_lookup_by_refresh_token(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    api_domain = claims(pair["access_token"])["api_domain"]
    url = f"https://{api_domain}/oauth2/account/current/subdomain"
    response = await anon.get(url, headers={"X-Refresh-Token": pair["refresh_token"]})
    assert response.status_code == 200
    assert response.json() == {
        "id": fake.account_id,
        "subdomain": "acme",
        "domain": "acme.amocrm.ru",
        "top_level_domain": "ru",
    }
    assert (await anon.get(url, headers={"X-Refresh-Token": "nope"})).status_code == 401
    assert (await anon.get(url)).status_code == 401
    # consumed tokens are not "active"
    new = (await refresh(anon, integration, pair["refresh_token"])).json()
    await refresh(anon, integration, new["refresh_token"])
    stale = await anon.get(url, headers={"X-Refresh-Token": pair["refresh_token"]})
    assert stale.status_code == 401
    # deprecated lookup by access token
    old_style = await anon.get(
        "https://www.amocrm.ru/oauth2/account/subdomain",
        headers={"Authorization": f"Bearer {new['access_token']}"},
    )
    assert old_style.json()["domain"] == "acme.amocrm.ru"


async def test_rename_subdomain(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    new_domain = fake.rename_subdomain("acme", "acme-new")
    assert new_domain == "acme-new.amocrm.ru"
    assert fake.base_domain == "acme-new.amocrm.ru"

    old_refresh = await refresh(anon, integration, pair["refresh_token"])
    assert old_refresh.status_code == 401
    old_api = await leads(anon, pair["access_token"])
    assert old_api.status_code == 404

    lookup = await anon.get(
        f"https://{claims(pair['access_token'])['api_domain']}/oauth2/account/current/subdomain",
        headers={"X-Refresh-Token": pair["refresh_token"]},
    )
    assert lookup.json()["domain"] == "acme-new.amocrm.ru"

    moved = await anon.post(
        f"https://{new_domain}/oauth2/access_token",
        json={
            "client_id": integration.client_id,
            "client_secret": integration.client_secret,
            "grant_type": "refresh_token",
            "refresh_token": pair["refresh_token"],
        },
    )
    assert moved.status_code == 200
    assert claims(moved.json()["access_token"])["base_domain"] == "acme-new.amocrm.ru"
    api = await anon.get(
        f"https://{new_domain}/api/v4/leads",
        headers={"Authorization": f"Bearer {moved.json()['access_token']}"},
    )
    assert api.status_code == 204
    assert fake.stats.rejected_refreshes == 1


async def test_rename_subdomain_with_404_on_token_endpoint(
    fake: FakeAmoCRM, anon: httpx.AsyncClient
) -> None:
    integration = fake.register_integration()
    pair = fake.issue_token_pair(integration)
    fake.rename_subdomain("acme", "other", token_status=404)
    assert (await refresh(anon, integration, pair["refresh_token"])).status_code == 404


async def test_exchange_api_key(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration()
    login, api_key = fake.api_key()
    response = await anon.post(
        "/oauth2/exchange_api_key",
        json={
            "login": login,
            "api_key": api_key,
            "client_uuid": integration.client_id,
            "client_secret": integration.client_secret,
        },
    )
    assert response.status_code == 202
    assert response.content == b""
    code = fake.last_exchanged_code
    assert code is not None
    exchanged = await anon.post(
        "/oauth2/access_token",
        json={
            "client_id": integration.client_id,
            "client_secret": integration.client_secret,
            "grant_type": "authorization_code",
            "code": code,
        },
    )
    assert exchanged.status_code == 200

    wrong = await anon.post(
        "/oauth2/exchange_api_key",
        json={
            "login": login,
            "api_key": "bad",
            "client_uuid": integration.client_id,
            "client_secret": integration.client_secret,
        },
    )
    assert wrong.status_code == 401
    assert wrong.json()["type"] == OAUTH_TYPE


async def test_unsupported_grant(fake: FakeAmoCRM, anon: httpx.AsyncClient) -> None:
    integration = fake.register_integration()
    response = await anon.post(
        "/oauth2/access_token",
        json={
            "client_id": integration.client_id,
            "client_secret": integration.client_secret,
            "grant_type": "password",
        },
    )
    assert response.status_code == 400
    assert response.json()["type"] == OAUTH_TYPE


def test_integration_repr_hides_the_client_secret() -> None:
    fake = FakeAmoCRM()
    integration = fake.register_integration()
    assert len(integration.client_secret) > 16
    assert integration.client_secret not in repr(integration)
    assert integration.client_id in repr(integration)
