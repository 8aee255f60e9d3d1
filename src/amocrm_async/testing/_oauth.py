"""OAuth 2.0 state of the fake: integrations, authorization codes, token pairs and rotation.

Access tokens are JWT-shaped (HS256 with a key private to the fake). Refresh tokens are opaque
and rotate on every refresh with amoCRM/Kommo's *grace rule*: after a refresh, the previous
refresh token keeps working until the new pair is first used (a refresh with the new refresh
token, or — by default — an API call with the new access token). A refresh token that has been
superseded this way, or one whose unused successor was replaced by a second refresh from the
same parent, answers 401 ``hint: "Token has been revoked"``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode, urlsplit

from amocrm_async.testing._http import PLAIN_JSON, PROBLEM_JSON, FakeResponse, json_response
from amocrm_async.testing._state import Account

__all__ = [
    "AUTH_CODE_TTL",
    "ONE_TIME_TOKEN_TTL",
    "AccessToken",
    "AuthCode",
    "Integration",
    "OAuthError",
    "OAuthRegistry",
    "RefreshToken",
    "authorize_redirect",
    "bad_request",
    "bot_token_claims",
    "check_redirect",
    "decode_jwt",
    "encode_jwt",
    "oauth_problem",
    "sign_jwt",
    "subdomain_json",
    "widget_token_claims",
]

AUTH_CODE_TTL = 20 * 60
ACCESS_TTL = 86_400
REFRESH_TTL = 90 * 86_400
SCOPES = ["crm", "notifications"]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encode_jwt(claims: dict[str, Any], key: bytes) -> str:
    """Compact HS256 JWT."""
    header = _b64(json.dumps({"typ": "JWT", "alg": "HS256"}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    signature = _b64(hmac.new(key, signing_input, hashlib.sha256).digest())
    return f"{header}.{payload}.{signature}"


def decode_jwt(token: str, key: bytes | None = None) -> dict[str, Any]:
    """Decode a compact JWT; verify the HS256 signature when ``key`` is given.

    Raises ``ValueError`` for malformed tokens and bad signatures.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    if key is not None:
        expected = _b64(hmac.new(key, f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256).digest())
        if not hmac.compare_digest(expected, parts[2]):
            raise ValueError("bad signature")
    try:
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("malformed JWT payload") from exc
    if not isinstance(claims, dict):
        raise ValueError("malformed JWT payload")
    return claims


@dataclass(frozen=True, slots=True)
class Integration:
    """An OAuth integration registered with the fake (``client_id`` is the integration id)."""

    client_id: str
    client_secret: str = field(repr=False)
    redirect_uri: str
    name: str = "Test integration"


@dataclass(slots=True)
class AuthCode:
    code: str
    client_id: str
    account_id: int
    user_id: int
    expires_at: float
    used: bool = False


@dataclass(slots=True, eq=False)
class RefreshToken:
    token: str
    client_id: str
    account_id: int
    user_id: int
    expires_at: float
    parent: RefreshToken | None = None
    child: RefreshToken | None = None
    # active: usable; consumed: a successor has been used; revoked: replaced/uninstalled/expired
    state: Literal["active", "consumed", "revoked"] = "active"
    used: bool = False


@dataclass(slots=True, eq=False)
class AccessToken:
    token: str
    client_id: str
    account_id: int
    user_id: int
    expires_at: float
    long_lived: bool = False
    revoked: bool = False
    refresh: RefreshToken | None = None
    claims: dict[str, Any] = field(default_factory=dict)


class OAuthError(Exception):
    """A token-endpoint failure: HTTP status plus the amoCRM ``hint``."""

    def __init__(self, status: int, hint: str, title: str, detail: str) -> None:
        super().__init__(hint)
        self.status = status
        self.hint = hint
        self.title = title
        self.detail = detail


def _revoked(hint: str = "Token has been revoked") -> OAuthError:
    return OAuthError(
        401,
        hint,
        "Некорректный запрос",
        "В запросе отсутствует ряд параметров или параметры невалидны",  # noqa: RUF001
    )


def _bad_client() -> OAuthError:
    return OAuthError(
        401, "Client authentication failed", "Некорректный клиент", "Клиент не прошел авторизацию"
    )


