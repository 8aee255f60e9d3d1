"""Fixtures for the Redis tests: the real server, a private key prefix per test, asyncio only."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any

import pytest
import redis

from amocrm_async.redis import RedisTokenStore

from .._closing import closing_all
from ._support import REDIS_DEFAULT, server_url


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"  # redis.asyncio runs on asyncio only


@pytest.fixture
def redis_url() -> str:
    url = server_url("AMOCRM_TEST_REDIS_URL", REDIS_DEFAULT)
    client = redis.Redis.from_url(url, socket_connect_timeout=3)
    try:
        client.ping()
    except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError) as exc:
        pytest.fail(
            f"Redis at {url} does not answer ({type(exc).__name__}); start it, or set "
            "AMOCRM_TEST_REDIS_URL= (empty) to skip these tests"
        )
    finally:
        client.close()
    return url


@pytest.fixture
def prefix(redis_url: str) -> Iterator[str]:
    """Keys of this test only; removed afterwards."""
    value = f"amocrm-test:{uuid.uuid4().hex}:"
    yield value
    client = redis.Redis.from_url(redis_url)
    try:
        keys = list(client.scan_iter(match=f"{value}*"))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


@pytest.fixture
async def make_store(redis_url: str, prefix: str) -> AsyncIterator[Callable[..., RedisTokenStore]]:
    async for make in closing_all(partial(RedisTokenStore, redis_url, prefix=prefix)):
        yield make


@pytest.fixture
def unreachable_store(prefix: str) -> Callable[..., RedisTokenStore]:
    def make(**options: Any) -> RedisTokenStore:
        options.setdefault("lock_timeout", 1)
        return RedisTokenStore("redis://:hunter2@127.0.0.1:1/0", prefix=prefix, **options)

    return make
