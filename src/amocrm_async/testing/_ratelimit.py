"""Sliding one-second windows per (integration, account) and per account, plus the 403 block."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Literal

__all__ = ["RateLimitSettings", "RateLimiter"]

RetryAfterHeader = Literal["seconds", "date"] | None


@dataclass(slots=True)
class RateLimitSettings:
    """Knobs of the server-side limiter (see :meth:`FakeAmoCRM.set_rate_limit`)."""

    enabled: bool = False
    integration_rps: float = 7.0
    account_rps: float = 50.0
    window: float = 1.0
    block_after: int | None = 10
    block_window: float = 60.0
    retry_after: float | None = None
    retry_after_header: RetryAfterHeader = None


class RateLimiter:
    """Counts admitted requests in sliding windows on a monotonic clock."""

    def __init__(self, settings: RateLimitSettings) -> None:
        self.settings = settings
        self._per_client: dict[tuple[str, int], deque[float]] = {}
        self._per_account: dict[int, deque[float]] = {}
        self._rejections: dict[int, deque[float]] = {}

    def reset(self) -> None:
        self._per_client.clear()
        self._per_account.clear()
        self._rejections.clear()

    def _prune(self, window: deque[float], now: float) -> None:
        horizon = now - self.settings.window
        while window and window[0] <= horizon:
            window.popleft()

    def check(self, client: str, account_id: int, now: float) -> float | None:
        """Admit the request (returns ``None``) or return seconds until it would be admitted."""
        s = self.settings
        client_window = self._per_client.setdefault((client, account_id), deque())
        account_window = self._per_account.setdefault(account_id, deque())
        self._prune(client_window, now)
        self._prune(account_window, now)
        waits = []
        if len(client_window) + 1 > s.integration_rps:
            waits.append(client_window[0] + s.window - now if client_window else s.window)
        if len(account_window) + 1 > s.account_rps:
            waits.append(account_window[0] + s.window - now if account_window else s.window)
        if waits:
            return max(waits)
        client_window.append(now)
        account_window.append(now)
        return None

    def retry_after_seconds(self, wait: float) -> int:
        if self.settings.retry_after is not None:
            return max(0, math.ceil(self.settings.retry_after))
        return max(1, math.ceil(wait))

    def record_rejection(self, account_id: int, now: float) -> bool:
        """Remember a 429; return True when the account must now be blocked."""
        limit = self.settings.block_after
        if limit is None:
            return False
        window = self._rejections.setdefault(account_id, deque())
        horizon = now - self.settings.block_window
        while window and window[0] <= horizon:
            window.popleft()
        window.append(now)
        return len(window) >= limit

    def forget(self, account_id: int | None) -> None:
        if account_id is None:
            self.reset()
            return
        self._per_account.pop(account_id, None)
        self._rejections.pop(account_id, None)
        for key in [k for k in self._per_client if k[1] == account_id]:
            del self._per_client[key]
