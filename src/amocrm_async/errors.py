"""Every exception the SDK raises.

One hierarchy, rooted at :class:`AmoCRMError`:

* :class:`APIError` — the server answered with an error status; one subclass per status amoCRM
  uses, carrying status, method, URL, ``X-Request-Id``, the problem fields and the (capped) body.
* :class:`TransportError` — no usable answer (connection failure, timeout).
* :class:`OutcomeUnknownError` — a write failed in a way that does not say whether it was applied.
* :class:`BatchError` — a chunked write failed part-way: what was written, what failed, what was
  never sent.
* auth and one-time-token errors.

No message, ``repr`` or attribute ever holds an access token, refresh token or client secret.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit

__all__ = [
    "APIConnectionError",
    "APIError",
    "APITimeoutError",
    "AccountBlockedError",
    "AccountNotAuthorizedError",
    "AmoCRMError",
    "AuthorizationCallbackError",
    "AuthorizationDeniedError",
    "BadRequestError",
    "BatchError",
    "BatchFailure",
    "ClientClosedError",
    "ConflictError",
    "DisposableTokenAlgorithmError",
    "DisposableTokenAudienceError",
    "DisposableTokenError",
    "DisposableTokenExpiredError",
    "DisposableTokenMalformedError",
    "DisposableTokenSignatureError",
    "ForbiddenError",
    "InvalidBaseDomainError",
    "InvalidRequestError",
    "MethodNotAllowedError",
    "NotFoundError",
    "OAuthError",
    "OAuthStateMismatchError",
    "OutcomeUnknownError",
    "PaymentRequiredError",
    "RateLimitTimeoutError",
    "RateLimitedError",
    "ReauthorizationRequiredError",
    "RequestValidationError",
    "ResponseDecodeError",
    "ResponseTooLargeError",
    "ServerError",
    "TokenExpiredError",
    "TokenStoreError",
    "TokenStoreLockTimeoutError",
    "TooManyEntitiesError",
    "TransportError",
    "UnauthorizedError",
    "ValidationIssue",
    "WriteReport",
    "WriteState",
    "error_for_status",
]

T = TypeVar("T")

BODY_LIMIT = 2000
"""Raw response bodies kept on errors are cut to this many characters."""

_SHOWN_ISSUES = 3


class AmoCRMError(Exception):
    """Base class of every error raised by ``amocrm_async``."""


class ClientClosedError(AmoCRMError, RuntimeError):
    """A call on a client that was closed (``aclose()``, or its ``http_client`` was closed)."""


class AccountNotAuthorizedError(AmoCRMError, LookupError):
    """The token store holds no pair for this account: it has to be authorised first."""

    def __init__(self, key: str) -> None:
        super().__init__(f"no token pair stored for account {key!r}; authorize it first")
        self.key = key


class InvalidRequestError(AmoCRMError, ValueError):
    """A request that cannot be sent as asked (e.g. a URL too long for amoCRM's front end);
    raised before anything is sent."""


class InvalidBaseDomainError(AmoCRMError, ValueError):
    """The base domain is not an amoCRM/Kommo account host (and the caller did not opt in)."""


class RateLimitTimeoutError(AmoCRMError):
    """Waiting for the rate limiter (or a 429 cool-down) would exceed the configured maximum."""

    def __init__(self, message: str, *, wait: float) -> None:
        super().__init__(message)
        self.wait = wait


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One entry of a 400 response's ``validation-errors``: which entity, which field, why."""

    request_id: str | None
    code: str | None
    path: str | None
    detail: str | None

    def __str__(self) -> str:
        where = f"request_id={self.request_id} " if self.request_id is not None else ""
        return f"{where}{self.path or '?'}: {self.code or '?'} ({self.detail or ''})"


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


class APIError(AmoCRMError):
    """The server answered with a non-success status."""

    def __init__(
        self,
        *,
        status: int,
        method: str,
        url: str,
        request_id: str | None = None,
        title: str | None = None,
        detail: str | None = None,
        type: str | None = None,
        hint: str | None = None,
        body: str = "",
        payload: Mapping[str, Any] | None = None,
    ) -> None:
        self.status = status
        self.method = method
        self.url = url
        self.request_id = request_id
        self.title = title
        self.detail = detail
        self.type = type
        self.hint = hint
        self.body = body[:BODY_LIMIT]
        self.payload: Mapping[str, Any] = payload or {}
        super().__init__(self._message())

    @property
    def path(self) -> str:
        """Path and query of the failed request (the host is the account's)."""
        return _path_of(self.url)

    def _details(self) -> list[str]:
        out = []
        if self.title:
            out.append(self.title)
        if self.detail and self.detail != self.title:
            out.append(self.detail)
        if self.hint:
            out.append(f"hint: {self.hint}")
        return out

    def _message(self) -> str:
        head = f"{self.status} {self.method} {self.path}"
        if self.request_id:
            head += f" [request id {self.request_id}]"
        details = self._details()
        return head + (": " + "; ".join(details) if details else "")

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, method={self.method!r}, "
            f"path={self.path!r}, request_id={self.request_id!r})"
        )