class OAuthRegistry:
    """Everything token-related, keyed by the literal token strings."""

    def __init__(self, rng: random.Random, key: bytes) -> None:
        self.rng = rng
        self.key = key
        self.grace_ends_on_access_use = True
        self.integrations: dict[str, Integration] = {}
        self.codes: dict[str, AuthCode] = {}
        self.access: dict[str, AccessToken] = {}
        self.refresh: dict[str, RefreshToken] = {}
        self.api_keys: dict[tuple[int, str], str] = {}

    # -- identifiers -----------------------------------------------------------------------

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def opaque(self, prefix: str, nbytes: int) -> str:
        return prefix + self.rng.getrandbits(nbytes * 8).to_bytes(nbytes, "big").hex()

    # -- integrations and codes --------------------------------------------------------------

    def register(self, redirect_uri: str, name: str) -> Integration:
        integration = Integration(
            client_id=self.uuid(),
            client_secret=self.opaque("", 32),
            redirect_uri=redirect_uri,
            name=name,
        )
        self.integrations[integration.client_id] = integration
        return integration

    def issue_code(
        self, integration: Integration, account_id: int, user_id: int, now: float
    ) -> str:
        code = self.opaque("def50200", 96)
        self.codes[code] = AuthCode(
            code, integration.client_id, account_id, user_id, now + AUTH_CODE_TTL
        )
        return code

    def check_client(self, client_id: object, client_secret: object) -> Integration:
        if not isinstance(client_id, str) or not isinstance(client_secret, str):
            raise _bad_client()
        integration = self.integrations.get(client_id)
        if integration is None or not hmac.compare_digest(integration.client_secret, client_secret):
            raise _bad_client()
        return integration

    # -- token issue -------------------------------------------------------------------------

    def _access(
        self,
        *,
        client_id: str,
        account_id: int,
        user_id: int,
        base_domain: str,
        api_domain: str,
        now: float,
        ttl: float,
        long_lived: bool,
        refresh: RefreshToken | None,
    ) -> AccessToken:
        issued = int(now)
        claims: dict[str, Any] = {
            "aud": client_id,
            "jti": self.uuid(),
            "iat": issued,
            "nbf": issued,
            "exp": int(now + ttl),
            "sub": str(user_id),
            "grant_type": "" if long_lived else "authorization_code",
            "account_id": account_id,
            "base_domain": base_domain,
            "api_domain": api_domain,
            "version": 2,
            "scopes": list(SCOPES),
            "hash_uuid": self.uuid(),
        }
        token = AccessToken(
            token=encode_jwt(claims, self.key),
            client_id=client_id,
            account_id=account_id,
            user_id=user_id,
            expires_at=now + ttl,
            long_lived=long_lived,
            refresh=refresh,
            claims=claims,
        )
        self.access[token.token] = token
        return token

    def issue_pair(
        self,
        integration_id: str,
        account_id: int,
        user_id: int,
        base_domain: str,
        api_domain: str,
        now: float,
        parent: RefreshToken | None = None,
    ) -> dict[str, Any]:
        refresh = RefreshToken(
            token=self.opaque("def50200", 160),
            client_id=integration_id,
            account_id=account_id,
            user_id=user_id,
            expires_at=now + REFRESH_TTL,
            parent=parent,
        )
        self.refresh[refresh.token] = refresh
        if parent is not None:
            parent.child = refresh
        access = self._access(
            client_id=integration_id,
            account_id=account_id,
            user_id=user_id,
            base_domain=base_domain,
            api_domain=api_domain,
            now=now,
            ttl=ACCESS_TTL,
            long_lived=False,
            refresh=refresh,
        )
        return {
            "token_type": "Bearer",
            "expires_in": ACCESS_TTL,
            "server_time": int(now),
            "access_token": access.token,
            "refresh_token": refresh.token,
        }

    def issue_long_lived(
        self,
        integration_id: str,
        account_id: int,
        user_id: int,
        base_domain: str,
        api_domain: str,
        now: float,
        ttl: float,
    ) -> str:
        return self._access(
            client_id=integration_id,
            account_id=account_id,
            user_id=user_id,
            base_domain=base_domain,
            api_domain=api_domain,
            now=now,
            ttl=ttl,
            long_lived=True,
            refresh=None,
        ).token

    # -- grants ------------------------------------------------------------------------------

    def redeem_code(self, integration: Integration, code: object, now: float) -> AuthCode:
        record = self.codes.get(code) if isinstance(code, str) else None
        if record is None or record.client_id != integration.client_id:
            raise OAuthError(
                400,
                "Cannot decrypt the authorization code",
                "Некорректный запрос",
                "Код авторизации невалиден",
            )
        if record.used:
            raise OAuthError(
                400,
                "Authorization code has been revoked",
                "Некорректный запрос",
                "Код авторизации уже использован",
            )
        if now >= record.expires_at:
            raise OAuthError(
                400,
                "Authorization code has expired",
                "Некорректный запрос",
                "Срок действия кода авторизации истёк",
            )
        record.used = True
        return record

    def redeem_refresh(self, integration: Integration, token: object, now: float) -> RefreshToken:
        record = self.refresh.get(token) if isinstance(token, str) else None
        if record is None or record.client_id != integration.client_id:
            raise _revoked("Cannot decrypt the refresh token")
        if record.state != "active":
            raise _revoked()
        if now >= record.expires_at:
            record.state = "revoked"
            raise _revoked("Token has expired")
        if record.child is not None and record.child.state == "active" and not record.child.used:
            # A second refresh from the same (grace-period) token: the earlier, never-used
            # successor is replaced by the one about to be issued.
            self._revoke_chain(record.child)
        self.mark_used(record)
        return record

    def mark_used(self, record: RefreshToken) -> None:
        """The first use of a refresh token ends its parent's grace period."""
        if record.used:
            return
        record.used = True
        parent = record.parent
        if parent is not None and parent.state == "active":
            parent.state = "consumed"

    def _revoke_chain(self, record: RefreshToken) -> None:
        record.state = "revoked"
        for access in self.access.values():
            if access.refresh is record:
                access.refresh = None

    # -- bearer checks -----------------------------------------------------------------------

    def authenticate(self, token: str, now: float) -> tuple[AccessToken | None, str]:
        """Return ``(record, "")`` for a usable bearer, else ``(None, reason)``."""
        record = self.access.get(token)
        if record is None:
            return None, "Token is invalid"
        if record.revoked:
            return None, "Token has been revoked"
        if now >= record.expires_at:
            return None, "Token has expired"
        if self.grace_ends_on_access_use and record.refresh is not None:
            self.mark_used(record.refresh)
        return record, ""

    # -- control -----------------------------------------------------------------------------

    def expire_access(self, now: float, account_id: int | None, include_long_lived: bool) -> int:
        count = 0
        for record in self.access.values():
            if record.long_lived and not include_long_lived:
                continue
            if account_id is not None and record.account_id != account_id:
                continue
            if record.expires_at > now:
                record.expires_at = now
                count += 1
        return count

    def revoke(self, client_id: str | None, account_id: int | None) -> None:
        for access in self.access.values():
            if (client_id is None or access.client_id == client_id) and (
                account_id is None or access.account_id == account_id
            ):
                access.revoked = True
        for refresh in self.refresh.values():
            if (client_id is None or refresh.client_id == client_id) and (
                account_id is None or refresh.account_id == account_id
            ):
                refresh.state = "revoked"

    def known_refresh(self, token: str) -> RefreshToken | None:
        record = self.refresh.get(token)
        if record is None or record.state != "active":
            return None
        return record


