"""The request pipeline on the wire: headers, retry matrix, 429 handling, error mapping."""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, MemoryRateLimiter, VirtualClock, errors
from amocrm_async._pipeline import RetryPolicy, retry_after_seconds
from amocrm_async.filters import LeadsFilter
from amocrm_async.models import EntityLink

from .conftest import TOKEN, ClientFactory

pytestmark = pytest.mark.anyio

NGINX_403 = (
    "<html>\r\n<head><title>403 Forbidden</title></head>\r\n<body>\r\n"
    "<center><h1>403 Forbidden</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>"
)


def problem(status: int, **extra: Any) -> httpx.Response:
    body = {"title": httpx.codes.get_reason_phrase(status), "status": status, **extra}
    body.setdefault("type", f"https://httpstatus.es/{status}")
    return httpx.Response(
        status,
        json=body,
        headers={"Content-Type": "application/problem+json", "X-Request-Id": f"rid-{status}"},
    )


class Arrivals:
    """A respx side effect noting the virtual time of each request.

    It answers the first requests with ``first`` (one response each), then ``200 {}``.
    """

    def __init__(self, clock: VirtualClock, *first: Callable[[], httpx.Response]) -> None:
        self.clock = clock
        self.first = list(first)
        self.times: list[float] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.times.append(self.clock.monotonic())
        if len(self.times) <= len(self.first):
            return self.first[len(self.times) - 1]()
        return httpx.Response(200, json={})


async def test_headers_and_url(router: respx.MockRouter, make_client: ClientFactory) -> None:
    route = router.get("/api/v4/account").respond(200, json={"id": 1})
    async with make_client(context_user_id=77) as amo:
        response = await amo.request(
            "GET",
            "/api/v4/account",
            query=[("with", "amojo_id")],
            extra_headers={"X-Debug": "1"},
            extra_query={"a": "b c"},
        )
    assert response.json() == {"id": 1}
    sent = route.calls.last.request
    assert sent.headers["Authorization"] == f"Bearer {TOKEN}"
    assert sent.headers["User-Agent"].startswith("amocrm-async/")
    assert sent.headers["X-Context-User-ID"] == "77"
    assert sent.headers["X-Debug"] == "1"
    assert sent.url.raw_path == b"/api/v4/account?with=amojo_id&a=b%20c"


