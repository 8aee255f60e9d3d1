"""Servers for the scale-out tests: the real Redis and PostgreSQL, and a contract for stores.

``AMOCRM_TEST_REDIS_URL`` / ``AMOCRM_TEST_PG_DSN`` name the servers (default: the local ones).
Set to the empty string, the tests that need that server are skipped; otherwise a server that
does not answer fails them.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from typing import Any

import anyio
import pytest

from amocrm_async import AmoCRMClient, OAuthConfig, OAuthToken, StoredToken, TokenStore
from amocrm_async.errors import TokenStoreError, TokenStoreLockTimeoutError
from amocrm_async.testing import FakeAmoCRM

REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
PG_DEFAULT = "postgresql://postgres@127.0.0.1:5432/test"
ACCESS = "acc-SECRET-" + "a" * 40
REFRESH = "def50200ref-SECRET-" + "r" * 40


def server_url(variable: str, default: str) -> str:
    """The server to test against; skips only if ``variable`` is explicitly empty."""
    value = os.environ.get(variable)
    if value is None:
        return default
    if not value:
        pytest.skip(f"{variable} is set to the empty string: tests needing this server are off")
    return value


def pair(tag: str = "", expires_at: float = 4_000_000_000.0) -> OAuthToken:
    return OAuthToken(f"{ACCESS}{tag}", f"{REFRESH}{tag}", expires_at)


StoreFactory = Callable[..., TokenStore]


class TokenStoreContract:
    """What every server-backed store must do; subclasses provide ``make_store(**options)``.

    Each ``make_store()`` call is a separate store object with its own connection, standing in
    for another process; all of them see the same, test-private keys.
    """

    async def test_compare_and_set_round_trip(self, make_store: StoreFactory) -> None:
        store = make_store()
        assert await store.load("acct") is None
        first = await store.compare_and_set("acct", None, pair("1"), "acme.amocrm.ru")
        assert first == StoredToken(pair("1"), "acme.amocrm.ru", 1)
        assert await store.compare_and_set("acct", None, pair("x"), "acme.amocrm.ru") is None
        loaded = await store.load("acct")
        assert loaded is not None
        assert (loaded.token.access_token, loaded.version) == (f"{ACCESS}1", 1)
        second = await store.compare_and_set("acct", 1, pair("2"), "new.amocrm.ru")
        assert second is not None and second.version == 2
        assert await store.compare_and_set("acct", 1, pair("3"), "acme.amocrm.ru") is None
        loaded = await store.load("acct")
        assert loaded is not None
        assert (loaded.token.refresh_token, loaded.base_domain, loaded.version) == (
            f"{REFRESH}2",
            "new.amocrm.ru",
            2,
        )
        assert await store.load("other") is None

    async def test_concurrent_writers_of_one_version_one_wins(
        self, make_store: StoreFactory
    ) -> None:
        stores = [make_store() for _ in range(8)]
        await stores[0].compare_and_set("acct", None, pair("0"), "acme.amocrm.ru")
        results: dict[int, StoredToken | None] = {}

        async def write(n: int) -> None:
            results[n] = await stores[n].compare_and_set("acct", 1, pair(f"w{n}"), "acme.amocrm.ru")

        async with anyio.create_task_group() as tg:
            for n in range(len(stores)):
                tg.start_soon(write, n)
        winners = [n for n, r in results.items() if r is not None]
        assert len(winners) == 1
        stored = await stores[0].load("acct")
        assert stored is not None and stored.version == 2
        assert stored.token.access_token == f"{ACCESS}w{winners[0]}"

    async def test_lock_excludes_other_holders(self, make_store: StoreFactory) -> None:
        holder, other = make_store(), make_store(lock_timeout=0.2)
        async with holder.lock("acct"):
            with pytest.raises(TokenStoreLockTimeoutError, match="acct"):
                async with other.lock("acct"):
                    pytest.fail("two holders at once")
        async with other.lock("acct"):  # released on exit
            pass

    async def test_paused_holder_past_its_lease_is_fenced(
        self, make_store: StoreFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        paused, successor = make_store(lease=0.2), make_store(lock_timeout=10)
        seed = await paused.compare_and_set("acct", None, pair("0"), "acme.amocrm.ru")
        assert seed is not None
        paused_holds = anyio.Event()
        successor_holds = anyio.Event()
        paused_wrote = anyio.Event()
        outcome: dict[str, Any] = {}

        async def paused_holder() -> None:
            async with paused.lock("acct"):
                paused_holds.set()
                read = await paused.load("acct")
                assert read is not None and read.version == 1
                await successor_holds.wait()  # "paused" until its lease ran out and was taken
                outcome["paused"] = await paused.compare_and_set(
                    "acct", read.version, pair("late"), "acme.amocrm.ru"
                )
                paused_wrote.set()

        async def next_holder() -> None:
            await paused_holds.wait()
            async with successor.lock("acct"):
                successor_holds.set()
                await paused_wrote.wait()
                read = await successor.load("acct")
                assert read is not None
                outcome["read_after_paused"] = read.version
                outcome["successor"] = await successor.compare_and_set(
                    "acct", read.version, pair("new"), "acme.amocrm.ru"
                )
                outcome["third"] = await _try_lock(make_store(lock_timeout=0.1))

        async with anyio.create_task_group() as tg:
            tg.start_soon(paused_holder)
            tg.start_soon(next_holder)
        assert outcome["paused"] is None  # version 1 is still current: only the fence refused it
        assert outcome["read_after_paused"] == 1
        assert outcome["successor"] is not None and outcome["successor"].version == 2
        assert outcome["third"] is False  # the paused holder's exit did not free the new lock
        stored = await successor.load("acct")
        assert stored is not None and stored.token.access_token == f"{ACCESS}new"
        fenced = [r for r in caplog.records if "lease" in r.getMessage() and r.levelname == "ERROR"]
        assert len(fenced) == 1

    async def test_write_outside_the_lock_is_fenced_by_version_only(
        self, make_store: StoreFactory
    ) -> None:
        holder, seeder = make_store(), make_store()
        async with holder.lock("acct"):
            assert await seeder.compare_and_set("acct", None, pair("s"), "acme.amocrm.ru")
            assert await holder.compare_and_set("acct", None, pair("h"), "acme.amocrm.ru") is None
            assert await holder.compare_and_set("acct", 1, pair("h"), "acme.amocrm.ru")

    async def test_delete(self, make_store: StoreFactory) -> None:
        store = make_store()
        await store.compare_and_set("acct", None, pair(), "acme.amocrm.ru")
        await store.delete("acct")  # type: ignore[attr-defined]
        assert await store.load("acct") is None
        assert await store.compare_and_set("acct", None, pair(), "acme.amocrm.ru") is not None

    async def test_bad_input_fails_before_io(self, make_store: StoreFactory) -> None:
        store = make_store()
        with pytest.raises(ValueError, match="key"):
            await store.load("")
        with pytest.raises(ValueError, match="expected_version"):
            await store.compare_and_set("acct", 0, pair(), "acme.amocrm.ru")
        with pytest.raises(ValueError, match="base_domain"):
            await store.compare_and_set("acct", None, pair(), "")
        with pytest.raises(TypeError, match="token"):
            await store.compare_and_set("acct", None, "tok", "acme.amocrm.ru")  # type: ignore[arg-type]
        assert await store.load("acct") is None

    async def test_one_refresh_for_many_clients_against_the_fake(
        self, make_store: StoreFactory, caplog: pytest.LogCaptureFixture
    ) -> None:
        """Eight clients, each with its own store object (as eight processes would be)."""
        caplog.set_level(logging.DEBUG)
        fake = FakeAmoCRM()
        integration = fake.register_integration()
        config = OAuthConfig(
            integration.client_id, integration.client_secret, integration.redirect_uri
        )
        issued = OAuthToken.from_token_response(fake.issue_token_pair(integration), time.time())
        expired = OAuthToken(issued.access_token, issued.refresh_token, time.time() - 60)
        seeder = make_store()
        assert await seeder.compare_and_set(fake.base_domain, None, expired, fake.base_domain)
        versions: list[int] = []

        async def worker() -> None:
            async with AmoCRMClient(
                fake.base_domain,
                oauth=config,
                token_store=make_store(),
                transport=fake.transport,
                rate_limit=1000,
                account_rate_limit=1000,
            ) as amo:
                await amo.leads.get(limit=1)
                stored = await seeder.load(fake.base_domain)
                assert stored is not None
                versions.append(stored.version)

        async with anyio.create_task_group() as tg:
            for _ in range(8):
                tg.start_soon(worker)
        assert fake.stats.token_refreshes == 1
        assert fake.stats.rejected_refreshes == 0
        assert versions == [2] * 8
        final = await seeder.load(fake.base_domain)
        assert final is not None
        secrets = [issued.access_token, issued.refresh_token, config.client_secret]
        secrets += [final.token.access_token, final.token.refresh_token]
        logged = "\n".join(record.getMessage() for record in caplog.records)
        assert "refreshed the token pair" in logged
        assert not [secret for secret in secrets if secret in logged]

    async def test_no_secret_in_repr_or_errors(
        self, make_store: StoreFactory, unreachable_store: StoreFactory
    ) -> None:
        store = make_store()
        record = await store.compare_and_set("acct", None, pair(), "acme.amocrm.ru")
        for text in (repr(store), repr(record), str(record)):
            assert "SECRET" not in text and "password" not in text.lower()
        down = unreachable_store()
        assert "SECRET" not in repr(down) and "hunter2" not in repr(down)
        with pytest.raises(TokenStoreError) as info:
            await down.load("acct")
        assert "did not answer" in str(info.value) and "hunter2" not in str(info.value)
        with pytest.raises(TokenStoreError) as info:
            await down.compare_and_set("acct", None, pair(), "acme.amocrm.ru")
        assert "SECRET" not in str(info.value) and "hunter2" not in str(info.value)
        with pytest.raises(TokenStoreLockTimeoutError):
            async with down.lock("acct"):
                pytest.fail("locked an unreachable store")


async def _try_lock(store: TokenStore) -> bool:
    try:
        async with store.lock("acct"):
            return True
    except TokenStoreLockTimeoutError:
        return False