# ----------------------------------------------------------------------------------------------
# Wire helpers of the OAuth endpoints
# ----------------------------------------------------------------------------------------------

OAUTH_PROBLEM_TYPE = "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"
_BAD_REQUEST_DETAIL = "В запросе отсутствует ряд параметров или параметры невалидны"  # noqa: RUF001


def oauth_problem(error: OAuthError) -> FakeResponse:
    payload = {
        "hint": error.hint,
        "title": error.title,
        "type": OAUTH_PROBLEM_TYPE,
        "status": error.status,
        "detail": error.detail,
    }
    return json_response(error.status, payload, PROBLEM_JSON)


def subdomain_json(account: Account) -> FakeResponse:
    return json_response(
        200,
        {
            "id": account.id,
            "subdomain": account.subdomain,
            "domain": account.base_domain,
            "top_level_domain": account.tld.rsplit(".", 1)[-1],
        },
        PLAIN_JSON,
    )


def bad_request(hint: str, detail: str = _BAD_REQUEST_DETAIL) -> OAuthError:
    return OAuthError(400, hint, "Некорректный запрос", detail)


def check_redirect(integration: Integration, body: dict[str, Any]) -> None:
    redirect_uri = body.get("redirect_uri")
    if redirect_uri not in (None, "") and redirect_uri != integration.redirect_uri:
        raise bad_request("Redirect URI mismatch")


