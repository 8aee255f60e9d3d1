"""``AmoCRMClients``: one client per account, one pool and limiter, clients from the store."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from amocrm_async import (
    AmoCRMClient,
    AmoCRMClients,
    MemoryTokenStore,
    OAuthConfig,
    VirtualClock,
    errors,
)
from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

REDIRECT = "https://integration.example/amo/callback"


class Counting(httpx.AsyncBaseTransport):
    """The fake's transport, counting requests per host."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.hosts: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.hosts.append(request.url.host)
        return await self.inner.handle_async_request(request)


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def fake(clock: VirtualClock) -> FakeAmoCRM:
    fake = FakeAmoCRM(clock=clock)
    fake.seed(leads=3)
    fake.add_account("globex")
    return fake


@pytest.fixture
def oauth(fake: FakeAmoCRM) -> tuple[OAuthConfig, object]:
    integration = fake.register_integration(redirect_uri=REDIRECT)
    config = OAuthConfig(integration.client_id, integration.client_secret, REDIRECT)
    return config, integration


async def connect(
    clients: AmoCRMClients, fake: FakeAmoCRM, integration: object, account: str
) -> AmoCRMClient:
    """What the OAuth callback does: the admin allowed, the code comes back with a referer."""
    url = fake.authorize(integration, state="s", account=account)  # type: ignore[arg-type]
    query = parse_qs(urlsplit(url).query)
    return await clients.authorize(query["code"][0], base_domain=query["referer"][0])


def registry(
    fake: FakeAmoCRM, config: OAuthConfig, store: MemoryTokenStore, **kwargs: object
) -> tuple[AmoCRMClients, Counting]:
    transport = Counting(fake.transport)
    clients = AmoCRMClients(
        oauth=config,
        token_store=store,
        transport=transport,
        clock=fake.clock,
        **kwargs,  # type: ignore[arg-type]
    )
    return clients, transport


async def test_authorize_adds_one_client_per_account(
    fake: FakeAmoCRM, oauth: tuple[OAuthConfig, object]
) -> None:
    config, integration = oauth
    store = MemoryTokenStore()
    clients, transport = registry(fake, config, store)
    async with clients:
        acme = await connect(clients, fake, integration, "acme")
        globex = await connect(clients, fake, integration, "globex")
        assert acme is not globex
        assert (acme.base_domain, globex.base_domain) == ("acme.amocrm.ru", "globex.amocrm.ru")
        assert len(clients) == 2 and "globex.amocrm.ru" in clients
        assert await clients.get("acme.amocrm.ru") is acme
        assert await connect(clients, fake, integration, "acme") is acme  # re-authorised
        assert len((await acme.leads.get()).items) == 3
        assert (await globex.leads.get()).items == []
        # one pool: both clients send through the registry's transport
        assert {"acme.amocrm.ru", "globex.amocrm.ru"} <= set(transport.hosts)
        assert (await store.load("globex.amocrm.ru")) is not None
    with pytest.raises(errors.ClientClosedError):
        await acme.leads.get()


async def test_a_client_is_created_from_the_store_on_first_use(
    fake: FakeAmoCRM, oauth: tuple[OAuthConfig, object]
) -> None:
    config, integration = oauth
    store = MemoryTokenStore()
    web, _ = registry(fake, config, store)
    async with web:
        await connect(web, fake, integration, "globex")
    worker, _ = registry(fake, config, store)  # another process, same store
    async with worker:
        amo = await worker.get("globex.amocrm.ru")
        assert amo.base_domain == "globex.amocrm.ru"
        assert (await amo.account.get_current()).subdomain == "globex"
        with pytest.raises(errors.AccountNotAuthorizedError, match="initech"):
            await worker.get("initech.amocrm.ru")


