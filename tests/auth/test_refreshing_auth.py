"""RefreshingAuth: single-flight refresh, 401 handling, lost responses, revocation, renames."""

from __future__ import annotations

import logging
from pathlib import Path

import anyio
import httpx
import pytest

from amocrm_async import AmoCRMClient, MemoryRateLimiter
from amocrm_async._clock import VirtualClock
from amocrm_async._oauth import OAuthConfig
from amocrm_async._refreshing_auth import RefreshingAuth
from amocrm_async._token_store import FileTokenStore, MemoryTokenStore, StoredToken
from amocrm_async._tokens import OAuthToken
from amocrm_async.errors import (
    AmoCRMError,
    InvalidBaseDomainError,
    OAuthError,
    ReauthorizationRequiredError,
    TokenStoreError,
    TokenStoreLockTimeoutError,
)

from ._support import (
    DOMAIN,
    DomainHolder,
    FakeTokenEndpoint,
    RecordingStore,
    Secrets,
    make_context,
    problem,
    seed,
)
from .conftest import MakeAuth, Send

pytestmark = pytest.mark.anyio


async def test_fresh_token_is_served_without_calling_the_endpoint(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    record = await seed(store, endpoint)
    auth = make_auth()
    assert await auth.get_access_token() == record.token.access_token
    assert await auth.get_access_token() == record.token.access_token
    assert endpoint.calls == []
    assert store.loads() == 1


async def test_refreshes_ahead_of_expiry_and_reports_the_new_pair(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    old = await seed(store, endpoint, expires_in=200)
    seen: list[tuple[OAuthToken, str]] = []
    auth = make_auth(refresh_margin=300, on_token_refreshed=lambda t, d: seen.append((t, d)))

    token = await auth.get_access_token()

    assert token != old.token.access_token
    assert endpoint.count("refresh_token") == 1
    assert endpoint.calls[0].credential == old.token.refresh_token
    stored = await store.inner.load("acme")
    assert stored is not None and stored.version == 2
    assert stored.token.access_token == token
    assert seen == [(stored.token, DOMAIN)]


async def test_async_callback_is_awaited(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-1)
    seen: list[str] = []

    async def on_refresh(token: OAuthToken, base_domain: str) -> None:
        await anyio.lowlevel.checkpoint()
        seen.append(base_domain)

    auth = make_auth(on_token_refreshed=on_refresh)
    await auth.get_access_token()
    assert seen == [DOMAIN]


async def test_a_failing_callback_is_logged_and_the_request_goes_on(
    make_auth: MakeAuth,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed(store, endpoint, expires_in=-1)

    def broken(token: OAuthToken, base_domain: str) -> None:
        raise RuntimeError("callback bug")

    auth = make_auth(on_token_refreshed=broken)
    token = await auth.get_access_token()
    stored = await store.inner.load("acme")
    assert stored is not None and stored.token.access_token == token
    assert "on_token_refreshed failed" in caplog.text


async def test_a_failing_callback_is_logged_without_its_message_or_traceback(
    make_auth: MakeAuth,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The callback holds the tokens; its exception text (and a traceback) may quote them."""
    await seed(store, endpoint, expires_in=-1)

    async def leaky(token: OAuthToken, base_domain: str) -> None:
        raise ValueError(f"cannot save {token.access_token} / {token.refresh_token}")

    auth = make_auth(on_token_refreshed=leaky)
    await auth.get_access_token()

    [record] = [r for r in caplog.records if "on_token_refreshed" in r.getMessage()]
    assert record.levelno == logging.ERROR
    assert record.exc_info is None and record.exc_text is None and record.stack_info is None
    message = record.getMessage()
    assert "ValueError" in message and "test_refreshing_auth.py" in message and "leaky" in message
    # the autouse leak guard checks every record for the tokens


async def test_hundred_concurrent_callers_cause_exactly_one_refresh(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-10)
    endpoint.checkpoints = 20
    auth = make_auth()
    tokens: list[str] = []

    async def call() -> None:
        tokens.append(await auth.get_access_token())

    async with anyio.create_task_group() as tg:
        for _ in range(100):
            tg.start_soon(call)

    assert endpoint.count("refresh_token") == 1
    assert len(tokens) == 100 and len(set(tokens)) == 1
    stored = await store.inner.load("acme")
    assert stored is not None and stored.version == 2 and stored.token.access_token == tokens[0]


async def test_two_clients_sharing_a_memory_store_refresh_once(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-10)
    first, second = make_auth(), make_auth()
    results: list[str] = []

    async def call(auth: RefreshingAuth) -> None:
        results.append(await auth.get_access_token())

    async with anyio.create_task_group() as tg:
        for _ in range(10):
            tg.start_soon(call, first)
            tg.start_soon(call, second)

    assert endpoint.count("refresh_token") == 1
    assert len(set(results)) == 1


async def test_two_clients_sharing_a_file_store_refresh_once(
    make_auth: MakeAuth, endpoint: FakeTokenEndpoint, tmp_path: Path
) -> None:
    file_store = FileTokenStore(tmp_path, lock_timeout=5)
    await seed(file_store, endpoint, expires_in=-10)
    first, second = make_auth(token_store=file_store), make_auth(token_store=file_store)
    results: list[str] = []

    async def call(auth: RefreshingAuth) -> None:
        results.append(await auth.get_access_token())

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(call, first)
            tg.start_soon(call, second)

    assert endpoint.count("refresh_token") == 1
    assert len(set(results)) == 1
    stored = await file_store.load("acme")
    assert stored is not None and stored.version == 2


async def test_new_pair_is_not_used_unless_it_was_saved(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    old = await seed(store, endpoint, expires_in=-1)
    store.fail_cas = TokenStoreError("disk full")
    auth = make_auth()

    with pytest.raises(TokenStoreError):
        await auth.get_access_token()

    assert auth.stored in (None, old)  # the unsaved pair is never adopted
    assert endpoint.count("refresh_token") == 1


async def test_401_invalidates_only_the_token_the_request_used(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    first = await seed(store, endpoint)
    auth = make_auth()
    used = await auth.get_access_token()
    assert used == first.token.access_token

    async def reject(token: str) -> None:
        assert await auth.handle_unauthorized(token)

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(reject, used)

    assert endpoint.count("refresh_token") == 1
    replacement = await auth.get_access_token()
    assert replacement != used

    assert await auth.handle_unauthorized(used) is True
    assert await auth.handle_unauthorized("some.much.older-token") is True
    assert endpoint.count("refresh_token") == 1
    assert await auth.get_access_token() == replacement


async def test_401_adopts_a_pair_another_process_saved(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint)
    auth = make_auth()
    used = await auth.get_access_token()
    newer = await seed(store, endpoint)

    assert await auth.handle_unauthorized(used) is True

    assert endpoint.calls == []
    assert await auth.get_access_token() == newer.token.access_token


async def test_401_on_the_current_pair_refreshes_even_if_it_looks_fresh(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    record = await seed(store, endpoint)
    auth = make_auth()
    assert await auth.handle_unauthorized(record.token.access_token) is True
    assert endpoint.count("refresh_token") == 1
    assert await auth.get_access_token() != record.token.access_token


async def test_lost_refresh_response_is_recovered_with_the_old_refresh_token(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, clock: VirtualClock
) -> None:
    old = await seed(store, endpoint, expires_in=-1)
    endpoint.drop_responses = 1
    auth = make_auth()

    token = await auth.get_access_token()

    refreshes = [c for c in endpoint.calls if c.kind == "refresh_token"]
    assert len(refreshes) == 2
    assert all(c.credential == old.token.refresh_token for c in refreshes)
    stored = await store.inner.load("acme")
    assert stored is not None and stored.version == 2 and stored.token.access_token == token
    # the pair from the lost response was never stored, the retried one keeps working
    stored_refresh = stored.token.refresh_token
    clock.advance(90_000)
    await auth.get_access_token()
    refreshes = [c for c in endpoint.calls if c.kind == "refresh_token"]
    assert refreshes[-1].credential == stored_refresh
    assert len(refreshes) == 3


async def test_lost_response_without_grace_rule_ends_in_reauthorisation(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-1)
    endpoint.grace = False
    endpoint.drop_responses = 1
    auth = make_auth()

    with pytest.raises(ReauthorizationRequiredError):
        await auth.get_access_token()
    assert endpoint.count("refresh_token") == 2


async def test_revoked_refresh_token_rereads_the_store_once_then_gives_up(
    make_auth: MakeAuth,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    events: list[str],
    secret_values: Secrets,
) -> None:
    await seed(store, endpoint, expires_in=-1)
    endpoint.revoke_all()
    auth = make_auth()

    with pytest.raises(ReauthorizationRequiredError) as caught:
        await auth.get_access_token()

    after = events[events.index("token:refresh_token") + 1 :]
    assert after.count("load") == 1
    assert [e for e in after if e.startswith(("token:", "lookup", "cas"))] == []
    assert endpoint.count("refresh_token") == 1
    assert endpoint.count("lookup") == 0
    assert "Token has been revoked" in str(caught.value)
    secret_values.assert_absent(caught.value, caught.value.__cause__)

    events.clear()
    with pytest.raises(ReauthorizationRequiredError):
        await auth.get_access_token()
    with pytest.raises(ReauthorizationRequiredError):
        await auth.handle_unauthorized("whatever")
    assert endpoint.count("refresh_token") == 1
    assert not any(e.startswith("token:") for e in events)


async def test_refused_refresh_adopts_a_pair_saved_meanwhile(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-1)
    endpoint.revoke_all()
    winner: list[StoredToken] = []

    async def other_process_wins(_: object) -> None:
        winner.append(await seed(store, endpoint))
        return None

    endpoint.before_response = other_process_wins
    auth = make_auth()

    assert await auth.get_access_token() == winner[0].token.access_token
    assert endpoint.count("refresh_token") == 1


async def test_authorize_stores_the_first_pair(
    make_auth: MakeAuth,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    domains: DomainHolder,
) -> None:
    auth = make_auth()
    with pytest.raises(ReauthorizationRequiredError, match="authorize"):
        await auth.get_access_token()

    domains.domain = "other.amocrm.ru"
    token = await auth.authorize(endpoint.issue_code(), base_domain="https://ACME.amocrm.ru/")

    assert domains.domain == DOMAIN
    stored = await store.inner.load("acme")
    assert stored is not None and stored.version == 1 and stored.base_domain == DOMAIN
    assert stored.token == token
    assert await auth.get_access_token() == token.access_token
    assert endpoint.count("authorization_code") == 1


async def test_authorize_does_not_repoint_the_client_when_the_exchange_fails(
    make_auth: MakeAuth, endpoint: FakeTokenEndpoint, domains: DomainHolder
) -> None:
    domains.domain = "other.amocrm.ru"
    seen_during_exchange: list[str] = []

    async def observe(call: object) -> None:
        seen_during_exchange.append(domains.domain)
        return None

    endpoint.before_response = observe
    auth = make_auth()
    with pytest.raises(OAuthError):
        await auth.authorize("def50200never-issued", base_domain=DOMAIN)
    endpoint.unreachable = True
    with pytest.raises(httpx.ConnectError):
        await auth.authorize(endpoint.issue_code(), base_domain=DOMAIN)

    assert endpoint.count("authorization_code") == 2
    assert seen_during_exchange == ["other.amocrm.ru"]  # concurrent requests stayed put too
    assert domains.domain == "other.amocrm.ru" and domains.changes == []


async def test_authorize_refuses_to_turn_a_client_into_another_accounts(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, domains: DomainHolder
) -> None:
    record = await seed(store, endpoint)
    auth = make_auth()
    await auth.get_access_token()

    with pytest.raises(ValueError, match="one client per account") as caught:
        await auth.authorize(endpoint.issue_code(), base_domain="beta.amocrm.ru")

    assert "acme.amocrm.ru" in str(caught.value) and "beta.amocrm.ru" in str(caught.value)
    assert endpoint.calls == []  # the code is not spent: it can go to the right client
    assert domains.domain == DOMAIN and domains.changes == []
    assert await store.inner.load("acme") == record


async def test_authorize_may_name_the_account_the_store_already_holds(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, domains: DomainHolder
) -> None:
    await seed(store, endpoint, expires_in=-1)
    endpoint.revoke_all()
    domains.domain = "placeholder.amocrm.ru"
    auth = make_auth()

    token = await auth.authorize(endpoint.issue_code(), base_domain="https://acme.amocrm.ru/")

    assert domains.domain == DOMAIN
    stored = await store.inner.load("acme")
    assert stored is not None and stored.token == token and stored.version == 2


async def test_reauthorising_a_renamed_account_from_a_client_made_for_its_new_host(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, domains: DomainHolder
) -> None:
    """The way out the refusal points to: a client created for the host, same token key."""
    await seed(store, endpoint, expires_in=-1)
    endpoint.revoke_all()
    endpoint.rename("acme-new.amocrm.ru")
    domains.domain = "acme-new.amocrm.ru"
    auth = make_auth()

    await auth.authorize(endpoint.issue_code())

    stored = await store.inner.load("acme")
    assert stored is not None and stored.base_domain == "acme-new.amocrm.ru"


async def test_authorize_through_the_client_keeps_its_host_on_failure(
    config: OAuthConfig, endpoint: FakeTokenEndpoint, clock: VirtualClock
) -> None:
    store = MemoryTokenStore()
    async with AmoCRMClient(
        "other.amocrm.ru",
        oauth=config,
        token_store=store,
        transport=httpx.MockTransport(endpoint.handle),
        clock=clock,
        rate_limiter=MemoryRateLimiter(clock),
    ) as amo:
        with pytest.raises(OAuthError):
            await amo.authorize("def50200never-issued", base_domain=DOMAIN)
        assert amo.base_domain == "other.amocrm.ru"
        with pytest.raises(AmoCRMError):
            await amo.authorize(endpoint.issue_code(), base_domain="acme.amocrm.ru.evil.example")
        assert amo.base_domain == "other.amocrm.ru"
        assert endpoint.count("authorization_code") == 1  # nothing went to the foreign host

        token = await amo.authorize(endpoint.issue_code(), base_domain=DOMAIN)
        assert amo.base_domain == DOMAIN
        stored = await store.load("other.amocrm.ru")
        assert stored is not None and stored.token == token


async def test_authorize_refuses_a_foreign_host_before_sending_the_secret(
    make_auth: MakeAuth, endpoint: FakeTokenEndpoint
) -> None:
    auth = make_auth()
    with pytest.raises(InvalidBaseDomainError):
        await auth.authorize(endpoint.issue_code(), base_domain="acme.amocrm.ru.evil.example")
    assert endpoint.calls == []


async def test_authorize_after_revocation_revives_the_account(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-1)
    endpoint.revoke_all()
    auth = make_auth()
    with pytest.raises(ReauthorizationRequiredError):
        await auth.get_access_token()

    token = await auth.authorize(endpoint.issue_code())

    assert await auth.get_access_token() == token.access_token
    stored = await store.inner.load("acme")
    assert stored is not None and stored.version == 2


async def test_subdomain_rename_is_followed_persisted_and_reported(
    make_auth: MakeAuth,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    domains: DomainHolder,
) -> None:
    old = await seed(store, endpoint, expires_in=-1)
    endpoint.rename("acme-renamed.amocrm.ru")
    seen: list[tuple[OAuthToken, str]] = []
    auth = make_auth(on_token_refreshed=lambda t, d: seen.append((t, d)))

    token = await auth.get_access_token()

    assert [(c.kind, c.host) for c in endpoint.calls] == [
        ("refresh_token", DOMAIN),
        ("lookup", "api-a.amocrm.ru"),
        ("refresh_token", "acme-renamed.amocrm.ru"),
        ("account", "acme-renamed.amocrm.ru"),
    ]
    assert endpoint.calls[1].credential == old.token.refresh_token
    assert domains.domain == "acme-renamed.amocrm.ru"
    stored = await store.inner.load("acme")
    assert stored is not None
    assert stored.base_domain == "acme-renamed.amocrm.ru"
    assert stored.token.access_token == token
    assert seen == [(stored.token, "acme-renamed.amocrm.ru")]


async def test_rename_lookup_with_unchanged_domain_means_reauthorisation(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    await seed(store, endpoint, expires_in=-1)

    async def refuse_without_hint(call: object) -> httpx.Response:
        return problem(401)

    endpoint.before_response = refuse_without_hint
    auth = make_auth()
    with pytest.raises(ReauthorizationRequiredError):
        await auth.get_access_token()
    assert [(c.kind, c.host) for c in endpoint.calls] == [
        ("refresh_token", DOMAIN),
        ("lookup", "api-a.amocrm.ru"),
    ]


async def test_adopts_the_base_domain_stored_beside_the_pair(
    make_auth: MakeAuth,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    domains: DomainHolder,
) -> None:
    await seed(store, endpoint, domain="moved.amocrm.ru")
    auth = make_auth()
    await auth.get_access_token()
    assert domains.domain == "moved.amocrm.ru"


async def test_lost_compare_and_set_adopts_the_winners_pair(
    make_auth: MakeAuth,
    store: RecordingStore,
    endpoint: FakeTokenEndpoint,
    caplog: pytest.LogCaptureFixture,
) -> None:
    await seed(store, endpoint, expires_in=-1)
    winner: list[StoredToken] = []

    async def intruder() -> None:
        winner.append(await seed(store, endpoint))

    store.before_cas = intruder
    seen: list[str] = []
    auth = make_auth(on_token_refreshed=lambda t, d: seen.append(d))

    token = await auth.get_access_token()

    assert token == winner[0].token.access_token
    assert auth.stored == winner[0]
    assert seen == []
    assert any(
        r.levelno == logging.ERROR and "another writer" in r.getMessage() for r in caplog.records
    )


async def test_transient_failure_keeps_the_still_valid_token_and_backs_off(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, clock: VirtualClock
) -> None:
    record = await seed(store, endpoint, expires_in=120)
    endpoint.unreachable = True
    auth = make_auth(refresh_margin=300, retry_interval=30)

    assert await auth.get_access_token() == record.token.access_token
    attempts = endpoint.count("refresh_token")
    assert attempts == 2  # the first try and one retry with the same refresh token
    assert await auth.get_access_token() == record.token.access_token
    assert endpoint.count("refresh_token") == attempts

    clock.advance(31)
    endpoint.unreachable = False
    token = await auth.get_access_token()
    assert token != record.token.access_token
    assert endpoint.count("refresh_token") == attempts + 1


async def test_transient_failure_after_expiry_raises(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint, clock: VirtualClock
) -> None:
    await seed(store, endpoint, expires_in=-1)
    endpoint.unreachable = True
    auth = make_auth()
    with pytest.raises(httpx.ConnectError):
        await auth.get_access_token()
    endpoint.unreachable = False
    clock.advance(1)  # the failure's backoff
    assert await auth.get_access_token()


async def test_forced_refresh_coalesces_concurrent_callers(
    make_auth: MakeAuth, store: RecordingStore, endpoint: FakeTokenEndpoint
) -> None:
    record = await seed(store, endpoint)
    auth = make_auth()
    results: list[OAuthToken] = []

    async def force() -> None:
        results.append(await auth.refresh())

    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(force)

    assert endpoint.count("refresh_token") == 1
    assert {t.access_token for t in results} == {(await auth.get_access_token())}
    assert results[0].access_token != record.token.access_token


async def test_unbound_auth_says_so(config: OAuthConfig) -> None:
    auth = RefreshingAuth(config, MemoryTokenStore(), key="acme")
    with pytest.raises(RuntimeError, match="not attached"):
        await auth.get_access_token()


def test_constructor_validates_arguments(config: OAuthConfig) -> None:
    with pytest.raises(ValueError, match="key"):
        RefreshingAuth(config, MemoryTokenStore(), key="")
    with pytest.raises(ValueError, match="refresh_margin"):
        RefreshingAuth(config, MemoryTokenStore(), key="a", refresh_margin=-1)


async def test_context_built_by_hand_works_with_a_file_store(
    config: OAuthConfig,
    clock: VirtualClock,
    send: Send,
    endpoint: FakeTokenEndpoint,
    tmp_path: Path,
) -> None:
    file_store = FileTokenStore(tmp_path)
    await seed(file_store, endpoint, expires_in=-1)
    holder = DomainHolder("placeholder.amocrm.ru")
    auth = RefreshingAuth(config, file_store, key="acme")
    auth.bind(make_context(clock, send, holder))
    token = await auth.get_access_token()
    assert holder.domain == DOMAIN
    stored = await file_store.load("acme")
    assert stored is not None and stored.token.access_token == token


async def test_refresh_lock_timeout_keeps_a_valid_token_or_raises(
    make_auth: MakeAuth, endpoint: FakeTokenEndpoint, clock: VirtualClock, tmp_path: Path
) -> None:
    hung_process = FileTokenStore(tmp_path)
    file_store = FileTokenStore(tmp_path, lock_timeout=0.1)
    record = await seed(file_store, endpoint, expires_in=120)
    auth = make_auth(token_store=file_store, refresh_margin=300)

    async with hung_process.lock("acme"):
        assert await auth.get_access_token() == record.token.access_token
        clock.advance(121)
        with pytest.raises(TokenStoreLockTimeoutError):
            await auth.get_access_token()
        with pytest.raises(TokenStoreLockTimeoutError):
            await auth.refresh()

    assert endpoint.calls == []
    clock.advance(2)  # the backoff after a second failure of the same pair
    assert await auth.get_access_token() != record.token.access_token
    assert endpoint.count("refresh_token") == 1
