"""Fault injection: latency, 5xx, forced 429, dropped connections, broken bodies."""

from __future__ import annotations

import enum
import fnmatch
import random
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

__all__ = [
    "ConnectFault",
    "ConnectionDropped",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "NetworkFault",
]


class FaultKind(enum.StrEnum):
    """What an injected fault does to a matching request."""

    LATENCY = "latency"
    """Sleep ``seconds`` on the fake's clock, then handle the request normally."""
    STATUS = "status"
    """Answer ``status`` (default 500) without handling; ``apply=True`` handles it first."""
    RATE_LIMIT = "rate_limit"
    """Answer a 429 problem+json with ``retry_after`` (optionally a ``Retry-After`` header)."""
    CONNECTION_RESET = "connection_reset"
    """Drop the connection before the request is handled (nothing is applied)."""
    CONNECT_ERROR = "connect_error"
    """Fail to connect at all (nothing is applied)."""
    APPLY_THEN_DROP = "apply_then_drop"
    """Handle the request (writes are stored), then drop the connection: the response is lost."""
    TRUNCATED_BODY = "truncated_body"
    """Handle the request, then send only the first half of the body."""
    HTML_BODY = "html_body"
    """Answer ``status`` (default 502) with an nginx HTML page instead of JSON."""
    EMPTY_BODY = "empty_body"
    """Handle the request, then send its status with an empty body (a 200 with nothing)."""
    EMPTY_OBJECT = "empty_object"
    """Handle the request, then send ``{}`` as the body."""
    NO_EMBEDDED = "no_embedded"
    """Handle the request, then send the JSON body without its ``_embedded`` collection."""


NETWORK_KINDS = frozenset(
    {FaultKind.CONNECTION_RESET, FaultKind.CONNECT_ERROR, FaultKind.APPLY_THEN_DROP}
)


class NetworkFault(Exception):
    """Raised by the core when a fault says there is no HTTP response at all."""

    def __init__(self, kind: FaultKind, *, applied: bool = False) -> None:
        super().__init__(kind.value)
        self.kind = kind
        self.applied = applied


class ConnectionDropped(NetworkFault):
    """The connection closed before a response was sent (reset or apply-then-drop)."""


class ConnectFault(NetworkFault):
    """The connection could not be established."""


PathMatcher = str | re.Pattern[str] | None
RetryAfterHeader = Literal["seconds", "date"] | None


def _compile_path(path: PathMatcher) -> tuple[str, Any]:
    if path is None:
        return "any", None
    if isinstance(path, re.Pattern):
        return "regex", path
    if path.startswith("re:"):
        return "regex", re.compile(path[3:])
    if any(ch in path for ch in "*?"):
        return "glob", path
    return "exact", path.rstrip("/") or "/"


@dataclass(eq=False)
class Fault:
    """One registered fault. Usable as a context manager that removes it on exit."""

    kind: FaultKind
    path: PathMatcher = None
    method: frozenset[str] | None = None
    every: int | None = None
    times: int | None = None
    probability: float | None = None
    status: int | None = None
    seconds: float = 0.0
    body: bytes | str | dict[str, Any] | list[Any] | None = None
    retry_after: float | None = None
    retry_after_header: RetryAfterHeader = None
    apply: bool = False
    matched: int = 0
    """Requests that matched ``path``/``method`` so far."""
    fired: int = 0
    """Times the fault actually took effect."""
    _injector: FaultInjector | None = field(default=None, repr=False)
    _path_kind: str = field(default="any", repr=False)
    _path_value: Any = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self._path_kind, self._path_value = _compile_path(self.path)

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method not in self.method:
            return False
        kind = self._path_kind
        if kind == "any":
            return True
        if kind == "exact":
            return bool(path == self._path_value)
        if kind == "glob":
            return fnmatch.fnmatchcase(path, self._path_value)
        return self._path_value.search(path) is not None

    def remove(self) -> None:
        if self._injector is not None:
            self._injector.remove(self)

    def __enter__(self) -> Fault:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()


class FaultInjector:
    """``fake.faults``: an ordered list of faults, evaluated for every API/OAuth request."""

    def __init__(self, seed: int) -> None:
        self._faults: list[Fault] = []
        self._rng = random.Random(seed ^ 0x5EED_FA17)
        self._lock = threading.Lock()

    def add(
        self,
        kind: FaultKind | str,
        *,
        path: PathMatcher = None,
        method: str | Iterable[str] | None = None,
        every: int | None = None,
        times: int | None = None,
        probability: float | None = None,
        status: int | None = None,
        seconds: float = 0.0,
        body: bytes | str | dict[str, Any] | list[Any] | None = None,
        retry_after: float | None = None,
        retry_after_header: RetryAfterHeader = None,
        apply: bool = False,
    ) -> Fault:
        """Register a fault and return it (``with fake.faults.add(...):`` scopes it).

        ``path``: exact path (``/api/v4/leads``), a glob (``/api/v4/leads*``), ``"re:<regex>"`` or
        a compiled pattern; ``None`` matches every path. ``method``: one verb or several.
        ``every=n`` fires on the n-th, 2n-th, ... matching request; ``times=n`` limits the fault
        to n firings; ``probability`` fires at random (seeded). Without any of those the fault
        fires on every matching request.
        """
        fault_kind = FaultKind(kind)
        if every is not None and every < 1:
            raise ValueError("every must be >= 1")
        if times is not None and times < 0:
            raise ValueError("times must be >= 0")
        if probability is not None and not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within [0, 1]")
        if fault_kind is FaultKind.LATENCY and seconds <= 0:
            raise ValueError("a latency fault needs seconds > 0")
        if status is not None and not 100 <= status <= 599:
            raise ValueError("status must be an HTTP status code")
        methods: frozenset[str] | None
        if method is None:
            methods = None
        elif isinstance(method, str):
            methods = frozenset({method.upper()})
        else:
            methods = frozenset(m.upper() for m in method)
        fault = Fault(
            kind=fault_kind,
            path=path,
            method=methods,
            every=every,
            times=times,
            probability=probability,
            status=status,
            seconds=seconds,
            body=body,
            retry_after=retry_after,
            retry_after_header=retry_after_header,
            apply=apply,
        )
        fault._injector = self
        with self._lock:
            self._faults.append(fault)
        return fault

    def remove(self, fault: Fault) -> None:
        with self._lock:
            if fault in self._faults:
                self._faults.remove(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def __iter__(self) -> Iterator[Fault]:
        with self._lock:
            return iter(list(self._faults))

    def __len__(self) -> int:
        return len(self._faults)

    def __bool__(self) -> bool:
        return True

    def select(self, method: str, path: str) -> list[Fault]:
        """Faults firing for this request, in registration order."""
        if not self._faults:
            return []
        firing: list[Fault] = []
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(method, path):
                    continue
                fault.matched += 1
                if fault.every is not None and fault.matched % fault.every:
                    continue
                if fault.probability is not None and self._rng.random() >= fault.probability:
                    continue
                fault.fired += 1
                firing.append(fault)
        return firing