async def test_with_options_view_shares_pool(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = router.get("/api/v4/account").respond(200, json={})
    async with make_client() as amo:
        view = amo.with_options(context_user_id=5)
        await view.request("GET", "/api/v4/account")
        await view.aclose()  # a view never closes the shared pool
        await amo.request("GET", "/api/v4/account")
    assert route.calls[0].request.headers["X-Context-User-ID"] == "5"
    assert "X-Context-User-ID" not in route.calls[1].request.headers


GET_RETRIED = 4  # 1 attempt + max_retries=3

RETRY_MATRIX = [
    # method, failure, attempts, raised
    ("GET", 500, GET_RETRIED, errors.ServerError),
    ("GET", 502, GET_RETRIED, errors.ServerError),
    ("GET", 503, GET_RETRIED, errors.ServerError),
    ("GET", 504, GET_RETRIED, errors.ServerError),
    ("GET", 429, GET_RETRIED, errors.RateLimitedError),
    ("GET", httpx.ReadTimeout, GET_RETRIED, errors.APITimeoutError),
    ("GET", httpx.ConnectError, GET_RETRIED, errors.APIConnectionError),
    ("GET", httpx.RemoteProtocolError, GET_RETRIED, errors.APIConnectionError),
    ("GET", 400, 1, errors.BadRequestError),
    ("GET", 401, 1, errors.UnauthorizedError),
    ("GET", 402, 1, errors.PaymentRequiredError),
    ("GET", 404, 1, errors.NotFoundError),
    ("GET", 422, 1, errors.TooManyEntitiesError),
    ("HEAD", 503, GET_RETRIED, errors.ServerError),
    ("POST", 500, 1, errors.OutcomeUnknownError),
    ("POST", 502, 1, errors.OutcomeUnknownError),
    ("POST", 503, 1, errors.OutcomeUnknownError),
    ("POST", 504, 1, errors.OutcomeUnknownError),
    ("POST", httpx.ReadTimeout, 1, errors.OutcomeUnknownError),
    ("POST", httpx.ReadError, 1, errors.OutcomeUnknownError),
    ("POST", httpx.RemoteProtocolError, 1, errors.OutcomeUnknownError),
    ("POST", httpx.WriteTimeout, 1, errors.OutcomeUnknownError),
    ("POST", httpx.ConnectError, GET_RETRIED, errors.APIConnectionError),
    ("POST", httpx.ConnectTimeout, GET_RETRIED, errors.APITimeoutError),
    ("POST", httpx.PoolTimeout, GET_RETRIED, errors.APITimeoutError),
    ("POST", 429, GET_RETRIED, errors.RateLimitedError),
    ("POST", 400, 1, errors.BadRequestError),
    ("PATCH", 500, 1, errors.OutcomeUnknownError),
    ("PATCH", httpx.ReadTimeout, 1, errors.OutcomeUnknownError),
    ("PATCH", httpx.ConnectError, GET_RETRIED, errors.APIConnectionError),
    ("PATCH", 429, GET_RETRIED, errors.RateLimitedError),
    ("DELETE", 503, 1, errors.OutcomeUnknownError),
    ("DELETE", httpx.ConnectTimeout, GET_RETRIED, errors.APITimeoutError),
    ("DELETE", 429, GET_RETRIED, errors.RateLimitedError),
]


@pytest.mark.parametrize(("method", "failure", "attempts", "raised"), RETRY_MATRIX)
async def test_retry_matrix(
    router: respx.MockRouter,
    make_client: ClientFactory,
    method: str,
    failure: int | type[Exception],
    attempts: int,
    raised: type[Exception],
) -> None:
    route = router.route(method=method, path="/api/v4/leads")
    if isinstance(failure, int):
        extra = {"retry_after": 1} if failure == 429 else {}
        route.mock(return_value=problem(failure, **extra))
    else:
        route.mock(side_effect=failure)
    body = None if method in ("GET", "HEAD") else [{"name": "x", "request_id": "7"}]
    async with make_client() as amo:
        with pytest.raises(raised) as info:
            await amo._pipeline.request(method, "/api/v4/leads", json=body, request_ids=["7"])
    assert route.call_count == attempts
    if raised is errors.OutcomeUnknownError:
        assert isinstance(info.value, errors.OutcomeUnknownError)
        assert info.value.request_ids == ["7"]
        assert "may or may not have been applied" in str(info.value)


async def test_get_recovers_after_transient_failures(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    route = router.get("/api/v4/leads/1").mock(
        side_effect=[problem(502), httpx.ReadTimeout("slow"), httpx.Response(200, json={"id": 1})]
    )
    async with make_client() as amo:
        response = await amo.request("GET", "/api/v4/leads/1")
    assert response.retries_taken == 2
    assert route.call_count == 3
    assert clock.monotonic() > 0  # backoff went through the virtual clock


async def test_max_retries_per_call(router: respx.MockRouter, make_client: ClientFactory) -> None:
    route = router.get("/api/v4/leads").mock(return_value=problem(503))
    async with make_client() as amo:
        with pytest.raises(errors.ServerError):
            await amo.request("GET", "/api/v4/leads", max_retries=0)
    assert route.call_count == 1


def test_backoff_is_capped_exponential_with_jitter() -> None:
    policy = RetryPolicy(initial_backoff=0.5, max_backoff=4.0, jitter=lambda d: d)
    assert [policy.backoff(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    jittered = RetryPolicy(initial_backoff=1.0, max_backoff=8.0)
    assert all(0.5 <= jittered.backoff(1) <= 1.0 for _ in range(50))


async def test_retry_after_header_seconds(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    arrivals = Arrivals(
        clock, lambda: httpx.Response(429, headers={"Retry-After": "3"}, text="Too Many")
    )
    router.get("/api/v4/account").mock(side_effect=arrivals)
    async with make_client() as amo:
        await amo.request("GET", "/api/v4/account")
    times = arrivals.times
    assert times[1] - times[0] >= 3.0


async def test_retry_after_http_date(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    def in_five_seconds() -> httpx.Response:
        date = email.utils.formatdate(clock.time() + 5, usegmt=True)
        return httpx.Response(429, headers={"Retry-After": date})

    arrivals = Arrivals(clock, in_five_seconds)
    router.get("/api/v4/account").mock(side_effect=arrivals)
    async with make_client() as amo:
        await amo.request("GET", "/api/v4/account")
    times = arrivals.times
    assert 4.0 <= times[1] - times[0] <= 6.0


async def test_retry_after_in_body(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    arrivals = Arrivals(clock, lambda: problem(429, retry_after=2))
    router.post("/api/v4/leads").mock(side_effect=arrivals)
    async with make_client() as amo:
        await amo.request("POST", "/api/v4/leads", json=[{"name": "a"}])
    times = arrivals.times
    assert times[1] - times[0] >= 2.0
    assert len(times) == 2


def test_retry_after_parsing_table() -> None:
    def resp(header: str | None) -> httpx.Response:
        return httpx.Response(429, headers={"Retry-After": header} if header else {})

    now = 1_700_000_000.0
    assert retry_after_seconds(resp("7"), None, now) == 7.0
    assert retry_after_seconds(resp("1.5"), 9, now) == 1.5
    assert retry_after_seconds(resp(email.utils.formatdate(now + 30, usegmt=True)), None, now) == 30
    assert retry_after_seconds(resp(email.utils.formatdate(now - 30, usegmt=True)), None, now) == 0
    assert retry_after_seconds(resp("garbage"), 4, now) == 4
    assert retry_after_seconds(resp(None), None, now) is None


async def test_retry_after_longer_than_max_raises_at_once(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    route = router.get("/api/v4/leads").mock(return_value=problem(429, retry_after=300))
    async with make_client(max_retry_wait=60) as amo:
        with pytest.raises(errors.RateLimitedError) as info:
            await amo.request("GET", "/api/v4/leads")
    assert route.call_count == 1
    assert info.value.retry_after == 300
    assert clock.monotonic() < 1


async def test_one_429_pauses_every_task_of_the_account(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    arrivals = Arrivals(clock, lambda: problem(429, retry_after=10))
    router.get("/api/v4/account").mock(side_effect=arrivals)
    async with make_client(rate_limit=7.0) as amo, anyio.create_task_group() as tg:
        for _ in range(20):
            tg.start_soon(amo.request, "GET", "/api/v4/account")
    sent = arrivals.times
    assert len(sent) == 21  # 20 requests + the retry of the one that got 429
    assert sent[0] == 0
    assert all(t >= 10.0 for t in sent[1:]), sent


async def test_limiter_spacing(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    arrivals = Arrivals(clock)
    router.get("/api/v4/account").mock(side_effect=arrivals)
    n, rate = 15, 5.0
    async with make_client(rate_limit=rate) as amo, anyio.create_task_group() as tg:
        for _ in range(n):
            tg.start_soon(amo.request, "GET", "/api/v4/account")
    sent = arrivals.times
    assert len(sent) == n
    assert max(sent) - min(sent) >= (n - 1) / rate - 1e-9
    gaps = [b - a for a, b in zip(sorted(sent), sorted(sent)[1:], strict=False)]
    assert min(gaps) >= 1 / rate - 1e-9


async def test_account_ceiling_shared_by_clients(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    arrivals = Arrivals(clock)
    router.get("/api/v4/account").mock(side_effect=arrivals)
    shared = MemoryRateLimiter(clock)
    one = make_client(rate_limit=100.0, account_rate_limit=10.0, rate_limiter=shared)
    two = make_client(rate_limit=100.0, account_rate_limit=10.0, rate_limiter=shared)
    async with one, two, anyio.create_task_group() as tg:
        for i in range(20):
            tg.start_soon((one if i % 2 else two).request, "GET", "/api/v4/account")
    assert max(arrivals.times) >= 1.9 - 1e-9


async def test_403_html_is_account_block_never_retried(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = router.get("/api/v4/leads").respond(
        403, text=NGINX_403, headers={"Content-Type": "text/html"}
    )
    async with make_client() as amo:
        with pytest.raises(errors.AccountBlockedError) as info:
            await amo.request("GET", "/api/v4/leads")
    assert route.call_count == 1
    assert info.value.title == "403 Forbidden"
    assert "403 GET /api/v4/leads" in str(info.value)


@pytest.mark.parametrize(
    ("detail", "cls"),
    [
        ("Account is blocked", errors.AccountBlockedError),
        ("Доступ к API заблокирован", errors.AccountBlockedError),
        ("Forbidden", errors.ForbiddenError),
        ("Access denied: no rights for leads", errors.ForbiddenError),
    ],
)
async def test_403_after_429_is_a_block_only_when_it_says_so(
    router: respx.MockRouter, make_client: ClientFactory, detail: str, cls: type[Exception]
) -> None:
    route = router.get("/api/v4/leads").mock(
        side_effect=[problem(429, retry_after=1), problem(403, detail=detail)]
    )
    async with make_client() as amo:
        with pytest.raises(cls) as caught:
            await amo.request("GET", "/api/v4/leads")
    assert type(caught.value) is cls
    assert route.call_count == 2


async def test_plain_403_is_forbidden(router: respx.MockRouter, make_client: ClientFactory) -> None:
    router.get("/api/v4/users").mock(return_value=problem(403, detail="Access denied"))
    async with make_client() as amo:
        with pytest.raises(errors.ForbiddenError) as info:
            await amo.request("GET", "/api/v4/users")
    assert type(info.value) is errors.ForbiddenError
    assert info.value.detail == "Access denied"


STATUS_TABLE = [
    (400, errors.BadRequestError),
    (401, errors.UnauthorizedError),
    (402, errors.PaymentRequiredError),
    (403, errors.ForbiddenError),
    (404, errors.NotFoundError),
    (405, errors.MethodNotAllowedError),
    (409, errors.ConflictError),
    (422, errors.TooManyEntitiesError),
    (418, errors.APIError),
]


@pytest.mark.parametrize(("status", "cls"), STATUS_TABLE)
@pytest.mark.parametrize("body", ["json", "html", "text", "empty"])
async def test_status_to_error(
    router: respx.MockRouter,
    make_client: ClientFactory,
    status: int,
    cls: type[errors.APIError],
    body: str,
) -> None:
    if body == "json":
        response = problem(status, detail="Something precise")
    elif body == "html":
        response = httpx.Response(
            status,
            text="<html><head><title>Oops</title></head></html>",
            headers={"X-Request-Id": "r1"},
        )
    elif body == "text":
        response = httpx.Response(status, text="plain words")
    else:
        response = httpx.Response(status)
    router.get("/api/v4/leads").mock(return_value=response)
    async with make_client() as amo:
        with pytest.raises(errors.APIError) as info:
            await amo.request("GET", "/api/v4/leads")
    error = info.value
    if status == 403 and body == "html":
        assert isinstance(error, errors.AccountBlockedError)
    else:
        assert type(error) is cls
    assert error.status == status
    assert error.method == "GET"
    assert error.path == "/api/v4/leads"
    if body == "json":
        assert error.detail == "Something precise"
        assert error.request_id == f"rid-{status}"
        assert error.type == f"https://httpstatus.es/{status}"
        assert "Something precise" in str(error)
    if body == "text":
        assert error.body == "plain words"
    assert str(status) in str(error)


async def test_server_errors_map_to_server_error(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    router.get("/api/v4/leads").mock(
        return_value=httpx.Response(500, json={"title": "ErrInternalServer", "trace_id": "t-1"})
    )
    async with make_client(max_retries=0) as amo:
        with pytest.raises(errors.ServerError) as info:
            await amo.request("GET", "/api/v4/leads")
    assert info.value.payload["trace_id"] == "t-1"


async def test_validation_error_details(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    router.post("/api/v4/leads").mock(
        return_value=problem(
            400,
            detail="Request validation failed",
            **{
                "validation-errors": [
                    {
                        "request_id": "1",
                        "errors": [
                            {
                                "code": "InvalidType",
                                "path": "price",
                                "detail": "This value should be of type int.",
                            }
                        ],
                    },
                    {
                        "request_id": "3",
                        "errors": [
                            {"code": "NotSupportedChoice", "path": "status_id", "detail": "bad"}
                        ],
                    },
                ]
            },
        )
    )
    async with make_client() as amo:
        with pytest.raises(errors.RequestValidationError) as info:
            await amo.request("POST", "/api/v4/leads", json=[{}, {}, {}, {}])
    error = info.value
    assert [(i.request_id, i.code, i.path) for i in error.errors] == [
        ("1", "InvalidType", "price"),
        ("3", "NotSupportedChoice", "status_id"),
    ]
    assert error.for_request_id("3")[0].detail == "bad"
    text = str(error)
    assert "400 POST /api/v4/leads" in text
    assert "[request id rid-400]" in text
    assert "request_id=1 price: InvalidType" in text


async def test_body_is_capped(router: respx.MockRouter, make_client: ClientFactory) -> None:
    router.get("/api/v4/leads").respond(404, text="x" * 50_000)
    async with make_client() as amo:
        with pytest.raises(errors.NotFoundError) as info:
            await amo.request("GET", "/api/v4/leads")
    assert len(info.value.body) == errors.BODY_LIMIT


async def test_204_and_202_are_success(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    router.get("/api/v4/leads").respond(204)
    router.post("/oauth2/exchange_api_key").respond(202)
    async with make_client() as amo:
        empty = await amo.request("GET", "/api/v4/leads")
        accepted = await amo.request("POST", "/oauth2/exchange_api_key", json={})
    assert (empty.status, empty.json()) == (204, None)
    assert (accepted.status, accepted.content) == (202, b"")


async def test_never_follows_redirects(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    router.get("/api/v4/leads").respond(302, headers={"Location": "https://evil.example/steal"})
    async with make_client() as amo:
        with pytest.raises(errors.APIError) as info:
            await amo.request("GET", "/api/v4/leads")
    assert info.value.status == 302
    assert [call.request.url.host for call in router.calls] == ["acme.amocrm.ru"]


async def test_no_token_in_logs_repr_or_errors(
    router: respx.MockRouter, make_client: ClientFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="amocrm_async")
    router.get("/api/v4/leads").mock(
        side_effect=[problem(502), problem(401, detail="Unauthorized")]
    )
    router.post("/api/v4/leads").mock(side_effect=httpx.ReadTimeout("timed out"))
    async with make_client() as amo:
        with pytest.raises(errors.UnauthorizedError) as unauthorized:
            await amo.request("GET", "/api/v4/leads")
        with pytest.raises(errors.OutcomeUnknownError) as unknown:
            await amo.request("POST", "/api/v4/leads", json=[{"name": "x"}])
        texts = [
            repr(amo),
            repr(amo.auth),
            repr(amo.leads),
            str(unauthorized.value),
            repr(unauthorized.value),
            str(unknown.value),
            repr(unknown.value),
            caplog.text,
        ]
    assert "attempt 2" in caplog.text  # one DEBUG line per attempt
    assert "-> 502" in caplog.text
    for text in texts:
        assert TOKEN not in text
        assert "SECRET" not in text


async def test_pool_closed_on_exit(make_client: ClientFactory) -> None:
    amo = make_client()
    async with amo:
        pass
    assert amo._http.is_closed


async def test_callers_http_client_is_not_closed(router: respx.MockRouter) -> None:
    http = httpx.AsyncClient(transport=httpx.MockTransport(router.async_handler))
    async with AmoCRMClient("acme.amocrm.ru", access_token=TOKEN, http_client=http):
        pass
    assert not http.is_closed
    await http.aclose()


async def test_expired_long_lived_token_fails_before_sending(
    router: respx.MockRouter, make_client: ClientFactory, clock: VirtualClock
) -> None:
    import base64
    import json

    def b64(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    jwt = f"{b64({'alg': 'RS256'})}.{b64({'exp': int(clock.time()) + 60})}.sig"
    route = router.get("/api/v4/leads").respond(200, json={})
    async with make_client(access_token=jwt) as amo:
        await amo.request("GET", "/api/v4/leads")
        clock.advance(61)
        with pytest.raises(errors.TokenExpiredError):
            await amo.request("GET", "/api/v4/leads")
    assert route.call_count == 1


@pytest.mark.parametrize("token", ["abc\n", "a b", "x\x00y", ""])
def test_tokens_that_cannot_be_a_header_are_refused_without_quoting(token: str) -> None:
    with pytest.raises(ValueError, match="access_token") as info:
        AmoCRMClient("acme.amocrm.ru", access_token=token)
    assert token.strip() == "" or token.strip() not in str(info.value)


def test_an_auth_serves_one_client() -> None:
    from amocrm_async import StaticTokenAuth

    auth = StaticTokenAuth(TOKEN)
    AmoCRMClient("acme.amocrm.ru", auth=auth)
    with pytest.raises(RuntimeError, match="another client"):
        AmoCRMClient("other.amocrm.ru", auth=auth)


async def test_a_url_too_long_for_amocrm_is_refused_before_sending(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    router.get("/api/v4/leads").respond(204)
    async with make_client() as amo:
        with pytest.raises(errors.InvalidRequestError, match="split the filter") as caught:
            await amo.leads.get(LeadsFilter(ids=range(1, 1000)))
        assert isinstance(caught.value, ValueError)
        page = await amo.leads.get(LeadsFilter(ids=range(1, 200)))
    assert len(router.calls) == 1 and not page


async def test_a_url_httpx_cannot_build_is_an_sdk_error(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    async with make_client() as amo:
        with pytest.raises(errors.InvalidRequestError, match="invalid URL"):
            await amo.request("GET", "/api/v4/le\x00ads")
    assert not router.calls


async def test_a_body_json_cannot_carry_is_refused_before_sending(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    link = EntityLink(to_entity_id=1, to_entity_type="contacts", metadata={"note": "\udc00"})
    async with make_client() as amo:
        with pytest.raises(errors.InvalidRequestError, match="cannot be sent as JSON"):
            await amo.leads.link(5, [link])
        with pytest.raises(errors.InvalidRequestError, match="cannot be sent as JSON"):
            await amo.request("POST", "/api/v4/leads", json=[{"price": float("nan")}])
    assert not router.calls
