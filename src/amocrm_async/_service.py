"""What every service is: a path on the account, bound to the request pipeline.

Services hang off the client and off each other through two descriptors, created on first
access and cached on the owner: :func:`service` (``amo.leads``, ``amo.leads.links``) and
:func:`scoped` (``amo.pipelines.statuses(pipeline_id)``). HTTP, retries and errors stay in the
pipeline; a service module only declares its endpoint.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Generic, Protocol, TypedDict, TypeVar, overload

from ._pipeline import Pipeline, RequestOptions

__all__ = ["CallOptions", "Scoped", "Service", "scoped", "service"]

S = TypeVar("S", bound="Service")

MAX_PAGE_LIMIT = 250


class CallOptions(TypedDict, total=False):
    """Per-call overrides every service method accepts as keyword arguments."""

    timeout: float
    max_retries: int
    extra_headers: Mapping[str, str]
    extra_query: Mapping[str, str]


def request_options(options: CallOptions) -> RequestOptions:
    return RequestOptions(
        timeout=options.get("timeout"),
        max_retries=options.get("max_retries"),
        extra_headers=options.get("extra_headers"),
        extra_query=options.get("extra_query"),
    )


class Service:
    """A service bound to the pipeline of one client.

    ``path`` is a template: ``{parent}`` is the path of the service it hangs off (so
    ``"{parent}/links"`` under leads is ``/api/v4/leads/links``) and ``{scope}`` the id given
    to a :func:`scoped` service.
    """

    path: str = ""

    def __init__(self, pipeline: Pipeline, *, parent: Service | None = None, scope: int = 0):
        self._pipeline = pipeline
        self.parent = parent
        self.path = self.path.format(parent=parent.path if parent else "", scope=scope)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._pipeline.base_domain!r}, {self.path!r})"


class _PipelineOwner(Protocol):
    """A client or a service: anything a service can hang off."""

    _pipeline: Pipeline


def _owner_parts(owner: _PipelineOwner) -> tuple[Pipeline, Service | None]:
    return owner._pipeline, owner if isinstance(owner, Service) else None


class _ServiceSlot:
    """``name: SomeService = service()``: the annotation names the class, imported on first use.

    Resolving the class lazily keeps ``import amocrm_async`` from importing every service and
    model; the annotation keeps the attribute typed for mypy and IDEs.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        annotation = inspect.get_annotations(owner).get(name)
        if not isinstance(annotation, str):
            raise TypeError(f"{owner.__name__}.{name}: annotate the service class, as a name")
        self.class_name = annotation.rpartition(".")[2]

    def __get__(self, owner: _PipelineOwner | None, owner_type: type | None = None) -> Any:
        if owner is None:
            return self
        services = importlib.import_module("amocrm_async.services")
        cls: type[Service] = getattr(services, self.class_name)
        pipeline, parent = _owner_parts(owner)
        instance = cls(pipeline, parent=parent)
        owner.__dict__[self.name] = instance
        return instance


def service() -> Any:
    """Attach the service named by the attribute's annotation (``leads: LeadsService = service()``).

    Built on first access and cached on the owner (a client or a parent service).
    """
    return _ServiceSlot()


class Scoped(Generic[S]):
    """Services of one class, one per scope id: ``amo.pipelines.statuses(3001)``."""

    def __init__(self, factory: Callable[[int], S]) -> None:
        self._factory = factory
        self._cache: dict[int, S] = {}

    def __call__(self, scope_id: int) -> S:
        found = self._cache.get(scope_id)
        if found is None:
            found = self._cache[scope_id] = self._factory(entity_id(scope_id))
        return found


class _ScopedSlot(Generic[S]):
    def __init__(self, cls: type[S]) -> None:
        self._cls = cls

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, owner: None, owner_type: type | None = None) -> _ScopedSlot[S]: ...
    @overload
    def __get__(self, owner: _PipelineOwner, owner_type: type | None = None) -> Scoped[S]: ...
    def __get__(self, owner: _PipelineOwner | None, owner_type: type | None = None) -> Any:
        if owner is None:
            return self
        pipeline, parent = _owner_parts(owner)
        cls = self._cls
        services: Scoped[S] = Scoped(lambda scope: cls(pipeline, parent=parent, scope=scope))
        owner.__dict__[self.name] = services
        return services


def scoped(cls: type[S]) -> _ScopedSlot[S]:
    """Attach a service parametrised by an id: ``statuses = scoped(StatusesService)``."""
    return _ScopedSlot(cls)


def is_service_slot(value: object) -> bool:
    return isinstance(value, _ServiceSlot | _ScopedSlot)


def with_param(with_: Iterable[str] | None, allowed: frozenset[str]) -> list[tuple[str, str]]:
    """``with=a,b`` — unknown values are refused (the PHP library silently drops them)."""
    if not with_:
        return []
    values = [with_] if isinstance(with_, str) else list(with_)
    unknown = [v for v in values if v not in allowed]
    if unknown:
        raise ValueError(f"with_: unsupported value(s) {unknown}; allowed: {sorted(allowed)}")
    return [("with", ",".join(values))]


def check_limit(limit: int) -> int:
    if not 1 <= limit <= MAX_PAGE_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_LIMIT}, got {limit}")
    return limit


def entity_id(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"entity id must be a positive int, got {value!r}")
    return value
