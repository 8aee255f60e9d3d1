"""PostgresTokenStore against the real PostgreSQL: the store contract, in a schema per test."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import pytest

from amocrm_async import TokenStore
from amocrm_async.errors import TokenStoreError
from amocrm_async.postgres import PostgresTokenStore
from tests._closing import closing_all
from tests.scale_out._support import PG_DEFAULT, TokenStoreContract, pair, server_url

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # asyncpg runs on asyncio only


@pytest.fixture
async def pg_dsn() -> str:
    dsn = server_url("AMOCRM_TEST_PG_DSN", PG_DEFAULT)
    try:
        connection = await asyncpg.connect(dsn, timeout=5)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        pytest.fail(
            f"PostgreSQL does not answer ({type(exc).__name__}); start it, or set "
            "AMOCRM_TEST_PG_DSN= (empty) to skip these tests"
        )
    await connection.close()
    return dsn


@pytest.fixture
async def schema(pg_dsn: str) -> AsyncIterator[str]:
    """A schema of this test only, dropped afterwards."""
    name = f"amocrm_test_{uuid.uuid4().hex[:16]}"
    connection = await asyncpg.connect(pg_dsn)
    try:
        await connection.execute(f'CREATE SCHEMA "{name}"')
        yield name
        await connection.execute(f'DROP SCHEMA "{name}" CASCADE')
    finally:
        await connection.close()


@pytest.fixture
async def make_store(pg_dsn: str, schema: str) -> AsyncIterator[Callable[..., PostgresTokenStore]]:
    async for make in closing_all(partial(PostgresTokenStore, pg_dsn, schema=schema)):
        yield make


@pytest.fixture
def unreachable_store(schema: str) -> Callable[..., PostgresTokenStore]:
    def make(**options: Any) -> PostgresTokenStore:
        options.setdefault("lock_timeout", 1)
        return PostgresTokenStore(
            "postgresql://app:hunter2@127.0.0.1:1/test", schema=schema, **options
        )

    return make


class TestPostgresTokenStore(TokenStoreContract):
    async def test_tables_and_rows(
        self, make_store: Callable[..., PostgresTokenStore], pg_dsn: str, schema: str
    ) -> None:
        store = make_store()
        assert isinstance(store, TokenStore)
        await store.compare_and_set("acct", None, pair("1"), "acme.amocrm.ru")
        async with store.lock("acct"):
            connection = await asyncpg.connect(pg_dsn)
            try:
                row = await connection.fetchrow(
                    f'SELECT version, base_domain, token FROM "{schema}".amocrm_tokens'
                )
                lock = await connection.fetchrow(
                    f"SELECT fence, owner IS NOT NULL AS held, expires_at > now() AS live "
                    f'FROM "{schema}".amocrm_tokens_locks WHERE key = $1',
                    "acct",
                )
            finally:
                await connection.close()
        assert (row["version"], row["base_domain"]) == (1, "acme.amocrm.ru")
        assert '"access_token"' in row["token"]
        assert (lock["fence"], lock["held"], lock["live"]) == (1, True, True)

    async def test_a_given_pool_is_used_and_not_closed(self, pg_dsn: str, schema: str) -> None:
        pool = await asyncpg.create_pool(pg_dsn, min_size=1, max_size=2)
        try:
            async with PostgresTokenStore(pool, schema=schema, table="tokens") as store:
                await store.compare_and_set("k", None, pair(), "acme.amocrm.ru")
                loaded = await store.load("k")
                assert loaded is not None and loaded.token == pair()
            assert await pool.fetchval(f'SELECT count(*) FROM "{schema}".tokens') == 1
        finally:
            await pool.close()

    async def test_without_create_tables_a_missing_table_is_an_error(
        self, make_store: Callable[..., PostgresTokenStore]
    ) -> None:
        store = make_store(create_tables=False)
        with pytest.raises(asyncpg.UndefinedTableError):
            await store.load("acct")
        await store.create_tables()
        assert await store.load("acct") is None

    async def test_corrupt_record_is_an_error_naming_the_field(
        self, make_store: Callable[..., PostgresTokenStore], pg_dsn: str, schema: str
    ) -> None:
        store = make_store()
        await store.compare_and_set("acct", None, pair(), "acme.amocrm.ru")
        connection = await asyncpg.connect(pg_dsn)
        try:
            await connection.execute(
                f'UPDATE "{schema}".amocrm_tokens SET token = \'{{"access_token": 1}}\''
            )
        finally:
            await connection.close()
        with pytest.raises(TokenStoreError, match="bad token"):
            await store.load("acct")

    def test_identifiers_are_checked(self) -> None:
        with pytest.raises(ValueError, match="table"):
            PostgresTokenStore("postgresql://x/y", table='t"; DROP TABLE x; --')
        with pytest.raises(ValueError, match="schema"):
            PostgresTokenStore("postgresql://x/y", schema="a b")
        with pytest.raises(TypeError, match=r"DSN or an asyncpg\.Pool"):
            PostgresTokenStore(3)
        assert "hunter2" not in repr(PostgresTokenStore("postgresql://u:hunter2@db:5433/app"))
