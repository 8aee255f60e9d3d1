"""MemoryTokenStore and FileTokenStore: compare-and-set, atomic files, locks."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import anyio
import pytest

from amocrm_async._token_store import (
    FileTokenStore,
    MemoryTokenStore,
    StoredToken,
    TokenStore,
)
from amocrm_async._tokens import OAuthToken
from amocrm_async.errors import TokenStoreError, TokenStoreLockTimeoutError

pytestmark = pytest.mark.anyio


def pair(n: int) -> OAuthToken:
    return OAuthToken(
        access_token=f"access-{n}", refresh_token=f"refresh-{n}", expires_at=1_800_000_000.0 + n
    )


@pytest.fixture(params=["memory", "file"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> TokenStore:
    if request.param == "memory":
        return MemoryTokenStore()
    return FileTokenStore(tmp_path / "tokens", lock_timeout=2)


async def test_compare_and_set_versions(any_store: TokenStore) -> None:
    assert isinstance(any_store, TokenStore)
    assert await any_store.load("acme") is None
    assert await any_store.compare_and_set("acme", 1, pair(1), "acme.amocrm.ru") is None

    first = await any_store.compare_and_set("acme", None, pair(1), "acme.amocrm.ru")
    assert first == StoredToken(pair(1), "acme.amocrm.ru", 1)
    assert await any_store.compare_and_set("acme", None, pair(2), "acme.amocrm.ru") is None

    second = await any_store.compare_and_set("acme", 1, pair(2), "new.amocrm.ru")
    assert second == StoredToken(pair(2), "new.amocrm.ru", 2)
    assert await any_store.compare_and_set("acme", 1, pair(3), "acme.amocrm.ru") is None
    assert await any_store.load("acme") == second
    assert await any_store.load("other") is None


async def test_keys_are_independent(any_store: TokenStore) -> None:
    keys = ["acme", "acme.amocrm.ru", "acme/amocrm", "..", "ключ", "a.write", "a"]
    for n, key in enumerate(keys):
        assert await any_store.compare_and_set(key, None, pair(n), f"s{n}.amocrm.ru")
    for n, key in enumerate(keys):
        record = await any_store.load(key)
        assert record is not None and record.token == pair(n)


async def test_lock_is_exclusive(any_store: TokenStore) -> None:
    order: list[str] = []

    async def holder(name: str) -> None:
        async with any_store.lock("acme"):
            order.append(f"{name} in")
            await anyio.sleep(0.02)
            order.append(f"{name} out")

    async with anyio.create_task_group() as tg:
        tg.start_soon(holder, "a")
        tg.start_soon(holder, "b")

    assert order in (["a in", "a out", "b in", "b out"], ["b in", "b out", "a in", "a out"])


async def test_concurrent_compare_and_set_has_one_winner(any_store: TokenStore) -> None:
    await any_store.compare_and_set("acme", None, pair(0), "acme.amocrm.ru")
    results: list[StoredToken | None] = []

    async def write(n: int) -> None:
        results.append(await any_store.compare_and_set("acme", 1, pair(n), "acme.amocrm.ru"))

    async with anyio.create_task_group() as tg:
        for n in range(1, 6):
            tg.start_soon(write, n)

    winners = [r for r in results if r is not None]
    assert len(winners) == 1 and winners[0].version == 2
    assert await any_store.load("acme") == winners[0]


async def test_memory_store_delete() -> None:
    store = MemoryTokenStore()
    await store.compare_and_set("acme", None, pair(1), "acme.amocrm.ru")
    await store.delete("acme")
    assert await store.load("acme") is None
    assert "access-1" not in repr(store)


async def test_file_is_private_and_replaced_atomically(tmp_path: Path) -> None:
    directory = tmp_path / "tokens"
    store = FileTokenStore(directory)
    async with store.lock("acme"):
        await store.compare_and_set("acme", None, pair(1), "acme.amocrm.ru")
        await store.compare_and_set("acme", 1, pair(2), "acme.amocrm.ru")

    path = store.token_path("acme")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.lock_path("acme").stat().st_mode) == 0o600
    data = json.loads(path.read_text())
    assert data["version"] == 2 and data["key"] == "acme"
    assert data["base_domain"] == "acme.amocrm.ru"
    assert data["token"]["refresh_token"] == "refresh-2"
    assert sorted(p.name for p in directory.iterdir()) == [
        "acme.json",
        "acme.lock",
        "acme.write.lock",
    ]


async def test_crash_before_rename_keeps_the_previous_pair(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = FileTokenStore(tmp_path)
    await store.compare_and_set("acme", None, pair(1), "acme.amocrm.ru")
    before = store.token_path("acme").read_bytes()
    real_replace = os.replace
    seen: list[str] = []

    def crash(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        seen.append(Path(src).read_text())
        raise OSError("power cut")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="power cut"):
        await store.compare_and_set("acme", 1, pair(2), "acme.amocrm.ru")
    monkeypatch.setattr(os, "replace", real_replace)

    assert json.loads(seen[0])["token"]["refresh_token"] == "refresh-2"  # it was fully written
    assert store.token_path("acme").read_bytes() == before
    assert await store.load("acme") == StoredToken(pair(1), "acme.amocrm.ru", 1)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    assert await store.compare_and_set("acme", 1, pair(2), "acme.amocrm.ru") is not None


async def test_leftover_temporary_file_is_ignored(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path)
    await store.compare_and_set("acme", None, pair(1), "acme.amocrm.ru")
    (tmp_path / ".acme.json.deadbeef.tmp").write_text('{"half": ')
    assert await store.load("acme") == StoredToken(pair(1), "acme.amocrm.ru", 1)


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "[]",
        '{"format": 2}',
        '{"format": 1, "key": "other", "version": 1}',
        '{"format": 1, "key": "acme", "version": 0, "base_domain": "a.amocrm.ru", "token": {}}',
        '{"format": 1, "key": "acme", "version": 1, "base_domain": "a.amocrm.ru", "token": {}}',
    ],
)
async def test_unusable_file_raises_a_clear_error(tmp_path: Path, content: str) -> None:
    store = FileTokenStore(tmp_path)
    store.token_path("acme").write_text(content)
    with pytest.raises(TokenStoreError, match="unusable"):
        await store.load("acme")


async def test_file_store_delete(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path)
    await store.compare_and_set("acme", None, pair(1), "acme.amocrm.ru")
    await store.delete("acme")
    await store.delete("acme")
    assert await store.load("acme") is None


async def test_lock_excludes_a_second_holder_and_times_out(tmp_path: Path) -> None:
    holder = FileTokenStore(tmp_path)
    waiter = FileTokenStore(tmp_path, lock_timeout=0.2)
    async with holder.lock("acme"):
        with pytest.raises(TokenStoreLockTimeoutError, match="acme"):
            async with waiter.lock("acme"):
                pytest.fail("two holders at once")
        async with waiter.lock("other"):
            pass
    async with waiter.lock("acme"):
        pass


async def test_lock_held_by_another_process(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path, lock_timeout=0.3)
    lock_file = store.lock_path("acme")
    script = (
        "import fcntl, os, sys\n"
        "fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "sys.stdin.read()\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(lock_file)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "locked"
        with pytest.raises(TokenStoreLockTimeoutError):
            async with store.lock("acme"):
                pytest.fail("the other process holds the lock")
    finally:
        process.kill()
        process.wait(timeout=10)
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()
        process.stdout.close()
    async with store.lock("acme"):
        pass


async def test_cancelled_waiter_does_not_keep_the_lock(tmp_path: Path) -> None:
    store = FileTokenStore(tmp_path, lock_timeout=5)
    other = FileTokenStore(tmp_path, lock_timeout=5)
    async with store.lock("acme"):
        with anyio.move_on_after(0.05):
            async with other.lock("acme"):
                pytest.fail("acquired while held")
    with anyio.fail_after(2):
        async with other.lock("acme"):
            pass


def test_store_arguments_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="lock_timeout"):
        FileTokenStore(tmp_path, lock_timeout=0)
    store = FileTokenStore(tmp_path)
    with pytest.raises(ValueError, match="non-empty"):
        store.token_path("")
    with pytest.raises(ValueError, match="too long"):
        store.token_path("k" * 300)
    assert str(tmp_path) in repr(store)
