"""The seam between the request pipeline and whatever supplies bearer tokens.

The pipeline asks an :class:`Auth` for a token before every attempt and tells it about a 401.
:class:`StaticTokenAuth` serves a long-lived token; the OAuth module plugs a refreshing
implementation in behind the same interface.
"""

from __future__ import annotations

import base64
import json
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from ._clock import Clock
from .errors import TokenExpiredError

__all__ = ["Auth", "AuthContext", "StaticTokenAuth", "check_token_text", "decode_jwt_claims"]


@dataclass(frozen=True, slots=True)
class AuthContext:
    """What the client lends an :class:`Auth` when it is attached.

    ``send`` performs one unauthenticated request (token endpoint, subdomain lookup) through the
    client's pool and rate limiter, without retries, and only to hosts the client accepts.

    ``check_base_domain`` normalises a host and refuses it exactly as ``set_base_domain`` would,
    without switching to it: ``authorize(base_domain=...)`` must know the host is acceptable
    before the client secret goes there, yet must not re-point the client until the exchange
    succeeded. Without it the host is only normalised and ``send`` still refuses a foreign host.
    """

    clock: Clock
    get_base_domain: Callable[[], str]
    set_base_domain: Callable[[str], None]
    send: Callable[..., Awaitable[httpx.Response]]
    scheme: str = "https"
    check_base_domain: Callable[[str], str] | None = None


class Auth(ABC):
    """Supplies the bearer token for each attempt."""

    _context: AuthContext | None = None

    def bind(self, context: AuthContext) -> None:
        """Called once by the client that owns this auth; an auth serves one client only."""
        if self._context is not None and self._context is not context:
            raise RuntimeError(
                f"this {type(self).__name__} already belongs to another client; "
                "create one per client (share the token store instead)"
            )
        self._context = context

    @property
    def context(self) -> AuthContext:
        if self._context is None:
            raise RuntimeError(f"{type(self).__name__} is not attached to a client")
        return self._context

    @abstractmethod
    async def get_access_token(self) -> str:
        """A token valid for the next request (refreshing first if it must)."""

    async def handle_unauthorized(self, rejected_token: str) -> bool:
        """React to a 401 on a request sent with ``rejected_token``.

        Returns True if a different token is now available and the request is worth one retry.
        """
        return False

    async def handle_not_found(self, host: str) -> bool:
        """React to a 404 from ``host`` on an API path: did the account move to another host?

        Returns True if the client now points at a different host and the request is worth one
        retry there.
        """
        return False

    async def aclose(self) -> None:
        """Release what the auth holds (locks, files); the client calls it on close."""
        return None


def check_token_text(token: str, name: str) -> None:
    """Refuse a token that cannot go into a header (a trailing newline from a file, say).

    Caught here, with a message that does not quote it, rather than by the HTTP library, whose
    error would.
    """
    if not isinstance(token, str) or not token:
        raise ValueError(f"{name} must be a non-empty string")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in token):
        raise ValueError(f"{name} contains whitespace or control characters (strip it)")


def decode_jwt_claims(token: str) -> dict[str, Any]:
    """Read a JWT's payload without verifying it (amoCRM access tokens; we are not the audience).

    Raises ValueError if the token is not JWT-shaped.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    try:
        claims = json.loads(base64.urlsafe_b64decode(payload))
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError("not a JWT") from exc
    if not isinstance(claims, Mapping):
        raise ValueError("not a JWT")
    return dict(claims)


class StaticTokenAuth(Auth):
    """A long-lived token (or any bearer the caller manages): never refreshed.

    If the token is a JWT with ``exp``, an expired token fails fast with
    :class:`~amocrm_async.errors.TokenExpiredError` instead of a round trip ending in 401.
    """

    def __init__(self, access_token: str) -> None:
        check_token_text(access_token, "access_token")
        self._token = access_token
        try:
            exp = decode_jwt_claims(access_token).get("exp")
        except ValueError:
            exp = None
        self.expires_at: float | None = float(exp) if isinstance(exp, int | float) else None

    async def get_access_token(self) -> str:
        if self.expires_at is not None and self.context.clock.time() >= self.expires_at:
            raise TokenExpiredError(
                "the long-lived token expired; long-lived tokens cannot be refreshed, "
                "create a new one in the integration settings"
            )
        return self._token

    def __repr__(self) -> str:
        return f"StaticTokenAuth(token=<hidden>, expires_at={self.expires_at})"
