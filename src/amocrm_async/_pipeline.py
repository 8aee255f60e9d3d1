"""The request pipeline: the one place that talks HTTP.

build URL/query/body → auth header → rate limiter → send → classify → retry → decode.

Retry rules (amoCRM has no idempotency keys, protocol.md §5):

* GET/HEAD retry on 429, 500, 502, 503, 504, timeouts and transport errors.
* POST/PATCH/DELETE retry only when the request provably was not applied: 429, and failures in
  the connect phase (connect error, connect or pool timeout). Any other failure of a write
  raises :class:`~amocrm_async.errors.OutcomeUnknownError` and is never replayed.
* A 401 is retried once, on every method, if the auth produced a new token.
* A 403 that is an account block is raised at once.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
from collections.abc import AsyncGenerator, Callable, Mapping, Sequence
from contextlib import aclosing
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar, cast

import httpx
import pydantic_core
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt

from ._auth import Auth
from ._background import BackgroundTasks
from ._clock import Clock
from ._pagination import ReadAhead
from ._phpquery import encode_query
from ._ratelimit import Bucket, RateLimiter
from ._version import __version__
from .errors import (
    AccountBlockedError,
    AmoCRMError,
    APIConnectionError,
    APIError,
    APITimeoutError,
    ClientClosedError,
    InvalidRequestError,
    OutcomeUnknownError,
    RateLimitedError,
    RequestValidationError,
    ResponseDecodeError,
    ResponseTooLargeError,
    ServerError,
    ValidationIssue,
    error_for_status,
)

__all__ = [
    "APIResponse",
    "NotSentError",
    "Pipeline",
    "RequestOptions",
    "RetryPolicy",
    "build_api_error",
    "retry_after_seconds",
]

logger = logging.getLogger("amocrm_async")

T = TypeVar("T")

IDEMPOTENT_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
RETRYABLE_STATUSES: Final = frozenset({500, 502, 503, 504})
DEFAULT_TIMEOUT: Final = httpx.Timeout(30.0, connect=10.0, pool=30.0)
MAX_URL_LENGTH: Final = 8000
"""Longest URL sent: nginx in front of amoCRM refuses request lines over 8 KiB (414)."""
DEFAULT_MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
"""Decoded bytes one response may have; past it the body is not read further."""

Query = str | Sequence[tuple[str, str]] | None

_NOT_SENT = (
    httpx.ConnectError,
    httpx.ConnectTimeout,
    httpx.PoolTimeout,
    httpx.LocalProtocolError,
    httpx.UnsupportedProtocol,
)
"""Failures that happen before a request leaves the client: safe to retry, even for writes."""


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """Per-call overrides, accepted by every service method as keyword arguments."""

    timeout: float | httpx.Timeout | None = None
    max_retries: int | None = None
    extra_headers: Mapping[str, str] | None = None
    extra_query: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How hard to retry. ``max_retry_wait`` bounds one wait: a longer one raises instead."""

    max_retries: int = 3
    initial_backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_wait: float = 60.0
    jitter: Callable[[float], float] = field(default=lambda delay: delay * random.uniform(0.5, 1.0))

    def backoff(self, retry_number: int) -> float:
        """Capped exponential backoff with jitter for the ``retry_number``-th retry (1-based)."""
        base = min(self.max_backoff, self.initial_backoff * 2 ** max(0, retry_number - 1))
        return self.jitter(base)


@dataclass(frozen=True, slots=True)
class APIResponse:
    """A successful response, with what a caller may want for logs or support tickets."""

    method: str
    url: str
    status: int
    headers: httpx.Headers
    content: bytes
    request_id: str | None
    retries_taken: int
    elapsed: float = 0.0
    """Seconds from sending the request to its answer (rate-limit waits and retries excluded)."""

    def json(self) -> Any:
        """The decoded body (``None`` when empty).

        Raises :class:`ValueError` for a body that is not JSON, not UTF-8, or nested deeper
        than 200 levels (the parser's own limit), never ``RecursionError``.
        """
        return pydantic_core.from_json(self.content) if self.content else None


