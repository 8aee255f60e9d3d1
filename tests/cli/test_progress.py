"""The export's progress: rich on a terminal, a plain line elsewhere, ETA only with a total."""

from __future__ import annotations

import io

import pytest

from amocrm_async._cli import _progress
from amocrm_async._cli._progress import ExportProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_the_rich_bar_with_rates_and_429s() -> None:
    screen = Terminal()
    progress = ExportProgress("export leads", screen)
    assert progress._bar is not None
    progress.update(500, 3, 1, None)
    progress.close()
    text = screen.getvalue()
    assert "export leads" in text and "500/?" in text
    assert "entities/s" in text and "req/s" in text and "1 x 429" in text


def test_without_a_terminal_one_plain_line_at_the_end() -> None:
    log = io.StringIO()
    progress = ExportProgress("export leads", log, already=100)
    progress.update(400, 2, 0, None)
    progress.close()
    (line,) = log.getvalue().splitlines()
    assert line.startswith("export leads: 500 entities, ")
    assert "requests/s, 0 x 429" in line and "ETA" not in line


def test_eta_only_when_the_total_is_known() -> None:
    log = io.StringIO()
    progress = ExportProgress("export webhooks", log)
    progress.update(10, 1, 0, 40)
    assert "10/40 entities" in progress.line() and "ETA" in progress.line()
    assert progress._fields()["eta"].startswith("ETA ")
    progress.total = None
    assert progress._fields()["eta"] == "" and progress.eta() is None


def test_without_rich_a_terminal_gets_plain_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_progress, "_rich_bar", lambda stream: None)
    screen = Terminal()
    progress = ExportProgress("export leads", screen)
    progress.update(5, 1, 0, None)
    progress.close()
    assert screen.getvalue().startswith("export leads: 5 entities")


def test_disabled_prints_nothing() -> None:
    log = Terminal()
    progress = ExportProgress("export leads", log, enabled=False)
    progress.update(5, 1, 0, None)
    progress.close()
    assert log.getvalue() == ""
