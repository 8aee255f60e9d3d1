"""OAuth 2.0 with amoCRM/Kommo: configuration, the browser leg and the token endpoint.

Browser leg: :func:`authorization_url` or :func:`oauth_button_html` send the user to amoCRM;
:func:`parse_oauth_callback` checks what comes back (``state``, ``error``) and validates the
``referer`` host *before* anything secret is sent to it.

Token endpoint: :func:`exchange_code`, :func:`refresh_access_token`, :func:`exchange_api_key` and
:func:`lookup_account_domain` take a ``send`` callable with the signature of
:attr:`AuthContext.send <amocrm_async._auth.AuthContext.send>`, so they share the client's
connection pool and rate limiter. Failures raise :class:`~amocrm_async.errors.OAuthError`
carrying amoCRM's ``hint``; no secret or token ever reaches a message, ``repr`` or log line.
"""

from __future__ import annotations

import hmac
import html
import secrets
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import httpx
import pydantic_core

from ._domains import normalize_base_domain
from ._pipeline import build_api_error
from ._tokens import OAuthToken
from .errors import (
    APIError,
    AuthorizationCallbackError,
    AuthorizationDeniedError,
    InvalidBaseDomainError,
    OAuthError,
    OAuthStateMismatchError,
)

__all__ = [
    "BUTTON_COLORS",
    "AccountDomain",
    "OAuthCallback",
    "OAuthConfig",
    "SendFunc",
    "authorization_url",
    "exchange_api_key",
    "exchange_code",
    "generate_state",
    "lookup_account_domain",
    "oauth_button_html",
    "parse_oauth_callback",
    "refresh_access_token",
    "verify_state",
]

SendFunc = Callable[..., Awaitable[httpx.Response]]
"""``send(method, url, *, json=None, headers=None) -> httpx.Response``: one raw request."""

OAuthMode = Literal["post_message", "popup"]

BUTTON_COLORS: Mapping[str, str] = {
    "default": "#339DC7",
    "blue": "#1976D2",
    "violet": "#6A1B9A",
    "green": "#388E3C",
    "orange": "#F57F17",
    "red": "#D84315",
}
"""Colours the amoCRM button script knows (``data-color``), as in the PHP library."""

_MODES = ("post_message", "popup")
_AMO_WWW = "www.amocrm.ru"
_KOMMO_WWW = "www.kommo.com"


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True, slots=True)
class OAuthConfig:
    """The integration's OAuth credentials (from its settings page in amoCRM).

    ``client_secret`` is kept out of ``repr``/``str`` so the config can be logged safely.
    """

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str

    def __post_init__(self) -> None:
        if not isinstance(self.client_id, str) or not self.client_id:
            raise ValueError("client_id must be a non-empty string")
        if not isinstance(self.client_secret, str) or not self.client_secret:
            raise ValueError("client_secret must be a non-empty string")
        if not isinstance(self.redirect_uri, str):
            raise ValueError("redirect_uri must be a string")
        parts = urlsplit(self.redirect_uri)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("redirect_uri must be an absolute http(s) URL")

    def __repr__(self) -> str:
        return (
            f"OAuthConfig(client_id={self.client_id!r}, client_secret=<hidden>, "
            f"redirect_uri={self.redirect_uri!r})"
        )

    __str__ = __repr__


# --------------------------------------------------------------------------- browser leg


def generate_state(nbytes: int = 32) -> str:
    """A random, URL-safe ``state`` to bind the redirect back to this browser session."""
    if nbytes < 16:
        raise ValueError("state needs at least 16 random bytes")
    return secrets.token_urlsafe(nbytes)


def verify_state(expected: str | None, received: str | None) -> bool:
    """Constant-time comparison of the issued and the returned ``state`` (empty never matches)."""
    if not expected or not received:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def _check_mode(mode: str) -> None:
    if mode not in _MODES:
        raise ValueError(f"mode must be 'post_message' or 'popup', not {mode!r}")


