"""Request/response value objects and wire helpers shared by the core and its adapters."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

from amocrm_async.testing._query import parse_query

__all__ = [
    "HAL_JSON",
    "PLAIN_JSON",
    "PROBLEM_JSON",
    "BadBody",
    "Core",
    "FakeResponse",
    "Request",
    "html_page",
    "json_response",
    "no_content",
    "problem",
]

HAL_JSON = "application/hal+json"
PROBLEM_JSON = "application/problem+json"
PLAIN_JSON = "application/json"
HTML = "text/html"

_REASONS = {
    400: "Bad Request",
    401: "Unauthorized",
    402: "Payment Required",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    422: "Unprocessable Entity",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Temporarily Unavailable",
    504: "Gateway Time-out",
}


def reason(status: int) -> str:
    return _REASONS.get(status, "Error")


@dataclass(slots=True)
class FakeResponse:
    """What the core answers: status, headers (in order) and the raw body."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        lowered = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lowered]
        self.headers.append((name, value))

    @property
    def content_type(self) -> str | None:
        return self.header("content-type")

    def json(self) -> Any:
        return json.loads(self.body)


def _dumps(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def json_response(status: int, payload: Any, content_type: str = HAL_JSON) -> FakeResponse:
    return FakeResponse(status, [("Content-Type", content_type)], _dumps(payload))


def no_content() -> FakeResponse:
    return FakeResponse(204, [], b"")


def problem(
    status: int,
    detail: str,
    *,
    title: str | None = None,
    extra: dict[str, Any] | None = None,
    **fields: Any,
) -> FakeResponse:
    """``application/problem+json``; ``extra``/``fields`` add keys after the standard four."""
    payload: dict[str, Any] = {
        "title": title or reason(status),
        "type": f"https://httpstatus.es/{status}",
        "status": status,
        "detail": detail,
    }
    payload.update(extra or {})
    payload.update(fields)
    return json_response(status, payload, PROBLEM_JSON)


def html_page(status: int) -> FakeResponse:
    """An nginx error page, as amoCRM's edge sends on blocks and gateway errors."""
    text = f"{status} {reason(status)}"
    body = (
        f"<html>\r\n<head><title>{text}</title></head>\r\n<body>\r\n"
        f"<center><h1>{text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return FakeResponse(status, [("Content-Type", HTML), ("Server", "nginx")], body.encode("ascii"))


class BadBody(Exception):
    """The request body is empty or not JSON of the expected shape."""

    def __init__(self, response: FakeResponse) -> None:
        super().__init__(response.status)
        self.response = response


_NOT_PARSED: Any = object()


class Request:
    """One incoming request, normalised for the handlers."""

    __slots__ = (
        "_json",
        "_query",
        "body",
        "headers",
        "host",
        "method",
        "path",
        "raw_query",
        "request_id",
        "scheme",
    )

    def __init__(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | Iterable[tuple[str, str]] | None,
        body: bytes,
        request_id: str,
    ) -> None:
        pairs = headers.items() if isinstance(headers, Mapping) else (headers or ())
        self.headers: dict[str, str] = {str(k).lower(): str(v) for k, v in pairs}
        parts = urlsplit(url)
        self.method = method.upper()
        self.scheme = parts.scheme or "https"
        self.host = (self.headers.get("host") or parts.netloc).lower()
        path = unquote(parts.path) or "/"
        self.path = path.rstrip("/") or "/"
        self.raw_query = parts.query
        self.body = body
        self.request_id = request_id
        self._query: dict[str, Any] | None = None
        self._json: Any = _NOT_PARSED

    @property
    def hostname(self) -> str:
        host = self.host
        if host.startswith("["):
            return host.split("]")[0] + "]"
        return host.rsplit(":", 1)[0] if ":" in host else host

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}"

    @property
    def query(self) -> dict[str, Any]:
        if self._query is None:
            self._query = parse_query(self.raw_query)
        return self._query

    def logged_body(self) -> Any:
        """The body as a Python value for the request log (JSON, else form, else text)."""
        if not self.body:
            return None
        try:
            return self.json()
        except BadBody:
            pass
        text = self.body.decode("utf-8", "replace")
        if "=" in text and "{" not in text:
            return dict(parse_qsl(text, keep_blank_values=True))
        return text

    def json(self) -> Any:
        """The JSON body; raises :class:`BadBody` (400) when it is empty or malformed."""
        if self._json is _NOT_PARSED:
            if not self.body.strip():
                raise BadBody(problem(400, "Request data can not be empty"))
            try:
                self._json = json.loads(self.body)
            except (ValueError, UnicodeDecodeError):
                raise BadBody(problem(400, "Request body is not a valid JSON")) from None
        return self._json

    def json_array(self) -> list[Any]:
        payload = self.json()
        if payload == [] or payload == {}:
            raise BadBody(problem(400, "Request data can not be empty"))
        if not isinstance(payload, list):
            raise BadBody(
                problem(
                    400,
                    "Request validation failed",
                    extra={
                        "validation-errors": [
                            {
                                "request_id": "0",
                                "errors": [
                                    {
                                        "code": "InvalidType",
                                        "path": "",
                                        "detail": "This value should be of type array.",
                                    }
                                ],
                            }
                        ]
                    },
                )
            )
        return payload

    def form_or_json(self) -> Any:
        """Token-endpoint bodies: JSON (documented) or form-urlencoded (league/oauth2)."""
        text = self.body.decode("utf-8", "replace").strip()
        if text.startswith(("{", "[")):
            return self.json()
        return dict(parse_qsl(text, keep_blank_values=True))


Headers = Mapping[str, str] | Iterable[tuple[str, str]] | None


class Core(Protocol):
    """What the ways in (``fake.transport``, ``fake.app``) need of the fake: its request handler.

    They depend on this, not on ``FakeAmoCRM``, so the core and its adapters import one way.
    """

    async def handle(
        self, method: str, url: str, headers: Headers = None, body: bytes = b""
    ) -> FakeResponse: ...
