"""Web-framework integrations: :mod:`amocrm_async.integrations.fastapi` (extra ``fastapi``) and
:mod:`amocrm_async.integrations.aiohttp` (extra ``aiohttp``).

Both are thin adapters over :class:`IntegrationCore`, which holds the clients and makes the
security checks; see docs/fastapi.md and docs/aiohttp.md.
"""

from ._core import (
    STATE_COOKIE,
    BotRequest,
    EventHandler,
    IntegrationCore,
    IntegrationError,
    MemoryReplayCache,
    ReplayCache,
)

__all__ = [
    "STATE_COOKIE",
    "BotRequest",
    "EventHandler",
    "IntegrationCore",
    "IntegrationError",
    "MemoryReplayCache",
    "ReplayCache",
]
