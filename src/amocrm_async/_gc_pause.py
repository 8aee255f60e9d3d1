"""The cyclic garbage collector paused while one list page is decoded.

A page of 250 leads is some 30,000 new container objects. With the collector running, decoding
it sets off dozens of young-generation passes that find nothing to free (everything is still
referenced by the page being built) and, every few pages, a full pass over the whole heap,
which in a process that has imported pydantic models costs tens of milliseconds. Pausing for
the few milliseconds of one decode lets a single pass see the finished page instead: in
``bench/export.py`` the client's CPU per lead drops by about a third and the full passes during
an export all but disappear. Nothing is freed later than it would be: a page under
construction holds no garbage. The collector is enabled again only if it was enabled before,
and only when the last of several overlapping decodes (threads) ends.
"""

from __future__ import annotations

import gc
import threading

__all__ = ["paused_gc"]


class _PausedGC:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._resume = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *exc_info: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._resume:
                gc.enable()


paused_gc = _PausedGC()
"""``with paused_gc:`` runs the block with the collector paused (re-entrant, thread-safe)."""
