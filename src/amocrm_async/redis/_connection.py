"""The ``redis.asyncio`` client behind the Redis limiter and store: from a URL or given."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import redis.asyncio
import redis.exceptions
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

from .._lease import require_asyncio

__all__ = ["UNAVAILABLE", "Connection", "hash_tag", "text"]

#: "the server did not answer" (as opposed to a script error, which is a bug and propagates)
UNAVAILABLE: tuple[type[BaseException], ...] = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    OSError,
)


def hash_tag(part: str) -> str:
    """``{part}`` with braces escaped, so Redis Cluster keeps one account's keys in one slot."""
    return "{" + quote(part, safe="") + "}"


def text(value: Any) -> str:
    """A reply as ``str``, whether or not the client decodes responses."""
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


class Connection:
    """A client and whether we created it (then :meth:`aclose` closes it).

    A URL gets short timeouts and no retries: an unreachable server should surface within a
    couple of seconds (the limiter then falls back, the store raises) rather than hang a request.
    A client you pass is used as configured.
    """

    def __init__(self, client: str | redis.asyncio.Redis, what: str) -> None:
        if isinstance(client, str):
            if not client:
                raise ValueError(f"{what}: the Redis URL is empty")
            self.client: redis.asyncio.Redis = redis.asyncio.Redis.from_url(
                client,
                socket_connect_timeout=2.0,
                socket_timeout=5.0,
                retry=Retry(NoBackoff(), 0),
            )
            self.owned = True
        elif isinstance(client, redis.asyncio.Redis):
            self.client = client
            self.owned = False
        else:
            raise TypeError(
                f"{what} takes a Redis URL or a redis.asyncio.Redis client, "
                f"not {type(client).__name__}"
            )
        self.what = what

    def check_loop(self) -> None:
        require_asyncio(self.what, "redis.asyncio")

    def describe(self) -> str:
        """``redis://host:port/db`` without user or password."""
        pool = self.client.connection_pool
        kwargs = pool.connection_kwargs
        if "path" in kwargs:
            return f"unix://{kwargs['path']}"
        scheme = "rediss" if "SSL" in pool.connection_class.__name__ else "redis"
        host, port = kwargs.get("host", "localhost"), kwargs.get("port", 6379)
        return f"{scheme}://{host}:{port}/{kwargs.get('db', 0)}"

    async def aclose(self) -> None:
        if self.owned:
            await self.client.aclose()