def authorization_url(
    config: OAuthConfig,
    *,
    state: str,
    mode: OAuthMode = "post_message",
    kommo: bool = False,
) -> str:
    """The page where an account admin grants the integration access.

    amoCRM takes the redirect URI from the integration's settings, so only ``client_id``,
    ``state`` and ``mode`` are passed. ``mode="popup"`` redirects the main window,
    ``"post_message"`` redirects inside the popup (which should ``postMessage`` its opener).
    """
    if not state:
        raise ValueError("state must not be empty; use generate_state()")
    _check_mode(mode)
    query = urlencode(
        {"client_id": config.client_id, "state": state, "mode": mode}, quote_via=quote
    )
    return f"https://{_KOMMO_WWW if kommo else _AMO_WWW}/oauth?{query}"


def oauth_button_html(
    config: OAuthConfig,
    *,
    title: str = "Установить интеграцию",
    compact: bool = False,
    class_name: str = "className",
    color: str = "default",
    state: str | None = None,
    error_callback: str = "handleOauthError",
    mode: OAuthMode = "post_message",
    kommo: bool = False,
) -> str:
    """The HTML of amoCRM's "install integration" button (the PHP ``getOAuthButton``).

    Every attribute value is HTML-escaped (the PHP library does not escape them). Without
    ``state`` a random one is generated — pass your own to be able to verify the redirect.
    Raises ValueError for a colour outside :data:`BUTTON_COLORS` or an unknown ``mode``.
    """
    if color not in BUTTON_COLORS:
        raise ValueError(f"invalid color {color!r}; choose one of {', '.join(BUTTON_COLORS)}")
    _check_mode(mode)
    attributes = [
        ("class", "kommo_oauth" if kommo else "amocrm_oauth"),
        ("charset", "utf-8"),
        ("data-client-id", config.client_id),
        ("data-title", title),
        ("data-compact", "true" if compact else "false"),
        ("data-class-name", class_name),
        ("data-color", color),
        ("data-state", state if state is not None else generate_state()),
        ("data-error-callback", error_callback),
        ("data-mode", mode),
        ("src", f"https://{_KOMMO_WWW if kommo else _AMO_WWW}/auth/button.min.js"),
    ]
    rendered = "\n".join(
        f'        {name}="{html.escape(value, quote=True)}"' for name, value in attributes
    )
    return f"<div>\n    <script\n{rendered}\n    ></script>\n</div>"


@dataclass(frozen=True, slots=True)
class OAuthCallback:
    """What the redirect back from amoCRM carried, after validation.

    ``base_domain`` is the validated ``referer``: the account host to exchange ``code`` at.
    ``code`` lives 20 minutes and is single-use; it is hidden from ``repr``.
    """

    code: str = field(repr=False)
    base_domain: str
    state: str
    client_id: str | None = None
    from_widget: bool = False
    from_exchange: bool = False

    def __repr__(self) -> str:
        return (
            f"OAuthCallback(code=<hidden>, base_domain={self.base_domain!r}, "
            f"state={self.state!r}, client_id={self.client_id!r}, "
            f"from_widget={self.from_widget}, from_exchange={self.from_exchange})"
        )

    __str__ = __repr__


def _query_values(query: str | Mapping[str, Any]) -> dict[str, str]:
    pairs: list[tuple[str, str]] = []
    if isinstance(query, str):
        text = query.split("#", 1)[0]
        if "?" in text:
            text = text.split("?", 1)[1]
        pairs = parse_qsl(text, keep_blank_values=True)
    else:
        for name, value in query.items():
            values: Iterable[Any] = value if isinstance(value, list | tuple) else (value,)
            pairs.extend((str(name), str(item)) for item in values)
    out: dict[str, str] = {}
    for name, value in pairs:
        if name in out and out[name] != value:
            raise AuthorizationCallbackError(f"the redirect repeats {name!r} with different values")
        out[name] = value
    return out


