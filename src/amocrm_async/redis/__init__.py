"""Scale-out on Redis: one rate limit and one token refresh across processes and hosts.

Needs the ``redis`` extra (``pip install 'amocrm-async[redis]'``) and an asyncio event loop::

    from amocrm_async.redis import RedisRateLimiter, RedisTokenStore

    limiter = RedisRateLimiter("redis://127.0.0.1:6379/0")
    store = RedisTokenStore("redis://127.0.0.1:6379/0")
    amo = AmoCRMClient(domain, oauth=config, token_store=store, rate_limiter=limiter)

See docs/scaling.md.
"""

from ._limiter import RateLimiterUnavailableError, RedisRateLimiter
from ._token_store import RedisTokenStore

__all__ = ["RateLimiterUnavailableError", "RedisRateLimiter", "RedisTokenStore"]
