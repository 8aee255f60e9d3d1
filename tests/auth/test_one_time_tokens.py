"""Widget (HS256) and bot (HS512) one-time tokens, and the disconnect-hook signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from amocrm_async._one_time_tokens import (
    BotDisposableToken,
    DisposableToken,
    parse_bot_disposable_token,
    parse_disposable_token,
    verify_disconnect_signature,
)
from amocrm_async.errors import (
    DisposableTokenAlgorithmError,
    DisposableTokenAudienceError,
    DisposableTokenError,
    DisposableTokenExpiredError,
    DisposableTokenMalformedError,
    DisposableTokenSignatureError,
)

from ._support import CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, Secrets

NOW = 1_767_225_600
AUDIENCE = "https://integration.example.com"


def widget_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": "https://acme.amocrm.ru",
        "aud": AUDIENCE,
        "jti": "5d1f3a3e-8a7c-4c36-9bd2-0e5d0c1f0a11",
        "iat": NOW - 60,
        "nbf": NOW - 60,
        "exp": NOW + 1800,
        "account_id": 31_000_001,
        "user_id": 8_000_001,
        "client_uuid": CLIENT_ID,
        "subdomain": "acme",
        "is_admin": True,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def bot_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {
        "iss": "https://acme.amocrm.ru",
        "subdomain": "acme",
        "account_id": 31_000_001,
        "client_uuid": CLIENT_ID,
        "entity_id": 12_345,
        "entity_type": 2,
        "bot_type": "salesbot",
        "exp": NOW + 600,
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def mint(claims: dict[str, Any], *, alg: str = "HS256", secret: str = CLIENT_SECRET) -> str:
    return jwt.encode({"alg": alg}, claims, OctKey.import_key(secret.encode()), algorithms=[alg])


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def hand_rolled(
    header: dict[str, Any] | bytes, claims: dict[str, Any] | bytes, *, sign: str | None
) -> str:
    """A compact JWT built by hand (for headers joserfc refuses to produce)."""
    head = b64(header if isinstance(header, bytes) else json.dumps(header).encode())
    body = b64(claims if isinstance(claims, bytes) else json.dumps(claims).encode())
    if sign is None:
        return f"{head}.{body}."
    digest = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}[sign]
    signature = hmac.new(CLIENT_SECRET.encode(), f"{head}.{body}".encode(), digest).digest()
    return f"{head}.{body}.{b64(signature)}"


def parse_widget(token: str, **kwargs: Any) -> DisposableToken:
    kwargs.setdefault("now", NOW)
    return parse_disposable_token(
        token, client_secret=CLIENT_SECRET, redirect_uri=REDIRECT_URI, **kwargs
    )


# --------------------------------------------------------------------------- widget tokens


def test_widget_token_happy_path(secret_values: Secrets) -> None:
    parsed = parse_widget(mint(widget_claims()))
    assert parsed == DisposableToken(
        token_uuid="5d1f3a3e-8a7c-4c36-9bd2-0e5d0c1f0a11",
        client_uuid=CLIENT_ID,
        account_domain="https://acme.amocrm.ru",
        account_subdomain="acme",
        account_id=31_000_001,
        user_id=8_000_001,
        is_admin=True,
        expires_at=NOW + 1800,
    )
    secret_values.assert_absent(parsed)


@pytest.mark.parametrize(
    "aud",
    [
        AUDIENCE,
        [AUDIENCE, "https://other.example"],
        AUDIENCE + "/",
        "HTTPS://Integration.example.com",
    ],
)
def test_widget_audience_forms(aud: Any) -> None:
    assert parse_widget(mint(widget_claims(aud=aud))).account_id == 31_000_001


def test_widget_audience_with_port_in_redirect_uri() -> None:
    token = mint(widget_claims(aud="https://integration.example.com:8443"))
    parsed = parse_disposable_token(
        token,
        client_secret=CLIENT_SECRET,
        redirect_uri="https://integration.example.com:8443/cb",
        now=NOW,
    )
    assert parsed.user_id == 8_000_001


def test_widget_optional_and_loose_claims() -> None:
    parsed = parse_widget(
        mint(widget_claims(nbf=None, iat=None, is_admin=None, account_id="31000001"))
    )
    assert parsed.is_admin is False and parsed.account_id == 31_000_001
    assert parse_widget(mint(widget_claims(is_admin=0))).is_admin is False


def test_widget_bad_signature() -> None:
    token = mint(widget_claims(), secret="another-integration-secret-0123456789")
    with pytest.raises(DisposableTokenSignatureError):
        parse_widget(token)
    head, body, signature = mint(widget_claims()).split(".")
    tampered_body = b64(json.dumps(widget_claims(user_id=1)).encode())
    with pytest.raises(DisposableTokenSignatureError):
        parse_widget(f"{head}.{tampered_body}.{signature}")
    with pytest.raises(DisposableTokenSignatureError):
        parse_widget(f"{head}.{body}.")


@pytest.mark.parametrize(
    "aud", ["https://evil.example", "http://integration.example.com", None, 42, ["https://x.y"]]
)
def test_widget_wrong_audience(aud: Any) -> None:
    claims = widget_claims()
    claims["aud"] = aud
    with pytest.raises(DisposableTokenAudienceError):
        parse_widget(mint(claims))


def test_widget_expired_and_not_yet_valid() -> None:
    with pytest.raises(DisposableTokenExpiredError, match="expired"):
        parse_widget(mint(widget_claims(exp=NOW)))
    with pytest.raises(DisposableTokenExpiredError, match="not valid yet"):
        parse_widget(mint(widget_claims(nbf=NOW + 30)))
    with pytest.raises(DisposableTokenExpiredError, match="not valid yet"):
        parse_widget(mint(widget_claims(iat=NOW + 30)))
    assert parse_widget(mint(widget_claims(nbf=NOW + 30)), leeway=60)
    assert parse_widget(mint(widget_claims(exp=NOW - 10)), leeway=60)
    with pytest.raises(ValueError, match="leeway"):
        parse_widget(mint(widget_claims()), leeway=-1)


def test_widget_checks_time_against_the_real_clock_by_default() -> None:
    with pytest.raises(DisposableTokenExpiredError):
        parse_disposable_token(
            mint(widget_claims(exp=1_000_000_000)),
            client_secret=CLIENT_SECRET,
            redirect_uri=REDIRECT_URI,
        )


@pytest.mark.parametrize(
    "token",
    [
        "",
        "not-a-jwt",
        "a.b",
        "a.b.c.d",
        "###.e30.sig",
        hand_rolled(b"not json", widget_claims(), sign="HS256"),
        hand_rolled(b"[1,2]", widget_claims(), sign="HS256"),
        "x" * 9000,
    ],
)
def test_widget_malformed(token: str) -> None:
    with pytest.raises(DisposableTokenMalformedError):
        parse_widget(token)


@pytest.mark.parametrize(
    "claims",
    [
        b"not json",
        b"[]",
        widget_claims(exp=None),
        widget_claims(exp="tomorrow"),
        widget_claims(jti=None),
        widget_claims(user_id="eight"),
        widget_claims(account_id=True),
        widget_claims(is_admin="yes"),
        widget_claims(subdomain=""),
    ],
)
def test_widget_malformed_but_signed_claims(claims: dict[str, Any] | bytes) -> None:
    with pytest.raises(DisposableTokenMalformedError):
        parse_widget(hand_rolled({"alg": "HS256", "typ": "JWT"}, claims, sign="HS256"))


@pytest.mark.parametrize("alg", ["none", "None", "NONE"])
def test_widget_alg_none_is_refused(alg: str) -> None:
    with pytest.raises(DisposableTokenAlgorithmError):
        parse_widget(hand_rolled({"alg": alg, "typ": "JWT"}, widget_claims(), sign=None))


@pytest.mark.parametrize("header", [{"alg": "HS512"}, {"alg": "RS256"}, {"typ": "JWT"}, {"alg": 1}])
def test_widget_wrong_algorithm(header: dict[str, Any]) -> None:
    token = hand_rolled(header, widget_claims(), sign="HS512")
    with pytest.raises(DisposableTokenAlgorithmError):
        parse_widget(token)


def test_widget_hs512_token_is_refused() -> None:
    with pytest.raises(DisposableTokenAlgorithmError, match="HS256"):
        parse_widget(mint(widget_claims(), alg="HS512"))


def test_every_failure_is_a_disposable_token_error_without_secrets(
    secret_values: Secrets,
) -> None:
    failures = [
        mint(widget_claims(), secret="x" * 32),
        mint(widget_claims(aud="https://evil.example")),
        mint(widget_claims(exp=NOW - 1)),
        "garbage",
        hand_rolled({"alg": "none"}, widget_claims(), sign=None),
    ]
    for token in failures:
        with pytest.raises(DisposableTokenError) as caught:
            parse_widget(token)
        assert isinstance(caught.value, ValueError)
        secret_values.assert_absent(caught.value)


def test_redirect_uri_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="redirect_uri"):
        parse_disposable_token(
            mint(widget_claims()), client_secret=CLIENT_SECRET, redirect_uri="/cb"
        )


# --------------------------------------------------------------------------- bot tokens


def parse_bot(token: str, **kwargs: Any) -> BotDisposableToken:
    kwargs.setdefault("now", NOW)
    return parse_bot_disposable_token(token, client_secret=CLIENT_SECRET, **kwargs)


def test_bot_token_happy_path() -> None:
    parsed = parse_bot(mint(bot_claims(), alg="HS512"))
    assert parsed == BotDisposableToken(
        client_uuid=CLIENT_ID,
        account_domain="https://acme.amocrm.ru",
        account_subdomain="acme",
        account_id=31_000_001,
        entity_id=12_345,
        entity_type="leads",
        bot_type="salesbot",
        expires_at=NOW + 600,
    )


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(2, "leads"), (12, "customers"), ("12", "customers"), (1, "1"), ("x", "x")],
)
def test_bot_entity_types(raw: Any, expected: str) -> None:
    token = mint(bot_claims(entity_type=raw, bot_type="marketingbot"), alg="HS512")
    parsed = parse_bot(token)
    assert parsed.entity_type == expected and parsed.bot_type == "marketingbot"


def test_bot_audience_only_checked_with_receiver_path() -> None:
    token = mint(bot_claims(aud="https://bots.example.com"), alg="HS512")
    assert parse_bot(token).entity_id == 12_345
    assert parse_bot(token, receiver_path="https://bots.example.com/salesbot/hook").entity_id
    with pytest.raises(DisposableTokenAudienceError):
        parse_bot(token, receiver_path="https://other.example.com/hook")
    with pytest.raises(DisposableTokenAudienceError):
        parse_bot(mint(bot_claims(), alg="HS512"), receiver_path="https://bots.example.com/x")


def test_bot_negative_cases() -> None:
    with pytest.raises(DisposableTokenAlgorithmError, match="HS512"):
        parse_bot(mint(bot_claims()))
    with pytest.raises(DisposableTokenAlgorithmError):
        parse_bot(hand_rolled({"alg": "none"}, bot_claims(), sign=None))
    with pytest.raises(DisposableTokenSignatureError):
        parse_bot(mint(bot_claims(), alg="HS512", secret="y" * 40))
    with pytest.raises(DisposableTokenExpiredError):
        parse_bot(mint(bot_claims(exp=NOW - 1), alg="HS512"))
    with pytest.raises(DisposableTokenMalformedError):
        parse_bot(mint(bot_claims(entity_type=None), alg="HS512"))
    with pytest.raises(DisposableTokenMalformedError):
        parse_bot(mint(bot_claims(bot_type=None), alg="HS512"))
    with pytest.raises(DisposableTokenMalformedError):
        parse_bot("a.b.c")


# --------------------------------------------------------------------------- disconnect hook


def disconnect_signature(client_uuid: str, account_id: int, secret: str = CLIENT_SECRET) -> str:
    message = f"{client_uuid}|{account_id}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_disconnect_signature_valid() -> None:
    signature = disconnect_signature(CLIENT_ID, 31_000_001)
    assert verify_disconnect_signature(
        client_uuid=CLIENT_ID,
        account_id=31_000_001,
        signature=signature,
        client_secret=CLIENT_SECRET,
    )
    assert verify_disconnect_signature(
        client_uuid=CLIENT_ID,
        account_id="31000001",
        signature=signature.upper(),
        client_secret=CLIENT_SECRET,
        expected_client_uuid=CLIENT_ID,
    )


@pytest.mark.parametrize(
    ("client_uuid", "account_id", "signature", "expected"),
    [
        (CLIENT_ID, 31_000_002, disconnect_signature(CLIENT_ID, 31_000_001), None),
        (CLIENT_ID, 31_000_001, disconnect_signature(CLIENT_ID, 31_000_001, "other-secret"), None),
        (CLIENT_ID, 31_000_001, "", None),
        (CLIENT_ID, 31_000_001, "подпись", None),
        ("other", 31_000_001, disconnect_signature("other", 31_000_001), CLIENT_ID),
    ],
)
def test_disconnect_signature_invalid(
    client_uuid: str, account_id: int, signature: str, expected: str | None
) -> None:
    assert not verify_disconnect_signature(
        client_uuid=client_uuid,
        account_id=account_id,
        signature=signature,
        client_secret=CLIENT_SECRET,
        expected_client_uuid=expected,
    )
