"""``AmoCRMClient``: one per amoCRM account, shared by every task of the application."""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar, overload
from urllib.parse import urlsplit

import httpx

from ._auth import Auth, AuthContext, StaticTokenAuth
from ._background import BackgroundTasks
from ._clock import Clock, SystemClock
from ._closeable import AsyncCloseable
from ._domains import is_account_host, normalize_base_domain, split_origin
from ._phpquery import flatten_query
from ._pipeline import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    APIResponse,
    Pipeline,
    Query,
    RequestOptions,
    RetryPolicy,
)
from ._ratelimit import MemoryRateLimiter, RateLimiter
from ._service import is_service_slot, service
from .errors import AmoCRMError

if TYPE_CHECKING:
    from . import services
    from ._oauth import OAuthConfig
    from ._pagination import PageIterator
    from ._refreshing_auth import RefreshingAuth
    from ._token_store import TokenStore
    from ._tokens import OAuthToken

M = TypeVar("M")

__all__ = ["AmoCRMClient"]

_SHARED_LIMITERS: weakref.WeakKeyDictionary[Clock, MemoryRateLimiter] = weakref.WeakKeyDictionary()
_SYSTEM_CLOCK = SystemClock()


def _shared_limiter(clock: Clock) -> MemoryRateLimiter:
    """One limiter per clock, so every client of an account in this process shares its budget.

    Every ``SystemClock`` is the same real time, so they all share one limiter.
    """
    if isinstance(clock, SystemClock):
        clock = _SYSTEM_CLOCK
    limiter = _SHARED_LIMITERS.get(clock)
    if limiter is None:
        limiter = _SHARED_LIMITERS[clock] = MemoryRateLimiter(clock)
    return limiter


