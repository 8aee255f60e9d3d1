"""A fixture helper for things a test makes several of and all must be closed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Protocol, TypeVar


class _Closeable(Protocol):
    def aclose(self) -> Awaitable[None]: ...


C = TypeVar("C", bound=_Closeable)


async def closing_all(build: Callable[..., C]) -> AsyncIterator[Callable[..., C]]:
    """Yield a factory of ``build(**options)``; everything it made is closed afterwards."""
    made: list[C] = []

    def make(**options: Any) -> C:
        made.append(build(**options))
        return made[-1]

    yield make
    for item in made:
        await item.aclose()
