"""Verification of what amoCRM signs with the integration's client secret.

* Widget requests (``this.$authorizedAjax``) carry ``X-Auth-Token``: a JWT signed **HS256**,
  addressed (``aud``) to the scheme and host of the integration's redirect URI, valid ~30 min.
* Salesbot/Marketingbot ``widget_request`` steps post a JWT signed **HS512**.
* The disconnect hook is signed with a hex HMAC-SHA256 of ``"{client_uuid}|{account_id}"``.

Each parser accepts exactly one algorithm, checks it before anything else (``alg: none`` and an
HS256/HS512 swap fail as :class:`~amocrm_async.errors.DisposableTokenAlgorithmError`), verifies
the signature before reading any claim, then checks the audience and the time window. Every
failure has its own error class. Single use (by ``token_uuid``) is left to the caller, who knows
where to remember seen tokens.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .errors import (
    DisposableTokenAlgorithmError,
    DisposableTokenAudienceError,
    DisposableTokenExpiredError,
    DisposableTokenMalformedError,
    DisposableTokenSignatureError,
)

__all__ = [
    "BotDisposableToken",
    "DisposableToken",
    "parse_bot_disposable_token",
    "parse_disposable_token",
    "verify_disconnect_signature",
]

_MAX_TOKEN_LENGTH = 8192
_SEGMENT = re.compile(r"^[A-Za-z0-9_-]*$")
_ENTITY_TYPES = {2: "leads", 12: "customers"}


@dataclass(frozen=True, slots=True)
class DisposableToken:
    """A verified widget token: who (account, user) made the request from amoCRM's UI."""

    token_uuid: str
    client_uuid: str
    account_domain: str
    account_subdomain: str
    account_id: int
    user_id: int
    is_admin: bool
    expires_at: int


@dataclass(frozen=True, slots=True)
class BotDisposableToken:
    """A verified Salesbot/Marketingbot token: which account, entity and bot called.

    ``entity_type`` is ``"leads"`` (2) or ``"customers"`` (12), else the raw value as text;
    ``bot_type`` is ``"salesbot"`` or ``"marketingbot"``.
    """

    client_uuid: str
    account_domain: str
    account_subdomain: str
    account_id: int
    entity_id: int
    entity_type: str
    bot_type: str
    expires_at: int


def _b64decode(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _origins(url: str, what: str) -> frozenset[str]:
    parts = urlsplit(url)
    if not parts.scheme or not parts.hostname:
        raise ValueError(f"{what} must be an absolute URL")
    origin = f"{parts.scheme.lower()}://{parts.hostname}"
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"{what} has an invalid port") from exc
    return frozenset({origin, f"{origin}:{port}"} if port is not None else {origin})


def _verified_claims(token: str, client_secret: str, algorithm: str) -> dict[str, Any]:
    """Check structure and algorithm, verify the signature, and only then decode the claims."""
    if not isinstance(token, str):
        raise DisposableTokenMalformedError("the token must be a string")
    token = token.strip()
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise DisposableTokenMalformedError("the token is empty or too long")
    segments = token.split(".")
    if len(segments) != 3 or not all(_SEGMENT.match(part) for part in segments):
        raise DisposableTokenMalformedError("the token is not a compact JWT")
    try:
        header = json.loads(_b64decode(segments[0]))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DisposableTokenMalformedError("the token header is not valid JSON") from None
    if not isinstance(header, dict):
        raise DisposableTokenMalformedError("the token header is not a JSON object")
    alg = header.get("alg")
    if alg != algorithm:
        shown = repr(alg)[:24] if alg is not None else "missing"
        raise DisposableTokenAlgorithmError(
            f"algorithm {shown} is not accepted; amoCRM signs this token with {algorithm}"
        )
    if not segments[2]:
        raise DisposableTokenSignatureError("the token is not signed")
    if not isinstance(client_secret, str) or not client_secret:
        raise ValueError("client_secret must be a non-empty string")
    # imported here: joserfc pulls in cryptography (~45 ms), which only this parser needs
    from joserfc import jws
    from joserfc.errors import BadSignatureError, JoseError
    from joserfc.jwk import OctKey
    from joserfc.jws import JWSRegistry

    key = OctKey.import_key(client_secret.encode("utf-8"))
    registry = JWSRegistry(algorithms=[algorithm], strict_check_header=False)
    try:
        verified = jws.deserialize_compact(token, key, algorithms=[algorithm], registry=registry)
    except BadSignatureError:
        raise DisposableTokenSignatureError(
            "the token signature does not match the client secret"
        ) from None
    except JoseError:
        raise DisposableTokenMalformedError("the token could not be decoded") from None
    try:
        claims = json.loads(verified.payload or b"")
    except (ValueError, UnicodeDecodeError):
        raise DisposableTokenMalformedError("the token claims are not valid JSON") from None
    if not isinstance(claims, dict):
        raise DisposableTokenMalformedError("the token claims are not a JSON object")
    return claims


def _check_audience(claims: Mapping[str, Any], allowed: frozenset[str]) -> None:
    aud = claims.get("aud")
    audiences = aud if isinstance(aud, list) else [aud]
    for value in audiences:
        if isinstance(value, str) and value.rstrip("/").lower() in allowed:
            return
    raise DisposableTokenAudienceError(
        f"the token is addressed to another integration (aud does not match {sorted(allowed)[0]})"
    )