def parse_oauth_callback(
    query: str | Mapping[str, Any],
    *,
    expected_state: str,
    client_id: str | None = None,
    allow_any_host: bool = False,
) -> OAuthCallback:
    """Validate the redirect to ``redirect_uri`` and return the code and account host.

    ``query`` is the raw query string (or the whole URL), or a mapping such as a web
    framework's query params. Checks, in order: ``state`` against ``expected_state`` (constant
    time), ``error`` (``access_denied`` → :class:`~amocrm_async.errors.AuthorizationDeniedError`),
    ``client_id`` if given, presence of ``code``, and ``referer`` through
    :func:`normalize_base_domain`, so the client secret is never sent to a foreign host.
    """
    values = _query_values(query)
    if not verify_state(expected_state, values.get("state")):
        raise OAuthStateMismatchError(
            "the redirect's state does not match the one issued for this session"
        )
    error = values.get("error")
    if error:
        if error == "access_denied":
            raise AuthorizationDeniedError("the user declined to authorise the integration")
        raise AuthorizationCallbackError(f"amoCRM reported an authorisation error: {error[:100]}")
    returned_client = values.get("client_id") or None
    if client_id is not None and returned_client is not None and returned_client != client_id:
        raise AuthorizationCallbackError("the redirect is for a different integration (client_id)")
    code = values.get("code")
    if not code:
        raise AuthorizationCallbackError("the redirect carries no authorisation code")
    referer = values.get("referer")
    if not referer:
        raise AuthorizationCallbackError("the redirect carries no referer (account host)")
    try:
        base_domain = normalize_base_domain(referer, allow_any_host=allow_any_host)
    except InvalidBaseDomainError as exc:
        raise AuthorizationCallbackError(f"the redirect's referer is unusable: {exc}") from None
    return OAuthCallback(
        code=code,
        base_domain=base_domain,
        state=values["state"],
        client_id=returned_client,
        from_widget=values.get("from_widget") == "1",
        from_exchange=values.get("from_exchange") == "1",
    )


# --------------------------------------------------------------------------- token endpoint


@dataclass(frozen=True, slots=True)
class AccountDomain:
    """The answer of the subdomain lookup: where the account lives now."""

    id: int
    subdomain: str
    domain: str
    top_level_domain: str


def _error_from_response(
    response: httpx.Response, *, method: str, url: str, hidden: Sequence[str]
) -> APIError:
    """The token endpoint's refusal as ``OAuthError``; a block, a 429 or a 5xx as what it is."""
    return build_api_error(response, method, url, fallback=OAuthError, hidden=hidden)


def _malformed(response: httpx.Response, *, method: str, url: str, detail: str) -> OAuthError:
    return OAuthError(
        status=response.status_code,
        method=method,
        url=url,
        request_id=response.headers.get("x-request-id"),
        title="Malformed response",
        detail=detail,
    )


def _endpoint(scheme: str, base_domain: str, path: str, allow_any_host: bool) -> str:
    if scheme not in ("https", "http"):
        raise ValueError(f"scheme must be 'https' or 'http', not {scheme!r}")
    host = normalize_base_domain(base_domain, allow_any_host=allow_any_host)
    return f"{scheme}://{host}{path}"


async def _token_request(
    send: SendFunc,
    config: OAuthConfig,
    *,
    base_domain: str,
    grant: dict[str, str],
    now: Callable[[], float],
    scheme: str,
    allow_any_host: bool,
) -> OAuthToken:
    url = _endpoint(scheme, base_domain, "/oauth2/access_token", allow_any_host)
    body = {
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "redirect_uri": config.redirect_uri,
        **grant,
    }
    response = await send("POST", url, json=body, headers=None)
    received_at = now()
    hidden = [config.client_secret, *(v for k, v in grant.items() if k != "grant_type")]
    if not 200 <= response.status_code < 300:
        raise _error_from_response(response, method="POST", url=url, hidden=hidden)
    try:
        data = pydantic_core.from_json(response.content)
    except ValueError:
        raise _malformed(
            response, method="POST", url=url, detail="token response is not JSON"
        ) from None
    try:
        return OAuthToken.from_token_response(data, received_at)
    except ValueError as exc:
        raise _malformed(response, method="POST", url=url, detail=str(exc)) from None


