"""Tasks that outlive the call that starts them, owned by a client inside ``async with``.

A plain ``async for`` cannot keep a request running between two of its steps in a task group
of its own (the group would have to stay open across the loop body). A client that is entered
with ``async with`` lends it one instead: read-ahead tasks run in the client's group, are
cancelled when their iterator is dropped or closed, and at the latest when the client closes.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Self

import anyio
import anyio.abc

from ._closeable import AsyncCloseable

__all__ = ["BackgroundTasks", "HostsBackgroundTasks"]

logger = logging.getLogger("amocrm_async")


class BackgroundTasks:
    """A task group open from a client's (or registry's) ``__aenter__`` to its ``__aexit__``."""

    def __init__(self) -> None:
        self._group: anyio.abc.TaskGroup | None = None
        self._cancelled = False
        self._opener: int | None = None
        self._running = 0
        self._scopes: set[anyio.CancelScope] = set()
        self._idle: anyio.Event | None = None

    @property
    def available(self) -> bool:
        """Whether :meth:`start_soon` can run a task now."""
        return self._group is not None and not self._cancelled

    def start_soon(self, func: Callable[[], Awaitable[object]]) -> None:
        """Run ``func()`` in the group. Its errors are for it to hand on; one that escapes is
        logged, so it never cancels the code inside the ``async with`` block."""
        if self._group is None or self._cancelled:
            raise RuntimeError("background tasks need the client inside 'async with'")
        self._running += 1
        self._group.start_soon(self._tracked, func)

    async def _tracked(self, func: Callable[[], Awaitable[object]]) -> None:
        scope = anyio.CancelScope()
        if self._cancelled:  # cancelled before this task got to run
            scope.cancel()
        self._scopes.add(scope)
        try:
            with scope:
                await func()
        except Exception:  # never let it cancel the code running inside the client's block
            logger.exception("a background task of the client failed")
        finally:
            self._scopes.discard(scope)
            self._running -= 1
            if self._running == 0 and self._idle is not None:
                self._idle.set()

    async def open(self) -> None:
        if self._group is not None:
            raise RuntimeError("this client is already inside 'async with'")
        group = anyio.create_task_group()
        await group.__aenter__()
        self._group, self._cancelled = group, False
        self._opener = anyio.get_current_task().id

    def cancel(self) -> None:
        """Stop every task; nothing new starts. Only the tasks' own scopes are cancelled: the
        group's scope also covers the code inside the ``async with`` block, which goes on."""
        self._cancelled = True
        for scope in list(self._scopes):
            scope.cancel()

    async def close(self) -> None:
        """Cancel the tasks and wait for them.

        Some frameworks enter and exit a context manager in different tasks (pytest-asyncio's
        fixtures, for one); a group cannot be exited from another task, so there the tasks are
        only waited for and the group is dropped.
        """
        group, self._group = self._group, None
        if group is None:
            return
        self.cancel()
        if anyio.get_current_task().id == self._opener:
            await group.__aexit__(None, None, None)
            return
        if self._running:
            self._idle = anyio.Event()
            await self._idle.wait()


class HostsBackgroundTasks(AsyncCloseable):
    """``async with x:`` also opens ``x._background`` for the block and closes it after
    ``x.aclose()``; ``aclose()`` itself should :meth:`BackgroundTasks.cancel` it. Unless
    ``_owns_background`` is false: then the group is someone else's to open and close."""

    _background: BackgroundTasks
    _owns_background: bool = True
    _closed: bool

    async def __aenter__(self) -> Self:
        if self._owns_background and not self._closed:
            await self._background.open()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        try:
            await self.aclose()
        finally:
            if self._owns_background:
                await self._background.close()
