"""Tasks that outlive the call that starts them: a plain loop's read-ahead.

A plain ``async for`` cannot keep a request running between two of its steps in a task group
of its own (the group would have to stay open across the loop body, and a loop that breaks
never closes it). Its read-ahead runs as a task of the client instead, which holds no
reference to the iterator: the iterator's finalizer cancels it when a loop breaks, and closing
the client cancels every one that is left and waits for it.

anyio has no way to start a task outside a task group, so this is the one place that asks the
running event loop itself: ``asyncio``'s ``create_task``, or a ``trio`` system task.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import sniffio

__all__ = ["BackgroundTasks"]

logger = logging.getLogger("amocrm_async")


class BackgroundTasks:
    """The background tasks of one client (or of every client of a registry)."""

    def __init__(self) -> None:
        self._cancelled = False
        self._scopes: set[anyio.CancelScope] = set()
        self._tasks: set[Any] = set()  # asyncio keeps only weak references to its tasks
        self._idle: anyio.Event | None = None

    @property
    def available(self) -> bool:
        """Whether :meth:`start_soon` can run a task (not after :meth:`aclose`)."""
        return not self._cancelled

    def start_soon(self, func: Callable[[], Awaitable[object]]) -> anyio.CancelScope:
        """Run ``func()`` in a task of its own and return the scope that cancels it (even
        before it starts). Its errors are for it to hand on; one that escapes is logged."""
        if self._cancelled:
            raise RuntimeError("the client is closed")
        scope = anyio.CancelScope()
        self._scopes.add(scope)
        if sniffio.current_async_library() == "trio":
            import trio

            trio.lowlevel.spawn_system_task(
                self._tracked, scope, func, context=contextvars.copy_context()
            )
        else:
            import asyncio

            task = asyncio.get_running_loop().create_task(self._tracked(scope, func))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return scope

    async def _tracked(
        self, scope: anyio.CancelScope, func: Callable[[], Awaitable[object]]
    ) -> None:
        try:
            with scope:
                await func()
        except Exception:
            logger.exception("a background task of the client failed")
        finally:
            self._scopes.discard(scope)
            if not self._scopes and self._idle is not None:
                self._idle.set()

    def cancel(self) -> None:
        """Stop every task; nothing new starts."""
        self._cancelled = True
        for scope in list(self._scopes):
            scope.cancel()

    async def aclose(self) -> None:
        """Cancel every task and wait until they have all ended."""
        self.cancel()
        if self._scopes:
            if self._idle is None:  # one event for every caller that waits
                self._idle = anyio.Event()
            await self._idle.wait()