async def exchange_code(
    send: SendFunc,
    config: OAuthConfig,
    *,
    base_domain: str,
    code: str,
    now: Callable[[], float] = time.time,
    scheme: str = "https",
    allow_any_host: bool = False,
) -> OAuthToken:
    """Trade an authorisation code for the first token pair (``grant_type=authorization_code``).

    ``base_domain`` is the account host (the callback's ``referer``); ``now`` is read when the
    response arrives to compute ``expires_at``.
    """
    if not code:
        raise ValueError("code must not be empty")
    return await _token_request(
        send,
        config,
        base_domain=base_domain,
        grant={"grant_type": "authorization_code", "code": code},
        now=now,
        scheme=scheme,
        allow_any_host=allow_any_host,
    )


async def refresh_access_token(
    send: SendFunc,
    config: OAuthConfig,
    *,
    base_domain: str,
    refresh_token: str,
    now: Callable[[], float] = time.time,
    scheme: str = "https",
    allow_any_host: bool = False,
) -> OAuthToken:
    """Trade a refresh token for a new pair (``grant_type=refresh_token``).

    amoCRM rotates the refresh token: persist the returned pair before using it. This function
    does no locking — :class:`~amocrm_async.RefreshingAuth` adds single-flight and storage.
    """
    if not refresh_token:
        raise ValueError("refresh_token must not be empty")
    return await _token_request(
        send,
        config,
        base_domain=base_domain,
        grant={"grant_type": "refresh_token", "refresh_token": refresh_token},
        now=now,
        scheme=scheme,
        allow_any_host=allow_any_host,
    )


async def exchange_api_key(
    send: SendFunc,
    config: OAuthConfig,
    *,
    base_domain: str,
    login: str,
    api_key: str,
    scheme: str = "https",
    allow_any_host: bool = False,
) -> None:
    """Ask amoCRM to convert a legacy API key into an OAuth grant.

    Success is ``202 Accepted`` and nothing else: amoCRM then delivers an authorisation code to
    the redirect URI (with ``from_exchange=1``). Any other status raises OAuthError.
    """
    url = _endpoint(scheme, base_domain, "/oauth2/exchange_api_key", allow_any_host)
    body = {
        "login": login,
        "api_key": api_key,
        "client_uuid": config.client_id,
        "client_secret": config.client_secret,
    }
    response = await send("POST", url, json=body, headers=None)
    if response.status_code != 202:
        raise _error_from_response(
            response, method="POST", url=url, hidden=[config.client_secret, api_key]
        )


def _int_field(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


async def lookup_account_domain(
    send: SendFunc,
    *,
    api_domain: str,
    refresh_token: str,
    scheme: str = "https",
    allow_any_host: bool = False,
) -> AccountDomain:
    """Find an account's current host after a subdomain rename.

    ``api_domain`` is the shared API host from the access token's ``api_domain`` claim; the
    refresh token authenticates the call (``X-Refresh-Token``). Non-200 raises OAuthError.
    """
    if not refresh_token:
        raise ValueError("refresh_token must not be empty")
    url = _endpoint(scheme, api_domain, "/oauth2/account/current/subdomain", allow_any_host)
    response = await send("GET", url, json=None, headers={"X-Refresh-Token": refresh_token})
    if response.status_code != 200:
        raise _error_from_response(response, method="GET", url=url, hidden=[refresh_token])
    try:
        data = pydantic_core.from_json(response.content)
    except ValueError:
        raise _malformed(
            response, method="GET", url=url, detail="subdomain response is not JSON"
        ) from None
    if not isinstance(data, Mapping):
        raise _malformed(response, method="GET", url=url, detail="subdomain response not an object")
    account_id = _int_field(data.get("id"))
    fields = {name: data.get(name) for name in ("subdomain", "domain", "top_level_domain")}
    if account_id is None or not all(isinstance(v, str) and v for v in fields.values()):
        raise _malformed(
            response,
            method="GET",
            url=url,
            detail="subdomain response lacks id, subdomain, domain or top_level_domain",
        )
    return AccountDomain(
        id=account_id,
        subdomain=str(fields["subdomain"]),
        domain=str(fields["domain"]),
        top_level_domain=str(fields["top_level_domain"]),
    )