def _number(claims: Mapping[str, Any], name: str, *, required: bool) -> float | None:
    value = claims.get(name)
    if value is None and not required:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise DisposableTokenMalformedError(f"claim {name!r} is missing or not a number")
    return float(value)


def _check_time(claims: Mapping[str, Any], now: float | None, leeway: float) -> int:
    if leeway < 0:
        raise ValueError("leeway must not be negative")
    current = time.time() if now is None else now
    exp = _number(claims, "exp", required=True)
    assert exp is not None
    if current >= exp + leeway:
        raise DisposableTokenExpiredError("the token has expired")
    nbf = _number(claims, "nbf", required=False)
    if nbf is not None and current + leeway < nbf:
        raise DisposableTokenExpiredError("the token is not valid yet (nbf is in the future)")
    iat = _number(claims, "iat", required=False)
    if iat is not None and current + leeway < iat:
        raise DisposableTokenExpiredError("the token is not valid yet (iat is in the future)")
    return int(exp)


def _string(claims: Mapping[str, Any], name: str) -> str:
    value = claims.get(name)
    if not isinstance(value, str) or not value:
        raise DisposableTokenMalformedError(f"claim {name!r} is missing or not a string")
    return value


def _integer(claims: Mapping[str, Any], name: str) -> int:
    value = claims.get(name)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    raise DisposableTokenMalformedError(f"claim {name!r} is missing or not an integer")


def _flag(claims: Mapping[str, Any], name: str) -> bool:
    value = claims.get(name, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise DisposableTokenMalformedError(f"claim {name!r} is not a boolean")


def _entity_type(claims: Mapping[str, Any]) -> str:
    value = claims.get("entity_type")
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        raise DisposableTokenMalformedError("claim 'entity_type' is missing or malformed")
    if isinstance(value, int) or value.isdigit():
        return _ENTITY_TYPES.get(int(value), str(value))
    return value


def parse_disposable_token(
    token: str,
    *,
    client_secret: str,
    redirect_uri: str,
    now: float | None = None,
    leeway: float = 0,
) -> DisposableToken:
    """Verify a widget's ``X-Auth-Token`` and return who sent it.

    Accepts HS256 only, keyed with ``client_secret``. ``aud`` must be the scheme and host of
    ``redirect_uri`` (the integration's). ``exp`` is required; ``nbf``/``iat`` are checked when
    present; ``leeway`` seconds of clock skew are tolerated. ``now`` (UNIX seconds) is for tests.
    """
    audience = _origins(redirect_uri, "redirect_uri")
    claims = _verified_claims(token, client_secret, "HS256")
    _check_audience(claims, audience)
    expires_at = _check_time(claims, now, leeway)
    return DisposableToken(
        token_uuid=_string(claims, "jti"),
        client_uuid=_string(claims, "client_uuid"),
        account_domain=_string(claims, "iss"),
        account_subdomain=_string(claims, "subdomain"),
        account_id=_integer(claims, "account_id"),
        user_id=_integer(claims, "user_id"),
        is_admin=_flag(claims, "is_admin"),
        expires_at=expires_at,
    )


def parse_bot_disposable_token(
    token: str,
    *,
    client_secret: str,
    receiver_path: str | None = None,
    now: float | None = None,
    leeway: float = 0,
) -> BotDisposableToken:
    """Verify the token a Salesbot/Marketingbot ``widget_request`` step posted.

    Accepts HS512 only, keyed with ``client_secret``. ``aud`` is checked only when
    ``receiver_path`` (the URL the bot calls) is given — as amoCRM's PHP library does.
    """
    audience = _origins(receiver_path, "receiver_path") if receiver_path is not None else None
    claims = _verified_claims(token, client_secret, "HS512")
    if audience is not None:
        _check_audience(claims, audience)
    expires_at = _check_time(claims, now, leeway)
    return BotDisposableToken(
        client_uuid=_string(claims, "client_uuid"),
        account_domain=_string(claims, "iss"),
        account_subdomain=_string(claims, "subdomain"),
        account_id=_integer(claims, "account_id"),
        entity_id=_integer(claims, "entity_id"),
        entity_type=_entity_type(claims),
        bot_type=_string(claims, "bot_type"),
        expires_at=expires_at,
    )


def verify_disconnect_signature(
    *,
    client_uuid: str,
    account_id: int | str,
    signature: str,
    client_secret: str,
    expected_client_uuid: str | None = None,
) -> bool:
    """Check the disconnect hook (``?client_uuid=&account_id=&signature=``) came from amoCRM.

    ``signature`` must be the hex HMAC-SHA256 of ``"{client_uuid}|{account_id}"`` keyed with the
    client secret (compared in constant time). Pass ``expected_client_uuid`` (your client id)
    to also reject hooks meant for another integration.
    """
    if not client_secret:
        raise ValueError("client_secret must not be empty")
    if not signature or not client_uuid:
        return False
    if expected_client_uuid is not None and not hmac.compare_digest(
        client_uuid.encode("utf-8"), expected_client_uuid.encode("utf-8")
    ):
        return False
    message = f"{client_uuid}|{account_id}".encode()
    expected = hmac.new(client_secret.encode("utf-8"), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode("ascii"), signature.strip().lower().encode("utf-8"))