class BadRequestError(APIError):
    """400 without per-entity validation errors (e.g. "Request data can not be empty")."""


class RequestValidationError(BadRequestError):
    """400 with ``validation-errors``: ``errors`` lists each failing entity field."""

    def __init__(self, *, errors: Sequence[ValidationIssue] = (), **kwargs: Any) -> None:
        self.errors: list[ValidationIssue] = list(errors)
        super().__init__(**kwargs)

    def _details(self) -> list[str]:
        out = super()._details()
        shown = [str(issue) for issue in self.errors[:_SHOWN_ISSUES]]
        if len(self.errors) > _SHOWN_ISSUES:
            shown.append(f"... {len(self.errors) - _SHOWN_ISSUES} more")
        return [*out, *shown]

    def for_request_id(self, request_id: str) -> list[ValidationIssue]:
        """The issues reported for one entity of the batch."""
        return [issue for issue in self.errors if issue.request_id == request_id]


class UnauthorizedError(APIError):
    """401: the token is missing, expired or revoked (or the integration was uninstalled)."""


class OAuthError(UnauthorizedError):
    """The OAuth token endpoint refused a grant; ``hint`` carries amoCRM's real reason."""


class PaymentRequiredError(APIError):
    """402: the account's paid period ended, or its tariff lacks this feature."""


class ForbiddenError(APIError):
    """403: insufficient rights, IP not whitelisted."""


class AccountBlockedError(ForbiddenError):
    """403 block of the account's API access (HTML page from nginx, or a 403 after 429s).

    Only amoCRM support can lift it; the SDK never retries it.
    """


class NotFoundError(APIError):
    """404, or a ``get_one`` of an entity that does not exist (amoCRM may answer 204)."""


class MethodNotAllowedError(APIError):
    """405."""


class ConflictError(APIError):
    """409."""


class TooManyEntitiesError(APIError):
    """422: more entities in one write than the API accepts (250)."""


class RateLimitedError(APIError):
    """429: rate limit exceeded; ``retry_after`` is the server's hint in seconds, if any."""

    def __init__(self, *, retry_after: float | None = None, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(**kwargs)


class ServerError(APIError):
    """5xx."""


_STATUS_CLASSES: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: UnauthorizedError,
    402: PaymentRequiredError,
    403: ForbiddenError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    422: TooManyEntitiesError,
    429: RateLimitedError,
}


def error_for_status(status: int) -> type[APIError]:
    """The exception class for an HTTP error status."""
    if status >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status, APIError)


class TransportError(AmoCRMError):
    """No response could be read (network failure or timeout)."""

    def __init__(self, message: str, *, method: str, url: str) -> None:
        self.method = method
        self.url = url
        super().__init__(f"{message}: {method} {_path_of(url)}")

    @property
    def path(self) -> str:
        return _path_of(self.url)


class APIConnectionError(TransportError):
    """The connection failed or dropped."""


class APITimeoutError(TransportError):
    """The request timed out."""


class ResponseDecodeError(AmoCRMError):
    """A 2xx response whose body could not be decoded (truncated, not JSON, unexpected shape)."""

    def __init__(self, *, method: str, url: str, status: int, cause: BaseException) -> None:
        self.method = method
        self.url = url
        self.status = status
        self.cause = cause
        super().__init__(
            f"could not decode the {status} response of {method} {_path_of(url)}: "
            f"{type(cause).__name__}: {str(cause)[:300]}"
        )


class ResponseTooLargeError(ResponseDecodeError):
    """A response body larger than the client's ``max_response_bytes`` (decoded).

    Reads raise it as it is (a retry would get the same answer); for a write it is the cause of
    an :class:`OutcomeUnknownError`, since the server may have applied it.
    """

    def __init__(self, *, method: str, url: str, status: int, limit: int) -> None:
        self.limit = limit
        super().__init__(
            method=method,
            url=url,
            status=status,
            cause=ValueError(f"the body exceeds max_response_bytes={limit}"),
        )


