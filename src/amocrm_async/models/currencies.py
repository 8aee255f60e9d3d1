"""Currencies — ``/api/v4/currencies`` (api-surface.md §5.38, §7.20)."""

from __future__ import annotations

from ._base import AmoEntity

__all__ = ["Currency"]


class Currency(AmoEntity):
    """A currency the account can use, identified by its ISO 4217 ``code`` (``id`` is unset:
    amoCRM gives currencies none). The list is read only."""

    __read_only__ = frozenset({"code"})

    code: str | None = None
