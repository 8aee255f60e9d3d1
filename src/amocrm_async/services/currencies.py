"""Currencies — ``/api/v4/currencies`` (api-surface.md §5.38): a paged, read-only list."""

from __future__ import annotations

from ..filters import BaseFilter
from ..models import Currency
from ._entity import Listable

__all__ = ["CurrenciesService"]


class CurrenciesService(Listable[Currency, BaseFilter]):
    """The currencies amoCRM knows (``code``): ``get`` a page or ``iterate`` them all."""

    path = "/api/v4/currencies"
