"""Token pairs in PostgreSQL (asyncpg): a versioned row, a leased refresh lock with fencing.

Needs the ``postgres`` extra (``pip install 'amocrm-async[postgres]'``) and an asyncio event
loop::

    from amocrm_async.postgres import PostgresTokenStore

    store = PostgresTokenStore("postgresql://app@db.internal/app")   # or an asyncpg pool
    amo = AmoCRMClient(domain, oauth=config, token_store=store)

See docs/auth.md (token stores) and docs/scaling.md.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import anyio
import asyncpg  # type: ignore[import-untyped]
import asyncpg.exceptions  # type: ignore[import-untyped]

from ._closeable import AsyncCloseable
from ._lease import LeasedLocks, check_key, check_write, decode_record, require_asyncio
from ._token_store import StoredToken
from ._tokens import OAuthToken

__all__ = ["PostgresTokenStore"]

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,47}")

_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
)


def _identifier(value: str, what: str) -> str:
    if not isinstance(value, str) or not _IDENTIFIER.fullmatch(value):
        raise ValueError(
            f"{what} must be a plain SQL identifier (letters, digits, _), got {value!r}"
        )
    return f'"{value}"'


class PostgresTokenStore(LeasedLocks, AsyncCloseable):
    """A :class:`~amocrm_async.TokenStore` in PostgreSQL, for processes on many hosts.

    Constructed from a DSN (the store creates, and :meth:`aclose` closes, a small pool) or from
    an ``asyncpg.Pool``. Two tables, created on first use unless ``create_tables=False``
    (``CREATE TABLE IF NOT EXISTS``; :meth:`create_tables` gives the DDL run)::

        {table}        (key text PRIMARY KEY, version bigint, base_domain text, token jsonb,
                        updated_at timestamptz)
        {table}_locks  (key text PRIMARY KEY, owner text, fence bigint, expires_at timestamptz)

    * ``compare_and_set`` is ``UPDATE … WHERE key = $1 AND version = $2`` (``INSERT … ON
      CONFLICT DO NOTHING`` for the first pair), so exactly one of several writers of a version
      wins;
    * ``lock(key)`` takes a lease row: an upsert that succeeds only if the row is free or its
      lease (server time, ``clock_timestamp()``) ran out, and bumps the row's fence. A lease
      survives connection loss and needs no connection held during the refresh; a holder that
      died blocks the others for one lease at most;
    * a ``compare_and_set`` inside ``lock(key)`` first reads the lock row ``FOR SHARE`` in the
      same transaction and writes only if its fence is still the newest: a holder paused past
      its lease cannot overwrite the pair of the holder after it.

    Tokens are credentials: restrict the table to the application's role, and consider
    encrypting the ``token`` column. An unreachable server raises
    :class:`~amocrm_async.errors.TokenStoreError` (``TokenStoreLockTimeoutError`` for the lock).
    Runs on asyncio (asyncpg).
    """

    _unavailable = _UNAVAILABLE

    def __init__(
        self,
        pool: str | asyncpg.Pool,
        *,
        table: str = "amocrm_tokens",
        schema: str | None = None,
        create_tables: bool = True,
        lock_timeout: float = 30.0,
        lease: float = 60.0,
        max_pool_size: int = 4,
    ) -> None:
        super().__init__(lock_timeout=lock_timeout, lease=lease)
        qualified = "" if schema is None else _identifier(schema, "schema") + "."
        self._table = qualified + _identifier(table, "table")
        self._locks = qualified + _identifier(f"{table}_locks", "table")
        self.table = table if schema is None else f"{schema}.{table}"
        if isinstance(pool, str):
            if not pool:
                raise ValueError("PostgresTokenStore: the DSN is empty")
            self._dsn: str | None = pool
            self._pool: asyncpg.Pool | None = None
        elif isinstance(pool, asyncpg.Pool):
            self._dsn = None
            self._pool = pool
        else:
            raise TypeError(
                f"PostgresTokenStore takes a DSN or an asyncpg.Pool, not {type(pool).__name__}"
            )
        self._max_pool_size = max_pool_size
        self._create = create_tables
        self._ready = False
        self._setup_lock = anyio.Lock()

    def ddl(self) -> str:
        """The ``CREATE TABLE IF NOT EXISTS`` statements for both tables."""
        return (
            f"CREATE TABLE IF NOT EXISTS {self._table} (\n"
            "    key text PRIMARY KEY,\n"
            "    version bigint NOT NULL CHECK (version >= 1),\n"
            "    base_domain text NOT NULL,\n"
            "    token jsonb NOT NULL,\n"
            "    updated_at timestamptz NOT NULL DEFAULT now()\n"
            ");\n"
            f"CREATE TABLE IF NOT EXISTS {self._locks} (\n"
            "    key text PRIMARY KEY,\n"
            "    owner text,\n"
            "    fence bigint NOT NULL,\n"
            "    expires_at timestamptz NOT NULL\n"
            ");"
        )

    async def create_tables(self) -> None:
        """Create both tables if missing (safe to run from many processes at once)."""
        pool = await self._get_pool()
        async with pool.acquire() as connection, connection.transaction():
            # concurrent CREATE TABLE IF NOT EXISTS can still collide in the catalog
            await connection.execute("SELECT pg_advisory_xact_lock(hashtext('amocrm_async:ddl'))")
            await connection.execute(self.ddl())
        self._ready = True

    async def _get_pool(self) -> asyncpg.Pool:
        require_asyncio("PostgresTokenStore", "asyncpg")
        if self._pool is not None:
            return self._pool
        async with self._setup_lock:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn, min_size=0, max_size=self._max_pool_size, timeout=10
                )
        return self._pool

    async def _prepared(self) -> asyncpg.Pool:
        pool = await self._get_pool()
        if self._create and not self._ready:
            async with self._setup_lock:
                if not self._ready:
                    await self.create_tables()
        return pool

    async def _ready_pool(self, what: str) -> asyncpg.Pool:
        try:
            return await self._prepared()
        except _UNAVAILABLE as exc:
            raise self._unreachable(what, exc) from exc

    def _where(self) -> str:
        if self._dsn is None or "://" not in self._dsn:
            return f"PostgreSQL ({self.table})"
        parts = urlsplit(self._dsn)
        host = parts.hostname or "localhost"
        port = f":{parts.port}" if parts.port else ""
        return f"PostgreSQL at {host}{port}{parts.path} ({self.table})"

    async def load(self, key: str) -> StoredToken | None:
        key = check_key(key)
        what = f"could not load the pair for {key!r}"
        pool = await self._ready_pool(what)
        try:
            row = await pool.fetchrow(
                f"SELECT version, base_domain, token::text AS token FROM {self._table} "
                "WHERE key = $1",
                key,
            )
        except _UNAVAILABLE as exc:
            raise self._unreachable(what, exc) from exc
        if row is None:
            return None
        return decode_record(key, row["version"], row["base_domain"], row["token"])

    async def compare_and_set(
        self,
        key: str,
        expected_version: int | None,
        token: OAuthToken,
        base_domain: str,
    ) -> StoredToken | None:
        key = check_key(key)
        check_write(expected_version, token, base_domain)
        what = f"could not save the pair for {key!r}"
        pool = await self._ready_pool(what)
        lease = self.held_lease(key)
        try:
            async with pool.acquire() as connection, connection.transaction():
                if lease is not None:
                    fence = await connection.fetchval(
                        f"SELECT fence FROM {self._locks} WHERE key = $1 FOR SHARE", key
                    )
                    if fence != lease.fence:
                        self._log_fenced(key, lease)
                        return None
                version = await self._write(connection, key, expected_version, token, base_domain)
        except _UNAVAILABLE as exc:
            raise self._unreachable(what, exc) from exc
        return None if version is None else StoredToken(token, base_domain, int(version))

    async def _write(
        self,
        connection: Any,
        key: str,
        expected_version: int | None,
        token: OAuthToken,
        base_domain: str,
    ) -> int | None:
        if expected_version is None:
            version: int | None = await connection.fetchval(
                f"INSERT INTO {self._table} (key, version, base_domain, token) "
                "VALUES ($1, 1, $2, $3::jsonb) ON CONFLICT (key) DO NOTHING RETURNING version",
                key,
                base_domain,
                token.to_json(),
            )
            return version
        version = await connection.fetchval(
            f"UPDATE {self._table} SET version = version + 1, base_domain = $3, "
            "token = $4::jsonb, updated_at = now() WHERE key = $1 AND version = $2 "
            "RETURNING version",
            key,
            expected_version,
            base_domain,
            token.to_json(),
        )
        return version

    async def delete(self, key: str) -> None:
        """Forget the pair (e.g. after the integration was uninstalled)."""
        key = check_key(key)
        what = f"could not delete the pair for {key!r}"
        pool = await self._ready_pool(what)
        try:
            await pool.execute(f"DELETE FROM {self._table} WHERE key = $1", key)
        except _UNAVAILABLE as exc:
            raise self._unreachable(what, exc) from exc

    async def _try_lock(self, key: str, owner: str) -> int | None:
        pool = await self._prepared()
        fence: int | None = await pool.fetchval(
            f"INSERT INTO {self._locks} AS held (key, owner, fence, expires_at) "
            "VALUES ($1, $2, 1, clock_timestamp() + $3::double precision * interval '1 ms') "
            "ON CONFLICT (key) DO UPDATE SET owner = EXCLUDED.owner, fence = held.fence + 1, "
            "expires_at = EXCLUDED.expires_at WHERE held.expires_at <= clock_timestamp() "
            "RETURNING fence",
            key,
            owner,
            float(self.lease_ms),
        )
        return fence

    async def _unlock(self, key: str, owner: str) -> None:
        pool = await self._get_pool()
        await pool.execute(
            f"UPDATE {self._locks} SET owner = NULL, expires_at = '-infinity' "
            "WHERE key = $1 AND owner = $2",
            key,
            owner,
        )

    async def aclose(self) -> None:
        """Close the pool if this store created it from a DSN."""
        if self._dsn is not None and self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    def __repr__(self) -> str:
        return f"PostgresTokenStore({self._where()!r})"