class OutcomeUnknownError(AmoCRMError):
    """A write failed ambiguously (read timeout, dropped connection, 5xx): it may have been applied.

    The SDK never replays such a write. ``request_ids`` name the entities of that request so the
    caller can look them up (e.g. by a marker field) before resending.
    """

    def __init__(
        self,
        *,
        method: str,
        url: str,
        request_ids: Sequence[str],
        cause: BaseException,
    ) -> None:
        self.method = method
        self.url = url
        self.request_ids = list(request_ids)
        self.cause = cause
        ids = ", ".join(self.request_ids[:10]) + (" ..." if len(self.request_ids) > 10 else "")
        super().__init__(
            f"outcome unknown for {method} {_path_of(url)} after {type(cause).__name__}: "
            f"{cause}; the write may or may not have been applied (request ids: {ids or '-'})"
        )

    @property
    def path(self) -> str:
        return _path_of(self.url)


@dataclass(frozen=True, slots=True)
class BatchFailure:
    """One entity of a failed chunk, with the server's issues for it (empty if none named it)."""

    item: Any
    issues: tuple[ValidationIssue, ...]
    error: AmoCRMError


class BatchError(AmoCRMError):
    """A chunked write did not complete. Nothing is dropped silently:

    * ``written`` — models the server stored (ids and ``updated_at`` filled in);
    * ``failed`` — entities of chunks the server rejected, each with its issues and error;
    * ``unknown`` — entities of chunks whose outcome is unknown (see :class:`OutcomeUnknownError`);
    * ``not_sent`` — entities never sent because an earlier failure stopped the batch.

    ``report`` is the call's :class:`WriteReport` (the one passed as ``report=``, if any).
    """

    def __init__(
        self,
        *,
        written: Sequence[Any],
        failed: Sequence[BatchFailure],
        unknown: Sequence[Any],
        not_sent: Sequence[Any],
        errors: Sequence[AmoCRMError],
        report: WriteReport[Any] | None = None,
    ) -> None:
        self.written = list(written)
        self.failed = list(failed)
        self.unknown = list(unknown)
        self.not_sent = list(not_sent)
        self.errors = list(errors)
        self.report = report
        first = f"; first error: {errors[0]}" if errors else ""
        super().__init__(
            f"batch write incomplete: {len(self.written)} written, {len(self.failed)} failed, "
            f"{len(self.unknown)} outcome unknown, {len(self.not_sent)} not sent{first}"
        )


class WriteState(StrEnum):
    """Where one model of a chunked write stands (see :class:`WriteReport`)."""

    PENDING = "pending"
    """Not sent yet; becomes ``NOT_SENT`` if the call ends before it goes out."""
    IN_FLIGHT = "in_flight"
    """Its request may have reached the server; becomes ``UNKNOWN`` if the call ends unanswered."""
    WRITTEN = "written"
    FAILED = "failed"
    UNKNOWN = "unknown"
    NOT_SENT = "not_sent"


_FINAL_STATES = frozenset(
    {WriteState.WRITTEN, WriteState.FAILED, WriteState.UNKNOWN, WriteState.NOT_SENT}
)


