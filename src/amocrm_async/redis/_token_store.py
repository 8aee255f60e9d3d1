"""Token pairs in Redis: compare-and-set in Lua, a leased refresh lock with a fencing token."""

from __future__ import annotations

import redis.asyncio

from .._closeable import AsyncCloseable
from .._lease import LeasedLocks, check_key, check_write, decode_record
from .._token_store import StoredToken
from .._tokens import OAuthToken
from ._connection import UNAVAILABLE, Connection, hash_tag, text

__all__ = ["RedisTokenStore"]

# KEYS: record hash, lock, fence counter. ARGV: expected version ('' = nothing stored yet),
# base domain, token JSON, fence ('' = written outside the lock). Replies: {1, version} saved,
# {0} the version moved on, {-1} a newer lock holder exists (this holder's lease ran out).
_CAS = """
if ARGV[4] ~= '' and redis.call('GET', KEYS[3]) ~= ARGV[4] then return {-1} end
local current = redis.call('HGET', KEYS[1], 'version')
if ARGV[1] == '' then
  if current then return {0} end
elseif current ~= ARGV[1] then
  return {0}
end
local version = (tonumber(current) or 0) + 1
redis.call('HSET', KEYS[1], 'version', version, 'base_domain', ARGV[2], 'token', ARGV[3])
return {1, version}
"""

# KEYS: lock, fence counter. ARGV: owner, lease (ms). The lock's value is its owner; it
# vanishes with its lease, so a dead holder blocks the others for one lease at most.
_LOCK = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return false
"""

_UNLOCK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

_SAVED, _FENCED = 1, -1


class RedisTokenStore(LeasedLocks, AsyncCloseable):
    """A :class:`~amocrm_async.TokenStore` in Redis, for processes on many hosts.

    ``RedisTokenStore("redis://127.0.0.1:6379/0")`` (or a ``redis.asyncio.Redis`` client). For a
    store key ``K`` under ``prefix`` (one hash tag per key, so Redis Cluster works):

    * ``{K}:token`` — a hash ``version``, ``base_domain``, ``token`` (the pair as JSON);
      ``compare_and_set`` is one Lua script (check the version, write, bump it);
    * ``{K}:lock`` — the refresh lock, ``SET NX PX lease`` with a random owner; released by a
      script that deletes it only for its owner;
    * ``{K}:fence`` — a counter bumped by every lock acquisition. A ``compare_and_set`` inside
      ``lock(K)`` carries its fence and is refused if a newer one was handed out: a holder
      paused past its lease cannot overwrite the pair of the holder after it.

    Tokens are credentials: protect the Redis (ACL, TLS with ``rediss://``, no public port).
    An unreachable Redis raises :class:`~amocrm_async.errors.TokenStoreError` (for the lock,
    ``TokenStoreLockTimeoutError``, so a still-valid token keeps being used). Runs on asyncio.
    """

    _unavailable = UNAVAILABLE

    def __init__(
        self,
        redis: str | redis.asyncio.Redis,
        *,
        prefix: str = "amocrm:tokens:",
        lock_timeout: float = 30.0,
        lease: float = 60.0,
    ) -> None:
        if not isinstance(prefix, str):
            raise TypeError("prefix must be a string")
        super().__init__(lock_timeout=lock_timeout, lease=lease)
        self._connection = Connection(redis, "RedisTokenStore")
        client = self._connection.client
        self._cas = client.register_script(_CAS)
        self._lock_script = client.register_script(_LOCK)
        self._unlock_script = client.register_script(_UNLOCK)
        self.prefix = prefix

    def _keys(self, key: str) -> tuple[str, str, str]:
        base = self.prefix + hash_tag(check_key(key))
        return f"{base}:token", f"{base}:lock", f"{base}:fence"

    def _where(self) -> str:
        return f"Redis at {self._connection.describe()}"

    async def load(self, key: str) -> StoredToken | None:
        record_key, _, _ = self._keys(key)
        self._connection.check_loop()
        try:
            raw = await self._connection.client.hgetall(record_key)
        except UNAVAILABLE as exc:
            raise self._unreachable(f"could not load the pair for {key!r}", exc) from exc
        if not raw:
            return None
        fields = {text(k): text(v) for k, v in raw.items()}
        return decode_record(
            key, fields.get("version"), fields.get("base_domain"), fields.get("token")
        )

    async def compare_and_set(
        self,
        key: str,
        expected_version: int | None,
        token: OAuthToken,
        base_domain: str,
    ) -> StoredToken | None:
        record_key, lock_key, fence_key = self._keys(key)
        check_write(expected_version, token, base_domain)
        self._connection.check_loop()
        lease = self.held_lease(key)
        args = [
            "" if expected_version is None else str(expected_version),
            base_domain,
            token.to_json(),
            "" if lease is None else str(lease.fence),
        ]
        try:
            reply = await self._cas(keys=[record_key, lock_key, fence_key], args=args)
        except UNAVAILABLE as exc:
            raise self._unreachable(f"could not save the pair for {key!r}", exc) from exc
        status = int(reply[0])
        if status == _SAVED:
            return StoredToken(token, base_domain, int(reply[1]))
        if status == _FENCED and lease is not None:
            self._log_fenced(key, lease)
        return None

    async def delete(self, key: str) -> None:
        """Forget the pair (e.g. after the integration was uninstalled)."""
        record_key, _, _ = self._keys(key)
        self._connection.check_loop()
        try:
            await self._connection.client.delete(record_key)
        except UNAVAILABLE as exc:
            raise self._unreachable(f"could not delete the pair for {key!r}", exc) from exc

    async def _try_lock(self, key: str, owner: str) -> int | None:
        _, lock_key, fence_key = self._keys(key)
        self._connection.check_loop()
        fence = await self._lock_script(keys=[lock_key, fence_key], args=[owner, self.lease_ms])
        return None if fence is None else int(fence)

    async def _unlock(self, key: str, owner: str) -> None:
        _, lock_key, _ = self._keys(key)
        await self._unlock_script(keys=[lock_key], args=[owner])

    async def aclose(self) -> None:
        """Close the Redis client if this store created it from a URL."""
        await self._connection.aclose()

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._connection.describe()!r}, prefix={self.prefix!r})"
