"""The OAuth token pair amoCRM issues, as the SDK keeps it.

The pair is deliberately small: both tokens, the moment the access token stops working, and the
type. The account's base domain is *not* part of it — it is stored beside the pair (see
:class:`~amocrm_async.StoredToken`), because a subdomain rename changes the domain without
changing the grant, and because mixing the two is a known source of bugs in the PHP library.

Neither token ever appears in ``repr``, ``str`` or an error message.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ._auth import check_token_text

__all__ = ["OAuthToken"]


def _positive_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if math.isfinite(number) and number > 0 else None


@dataclass(frozen=True, slots=True)
class OAuthToken:
    """An access/refresh token pair with the wall-clock time the access token expires.

    ``expires_at`` is UNIX seconds computed from the local clock at receipt plus ``expires_in``,
    so clock skew between us and amoCRM does not matter.
    """

    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_at: float
    token_type: str = "Bearer"

    def __post_init__(self) -> None:
        check_token_text(self.access_token, "access_token")
        check_token_text(self.refresh_token, "refresh_token")
        if isinstance(self.expires_at, bool) or not isinstance(self.expires_at, int | float):
            raise ValueError("expires_at must be a number (UNIX seconds)")
        if not math.isfinite(self.expires_at):
            raise ValueError("expires_at must be finite")
        if not isinstance(self.token_type, str) or self.token_type.lower() != "bearer":
            raise ValueError(f"unsupported token_type {self.token_type!r}; amoCRM issues Bearer")

    @classmethod
    def from_token_response(cls, data: Mapping[str, Any], now: float) -> OAuthToken:
        """Build the pair from a token-endpoint JSON body received at ``now`` (UNIX seconds).

        Raises ValueError naming the missing or invalid field (never its value).
        """
        if not isinstance(data, Mapping):
            raise ValueError("token response is not a JSON object")
        access = data.get("access_token")
        refresh = data.get("refresh_token")
        if not isinstance(access, str) or not access:
            raise ValueError("token response lacks access_token")
        if not isinstance(refresh, str) or not refresh:
            raise ValueError("token response lacks refresh_token")
        expires_in = _positive_number(data.get("expires_in"))
        if expires_in is None:
            raise ValueError("token response lacks a positive expires_in")
        token_type = data.get("token_type", "Bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise ValueError("token response has a token_type other than Bearer")
        return cls(
            access_token=access,
            refresh_token=refresh,
            expires_at=float(now) + expires_in,
            token_type="Bearer",
        )

    def expires_in(self, now: float) -> float:
        """Seconds left until the access token expires (negative once it has)."""
        return self.expires_at - now

    def is_expired(self, now: float, *, margin: float = 0.0) -> bool:
        """True if the access token is expired, or will be within ``margin`` seconds."""
        return now >= self.expires_at - margin

    def to_dict(self) -> dict[str, Any]:
        """The JSON-ready form a token store persists (it contains both secrets)."""
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "expires_at": self.expires_at,
            "token_type": self.token_type,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> OAuthToken:
        """Inverse of :meth:`to_dict`; raises ValueError on a malformed record."""
        if not isinstance(data, Mapping):
            raise ValueError("stored token is not a JSON object")
        token_type = data.get("token_type", "Bearer")
        if not isinstance(token_type, str):
            raise ValueError("stored token_type is not a string")
        return cls(
            access_token=data.get("access_token", ""),
            refresh_token=data.get("refresh_token", ""),
            expires_at=data.get("expires_at", math.nan),
            token_type=token_type,
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | bytes) -> OAuthToken:
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError("stored token is not valid JSON") from exc
        return cls.from_dict(data)

    def __repr__(self) -> str:
        return (
            f"OAuthToken(access_token=<hidden>, refresh_token=<hidden>, "
            f"expires_at={self.expires_at!r}, token_type={self.token_type!r})"
        )

    __str__ = __repr__
