"""Counters and the request log of the fake, for assertions (``fake.stats``, ``fake.requests``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FakeStats", "RequestRecord"]


@dataclass(slots=True)
class RequestRecord:
    """One entry of ``fake.requests``."""

    method: str
    path: str
    query: dict[str, Any]
    raw_query: str
    status: int
    """HTTP status; 0 when the connection was dropped or refused before a response existed."""
    time: float
    """``fake.clock.monotonic()`` when the request was handled."""
    json: Any
    """Parsed JSON body (form bodies as a dict), or None."""
    host: str
    headers: dict[str, str]
    request_id: str
    fault: str | None = None


@dataclass
class FakeStats:
    """Counters for assertions; ``fake.reset_stats()`` starts them over."""

    requests: Counter[tuple[str, str, int]] = field(default_factory=Counter)
    """Requests by ``(method, path, status)`` (status 0: no response)."""
    rate_limited: int = 0
    """429 answers (server-side limiter and injected ``rate_limit`` faults)."""
    blocked: int = 0
    """403 answers sent because an account is blocked."""
    blocks: int = 0
    """Times an account went into the blocked state."""
    unauthorized: int = 0
    """401 answers on API calls."""
    tokens_issued: int = 0
    """Token pairs issued by the token endpoint (both grants)."""
    token_refreshes: int = 0
    """Successful ``refresh_token`` grants."""
    rejected_refreshes: int = 0
    """Failed ``refresh_token`` grants (revoked, superseded, unknown, bad client...)."""
    entities_created: Counter[str] = field(default_factory=Counter)
    entities_updated: Counter[str] = field(default_factory=Counter)
    batch_sizes: list[int] = field(default_factory=list)
    """Entity count of every successful entity write request (POST/PATCH, complex)."""
    faults: Counter[str] = field(default_factory=Counter)
    """Injected faults that fired, by kind."""

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def count(
        self, method: str | None = None, path: str | None = None, status: int | None = None
    ) -> int:
        """Requests matching all given criteria."""
        return sum(
            n
            for (m, p, s), n in self.requests.items()
            if (method is None or m == method.upper())
            and (path is None or p == path)
            and (status is None or s == status)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "requests": [
                {"method": m, "path": p, "status": s, "count": n}
                for (m, p, s), n in self.requests.items()
            ],
            "total_requests": self.total_requests,
            "rate_limited": self.rate_limited,
            "blocked": self.blocked,
            "blocks": self.blocks,
            "unauthorized": self.unauthorized,
            "tokens_issued": self.tokens_issued,
            "token_refreshes": self.token_refreshes,
            "rejected_refreshes": self.rejected_refreshes,
            "entities_created": dict(self.entities_created),
            "entities_updated": dict(self.entities_updated),
            "batch_sizes": list(self.batch_sizes),
            "faults": dict(self.faults),
        }
