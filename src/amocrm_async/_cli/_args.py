"""Argument parsing that fails the way a command-line user expects.

A usage error prints one line (``amocrm-async export: error: --rate: ...``) and exits 2, with
no traceback and no usage block; help shows every default and no markup.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import NoReturn, TypeVar

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_AUTHORIZED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CommandError",
    "HelpFormatter",
    "Parser",
    "UsageError",
    "bounded_int",
    "port",
    "positive_float",
    "timestamp",
]

EXIT_OK = 0
EXIT_ERROR = 1
"""The API or the network failed, or the command could not finish (the message says why)."""
EXIT_USAGE = 2
"""Bad arguments: nothing was sent."""
EXIT_NOT_AUTHORIZED = 3
"""No usable token for the account: run ``amocrm-async auth`` (again)."""
EXIT_INTERRUPTED = 130
"""Ctrl-C (SIGINT); an export's checkpoint is kept, so the same command resumes."""

T = TypeVar("T")


class CommandError(Exception):
    """A failure reported as one line and an exit code, never as a traceback."""

    def __init__(self, message: str, code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.code = code


class UsageError(CommandError):
    """Bad input found after parsing (a filter key, a file, an option combination)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_USAGE)


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Adds ``(default: …)`` to every option that has a meaningful default."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "%(default)" in text:
            return text
        if isinstance(action.default, list) and not action.default:
            return text
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """An ``ArgumentParser`` whose errors are one line on stderr and exit code 2."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see {self.prog} --help)\n")
        raise SystemExit(EXIT_USAGE)


def _typed(name: str, convert: Callable[[str], T]) -> Callable[[str], T]:
    convert.__name__ = name  # argparse names the type in its message
    return convert


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def bounded_int(low: int, high: int | None = None) -> Callable[[str], int]:
    def convert(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bounds = f"at least {low}" if high is None else f"between {low} and {high}"
            raise argparse.ArgumentTypeError(f"must be {bounds}, got {value}")
        return value

    return _typed("int", convert)


port = bounded_int(0, 65535)


def timestamp(text: str) -> int:
    """Unix seconds, or an ISO 8601 date or date-time (UTC unless it names its offset)."""
    stripped = text.strip()
    if stripped.isdigit():
        return int(stripped)
    try:
        moment = datetime.fromisoformat(stripped.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected unix seconds or an ISO date such as 2024-05-01T12:00:00Z, got {text!r}"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    seconds = int(moment.timestamp())
    if seconds < 0:
        raise argparse.ArgumentTypeError(f"must not be before 1970, got {text!r}")
    return seconds
