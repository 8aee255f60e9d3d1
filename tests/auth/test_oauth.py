"""OAuth browser leg (URL, button, state, callback), base domains and token-endpoint calls."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from amocrm_async import (
    BUTTON_COLORS,
    AccountDomain,
    OAuthCallback,
    OAuthConfig,
    authorization_url,
    exchange_api_key,
    exchange_code,
    generate_state,
    lookup_account_domain,
    normalize_base_domain,
    oauth_button_html,
    parse_oauth_callback,
    refresh_access_token,
    verify_state,
)
from amocrm_async.errors import (
    AccountBlockedError,
    AuthorizationCallbackError,
    AuthorizationDeniedError,
    InvalidBaseDomainError,
    OAuthError,
    OAuthStateMismatchError,
    RateLimitedError,
    ServerError,
)

from ._support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, Secrets, problem


class Recorder:
    """A ``send`` that records requests and answers with canned responses."""

    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[dict[str, Any]] = []

    async def __call__(
        self, method: str, url: str, *, json: Any = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        self.requests.append({"method": method, "url": url, "json": json, "headers": headers})
        return self.responses.pop(0)


def token_body(**overrides: Any) -> dict[str, Any]:
    body = {
        "token_type": "Bearer",
        "expires_in": 86_400,
        "server_time": 1_767_225_600,
        "access_token": "header.payload.sig-ACCESS",
        "refresh_token": "def50200REFRESH",
    }
    body.update(overrides)
    return body


# --------------------------------------------------------------------------- config


def test_config_hides_the_secret(config: OAuthConfig, secret_values: Secrets) -> None:
    secret_values.assert_absent(config)
    assert "client_secret=<hidden>" in repr(config)
    assert CLIENT_ID in repr(config)


@pytest.mark.parametrize(
    ("client_id", "secret", "redirect"),
    [
        ("", "s", REDIRECT_URI),
        ("id", "", REDIRECT_URI),
        ("id", "s", "/relative/callback"),
        ("id", "s", "ftp://example.com/cb"),
    ],
)
def test_config_is_validated(client_id: str, secret: str, redirect: str) -> None:
    with pytest.raises(ValueError):
        OAuthConfig(client_id, secret, redirect)


def test_config_is_frozen(config: OAuthConfig) -> None:
    with pytest.raises(AttributeError):
        config.client_id = "other"  # type: ignore[misc]


# --------------------------------------------------------------------------- URL and button


def test_authorization_url(config: OAuthConfig) -> None:
    url = authorization_url(config, state="s t&a=te")
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "www.amocrm.ru", "/oauth")
    assert parse_qs(parts.query) == {
        "client_id": [CLIENT_ID],
        "state": ["s t&a=te"],
        "mode": ["post_message"],
    }
    kommo = authorization_url(config, state="x", mode="popup", kommo=True)
    assert kommo.startswith("https://www.kommo.com/oauth?")
    assert "mode=popup" in kommo


def test_authorization_url_rejects_bad_input(config: OAuthConfig) -> None:
    with pytest.raises(ValueError, match="state"):
        authorization_url(config, state="")
    with pytest.raises(ValueError, match="mode"):
        authorization_url(config, state="x", mode="redirect")  # type: ignore[arg-type]


class _ScriptAttributes(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _parse(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _ScriptAttributes()
    parser.feed(html)
    return parser.tags


def test_button_has_the_php_librarys_attributes(config: OAuthConfig) -> None:
    html = oauth_button_html(config, state="abc")
    tags = _parse(html)
    assert [t for t, _ in tags] == ["div", "script"]
    assert tags[1][1] == {
        "class": "amocrm_oauth",
        "charset": "utf-8",
        "data-client-id": CLIENT_ID,
        "data-title": "Установить интеграцию",
        "data-compact": "false",
        "data-class-name": "className",
        "data-color": "default",
        "data-state": "abc",
        "data-error-callback": "handleOauthError",
        "data-mode": "post_message",
        "src": "https://www.amocrm.ru/auth/button.min.js",
    }
    assert html.startswith("<div>") and html.endswith("</script>\n</div>")


def test_button_options_and_kommo(config: OAuthConfig) -> None:
    attrs = _parse(
        oauth_button_html(
            config, title="Install", compact=True, color="violet", mode="popup", kommo=True
        )
    )[1][1]
    assert attrs["class"] == "kommo_oauth"
    assert attrs["src"] == "https://www.kommo.com/auth/button.min.js"
    assert attrs["data-compact"] == "true"
    assert attrs["data-color"] == "violet"
    assert attrs["data-mode"] == "popup"
    assert attrs["data-state"] and len(attrs["data-state"]) >= 32


def test_button_escapes_every_value(config: OAuthConfig) -> None:
    evil = '"><script>alert(1)</script><x a="'
    html = oauth_button_html(config, title=evil, class_name=evil, state=evil, error_callback=evil)
    assert "<script>alert" not in html
    assert html.count("<script") == 1
    attrs = _parse(html)[1][1]
    assert attrs["data-title"] == evil and attrs["data-state"] == evil


def test_button_rejects_unknown_colour_and_mode(config: OAuthConfig) -> None:
    assert set(BUTTON_COLORS) == {"default", "blue", "violet", "green", "orange", "red"}
    with pytest.raises(ValueError, match="color"):
        oauth_button_html(config, color="pink")
    with pytest.raises(ValueError, match="mode"):
        oauth_button_html(config, mode="tab")  # type: ignore[arg-type]


def test_state_is_random_url_safe_and_compared_safely() -> None:
    states = {generate_state() for _ in range(50)}
    assert len(states) == 50
    assert all(len(s) >= 40 and s.replace("-", "").replace("_", "").isalnum() for s in states)
    state = generate_state()
    assert verify_state(state, state)
    assert not verify_state(state, state[:-1])
    assert not verify_state(state, None)
    assert not verify_state("", "")
    assert not verify_state(state, "ключ")
    with pytest.raises(ValueError, match="16"):
        generate_state(8)


# --------------------------------------------------------------------------- callback


def test_callback_from_a_query_string() -> None:
    result = parse_oauth_callback(
        "code=def502abc&state=S1&referer=Acme.amocrm.ru&client_id=" + CLIENT_ID,
        expected_state="S1",
        client_id=CLIENT_ID,
    )
    assert result == OAuthCallback(
        code="def502abc", base_domain="acme.amocrm.ru", state="S1", client_id=CLIENT_ID
    )
    assert "def502abc" not in repr(result) and "def502abc" not in str(result)


def test_callback_from_a_full_url_and_a_mapping() -> None:
    url = "https://integration.example.com/cb?code=c&state=S&referer=acme.kommo.com&from_widget=1"
    assert parse_oauth_callback(url, expected_state="S").from_widget is True
    mapping = {"code": ["c"], "state": "S", "referer": "acme.amocrm.com", "from_exchange": "1"}
    result = parse_oauth_callback(mapping, expected_state="S")
    assert result.base_domain == "acme.amocrm.com" and result.from_exchange is True


def test_callback_denied() -> None:
    with pytest.raises(AuthorizationDeniedError):
        parse_oauth_callback("error=access_denied&state=S&client_id=x", expected_state="S")
    with pytest.raises(AuthorizationCallbackError, match="server_error"):
        parse_oauth_callback("error=server_error&state=S", expected_state="S")


@pytest.mark.parametrize(
    "query",
    [
        "code=c&state=WRONG&referer=acme.amocrm.ru",
        "code=c&referer=acme.amocrm.ru",
        "error=access_denied&state=WRONG",
        "code=c&state=S&state=T&referer=acme.amocrm.ru",
    ],
)
def test_callback_state_mismatch(query: str) -> None:
    with pytest.raises(AuthorizationCallbackError) as caught:
        parse_oauth_callback(query, expected_state="S")
    if "state=T" not in query:
        assert isinstance(caught.value, OAuthStateMismatchError)


@pytest.mark.parametrize(
    "referer",
    [
        "evil.example.com",
        "acme.amocrm.ru.evil.example",
        "attacker@acme.amocrm.ru",
        "acme.amocrm.ru@evil.example",
        "a.b.amocrm.ru",
        "www.amocrm.ru",
        "acme.amocrm.ru:8443",
        "http://acme.amocrm.ru",
        "",
    ],
)
def test_callback_refuses_foreign_referer(referer: str) -> None:
    with pytest.raises(AuthorizationCallbackError):
        parse_oauth_callback({"code": "c", "state": "S", "referer": referer}, expected_state="S")


def test_callback_needs_a_code_and_the_right_integration() -> None:
    with pytest.raises(AuthorizationCallbackError, match="code"):
        parse_oauth_callback("state=S&referer=acme.amocrm.ru", expected_state="S")
    with pytest.raises(AuthorizationCallbackError, match="client_id"):
        parse_oauth_callback(
            "code=c&state=S&referer=acme.amocrm.ru&client_id=other",
            expected_state="S",
            client_id=CLIENT_ID,
        )


def test_callback_any_host_for_a_fake_server() -> None:
    result = parse_oauth_callback(
        "code=c&state=S&referer=127.0.0.1:8000", expected_state="S", allow_any_host=True
    )
    assert result.base_domain == "127.0.0.1:8000"


# --------------------------------------------------------------------------- base domains


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("acme.amocrm.ru", "acme.amocrm.ru"),
        ("  https://ACME.amocrm.ru/  ", "acme.amocrm.ru"),
        ("acme.amocrm.com/api/v4/leads?x=1", "acme.amocrm.com"),
        ("acme.kommo.com.", "acme.kommo.com"),
        ("https://acme-2.kommo.com#frag", "acme-2.kommo.com"),
        ("api-a.amocrm.ru", "api-a.amocrm.ru"),
    ],
)
def test_normalize_base_domain(value: str, expected: str) -> None:
    assert normalize_base_domain(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "   ",
        "amocrm.ru",
        "acme.amocrm.org",
        "www.kommo.com",
        "-acme.amocrm.ru",
        "a.b.kommo.com",
        "acme.amocrm.ru.evil.com",
        "user:pw@acme.amocrm.ru",
        "ftp://acme.amocrm.ru",
        "http://acme.amocrm.ru",
        "acme.amocrm.ru:443",
        "127.0.0.1",
        "[::1]",
        "acme .amocrm.ru",
        "acme.amocrm.ru\\@evil.com",
    ],
)
def test_normalize_base_domain_refuses(value: str) -> None:
    with pytest.raises(InvalidBaseDomainError):
        normalize_base_domain(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("http://127.0.0.1:8000/", "127.0.0.1:8000"),
        ("localhost", "localhost"),
        ("[::1]:9000", "[::1]:9000"),
        ("Fake.Test", "fake.test"),
    ],
)
def test_normalize_base_domain_any_host(value: str, expected: str) -> None:
    assert normalize_base_domain(value, allow_any_host=True) == expected


@pytest.mark.parametrize("value", ["user@host", "host:0", "host:99999", "[nope]", "a..b", "h:1:2"])
def test_normalize_base_domain_any_host_still_refuses_garbage(value: str) -> None:
    with pytest.raises(InvalidBaseDomainError):
        normalize_base_domain(value, allow_any_host=True)


@pytest.mark.parametrize(
    "value",
    [
        "https://admin:hunter2pw@acme.amocrm.ru/",
        "admin:hunter2pw@acme.amocrm.ru",
        "//admin:hunter2pw@evil.example",
        "ftp://admin:hunter2pw@acme.amocrm.ru",
        "http://admin:hunter2pw@127.0.0.1:0",
        "bad..host/?access_token=hunter2pw",
        "bad..host#hunter2pw",
    ],
)
@pytest.mark.parametrize("any_host", [False, True])
def test_invalid_base_domain_never_echoes_credentials(value: str, any_host: bool) -> None:
    with pytest.raises(InvalidBaseDomainError) as caught:
        normalize_base_domain(value, allow_any_host=any_host)
    message = str(caught.value)
    assert "hunter2pw" not in message and "admin" not in message
    assert "hunter2pw" not in repr(caught.value)
    if "@" in value:
        assert "<credentials>@" in message


def test_callback_with_credentials_in_the_referer_does_not_echo_them() -> None:
    with pytest.raises(AuthorizationCallbackError) as caught:
        parse_oauth_callback(
            "code=abc&state=S&referer=https://admin:hunter2pw@acme.amocrm.ru", expected_state="S"
        )
    assert "hunter2pw" not in str(caught.value)


def test_invalid_base_domain_message_is_clear() -> None:
    with pytest.raises(InvalidBaseDomainError, match=r"SUBDOMAIN\.amocrm\.ru") as caught:
        normalize_base_domain("evil.example")
    assert "evil.example" in str(caught.value)


# --------------------------------------------------------------------------- token endpoint

Call = Callable[[Recorder], Awaitable[Any]]


@pytest.mark.anyio
async def test_exchange_code_posts_json_without_authorization(config: OAuthConfig) -> None:
    send = Recorder(httpx.Response(200, json=token_body()))
    token = await exchange_code(
        send, config, base_domain="https://acme.amocrm.ru/", code="CODE123", now=lambda: 1000.0
    )
    request = send.requests[0]
    assert request["method"] == "POST"
    assert request["url"] == "https://acme.amocrm.ru/oauth2/access_token"
    assert request["headers"] is None
    assert request["json"] == {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": REDIRECT_URI,
        "grant_type": "authorization_code",
        "code": "CODE123",
    }
    assert token.expires_at == 1000.0 + 86_400
    assert token.access_token == "header.payload.sig-ACCESS"


@pytest.mark.anyio
async def test_refresh_posts_the_refresh_grant(config: OAuthConfig) -> None:
    send = Recorder(httpx.Response(200, json=token_body()))
    await refresh_access_token(
        send, config, base_domain="acme.kommo.com", refresh_token="RT-OLD", now=lambda: 0.0
    )
    body = send.requests[0]["json"]
    assert body["grant_type"] == "refresh_token" and body["refresh_token"] == "RT-OLD"
    assert body["client_secret"] == CLIENT_SECRET and body["redirect_uri"] == REDIRECT_URI
    assert send.requests[0]["url"] == "https://acme.kommo.com/oauth2/access_token"


@pytest.mark.anyio
async def test_token_endpoint_error_carries_hint_but_no_secret(
    config: OAuthConfig, secret_values: Secrets
) -> None:
    echoed = problem(401, "Token has been revoked")
    body = json.loads(echoed.content)
    body["detail"] = f"refresh token RT-SECRET-1 and secret {CLIENT_SECRET} rejected"
    send = Recorder(httpx.Response(401, json=body, headers={"X-Request-Id": "r-9"}))
    secret_values.add("RT-SECRET-1")

    with pytest.raises(OAuthError) as caught:
        await refresh_access_token(
            send, config, base_domain="acme.amocrm.ru", refresh_token="RT-SECRET-1"
        )

    error = caught.value
    assert error.status == 401
    assert error.hint == "Token has been revoked"
    assert error.request_id == "r-9"
    assert error.title == "Некорректный запрос"
    assert "hint: Token has been revoked" in str(error)
    secret_values.assert_absent(error)
    assert not secret_values.found_in(error.body)
    assert not secret_values.found_in(repr(error.payload))


@pytest.mark.anyio
@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, text="<html>not json</html>"),
        httpx.Response(200, json=token_body(access_token=None)),
        httpx.Response(200, json=token_body(refresh_token="")),
        httpx.Response(200, json=token_body(expires_in=0)),
        httpx.Response(200, json=token_body(token_type="mac")),
        httpx.Response(200, json=["not", "an", "object"]),
        httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000),
        httpx.Response(200, content=b'{"access_token": "\xff\xfe"}'),
    ],
)
async def test_malformed_token_response(config: OAuthConfig, response: httpx.Response) -> None:
    with pytest.raises(OAuthError, match="Malformed") as caught:
        await exchange_code(Recorder(response), config, base_domain="acme.amocrm.ru", code="c")
    assert "ACCESS" not in str(caught.value) and "REFRESH" not in str(caught.value)


@pytest.mark.anyio
async def test_html_403_from_the_token_endpoint_is_an_account_block(config: OAuthConfig) -> None:
    send = Recorder(httpx.Response(403, text="<html>blocked</html>"))
    with pytest.raises(AccountBlockedError) as caught:
        await exchange_code(send, config, base_domain="acme.amocrm.ru", code="c")
    assert caught.value.status == 403 and caught.value.hint is None


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("response", "cls"),
    [
        (httpx.Response(429, json={"status": 429, "retry_after": 3}), RateLimitedError),
        (httpx.Response(503, text="Service Unavailable"), ServerError),
        (httpx.Response(401, json={"status": 401, "hint": "Token has been revoked"}), OAuthError),
    ],
)
async def test_token_endpoint_errors_keep_their_kind(
    config: OAuthConfig, response: httpx.Response, cls: type[Exception]
) -> None:
    send = Recorder(response)
    with pytest.raises(cls):
        await refresh_access_token(send, config, base_domain="acme.amocrm.ru", refresh_token="r")


@pytest.mark.anyio
async def test_nothing_is_sent_to_a_foreign_host(config: OAuthConfig) -> None:
    send = Recorder()
    with pytest.raises(InvalidBaseDomainError):
        await exchange_code(send, config, base_domain="evil.example", code="c")
    with pytest.raises(InvalidBaseDomainError):
        await refresh_access_token(send, config, base_domain="x.amocrm.ru.evil", refresh_token="r")
    with pytest.raises(InvalidBaseDomainError):
        await lookup_account_domain(send, api_domain="evil.example", refresh_token="r")
    with pytest.raises(ValueError, match="scheme"):
        await exchange_code(send, config, base_domain="acme.amocrm.ru", code="c", scheme="ftp")
    assert send.requests == []


@pytest.mark.anyio
async def test_exchange_api_key(config: OAuthConfig, secret_values: Secrets) -> None:
    send = Recorder(httpx.Response(202))
    await exchange_api_key(
        send, config, base_domain="acme.amocrm.ru", login="admin@example.com", api_key="APIKEY-1"
    )
    request = send.requests[0]
    assert request["url"] == "https://acme.amocrm.ru/oauth2/exchange_api_key"
    assert request["json"] == {
        "login": "admin@example.com",
        "api_key": "APIKEY-1",
        "client_uuid": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
    }
    secret_values.add("APIKEY-1")
    for response in (httpx.Response(200, json={}), problem(400, "Invalid api key APIKEY-1")):
        with pytest.raises(OAuthError) as caught:
            await exchange_api_key(
                Recorder(response),
                config,
                base_domain="acme.amocrm.ru",
                login="a",
                api_key="APIKEY-1",
            )
        secret_values.assert_absent(caught.value)
        assert not secret_values.found_in(caught.value.body)


@pytest.mark.anyio
async def test_lookup_account_domain(secret_values: Secrets) -> None:
    send = Recorder(
        httpx.Response(
            200,
            json={"id": 7, "subdomain": "new", "domain": "new.amocrm.ru", "top_level_domain": "ru"},
        )
    )
    account = await lookup_account_domain(send, api_domain="api-b.amocrm.ru", refresh_token="RT")
    assert account == AccountDomain(7, "new", "new.amocrm.ru", "ru")
    request = send.requests[0]
    assert request["method"] == "GET"
    assert request["url"] == "https://api-b.amocrm.ru/oauth2/account/current/subdomain"
    assert request["headers"] == {"X-Refresh-Token": "RT"}

    for response in (
        problem(401, "Token has been revoked"),
        httpx.Response(200, json={"id": 7, "subdomain": "new"}),
        httpx.Response(200, text="nope"),
    ):
        with pytest.raises(OAuthError):
            await lookup_account_domain(
                Recorder(response), api_domain="api-b.amocrm.ru", refresh_token="RT"
            )
