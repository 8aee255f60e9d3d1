"""OAuthToken: parsing the token response, expiry, serialisation, secret-free repr."""

from __future__ import annotations

import math
from typing import Any

import pytest

from amocrm_async._tokens import OAuthToken

from ._support import Secrets


def response(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "token_type": "Bearer",
        "expires_in": 86_400,
        "server_time": 1,
        "access_token": "ACCESS-SECRET",
        "refresh_token": "REFRESH-SECRET",
    }
    data.update(overrides)
    return data


def test_from_token_response_uses_expires_in_from_receipt_time() -> None:
    token = OAuthToken.from_token_response(response(), now=1_000.0)
    assert token == OAuthToken("ACCESS-SECRET", "REFRESH-SECRET", 87_400.0, "Bearer")
    assert token.expires_in(1_000.0) == 86_400
    assert not token.is_expired(87_399.0)
    assert token.is_expired(87_400.0)
    assert token.is_expired(87_200.0, margin=300)
    assert not token.is_expired(87_000.0, margin=300)


def test_token_type_is_normalised_and_optional() -> None:
    assert OAuthToken.from_token_response(response(token_type="bearer"), 0).token_type == "Bearer"
    data = response()
    del data["token_type"]
    assert OAuthToken.from_token_response(data, 0).token_type == "Bearer"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"access_token": ""}, "access_token"),
        ({"access_token": 5}, "access_token"),
        ({"refresh_token": None}, "refresh_token"),
        ({"expires_in": "86400"}, "expires_in"),
        ({"expires_in": -5}, "expires_in"),
        ({"expires_in": True}, "expires_in"),
        ({"expires_in": math.inf}, "expires_in"),
        ({"token_type": "MAC"}, "Bearer"),
    ],
)
def test_invalid_token_responses(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        OAuthToken.from_token_response(response(**overrides), 0)
    assert "SECRET" not in str(caught.value)


def test_repr_and_str_hide_both_tokens(secret_values: Secrets) -> None:
    token = OAuthToken.from_token_response(response(), 10.0)
    secret_values.add("ACCESS-SECRET", "REFRESH-SECRET")
    secret_values.assert_absent(token)
    assert repr(token) == (
        "OAuthToken(access_token=<hidden>, refresh_token=<hidden>, "
        "expires_at=86410.0, token_type='Bearer')"
    )
    assert str(token) == repr(token)


def test_json_round_trip() -> None:
    token = OAuthToken("a.b.c", "def502", 1_800_000_000.5)
    assert OAuthToken.from_json(token.to_json()) == token
    assert OAuthToken.from_dict(token.to_dict()) == token
    assert token.to_dict() == {
        "access_token": "a.b.c",
        "refresh_token": "def502",
        "expires_at": 1_800_000_000.5,
        "token_type": "Bearer",
    }


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[]",
        '{"access_token": "a", "refresh_token": "r"}',
        '{"access_token": "a", "refresh_token": "r", "expires_at": "soon"}',
        '{"access_token": "a", "refresh_token": "r", "expires_at": 1, "token_type": 3}',
    ],
)
def test_from_json_rejects_malformed_records(text: str) -> None:
    with pytest.raises(ValueError):
        OAuthToken.from_json(text)


def test_token_is_immutable() -> None:
    token = OAuthToken("a", "r", 1.0)
    with pytest.raises(AttributeError):
        token.access_token = "b"  # type: ignore[misc]
