"""Filter for ``GET /api/v4/contacts/chats``: top-level ``contact_id`` and ``chat_id``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import BaseFilter, param
from amocrm_async.filters._parsers import IdsInput, NamesInput, is_int

__all__ = ["ChatLinksFilter"]


def _one_or_list(items: list[PhpValue]) -> PhpValue:
    """One value goes out as a scalar (PHP's ``setContactId(int)``), several as a list."""
    if not items:
        return None
    return items[0] if len(items) == 1 else items


def _listed(value: object, param: str) -> list[object]:
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | bytearray | Mapping):
        return list(value)
    raise TypeError(f"{param}: expected a value or an iterable, got {type(value).__name__}")


def parse_contact_ids(value: IdsInput | None, param: str) -> PhpValue:
    if value is None:
        return None
    items = [value] if is_int(value) else _listed(value, param)
    for index, item in enumerate(items):
        if not is_int(item) or not isinstance(item, int) or item <= 0:
            raise ValueError(f"{param}: expected positive int ids, got {item!r} at {index}")
    return _one_or_list([item for item in items if isinstance(item, int)])


def parse_chat_ids(value: NamesInput | None, param: str) -> PhpValue:
    if value is None:
        return None
    items = [value] if isinstance(value, str) else _listed(value, param)
    for index, item in enumerate(items):
        if not isinstance(item, str) or not item:
            raise ValueError(f"{param}: expected non-empty chat ids, got {item!r} at {index}")
    return _one_or_list([item for item in items if isinstance(item, str)])


@dataclass(frozen=True, kw_only=True)
class ChatLinksFilter(BaseFilter):
    """Which contact-chat links to read: by contact, by chat, or both.

    Keys are top level, in the order of PHP's ``ChatLinksFilter::buildFilter()``:
    ``contact_id``, ``chat_id``. PHP takes one of each; the API documents lists too, so several
    go out as ``contact_id[0]=…&contact_id[1]=…`` and one stays a scalar, byte for byte PHP's.

    >>> from amocrm_async.filters import ChatLinksFilter
    >>> ChatLinksFilter(contact_ids=3102959).to_query()
    [('contact_id', '3102959')]
    """

    contact_ids: IdsInput | None = param("contact_id", parse_contact_ids, top_level=True)
    chat_ids: NamesInput | None = param("chat_id", parse_chat_ids, top_level=True)