class WriteReport(Generic[T]):
    """The books of one ``add()``/``update()`` call, kept up to date as its chunks resolve.

    Pass one in to learn where every model stands even when the call does not return — a
    deadline (``anyio.fail_after``), a cancelled task group, Ctrl-C::

        report: WriteReport[Lead] = WriteReport()
        with anyio.move_on_after(30):
            await amo.leads.add(leads, report=report)
        report.written   # stored, ids filled in
        report.unknown   # sent, never answered: look them up before resending
        report.not_sent  # never left the client: safe to send again

    While the call runs, models are ``pending`` or ``in_flight``; once it ends (returned, raised
    or cancelled) every model is ``written``, ``failed``, ``unknown`` or ``not_sent``. A report
    records one call.
    """

    def __init__(self) -> None:
        self.models: list[T] = []
        self.errors: list[AmoCRMError] = []
        self.cancelled = False
        """The call was cancelled (or interrupted) before every chunk was answered."""
        self.finished = False
        """The call has ended; every model has its final state."""
        self._states: list[WriteState] = []
        self._failures: dict[int, BatchFailure] = {}
        self._started = False

    # -- reading ------------------------------------------------------------------------------

    @property
    def states(self) -> list[WriteState]:
        """The state of each model, in input order."""
        return list(self._states)

    def state_of(self, model: T) -> WriteState:
        """The state of one model of the call (matched by identity)."""
        for position, candidate in enumerate(self.models):
            if candidate is model:
                return self._states[position]
        raise ValueError("the model is not part of this write")

    def _in(self, state: WriteState) -> list[T]:
        return [m for m, s in zip(self.models, self._states, strict=True) if s is state]

    @property
    def written(self) -> list[T]:
        return self._in(WriteState.WRITTEN)

    @property
    def failed(self) -> list[BatchFailure]:
        return [self._failures[i] for i in sorted(self._failures)]

    @property
    def unknown(self) -> list[T]:
        return self._in(WriteState.UNKNOWN)

    @property
    def not_sent(self) -> list[T]:
        return self._in(WriteState.NOT_SENT)

    @property
    def pending(self) -> list[T]:
        return self._in(WriteState.PENDING)

    @property
    def in_flight(self) -> list[T]:
        return self._in(WriteState.IN_FLIGHT)

    @property
    def complete(self) -> bool:
        """Every model was written."""
        return self.finished and all(s is WriteState.WRITTEN for s in self._states)

    def counts(self) -> dict[WriteState, int]:
        """How many models are in each state."""
        counts = dict.fromkeys(WriteState, 0)
        for state in self._states:
            counts[state] += 1
        return counts

    def __repr__(self) -> str:
        shown = ", ".join(f"{state.value}={n}" for state, n in self.counts().items() if n)
        flags = " cancelled" if self.cancelled else ""
        return f"<WriteReport {len(self.models)} models: {shown or 'empty'}{flags}>"

    # -- bookkeeping (the write path) ---------------------------------------------------------

    def _begin(self, models: Sequence[T]) -> None:
        if self._started:
            raise ValueError("a WriteReport records one call; pass a new one")
        self._started = True
        self.models = list(models)
        self._states = [WriteState.PENDING] * len(self.models)

    def _set(self, positions: Iterable[int], state: WriteState) -> None:
        for position in positions:
            if self._states[position] not in _FINAL_STATES:
                self._states[position] = state

    def _fail(self, position: int, failure: BatchFailure) -> None:
        self._set((position,), WriteState.FAILED)
        self._failures[position] = failure

    def _finish(self, *, cancelled: bool) -> None:
        """End of the call: what never went out is not sent, what got no answer is unknown."""
        if self.finished:
            return
        unresolved = any(s not in _FINAL_STATES for s in self._states)
        for position, state in enumerate(self._states):
            if state is WriteState.PENDING:
                self._states[position] = WriteState.NOT_SENT
            elif state is WriteState.IN_FLIGHT:
                self._states[position] = WriteState.UNKNOWN
        self.cancelled = cancelled and unresolved
        self.finished = True


class ReauthorizationRequiredError(AmoCRMError):
    """The refresh token was rejected (revoked, reused or expired); a user must re-authorise."""


class TokenExpiredError(AmoCRMError):
    """A long-lived token has expired; it cannot be refreshed, create a new one."""


class DisposableTokenError(AmoCRMError, ValueError):
    """A one-time (widget or bot) token failed verification."""


class DisposableTokenMalformedError(DisposableTokenError):
    """The token is not a well-formed JWT or lacks required claims."""


class DisposableTokenAlgorithmError(DisposableTokenError):
    """The token's ``alg`` is not the one allowed (``none`` included)."""


class DisposableTokenSignatureError(DisposableTokenError):
    """The signature does not match the client secret."""


class DisposableTokenAudienceError(DisposableTokenError):
    """``aud`` is not the scheme and host of the integration's redirect URI."""


class DisposableTokenExpiredError(DisposableTokenError):
    """The token is expired or not yet valid."""


class AuthorizationCallbackError(AmoCRMError, ValueError):
    """The OAuth redirect back to the integration is unusable (no code, no or bad ``referer``)."""


class AuthorizationDeniedError(AuthorizationCallbackError):
    """The user declined the integration (``error=access_denied`` in the redirect)."""


class OAuthStateMismatchError(AuthorizationCallbackError):
    """The redirect's ``state`` is not the one this session issued: a possible CSRF attempt."""


class TokenStoreError(AmoCRMError):
    """A token store could not read or write the stored pair (corrupt data, lost write race)."""


class TokenStoreLockTimeoutError(TokenStoreError, TimeoutError):
    """The store's cross-process refresh lock was not acquired in time."""
