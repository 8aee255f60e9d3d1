"""RedisTokenStore against the real Redis: the store contract, and what is Redis-specific."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import redis.asyncio

from amocrm_async import TokenStore
from amocrm_async.redis import RedisTokenStore

from ._support import TokenStoreContract, pair

pytestmark = pytest.mark.anyio


class TestRedisTokenStore(TokenStoreContract):
    async def test_layout_in_redis(
        self, make_store: Callable[..., RedisTokenStore], redis_url: str, prefix: str
    ) -> None:
        store = make_store()
        assert isinstance(store, TokenStore)
        await store.compare_and_set("acme {x}", None, pair("1"), "acme.amocrm.ru")
        async with store.lock("acme {x}"):
            client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
            try:
                keys = sorted([key async for key in client.scan_iter(match=f"{prefix}*")])
                base = f"{prefix}{{acme%20%7Bx%7D}}"
                assert keys == [f"{base}:fence", f"{base}:lock", f"{base}:token"]
                record = await client.hgetall(f"{base}:token")
                assert record["version"] == "1" and record["base_domain"] == "acme.amocrm.ru"
                assert 0 < await client.pttl(f"{base}:lock") <= 60_000
                assert await client.get(f"{base}:fence") == "1"
            finally:
                await client.aclose()

    async def test_a_given_client_is_used_and_not_closed(self, redis_url: str, prefix: str) -> None:
        client = redis.asyncio.Redis.from_url(redis_url, decode_responses=True)
        try:
            async with RedisTokenStore(client, prefix=prefix) as store:
                await store.compare_and_set("k", None, pair(), "acme.amocrm.ru")
                loaded = await store.load("k")
                assert loaded is not None and loaded.token == pair()
            assert await client.ping()  # still open
        finally:
            await client.aclose()

    async def test_corrupt_record_is_an_error_naming_the_field(
        self, make_store: Callable[..., RedisTokenStore], redis_url: str, prefix: str
    ) -> None:
        client = redis.asyncio.Redis.from_url(redis_url)
        try:
            await client.hset(
                f"{prefix}{{k}}:token",
                mapping={"version": "1", "base_domain": "acme.amocrm.ru", "token": "{not json"},
            )
        finally:
            await client.aclose()
        from amocrm_async.errors import TokenStoreError

        with pytest.raises(TokenStoreError, match="bad token"):
            await make_store().load("k")

    def test_construction_errors(self) -> None:
        with pytest.raises(TypeError, match=r"Redis URL or a redis\.asyncio\.Redis"):
            RedisTokenStore(42)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="lease"):
            RedisTokenStore("redis://127.0.0.1:6379/0", lease=0)
        with pytest.raises(ValueError, match="lock_timeout"):
            RedisTokenStore("redis://127.0.0.1:6379/0", lock_timeout=-1)


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_needs_asyncio(anyio_backend: str) -> None:
    store = RedisTokenStore("redis://127.0.0.1:6379/0")
    with pytest.raises(RuntimeError, match="asyncio event loop"):
        await store.load("k")