class _Retry(Exception):
    """Internal: this attempt failed in a retryable way."""

    def __init__(self, error: AmoCRMError, delay: float | None) -> None:
        super().__init__(str(error))
        self.error = error
        self.delay = delay


class NotSentError(Exception):
    """Internal: the ``gate`` said not to send (a batch was stopped before this chunk went out)."""


class AccountState:
    """What every pipeline of one account shares, including copies made by ``with_options``."""

    def __init__(self, base_domain: str) -> None:
        self.base_domain = base_domain
        self.consecutive_429 = 0
        self.requests = 0
        """Requests sent for the account (every attempt), for progress reports."""
        self.rate_limited = 0
        """429 answers received for the account, for progress reports."""


class Pipeline:
    """Owns auth, the limiter, retries and error mapping for one account."""

    def __init__(
        self,
        *,
        http: httpx.AsyncClient,
        auth: Auth,
        limiter: RateLimiter,
        clock: Clock,
        base_domain: str,
        scheme: str = "https",
        integration_key: str = "default",
        rate_limit: float = 7.0,
        account_rate_limit: float = 50.0,
        max_rate_wait: float | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        context_user_id: int | None = None,
        user_agent: str | None = None,
        host_allowed: Callable[[str], bool],
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        self.http = http
        self.auth = auth
        self.limiter = limiter
        self.clock = clock
        self.account = AccountState(base_domain)
        self.scheme = scheme
        self.integration_key = integration_key
        self.rate_limit = rate_limit
        self.account_rate_limit = account_rate_limit
        self.max_rate_wait = max_rate_wait
        self.retry = retry or RetryPolicy()
        self.timeout = timeout
        self.context_user_id = context_user_id
        self.user_agent = user_agent or f"amocrm-async/{__version__}"
        self.host_allowed = host_allowed
        self.max_response_bytes = max_response_bytes
        self.read_ahead = ReadAhead(rate_limit)
        """Page times of this account's lists, which size every ``iterate()``'s read-ahead."""
        self.background = BackgroundTasks()
        """Where plain loops' read-ahead runs; closed with the client."""
        self.origin: str | None = None
        """``scheme://host`` of another host of the account that requests go to instead (the
        drive); set on a :meth:`copy`, which keeps the account's auth and rate limits."""

    @property
    def base_domain(self) -> str:
        return self.account.base_domain

    @base_domain.setter
    def base_domain(self, value: str) -> None:
        self.account.base_domain = value

    def copy(self, **changes: Any) -> Pipeline:
        """A pipeline sharing pool, auth and limiter, with some settings changed."""
        clone = object.__new__(Pipeline)
        clone.__dict__.update(self.__dict__)
        for name, value in changes.items():
            setattr(clone, name, value)
        return clone

    @property
    def buckets(self) -> tuple[Bucket, Bucket]:
        return (
            Bucket(f"{self.base_domain}|{self.integration_key}", self.rate_limit),
            Bucket(self.base_domain, self.account_rate_limit),
        )

    def url(
        self, path: str, query: Query = None, extra_query: Mapping[str, str] | None = None
    ) -> str:
        """Absolute URL on the account host (or :attr:`origin`); ``query`` is pre-encoded or
        (key, value) pairs."""
        url = f"{self.origin or f'{self.scheme}://{self.base_domain}'}{path}"
        parts = []
        if isinstance(query, str):
            if query:
                parts.append(query)
        elif query:
            parts.append(encode_query(query))
        if extra_query:
            parts.append(encode_query(extra_query.items()))
        return url + ("?" + "&".join(parts) if parts else "")

    async def send_unauthenticated(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One request without the pipeline's auth or retries; still rate limited.

        Used for the OAuth endpoints, and for the confirmation call after a refresh, which
        brings its own ``Authorization`` header in ``headers``.
        """
        if self.http.is_closed:
            raise ClientClosedError(f"{method}: the client is closed; create a new one")
        host = httpx.URL(url).netloc.decode("ascii").lower()
        if not self.host_allowed(host):
            raise AmoCRMError(f"refusing to send credentials to a non-account host: {host}")
        await self.limiter.acquire(
            self.buckets, account=self.base_domain, max_wait=self.max_rate_wait, priority=True
        )
        request = self.http.build_request(
            method,
            url,
            json=json,
            headers={"User-Agent": self.user_agent, **(headers or {})},
            timeout=self.timeout,
        )
        try:
            response = await self.http.send(request, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise APITimeoutError(type(exc).__name__, method=method, url=_safe_url(url)) from exc
        except httpx.RequestError as exc:
            raise APIConnectionError(type(exc).__name__, method=method, url=_safe_url(url)) from exc
        logger.debug(
            "%s %s -> %s (oauth, request id %s)",
            method,
            httpx.URL(url).path,
            response.status_code,
            response.headers.get("X-Request-Id"),
        )
        if response.status_code == 429:
            # the token endpoint shares the account's limit: pause everyone, as for the API
            error = build_api_error(response, method, _safe_url(url))
            assert isinstance(error, RateLimitedError)
            await self.limiter.cool_down(self.base_domain, self._rate_limited(response, error))
        return response

    def _rate_limited(self, response: httpx.Response, error: RateLimitedError) -> float:
        """Note a 429 for the account and return how long the account should pause."""
        self.account.consecutive_429 += 1
        self.account.rate_limited += 1
        delay = retry_after_seconds(response, error.retry_after, self.clock.time())
        return self.retry.backoff(self.account.consecutive_429) if delay is None else delay

    async def request(
        self,
        method: str,
        path: str,
        *,
        query: Query = None,
        json: Any = None,
        options: RequestOptions | None = None,
        request_ids: Sequence[str] = (),
        gate: Callable[[], bool] | None = None,
        content: bytes | None = None,
    ) -> APIResponse:
        """Send with retries and return the successful response (2xx, incl. 202/204)."""
        return await self.request_decoded(
            method,
            path,
            _identity,
            query=query,
            json=json,
            options=options,
            request_ids=request_ids,
            gate=gate,
            content=content,
        )

    async def request_decoded(
        self,
        method: str,
        path: str,
        decode: Callable[[APIResponse], T],
        *,
        query: Query = None,
        json: Any = None,
        options: RequestOptions | None = None,
        request_ids: Sequence[str] = (),
        gate: Callable[[], bool] | None = None,
        content: bytes | None = None,
    ) -> T:
        """Like :meth:`request`, decoding inside the retry loop.

        A GET whose body cannot be decoded (e.g. truncated) is retried like a dropped connection;
        for a write it means the outcome is unknown. ``content`` is a raw body sent instead of
        ``json`` (a drive file part; its ``Content-Type`` comes in ``options.extra_headers``).
        """
        if self.http.is_closed:
            raise ClientClosedError(f"{method} {path}: the client is closed; create a new one")
        options = options or RequestOptions()
        method = method.upper()
        self._check_url(method, path, query, options)
        max_retries = self.retry.max_retries if options.max_retries is None else options.max_retries
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max_retries + 1),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            sleep=self.clock.sleep,
            reraise=True,
        )
        if content is None and json is not None:
            content = _dumps(json, method, path)
        try:
            async for attempt in retrying:
                with attempt:
                    number = attempt.retry_state.attempt_number
                    response = await self._attempt(
                        method, path, query, content, options, request_ids, gate, number
                    )
                    return self._decode(response, decode, request_ids)
        except _Retry as failed:
            raise failed.error from failed.error.__cause__
        raise AssertionError("unreachable")  # pragma: no cover

    def _decode(
        self, response: APIResponse, decode: Callable[[APIResponse], T], request_ids: Sequence[str]
    ) -> T:
        try:
            return decode(response)
        except ValueError as exc:
            error = ResponseDecodeError(
                method=response.method, url=response.url, status=response.status, cause=exc
            )
            error.__cause__ = exc
            if response.method in IDEMPOTENT_METHODS:
                raise _Retry(error, None) from exc
            raise OutcomeUnknownError(
                method=response.method, url=response.url, request_ids=request_ids, cause=error
            ) from exc

    def _wait(self, state: RetryCallState) -> float:
        outcome = state.outcome
        failure = outcome.exception() if outcome is not None else None
        if isinstance(failure, _Retry) and failure.delay is not None:
            return failure.delay
        return self.retry.backoff(state.attempt_number)

    async def _attempt(
        self,
        method: str,
        path: str,
        query: Query,
        content: bytes | None,
        options: RequestOptions,
        request_ids: Sequence[str],
        gate: Callable[[], bool] | None,
        attempt: int,
    ) -> APIResponse:
        refreshed = moved = False
        while True:
            token = await self._token_for_slot(gate)
            # the URL is built after the token: a refresh may switch the base domain
            url = self.url(path, query, options.extra_query)
            headers = self._headers(token, options, has_body=content is not None)
            request = self.http.build_request(
                method,
                url,
                content=content,
                headers=headers,
                timeout=options.timeout if options.timeout is not None else self.timeout,
            )
            started = self.clock.monotonic()
            self.account.requests += 1
            try:
                response = await self._send_capped(request)
            except httpx.RequestError as exc:
                self._log(method, url, None, attempt, started, None)
                raise self._transport_failure(exc, method, url, request_ids) from exc
            except ResponseTooLargeError as exc:
                if method in IDEMPOTENT_METHODS:
                    raise
                raise OutcomeUnknownError(
                    method=method, url=url, request_ids=request_ids, cause=exc
                ) from exc
            request_id = response.headers.get("X-Request-Id")
            self._log(method, url, response.status_code, attempt, started, request_id)
            status = response.status_code
            if 200 <= status < 300:
                self.account.consecutive_429 = 0
                return APIResponse(
                    method=method,
                    url=url,
                    status=status,
                    headers=response.headers,
                    content=response.content,
                    request_id=request_id,
                    retries_taken=attempt - 1,
                    elapsed=self.clock.monotonic() - started,
                )
            if status == 401 and not refreshed and await self.auth.handle_unauthorized(token):
                refreshed = True
                continue
            if (
                status == 404
                and not moved
                and path.startswith("/api/")
                and await self.auth.handle_not_found(httpx.URL(url).netloc.decode("ascii"))
            ):
                moved = True
                continue
            raise await self._status_failure(response, method, url, request_ids, token)

    def _check_url(self, method: str, path: str, query: Query, options: RequestOptions) -> None:
        """Refuse, before anything is sent, a URL amoCRM would refuse or httpx cannot build."""
        url = self.url(path, query, options.extra_query)
        if len(url) > MAX_URL_LENGTH:
            raise InvalidRequestError(
                f"{method} {path}: the URL would be {len(url)} characters, over the "
                f"{MAX_URL_LENGTH} amoCRM accepts; split the filter (e.g. the ids) into "
                "several requests"
            )
        try:
            httpx.URL(url)
        except httpx.InvalidURL as exc:
            raise InvalidRequestError(f"{method} {path}: invalid URL ({exc})") from exc

    async def _send_capped(self, request: httpx.Request) -> httpx.Response:
        """Send and read the body, refusing one that decodes to more than the cap.

        The body is read as a stream so that a huge (or decompression-bomb) answer stops at
        the cap instead of filling memory; the response handed on holds the decoded body.
        """
        cap = self.max_response_bytes
        response = await self.http.send(request, follow_redirects=False, stream=True)
        try:
            declared = response.headers.get("Content-Length", "")
            plain = "Content-Encoding" not in response.headers
            if plain and declared.isdigit() and int(declared) > cap:
                raise self._too_large(request, response.status_code)
            chunks: list[bytes] = []
            size = 0
            body = cast("AsyncGenerator[bytes, None]", response.aiter_bytes())
            async with aclosing(body) as stream:
                async for chunk in stream:
                    size += len(chunk)
                    if size > cap:
                        raise self._too_large(request, response.status_code)
                    chunks.append(chunk)
        finally:
            await response.aclose()
        headers = response.headers.copy()
        headers.pop("Content-Encoding", None)
        headers.pop("Content-Length", None)
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=b"".join(chunks),
            request=request,
            extensions=response.extensions,
        )

    def _too_large(self, request: httpx.Request, status: int) -> ResponseTooLargeError:
        return ResponseTooLargeError(
            method=request.method,
            url=_safe_url(str(request.url)),
            status=status,
            limit=self.max_response_bytes,
        )

    async def _token_for_slot(self, gate: Callable[[], bool] | None) -> str:
        """Wait for a rate-limit slot, then take the token to send with it.

        A refresh in progress is waited out before a slot is reserved; if a refresh started
        meanwhile and the new token took a while, the slot is stale and one more is taken, so
        requests held up by a refresh do not go out in a burst.
        """
        for retake in (True, False):
            before = await self.auth.get_access_token()
            await self.limiter.acquire(
                self.buckets, account=self.base_domain, max_wait=self.max_rate_wait
            )
            if gate is not None and not gate():
                raise NotSentError
            granted = self.clock.monotonic()
            token = await self.auth.get_access_token()
            stale = token != before and self.clock.monotonic() - granted >= 0.5 / self.rate_limit
            if not (stale and retake):
                return token
        raise AssertionError("unreachable")  # pragma: no cover

    def _headers(self, token: str, options: RequestOptions, *, has_body: bool) -> dict[str, str]:
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "application/json",
        }
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.context_user_id is not None:
            headers["X-Context-User-ID"] = str(self.context_user_id)
        if options.extra_headers:
            headers.update(options.extra_headers)
        headers["Authorization"] = f"Bearer {token}"
        return headers

    def _log(
        self,
        method: str,
        url: str,
        status: int | None,
        attempt: int,
        started: float,
        request_id: str | None,
    ) -> None:
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (attempt %d, %.3fs, request id %s)",
                method,
                httpx.URL(url).raw_path.decode("ascii", "replace"),
                status if status is not None else "no response",
                attempt,
                self.clock.monotonic() - started,
                request_id,
            )

    def _transport_failure(
        self, exc: httpx.RequestError, method: str, url: str, request_ids: Sequence[str]
    ) -> Exception:
        kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
        # only the class name: httpx/h11 messages may quote the request's headers
        error = kind(type(exc).__name__, method=method, url=url)
        error.__cause__ = exc
        not_sent = isinstance(exc, _NOT_SENT)
        if not_sent or method in IDEMPOTENT_METHODS:
            return _Retry(error, None)
        return OutcomeUnknownError(method=method, url=url, request_ids=request_ids, cause=error)

    async def _status_failure(
        self,
        response: httpx.Response,
        method: str,
        url: str,
        request_ids: Sequence[str],
        token: str,
    ) -> Exception:
        status = response.status_code
        # a server (or a proxy) that echoes the request must not put the token into the error
        error = build_api_error(response, method, url, hidden=[token])
        if isinstance(error, RateLimitedError):
            delay = self._rate_limited(response, error)
            if delay > self.retry.max_retry_wait:
                return error
            await self.limiter.cool_down(self.base_domain, delay)
            return _Retry(error, 0.0)
        if status in RETRYABLE_STATUSES:
            if method in IDEMPOTENT_METHODS:
                return _Retry(error, None)
            return OutcomeUnknownError(method=method, url=url, request_ids=request_ids, cause=error)
        return error


def _identity(response: APIResponse) -> APIResponse:
    return response


def _dumps(value: Any, method: str, path: str) -> bytes:
    """The JSON body; a value JSON cannot carry is refused before anything is sent."""
    try:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return text.encode()
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise InvalidRequestError(
            f"{method} {path}: the body cannot be sent as JSON: {exc}"
        ) from exc


def _safe_url(url: str) -> str:
    return str(httpx.URL(url).copy_with(query=None))


def _says_blocked(fields: Mapping[str, Any]) -> bool:
    words = " ".join(str(fields[k] or "") for k in ("title", "detail", "hint")).lower()
    return "block" in words or "заблокир" in words


def _is_html(response: httpx.Response) -> bool:
    ctype = response.headers.get("Content-Type", "").lower()
    return "html" in ctype or response.content.lstrip()[:1] == b"<"


def build_api_error(
    response: httpx.Response,
    method: str,
    url: str,
    *,
    fallback: type[APIError] | None = None,
    hidden: Sequence[str] = (),
) -> APIError:
    """Map an error response (JSON problem, HTML or plain text) to its exception.

    A 429, an account block and a 5xx always get their own classes. A 403 is a block when it is
    the nginx HTML page amoCRM serves once it has blocked an account, or when its problem body
    says "blocked"; any other 403, even right after 429s, is a plain
    :class:`~amocrm_async.errors.ForbiddenError` (missing rights), never mistaken for a block.
    Other statuses get other statuses get ``fallback`` if given (the OAuth endpoints use
    ``OAuthError``), else the class for the status. Every value in ``hidden`` (secrets the
    request carried) is replaced in the body before anything is read from it.
    """
    status = response.status_code
    text = response.content.decode("utf-8", "replace")
    for secret in hidden:
        if secret:
            text = text.replace(secret, "<hidden>")
    payload: Mapping[str, Any] = {}
    try:
        parsed = pydantic_core.from_json(text) if text else None
    except ValueError:
        parsed = None
    if isinstance(parsed, Mapping):
        payload = parsed
    common: dict[str, Any] = {
        "status": status,
        "method": method,
        "url": url,
        "request_id": response.headers.get("X-Request-Id"),
        "title": _str_or_none(payload.get("title"))
        or (None if payload else _html_title(text))
        or response.reason_phrase
        or None,
        "detail": _str_or_none(payload.get("detail")),
        "type": _str_or_none(payload.get("type")),
        "hint": _str_or_none(payload.get("hint")),
        "body": text,
        "payload": payload,
    }
    if status == 429:
        return RateLimitedError(retry_after=_float_or_none(payload.get("retry_after")), **common)
    if status == 403 and (_is_html(response) or _says_blocked(common)):
        return AccountBlockedError(**common)
    if status >= 500:
        return ServerError(**common)
    if fallback is not None:
        return fallback(**common)
    issues = _validation_issues(payload)
    if status == 400 and issues:
        return RequestValidationError(errors=issues, **common)
    return error_for_status(status)(**common)


def _validation_issues(payload: Mapping[str, Any]) -> list[ValidationIssue]:
    raw = payload.get("validation-errors")
    if not isinstance(raw, list):
        return []
    issues = []
    for entry in raw:
        if not isinstance(entry, Mapping):
            continue
        rid = entry.get("request_id")
        errors = entry.get("errors")
        for err in errors if isinstance(errors, list) else []:
            if isinstance(err, Mapping):
                issues.append(
                    ValidationIssue(
                        request_id=None if rid is None else str(rid),
                        code=_str_or_none(err.get("code")),
                        path=_str_or_none(err.get("path")),
                        detail=_str_or_none(err.get("detail")),
                    )
                )
    return issues


def retry_after_seconds(
    response: httpx.Response, body_retry_after: float | None, now: float
) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date), else the body's."""
    header = response.headers.get("Retry-After")
    if header:
        header = header.strip()
        try:
            return max(0.0, float(header))
        except ValueError:
            pass
        try:
            when = email.utils.parsedate_to_datetime(header)
        except (TypeError, ValueError):
            when = None
        if when is not None:
            return max(0.0, when.timestamp() - now)
    if body_retry_after is not None and body_retry_after >= 0:
        return body_retry_after
    return None


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)


def _float_or_none(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _html_title(text: str) -> str | None:
    lower = text.lower()
    start = lower.find("<title>")
    end = lower.find("</title>")
    if start != -1 and end > start:
        return text[start + 7 : end].strip() or None
    return None