async def test_idle_clients_are_closed_but_never_a_leased_one(
    fake: FakeAmoCRM, clock: VirtualClock, oauth: tuple[OAuthConfig, object]
) -> None:
    config, integration = oauth
    clients, _ = registry(fake, config, MemoryTokenStore(), idle_timeout=60)
    async with clients:
        await connect(clients, fake, integration, "acme")
        await connect(clients, fake, integration, "globex")
        async with clients.lease("acme.amocrm.ru") as acme:
            clock.advance(120)
            assert await clients.close_idle() == 1  # globex; acme is leased
            assert "acme.amocrm.ru" in clients and "globex.amocrm.ru" not in clients
            assert len((await acme.leads.get()).items) == 3
        clock.advance(120)
        again = await clients.get("globex.amocrm.ru")  # closes acme, reopens globex
        assert "acme.amocrm.ru" not in clients and again.base_domain == "globex.amocrm.ru"


async def test_max_clients_closes_the_least_recently_used(
    fake: FakeAmoCRM, clock: VirtualClock, oauth: tuple[OAuthConfig, object]
) -> None:
    config, integration = oauth
    fake.add_account("initech")
    clients, _ = registry(fake, config, MemoryTokenStore(), max_clients=2)
    async with clients:
        for name in ("acme", "globex"):
            await connect(clients, fake, integration, name)
            clock.advance(1)
        await clients.get("acme.amocrm.ru")  # globex is now the least recently used
        clock.advance(1)
        await connect(clients, fake, integration, "initech")
        assert sorted(clients._entries) == ["acme.amocrm.ru", "initech.amocrm.ru"]


async def test_a_failed_authorize_adds_nothing(
    fake: FakeAmoCRM, oauth: tuple[OAuthConfig, object]
) -> None:
    config, _ = oauth
    clients, _ = registry(fake, config, MemoryTokenStore())
    async with clients:
        with pytest.raises(errors.AmoCRMError):
            await clients.authorize("not-a-code", base_domain="acme.amocrm.ru")
        assert len(clients) == 0


async def test_a_closed_registry_refuses_work(
    fake: FakeAmoCRM, oauth: tuple[OAuthConfig, object]
) -> None:
    config, _ = oauth
    clients, _ = registry(fake, config, MemoryTokenStore())
    await clients.aclose()
    await clients.aclose()
    with pytest.raises(errors.ClientClosedError):
        await clients.get("acme.amocrm.ru")
    assert repr(clients) == "AmoCRMClients(clients=0, closed=True)"


def test_bad_settings_are_refused(oauth: tuple[OAuthConfig, object]) -> None:
    config, _ = oauth
    store = MemoryTokenStore()
    with pytest.raises(ValueError, match="idle_timeout"):
        AmoCRMClients(oauth=config, token_store=store, idle_timeout=0)
    with pytest.raises(ValueError, match="max_clients"):
        AmoCRMClients(oauth=config, token_store=store, max_clients=0)
    with pytest.raises(ValueError, match="not both"):
        AmoCRMClients(
            oauth=config,
            token_store=store,
            http_client=httpx.AsyncClient(),
            transport=httpx.MockTransport(lambda r: httpx.Response(200)),
        )


async def test_closing_the_registry_stops_its_clients_read_ahead(
    fake: FakeAmoCRM, oauth: tuple[OAuthConfig, object]
) -> None:
    """A plain loop over a registry client's list keeps requests going while its body runs
    (the first lead comes one page time after the start); closing the registry stops it."""
    config, integration = oauth
    fake.seed(leads=2_000)
    fake.faults.add("latency", seconds=0.2, path="/api/v4/leads")
    clients, _ = registry(fake, config, MemoryTokenStore(), rate_limit=7.0)
    async with clients:
        await connect(clients, fake, integration, "acme")
        async with clients.lease("acme.amocrm.ru") as amo:
            await amo.leads.get(limit=1)
            started = fake.clock.monotonic()
            leads = amo.leads.iterate()
            first = await leads.__anext__()
            assert fake.clock.monotonic() - started < 0.4
            await anext(leads)
        sent = len(fake.requests)
    await fake.clock.sleep(30)
    assert len(fake.requests) == sent  # the read-ahead ended with the registry
    assert first.id is not None
