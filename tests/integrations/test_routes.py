"""The integration's routes on FastAPI and aiohttp, against the fake amoCRM.

Every refusal is checked for its status and for what did *not* happen: no request reached the
fake (no token exchange, no SDK call), no token was stored, no handler ran.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import anyio
import pytest

from amocrm_async import VirtualClock
from amocrm_async.integrations import STATE_COOKIE
from amocrm_async.models import Lead
from amocrm_async.testing import FakeAmoCRM, Integration
from amocrm_async.webhooks import (
    LeadData,
    LeadEvent,
    WebhookAccount,
    encode_webhook_form,
)

from .conftest import (
    WEBHOOK_SECRET,
    Driver,
    Recorder,
    Reply,
    bot_token,
    cookie_header,
    disconnect_signature,
    tamper,
    widget_token,
)

pytestmark = pytest.mark.anyio

FORM = {"content-type": "application/x-www-form-urlencoded"}


async def start_login(app: Driver, **params: str) -> tuple[str, str, Reply]:
    reply = await app.request("GET", "/amocrm/oauth/login", params=params)
    assert reply.status == 303
    query = parse_qs(urlsplit(reply.headers["location"]).query)
    cookie = reply.cookie(STATE_COOKIE)
    assert cookie is not None
    return query["state"][0], cookie, reply


async def callback(app: Driver, cookie: str | None, **params: str) -> Reply:
    headers = cookie_header(cookie) if cookie is not None else {}
    return await app.request("GET", "/amocrm/oauth/callback", params=params, headers=headers)


def requests_to_fake(fake: FakeAmoCRM) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in fake.requests]


# --------------------------------------------------------------------------- OAuth


async def test_login_redirects_with_state_in_a_signed_httponly_cookie(
    app: Driver, registered: Integration
) -> None:
    state, cookie, reply = await start_login(app)
    location = urlsplit(reply.headers["location"])
    assert (location.scheme, location.netloc, location.path) == ("https", "www.amocrm.ru", "/oauth")
    assert parse_qs(location.query) == {
        "client_id": [registered.client_id],
        "state": [state],
        "mode": ["popup"],
    }
    assert cookie.startswith(state + ".")
    [header] = reply.set_cookies
    attributes = {part.strip().split("=")[0].lower() for part in header.split(";")}
    assert {"httponly", "secure", "samesite", "max-age", "path"} <= attributes
    assert "Path=/amocrm/oauth" in header
    _, _, other = await start_login(app, mode="post_message")
    assert "mode=post_message" in other.headers["location"]
    assert (
        len(set(cookie.split(".")[0] for cookie in (cookie, other.cookie(STATE_COOKIE) or ""))) == 2
    )


async def test_callback_exchanges_the_code_at_the_fake_and_stores_the_pair(
    app: Driver, fake: FakeAmoCRM, registered: Integration
) -> None:
    state, cookie, _ = await start_login(app)
    code = fake.issue_authorization_code(registered)
    reply = await callback(
        app,
        cookie,
        code=code,
        state=state,
        referer=fake.base_domain,
        client_id=registered.client_id,
    )
    assert (reply.status, reply.json()) == (
        200,
        {"status": "authorized", "account": "acme.amocrm.ru"},
    )
    assert any(STATE_COOKIE in header for header in reply.set_cookies)  # cleared
    assert requests_to_fake(fake) == [("POST", "/oauth2/access_token")]
    stored = await app.amo.token_store.load(fake.base_domain)
    assert stored is not None and stored.base_domain == fake.base_domain
    [lead] = await app.amo.client().leads.add([Lead(name="Deal")])
    reply = await app.request("GET", f"/lead/{lead.id}")
    assert (reply.status, reply.json()) == (200, {"name": "Deal"})


async def test_callback_with_another_state_is_refused_before_the_exchange(
    app: Driver, fake: FakeAmoCRM, registered: Integration
) -> None:
    _, cookie, _ = await start_login(app)
    other_state, _, _ = await start_login(app)
    code = fake.issue_authorization_code(registered)
    reply = await callback(app, cookie, code=code, state=other_state, referer=fake.base_domain)
    assert reply.status == 400
    assert "state" in reply.json()["detail"]
    assert requests_to_fake(fake) == []
    assert await app.amo.token_store.load(fake.base_domain) is None


@pytest.mark.parametrize(
    ("cookie", "advance", "detail"),
    [
        (None, 0, "missing"),
        ("garbage", 0, "missing"),
        ("tampered", 0, "not ours"),
        ("valid", 20 * 60 + 1, "expired"),
    ],
)
async def test_callback_needs_a_fresh_untampered_cookie(
    app: Driver,
    fake: FakeAmoCRM,
    registered: Integration,
    clock: VirtualClock,
    cookie: str | None,
    advance: float,
    detail: str,
) -> None:
    state, issued, _ = await start_login(app)
    tampered = ("Y" if issued.startswith("X") else "X") + issued[1:]  # always another cookie
    sent = {"valid": issued, "tampered": tampered, "garbage": "a.b"}.get(cookie or "")
    clock.advance(advance)
    code = fake.issue_authorization_code(registered)
    reply = await callback(app, sent, code=code, state=state, referer=fake.base_domain)
    assert reply.status == 400
    assert detail in reply.json()["detail"]
    assert requests_to_fake(fake) == []


@pytest.mark.parametrize(
    "referer",
    [
        "evil.example.com",
        "acme.amocrm.ru.evil.com",
        "https://acme.amocrm.ru@evil.com",
        "127.0.0.1:8080",
        "www.amocrm.ru",
        "",
    ],
)
async def test_forged_referer_never_receives_the_secret(
    app: Driver, fake: FakeAmoCRM, registered: Integration, referer: str
) -> None:
    state, cookie, _ = await start_login(app)
    code = fake.issue_authorization_code(registered)
    reply = await callback(app, cookie, code=code, state=state, referer=referer)
    assert reply.status == 400
    assert "referer" in reply.json()["detail"]
    assert requests_to_fake(fake) == []
    assert app.amo._clients == {}


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"error": "access_denied"}, 400, "declined"),
        ({"client_id": "someone-else"}, 400, "different integration"),
        ({"referer": "other.amocrm.ru"}, 403, "does not serve"),
        ({"code": ""}, 400, "no authorisation code"),
    ],
)
async def test_other_callback_refusals(
    app: Driver,
    fake: FakeAmoCRM,
    registered: Integration,
    params: dict[str, str],
    status: int,
    detail: str,
) -> None:
    state, cookie, _ = await start_login(app)
    query = {"code": fake.issue_authorization_code(registered), "referer": fake.base_domain}
    query.update(params)
    reply = await callback(app, cookie, state=state, **query)
    assert reply.status == status
    assert detail in reply.json()["detail"]
    assert requests_to_fake(fake) == []


async def test_a_spent_code_is_a_400_and_stores_nothing(
    app: Driver, fake: FakeAmoCRM, registered: Integration
) -> None:
    code = fake.issue_authorization_code(registered)
    for attempt in range(2):
        state, cookie, _ = await start_login(app)
        reply = await callback(app, cookie, code=code, state=state, referer=fake.base_domain)
        assert reply.status == (200 if attempt == 0 else 400)
    assert reply.json() == {"detail": "amoCRM refused the authorization code"}
    assert requests_to_fake(fake) == [("POST", "/oauth2/access_token")] * 2


# --------------------------------------------------------------------------- webhooks


def lead_webhook(fake: FakeAmoCRM, *ids: int, account_id: int | None = None) -> str:
    account = WebhookAccount(
        subdomain=fake.base_domain.split(".")[0],
        id=fake.account_id if account_id is None else account_id,
    )
    events = [LeadEvent(action="status", data=LeadData(id=i, status_id=142)) for i in ids]
    return encode_webhook_form(events, account=account)


async def test_webhook_on_the_shared_path_reaches_the_handler_once_per_event(
    app: Driver, fake: FakeAmoCRM, recorder: Recorder
) -> None:
    reply = await app.request(
        "POST", app.amo.webhook_path(), content=lead_webhook(fake, 1, 2), headers=FORM
    )
    assert (reply.status, reply.json()) == (200, {"status": "accepted", "events": 2})
    await app.amo.drain()
    assert [(e.code, getattr(e.data, "id", None)) for e in recorder.events] == [
        ("status_lead", 1),
        ("status_lead", 2),
    ]
    assert requests_to_fake(fake) == []


async def test_webhook_on_the_signed_path(
    app: Driver, fake: FakeAmoCRM, recorder: Recorder
) -> None:
    path = app.amo.webhook_path(fake.account_id)
    assert WEBHOOK_SECRET not in path
    reply = await app.request("POST", path, content=lead_webhook(fake, 5), headers=FORM)
    assert reply.status == 200
    await app.amo.drain()
    assert [getattr(e.data, "id", None) for e in recorder.events] == [5]


@pytest.mark.parametrize(
    "path",
    [
        "/amocrm/webhook/whsec-0123456789abcdef-SECRET-not",
        "/amocrm/webhook/guess",
        "/amocrm/webhook/{id}/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "/amocrm/webhook/{other}/{other_sig_of_id}",
    ],
)
async def test_webhook_with_a_wrong_secret_is_refused(
    app: Driver, fake: FakeAmoCRM, recorder: Recorder, path: str
) -> None:
    signature = app.amo.webhook_signature(fake.account_id)
    path = path.format(id=fake.account_id, other=fake.account_id + 1, other_sig_of_id=signature)
    reply = await app.request("POST", path, content=lead_webhook(fake, 1), headers=FORM)
    assert reply.status == 403
    await app.amo.drain()
    assert recorder.events == []


@pytest.mark.parametrize("where", ["shared", "signed"])
async def test_webhook_from_another_account_is_refused(
    app: Driver, fake: FakeAmoCRM, recorder: Recorder, where: str
) -> None:
    other = fake.add_account("rival")
    body = encode_webhook_form(
        [LeadEvent(action="add", data=LeadData(id=1))],
        account=WebhookAccount(subdomain=other.split(".")[0], id=fake.account_id + 1000),
    )
    path = app.amo.webhook_path(None if where == "shared" else fake.account_id)
    reply = await app.request("POST", path, content=body, headers=FORM)
    assert reply.status == 403
    assert "account" in reply.json()["detail"]
    mixed = encode_webhook_form(
        [LeadEvent(action="add", data=LeadData(id=1, account_id=fake.account_id + 7))],
        account=WebhookAccount(subdomain="acme", id=fake.account_id),
    )
    assert (await app.request("POST", path, content=mixed, headers=FORM)).status == 403
    await app.amo.drain()
    assert recorder.events == []
    assert requests_to_fake(fake) == []


async def test_webhook_malformed_or_too_large(
    app: Driver, fake: FakeAmoCRM, recorder: Recorder
) -> None:
    path = app.amo.webhook_path()
    bad = await app.request("POST", path, content="leads[add][0][id]=x", headers=FORM)
    assert bad.status == 400
    assert "leads[add][0][id]" in bad.json()["detail"]
    big = await app.request("POST", path, content="a=" + "x" * (1024 * 1024 + 1), headers=FORM)
    assert big.status == 413
    await app.amo.drain()
    assert recorder.events == []


async def test_webhook_is_answered_before_the_handler_runs(
    app: Driver, fake: FakeAmoCRM, recorder: Recorder
) -> None:
    recorder.gate = anyio.Event()
    reply = await app.request(
        "POST", app.amo.webhook_path(), content=lead_webhook(fake, 1), headers=FORM
    )
    assert reply.status == 200
    assert recorder.events == []
    recorder.gate.set()
    await app.amo.drain()
    assert len(recorder.events) == 1


async def test_a_failing_handler_is_logged_and_the_rest_still_run(
    app: Driver, fake: FakeAmoCRM, recorder: Recorder, caplog: pytest.LogCaptureFixture
) -> None:
    recorder.fail_on = {1}
    with caplog.at_level(logging.ERROR, "amocrm_async.integrations"):
        reply = await app.request(
            "POST", app.amo.webhook_path(), content=lead_webhook(fake, 1, 2), headers=FORM
        )
        await app.amo.drain()
    assert reply.status == 200
    assert [getattr(e.data, "id", None) for e in recorder.events] == [1, 2]
    assert app.amo.failures == 1
    assert [r.getMessage() for r in caplog.records] == ["amoCRM status_lead handler failed"]


async def test_too_many_pending_webhooks_get_503(
    stack: str, options: dict[str, Any], fake: FakeAmoCRM, recorder: Recorder
) -> None:
    from .conftest import _aiohttp, _fastapi

    options["max_pending"] = 1
    recorder.gate = anyio.Event()
    build = _fastapi if stack.startswith("fastapi") else _aiohttp
    async for app in build(options):
        path = app.amo.webhook_path()
        first = await app.request("POST", path, content=lead_webhook(fake, 1), headers=FORM)
        second = await app.request("POST", path, content=lead_webhook(fake, 2), headers=FORM)
        assert (first.status, second.status) == (200, 503)
        recorder.gate.set()
        await app.amo.drain()
    assert [getattr(e.data, "id", None) for e in recorder.events] == [1]


# --------------------------------------------------------------------------- disconnect hook


async def test_disconnect_hook_with_a_valid_signature(
    app: Driver, fake: FakeAmoCRM, registered: Integration, recorder: Recorder
) -> None:
    signature = disconnect_signature(registered.client_secret, registered.client_id, 31)
    query = {"client_uuid": registered.client_id, "account_id": "31", "signature": signature}
    reply = await app.request("GET", "/amocrm/oauth/disconnect", params=query)
    assert (reply.status, reply.json()) == (200, {"status": "disconnected", "account_id": 31})
    await app.amo.drain()
    assert recorder.disconnected == [31]


@pytest.mark.parametrize("variant", ["bad-signature", "other-account", "other-client", "no-id"])
async def test_disconnect_hook_with_a_bad_signature(
    app: Driver, registered: Integration, recorder: Recorder, variant: str
) -> None:
    client_uuid = "someone-else" if variant == "other-client" else registered.client_id
    signature = disconnect_signature(registered.client_secret, client_uuid, 31)
    if variant == "bad-signature":
        signature = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    account = {"other-account": "32", "no-id": ""}.get(variant, "31")
    query = {"client_uuid": client_uuid, "account_id": account, "signature": signature}
    reply = await app.request("GET", "/amocrm/oauth/disconnect", params=query)
    assert reply.status == 403
    await app.amo.drain()
    assert recorder.disconnected == []


# --------------------------------------------------------------------------- one-time tokens


async def test_widget_token_is_accepted_once(
    app: Driver, fake: FakeAmoCRM, registered: Integration, clock: VirtualClock
) -> None:
    await app.amo.client().authorize(fake.issue_authorization_code(registered))
    before = len(fake.requests)
    token = widget_token(registered, clock, fake)
    reply = await app.request("POST", "/widget", headers={"X-Auth-Token": token})
    assert (reply.status, reply.json()) == (200, {"user_id": 7, "account_id": fake.account_id})
    assert requests_to_fake(fake)[before:] == [("GET", "/api/v4/account")]
    again = await app.request("POST", "/widget", headers={"X-Auth-Token": token})
    assert again.status == 401
    assert "already been used" in again.json()["detail"]
    assert len(fake.requests) == before + 1


@pytest.mark.parametrize(
    ("make", "status", "detail"),
    [
        ("tampered", 401, "signature"),
        ("missing", 401, "missing"),
        ("hs512", 401, "algorithm"),
        ("expired", 401, "expired"),
        ("other-audience", 401, "addressed to another"),
        ("other-integration", 401, "another integration"),
        ("other-account", 403, "does not serve"),
    ],
)
async def test_bad_widget_tokens_are_refused_without_an_sdk_call(
    app: Driver,
    fake: FakeAmoCRM,
    registered: Integration,
    clock: VirtualClock,
    make: str,
    status: int,
    detail: str,
) -> None:
    mint: dict[str, Any] = {
        "hs512": {"alg": "HS512"},
        "other-audience": {"aud": "https://evil.example.com"},
        "other-integration": {"client_uuid": "someone-else"},
        "other-account": {"subdomain": "rival", "iss": "https://rival.amocrm.ru", "account_id": 1},
    }
    token = widget_token(registered, clock, fake, **mint.get(make, {}))
    if make == "tampered":
        token = tamper(token)
    if make == "expired":
        clock.advance(1801)
    headers = {} if make == "missing" else {"X-Auth-Token": token}
    reply = await app.request("POST", "/widget", headers=headers)
    assert reply.status == status
    assert detail in reply.json()["detail"]
    assert requests_to_fake(fake) == []


async def test_bot_request_is_verified_and_accepted_once(
    app: Driver, fake: FakeAmoCRM, registered: Integration, clock: VirtualClock
) -> None:
    await app.amo.client().authorize(fake.issue_authorization_code(registered))
    [lead] = await app.amo.client().leads.add([Lead(name="Bot deal")])
    before = len(fake.requests)
    body: dict[str, Any] = {
        "token": bot_token(registered, clock, fake, entity_id=lead.id),
        "data": {"x": 1},
    }
    import json

    reply = await app.request(
        "POST", "/bot", content=json.dumps(body), headers={"content-type": "application/json"}
    )
    assert (reply.status, reply.json()) == (200, {"lead": "Bot deal", "data": {"x": 1}})
    assert len(fake.requests) == before + 1
    form = urlencode({"token": body["token"]})
    again = await app.request("POST", "/bot", content=form, headers=FORM)
    assert again.status == 401
    assert "already been used" in again.json()["detail"]
    for bad in (tamper(body["token"]), widget_token(registered, clock, fake)):
        refused = await app.request(
            "POST",
            "/bot",
            content=json.dumps({"token": bad}),
            headers={"content-type": "application/json"},
        )
        assert refused.status == 401
    assert (await app.request("POST", "/bot", content="{nope")).status == 400
    assert len(fake.requests) == before + 1


async def test_callback_with_a_repeated_state_is_refused(
    app: Driver, fake: FakeAmoCRM, registered: Integration
) -> None:
    state, cookie, _ = await start_login(app)
    query = urlencode(
        [
            ("code", fake.issue_authorization_code(registered)),
            ("state", state),
            ("state", "attacker"),
            ("referer", fake.base_domain),
        ]
    )
    reply = await app.request(
        "GET", f"/amocrm/oauth/callback?{query}", headers=cookie_header(cookie)
    )
    assert reply.status == 400
    assert requests_to_fake(fake) == []


async def test_webhook_paths_with_a_trailing_slash_are_served_directly(
    app: Driver, fake: FakeAmoCRM, recorder: Recorder
) -> None:
    for path in (app.amo.webhook_path(), app.amo.webhook_path(fake.account_id)):
        reply = await app.request("POST", path + "/", content=lead_webhook(fake, 3), headers=FORM)
        assert reply.status == 200  # not a redirect amoCRM would not follow
    await app.amo.drain()
    assert len(recorder.events) == 2


@pytest.mark.parametrize("where", ["shared", "signed"])
async def test_a_body_naming_its_own_id_with_another_accounts_host_is_dropped(
    app: Driver,
    fake: FakeAmoCRM,
    registered: Integration,
    recorder: Recorder,
    caplog: pytest.LogCaptureFixture,
    where: str,
) -> None:
    """An admin of acme sees acme's destination URL; a forged body with acme's id and rival's
    host passes the URL check but must not reach handlers that would act on rival."""
    rival = fake.add_account("rival")
    await app.amo.client().authorize(fake.issue_authorization_code(registered))
    await app.amo.client(rival).authorize(fake.issue_authorization_code(registered, rival))
    if where == "shared":
        app.amo.accounts.hosts.add(rival)
    path = app.amo.webhook_path(None if where == "shared" else fake.account_id)
    before = len(fake.requests)

    async def post(subdomain: str) -> Reply:
        forged = WebhookAccount.model_validate(
            {"subdomain": subdomain, "id": fake.account_id, "_links": {"self": f"https://{rival}"}}
        )
        body = encode_webhook_form([LeadEvent(action="add", data=LeadData(id=1))], account=forged)
        return await app.request("POST", path, content=body, headers=FORM)

    disagreeing = await post("acme")
    assert (disagreeing.status, disagreeing.json()["detail"]) == (
        403,
        "the webhook's account subdomain and address disagree",
    )
    with caplog.at_level(logging.WARNING, "amocrm_async.integrations"):
        consistent = await post("rival")
        await app.amo.drain()
    assert consistent.status == 200
    assert recorder.events == []
    assert app.amo.failures == 1
    assert "dropped a webhook" in caplog.text
    assert len(fake.requests) == before


@pytest.mark.parametrize(
    ("fault", "status", "detail"),
    [
        ({"kind": "status", "status": 400}, 400, "refused the authorization code"),
        ({"kind": "connect_error"}, 502, "could not be reached"),
    ],
)
async def test_a_failed_exchange_leaves_no_client_behind(
    app: Driver,
    fake: FakeAmoCRM,
    registered: Integration,
    fault: dict[str, Any],
    status: int,
    detail: str,
) -> None:
    options = dict(fault)  # the parameter is shared between the stacks
    fake.faults.add(options.pop("kind"), path="/oauth2/access_token", **options)
    state, cookie, _ = await start_login(app)
    code = fake.issue_authorization_code(registered)
    reply = await callback(app, cookie, code=code, state=state, referer=fake.base_domain)
    assert (reply.status, detail in reply.json()["detail"]) == (status, True)
    assert app.amo._clients == {}
    assert await app.amo.token_store.load(fake.base_domain) is None