class AmoCRMClient(AsyncCloseable):
    """Async client for one amoCRM/Kommo account.

    Create it once and share it; close it with ``async with`` or :meth:`aclose`::

        async with AmoCRMClient("acme.amocrm.ru", access_token=TOKEN) as amo:
            lead = await amo.leads.get_one(42)

    Authentication is one of: ``access_token=`` (a long-lived token), ``oauth=`` with
    ``token_store=`` (OAuth 2.0 with rotating refresh tokens), or a custom ``auth=``.
    After each refresh the new pair is used once (``GET /api/v4/account``) before anyone else
    gets it, which retires the old refresh token at once (``confirm_refresh=True``; see
    docs/auth.md for why). The token pair is stored under ``token_key``, by default the base
    domain given here. An
    account can rename its subdomain (the client follows and persists the new domain beside the
    pair); pass a key that survives renames, such as the account id, if you store many accounts.

    Requests of an account are spaced evenly at ``rate_limit`` (7/s) with a ceiling of
    ``account_rate_limit`` (50/s) shared by every client of the account in this process; both
    run ``rate_limit_margin`` (2 %) below the nominal limit, because a new connection or a busy
    server shifts arrival times by milliseconds and amoCRM counts what arrives.

    A response body that decodes to more than ``max_response_bytes`` (64 MiB) is not read
    further: it raises :class:`~amocrm_async.errors.ResponseTooLargeError` (for a write, as the
    cause of an ``OutcomeUnknownError``). JSON nested deeper than 200 levels is refused too.

    The client never follows redirects and only sends credentials to the account's host.
    ``allow_any_host=True`` lifts the host check on purpose (e.g. a local fake server, which may
    then be given as ``"http://127.0.0.1:8000"``).
    """

    def __init__(
        self,
        base_domain: str,
        *,
        access_token: str | None = None,
        oauth: OAuthConfig | None = None,
        token_store: TokenStore | None = None,
        token_key: str | None = None,
        on_token_refreshed: Callable[[OAuthToken, str], Awaitable[None] | None] | None = None,
        refresh_margin: float = 300.0,
        confirm_refresh: bool = True,
        auth: Auth | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        retry_policy: RetryPolicy | None = None,
        rate_limit: float = 7.0,
        account_rate_limit: float = 50.0,
        rate_limit_margin: float = 0.02,
        rate_limiter: RateLimiter | None = None,
        max_rate_wait: float | None = None,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        context_user_id: int | None = None,
        clock: Clock | None = None,
        allow_any_host: bool = False,
        user_agent: str | None = None,
    ) -> None:
        scheme, _ = split_origin(base_domain)
        host = normalize_base_domain(base_domain, allow_any_host=allow_any_host)
        self._allow_any_host = allow_any_host
        if sum(x is not None for x in (access_token, oauth, auth)) != 1:
            raise ValueError("pass exactly one of access_token=, oauth= (with token_store=), auth=")
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client= or transport=, not both")
        if rate_limit <= 0 or account_rate_limit <= 0:
            raise ValueError("rate limits must be positive")
        if not 0 <= rate_limit_margin < 0.5:
            raise ValueError("rate_limit_margin must be within [0, 0.5)")
        if oauth is None:
            ignored = [
                name
                for name, value in (
                    ("token_store", token_store),
                    ("token_key", token_key),
                    ("on_token_refreshed", on_token_refreshed),
                )
                if value is not None
            ]
            if ignored:
                raise ValueError(f"{', '.join(ignored)} only apply with oauth=")
        elif token_store is None:
            raise ValueError(
                "oauth= needs token_store=: FileTokenStore(directory) or your own store; "
                "MemoryTokenStore() only if losing the pair on restart (re-authorising) is fine"
            )
        if auth is None:
            if access_token is not None:
                auth = StaticTokenAuth(access_token)
            else:
                from ._refreshing_auth import RefreshingAuth

                assert oauth is not None and token_store is not None
                auth = RefreshingAuth(
                    oauth,
                    token_store,
                    key=token_key or host,
                    refresh_margin=refresh_margin,
                    on_token_refreshed=on_token_refreshed,
                    confirm_refresh=confirm_refresh,
                )
        self._owns_http = http_client is None
        if http_client is None:
            http_client = httpx.AsyncClient(
                transport=transport,
                timeout=timeout,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
            )
        self._http = http_client
        clock = clock or _SYSTEM_CLOCK
        retry = retry_policy or RetryPolicy(max_retries=max_retries, max_retry_wait=max_retry_wait)
        self._pipeline = Pipeline(
            http=http_client,
            auth=auth,
            limiter=rate_limiter or _shared_limiter(clock),
            clock=clock,
            base_domain=host,
            scheme=scheme or "https",
            integration_key=oauth.client_id if oauth is not None else "default",
            rate_limit=rate_limit * (1 - rate_limit_margin),
            account_rate_limit=account_rate_limit * (1 - rate_limit_margin),
            max_rate_wait=max_rate_wait,
            retry=retry,
            timeout=timeout,
            context_user_id=context_user_id,
            user_agent=user_agent,
            host_allowed=self._host_allowed,
            max_response_bytes=max_response_bytes,
        )
        auth.bind(
            AuthContext(
                clock=clock,
                get_base_domain=lambda: self._pipeline.base_domain,
                set_base_domain=self._set_base_domain,
                send=self._pipeline.send_unauthenticated,
                scheme=self._pipeline.scheme,
                check_base_domain=self._check_host,
            )
        )
        self._closed = False
        self._owns_background = True

    def _view(self, pipeline: Pipeline) -> Self:
        """A client sharing everything but the pipeline; it owns nothing, so closing is a no-op."""
        clone = type(self).__new__(type(self))
        services = {k for k, v in vars(type(self)).items() if is_service_slot(v)}
        clone.__dict__.update({k: v for k, v in self.__dict__.items() if k not in services})
        clone._pipeline = pipeline
        clone._owns_http = False
        clone._closed = True
        clone._owns_background = False
        return clone

    def with_options(
        self,
        *,
        context_user_id: int | None = None,
        max_retries: int | None = None,
        timeout: float | httpx.Timeout | None = None,
        max_rate_wait: float | None = None,
    ) -> Self:
        """A view of this client with other settings; it shares the pool, auth and limiter.

        ``amo.with_options(context_user_id=7)`` acts with the rights of user 7 (the token must be
        an admin's). Closing the view does nothing; close the original.
        """
        changes: dict[str, Any] = {}
        if context_user_id is not None:
            changes["context_user_id"] = context_user_id
        if max_retries is not None:
            changes["retry"] = dataclasses.replace(self._pipeline.retry, max_retries=max_retries)
        if timeout is not None:
            changes["timeout"] = timeout
        if max_rate_wait is not None:
            changes["max_rate_wait"] = max_rate_wait
        return self._view(self._pipeline.copy(**changes))

    def _host_allowed(self, host: str) -> bool:
        return self._allow_any_host or is_account_host(host)

    def _check_host(self, value: str) -> str:
        return normalize_base_domain(value, allow_any_host=self._allow_any_host)

    def _set_base_domain(self, value: str) -> None:
        self._pipeline.base_domain = self._check_host(value)

    @property
    def base_domain(self) -> str:
        """The account host requests go to (it can change after a subdomain rename)."""
        return self._pipeline.base_domain

    @property
    def auth(self) -> Auth:
        return self._pipeline.auth

    @property
    def clock(self) -> Clock:
        return self._pipeline.clock

    account: services.AccountService = service()
    leads: services.LeadsService = service()
    contacts: services.ContactsService = service()
    companies: services.CompaniesService = service()
    tasks: services.TasksService = service()
    customers: services.CustomersService = service()
    pipelines: services.PipelinesService = service()
    loss_reasons: services.LossReasonsService = service()
    sources: services.SourcesService = service()
    currencies: services.CurrenciesService = service()
    catalogs: services.CatalogsService = service()
    products: services.ProductsService = service()
    unsorted: services.UnsortedService = service()
    events: services.EventsService = service()
    widgets: services.WidgetsService = service()
    calls: services.CallsService = service()
    short_links: services.ShortLinksService = service()
    talks: services.TalksService = service()
    website_buttons: services.WebsiteButtonsService = service()
    chat_templates: services.ChatTemplatesService = service()
    webhooks: services.WebhooksService = service()
    users: services.UsersService = service()
    roles: services.RolesService = service()
    files: services.DriveFilesService = service()

    async def authorize(self, code: str, *, base_domain: str | None = None) -> OAuthToken:
        """Exchange an OAuth authorization code for the first token pair and store it.

        ``base_domain`` is the ``referer`` of the redirect back (validated before the client
        secret is sent); without it the client's base domain is used. The client moves to that
        host only once the pair is stored, so a failed exchange leaves it where it was. A client
        that already holds a pair for another account raises ValueError instead of switching
        (before the code is spent): create one client per account.
        """
        return await self._refreshing_auth("authorize").authorize(code, base_domain=base_domain)

    async def refresh_tokens(self) -> OAuthToken:
        """Refresh the pair now, even if it is fresh (once, however many callers).

        Run it from a periodic job for accounts the integration rarely calls: amoCRM revokes a
        refresh token that has not been used for three months. The new pair is confirmed with
        one API call before this returns (see ``confirm_refresh`` in docs/auth.md), so the old
        refresh token is retired at once.
        """
        return await self._refreshing_auth("refresh_tokens").refresh()

    def _refreshing_auth(self, method: str) -> RefreshingAuth:
        from ._refreshing_auth import RefreshingAuth

        auth = self._pipeline.auth
        if not isinstance(auth, RefreshingAuth):
            raise TypeError(f"{method}() needs a client created with oauth=")
        return auth

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Query | Mapping[str, Any] = None,
        json: Any = None,
        timeout: float | httpx.Timeout | None = None,
        max_retries: int | None = None,
        extra_headers: dict[str, str] | None = None,
        extra_query: dict[str, str] | None = None,
    ) -> APIResponse:
        """A raw call through the same pipeline (auth, limiter, retries, errors).

        ``path`` is a path on the account host (``/api/v4/account``) or an absolute URL on it,
        such as a ``_links.next`` href; any other host is refused, so the token never leaves
        the account. ``query`` may be nested, encoded exactly like the filters:
        ``{"filter": {"id": [1, 2]}}`` sends ``filter[id][0]=1&filter[id][1]=2``.
        """
        path, query = self._split_target(path, query)
        return await self._pipeline.request(
            method,
            path,
            query=query,
            json=json,
            options=RequestOptions(timeout, max_retries, extra_headers, extra_query),
        )

    def _split_target(self, target: str, query: Query | Mapping[str, Any]) -> tuple[str, Query]:
        pairs = flatten_query(query) if isinstance(query, Mapping) else query
        if target.startswith("/"):
            return target, pairs
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("path must start with '/' or be an absolute URL on the account host")
        if parts.netloc.lower() != self._pipeline.base_domain or parts.scheme != self.scheme:
            raise AmoCRMError(
                f"refusing to send credentials to {parts.netloc.rpartition('@')[2]}: "
                f"not {self._pipeline.base_domain}"
            )
        if parts.query and pairs:
            raise ValueError("pass query= or a URL with a query string, not both")
        return parts.path or "/", parts.query or pairs

    @property
    def scheme(self) -> str:
        return self._pipeline.scheme

    @overload
    def paginate(
        self,
        path: str,
        *,
        model: type[M],
        embedded_key: str | None = None,
        query: Mapping[str, Any] | None = None,
        limit: int = 250,
        paged: bool = True,
        concurrency: int | None = None,
    ) -> PageIterator[M]: ...
    @overload
    def paginate(
        self,
        path: str,
        *,
        model: None = None,
        embedded_key: str | None = None,
        query: Mapping[str, Any] | None = None,
        limit: int = 250,
        paged: bool = True,
        concurrency: int | None = None,
    ) -> PageIterator[dict[str, Any]]: ...
    def paginate(
        self,
        path: str,
        *,
        model: type[Any] | None = None,
        embedded_key: str | None = None,
        query: Mapping[str, Any] | None = None,
        limit: int = 250,
        paged: bool = True,
        concurrency: int | None = None,
    ) -> PageIterator[Any]:
        """Every item of any list endpoint, including ones the SDK has no service for yet.

        ``amo.paginate("/api/v4/events", query={"filter": {"type": "lead_added"}})`` yields
        dicts; pass ``model=`` (any pydantic model) for typed items. Items are read from
        ``_embedded.<embedded_key>`` (by default the last path segment). ``paged=False`` is for
        collections answered in one piece (pipelines), which take no ``page``/``limit``.
        """
        from .services._pages import ListQuery, ListReader

        if not path.startswith("/"):
            raise ValueError("path must start with '/'")
        key = embedded_key or path.rstrip("/").rsplit("/", 1)[-1]
        reader = ListReader(self._pipeline, path, key, model or dict, paged=paged)
        pairs = flatten_query(query) if query else []
        list_query = ListQuery(pairs=pairs, limit=limit, paged=paged)
        return reader.iterate(list_query, concurrency, RequestOptions())

    def _lend_background(self, background: BackgroundTasks) -> None:
        """Run read-ahead in ``background`` (an :class:`AmoCRMClients` registry's), which
        the registry closes."""
        self._pipeline.background = background
        self._owns_background = False

    async def aclose(self) -> None:
        """Stop read-ahead, close the connection pool (if the client created it) and release
        the auth."""
        if self._closed:
            return
        self._closed = True
        if self._owns_background:
            await self._pipeline.background.aclose()
        await self._pipeline.auth.aclose()
        if self._owns_http:
            await self._http.aclose()

    def __repr__(self) -> str:
        return f"AmoCRMClient(base_domain={self.base_domain!r}, auth={type(self.auth).__name__})"
