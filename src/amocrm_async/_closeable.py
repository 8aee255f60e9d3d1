"""``async with`` for everything the SDK opens: clients, registries, stores and limiters."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Self

__all__ = ["AsyncCloseable"]


class AsyncCloseable:
    """``async with x:`` returns ``x`` and awaits ``x.aclose()`` on the way out, however the
    block ends; the class defines ``aclose``."""

    aclose: Callable[[], Awaitable[None]]

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
