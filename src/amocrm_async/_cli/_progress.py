"""The export's progress: a rich bar on a terminal, plain lines elsewhere.

Shows entities so far, entities/s, requests/s, 429s, and the ETA when the list has a known
total. ``rich`` comes with the ``cli`` extra; without it, or when stderr is not a terminal (a
pipe, CI, a log file), a plain line is written every few seconds and once at the end.
"""

from __future__ import annotations

import time
from typing import Any, TextIO

__all__ = ["ExportProgress"]

_PLAIN_EVERY = 5.0


class ExportProgress:
    def __init__(
        self, label: str, stream: TextIO, *, enabled: bool = True, already: int = 0
    ) -> None:
        self.label = label
        self.stream = stream
        self.enabled = enabled
        self.already = already
        self.items = 0
        self.requests = 0
        self.rate_limited = 0
        self.total: int | None = None
        self._started = time.monotonic()
        self._last_line = self._started
        self._bar: Any = None
        self._task: Any = None
        if enabled and stream.isatty():
            self._bar = _rich_bar(stream)
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(label, total=None, **self._fields())

    @property
    def elapsed(self) -> float:
        return max(time.monotonic() - self._started, 1e-9)

    def _fields(self) -> dict[str, Any]:
        left = self.eta()
        return {
            "eps": self.items / self.elapsed,
            "rps": self.requests / self.elapsed,
            "r429": self.rate_limited,
            "eta": "" if left is None else f"ETA {left:.0f}s",
        }

    def eta(self) -> float | None:
        """Seconds left at the rate so far; None without a total (or before the first item)."""
        if self.total is None or not self.items:
            return None
        return max(self.total - self.already - self.items, 0) / (self.items / self.elapsed)

    def update(self, items: int, requests: int, rate_limited: int, total: int | None) -> None:
        self.items, self.requests, self.rate_limited, self.total = (
            items,
            requests,
            rate_limited,
            total,
        )
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(
                self._task,
                completed=self.already + items,
                total=total,
                **self._fields(),
            )
            return
        now = time.monotonic()
        if now - self._last_line >= _PLAIN_EVERY:
            self._last_line = now
            self._line()

    def line(self) -> str:
        done = self.already + self.items
        of = f"/{self.total}" if self.total is not None else ""
        text = (
            f"{self.label}: {done}{of} entities, {self.items / self.elapsed:.1f} entities/s, "
            f"{self.requests / self.elapsed:.2f} requests/s, {self.rate_limited} x 429"
        )
        left = self.eta()
        if left is not None:
            text += f", ETA {left:.0f}s"
        return text

    def _line(self) -> None:
        self.stream.write(self.line() + "\n")
        self.stream.flush()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif self.enabled:
            self._line()


def _rich_bar(stream: TextIO) -> Any:
    try:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
    except ImportError:
        return None
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[eps]:.0f} entities/s"),
        TextColumn("{task.fields[rps]:.1f} req/s"),
        TextColumn("{task.fields[r429]} x 429"),
        TimeElapsedColumn(),
        TextColumn("{task.fields[eta]}"),
        console=Console(file=stream),
        transient=False,
    )