# ----------------------------------------------------------------------------------------------
# The browser leg and the tokens amoCRM signs with the client secret
# ----------------------------------------------------------------------------------------------

ONE_TIME_TOKEN_TTL = 30 * 60
"""Widget (and, assumed the same, Salesbot) one-time tokens live 30 minutes."""
_HASHES = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}
_BOT_ENTITY_TYPES = {"leads": 2, "customers": 12}


def sign_jwt(claims: dict[str, Any], secret: str, algorithm: Literal["HS256", "HS512"]) -> str:
    """Compact JWT signed with the client secret, as amoCRM signs one-time tokens."""
    header = _b64(json.dumps({"typ": "JWT", "alg": algorithm}, separators=(",", ":")).encode())
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = f"{header}.{payload}".encode("ascii")
    digest = hmac.new(secret.encode("utf-8"), signing_input, _HASHES[algorithm]).digest()
    return f"{header}.{payload}.{_b64(digest)}"


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def widget_token_claims(
    integration: Integration,
    account: Account,
    *,
    user_id: int,
    is_admin: bool,
    jti: str,
    now: float,
    ttl: float = ONE_TIME_TOKEN_TTL,
) -> dict[str, Any]:
    """The claims of a widget's ``X-Auth-Token`` (HS256), addressed to the redirect URI's origin."""
    issued = int(now)
    return {
        "iss": f"https://{account.base_domain}",
        "aud": _origin(integration.redirect_uri),
        "jti": jti,
        "iat": issued,
        "nbf": issued,
        "exp": int(now + ttl),
        "account_id": account.id,
        "user_id": user_id,
        "client_uuid": integration.client_id,
        "subdomain": account.subdomain,
        "is_admin": is_admin,
    }


def bot_token_claims(
    integration: Integration,
    account: Account,
    *,
    entity_id: int,
    entity_type: str,
    bot_type: Literal["salesbot", "marketingbot"],
    now: float,
    ttl: float = ONE_TIME_TOKEN_TTL,
    audience: str | None = None,
) -> dict[str, Any]:
    """The claims of a Salesbot/Marketingbot ``widget_request`` token (HS512)."""
    if entity_type not in _BOT_ENTITY_TYPES:
        raise ValueError(f"entity_type must be 'leads' or 'customers', not {entity_type!r}")
    claims: dict[str, Any] = {
        "iss": f"https://{account.base_domain}",
        "subdomain": account.subdomain,
        "account_id": account.id,
        "client_uuid": integration.client_id,
        "entity_id": entity_id,
        "entity_type": _BOT_ENTITY_TYPES[entity_type],
        "bot_type": bot_type,
        "exp": int(now + ttl),
    }
    if audience is not None:
        claims["aud"] = _origin(audience)
    return claims


def authorize_redirect(
    integration: Integration, *, state: str, referer: str, code: str | None
) -> str:
    """Where amoCRM's ``/oauth`` page sends the browser back: the integration's redirect URI
    with ``code``, ``state``, ``referer`` (the account host) and ``client_id``; without a code,
    ``error=access_denied`` (the admin declined)."""
    params = (
        {"code": code, "state": state, "referer": referer, "client_id": integration.client_id}
        if code is not None
        else {"error": "access_denied", "client_id": integration.client_id, "state": state}
    )
    separator = "&" if urlsplit(integration.redirect_uri).query else "?"
    return f"{integration.redirect_uri}{separator}{urlencode(params)}"
