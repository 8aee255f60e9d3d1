"""Filter for ``GET /api/v4/{entity}/notes`` and ``GET /api/v4/{entity}/{id}/notes``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import ClassVar, TypeAlias

from amocrm_async._phpquery import PhpValue
from amocrm_async.filters._base import BaseFilter, order_param, param
from amocrm_async.filters._parsers import (
    IdsInput,
    OrderInput,
    TimeOrRange,
    parse_ids,
    parse_time_or_range,
)

__all__ = ["NoteTypesInput", "NotesFilter"]

NoteTypesInput: TypeAlias = str | Iterable[str]
"""One ``note_type`` code or several (:class:`~amocrm_async.models.NoteType` members are str)."""


def parse_note_types(value: NoteTypesInput | None, param: str) -> dict[str | int, PhpValue] | None:
    """PHP ``setNoteTypes``: the list as given, so an empty code is an error, not dropped."""
    if value is None:
        return None
    if not isinstance(value, Iterable) or isinstance(value, bytes | bytearray | Mapping):
        raise TypeError(f"{param}: expected str or an iterable of str, got {type(value).__name__}")
    items: Iterable[object] = [value] if isinstance(value, str) else value
    out: dict[str | int, PhpValue] = {}
    for index, item in enumerate(items):
        if not isinstance(item, str):
            raise TypeError(f"{param}: expected str items, got {type(item).__name__} at {index}")
        if not item:
            raise ValueError(f"{param}: an empty note type at {index} matches nothing")
        out[index] = item
    return out or None


@dataclass(frozen=True, kw_only=True)
class NotesFilter(BaseFilter):
    """Filter for the notes of one entity type, or of one entity.

    Keys are sent in the order of PHP's ``NotesFilter::buildFilter()`` (amocrm-api-php at
    1354d8a): ``id``, ``note_type``, ``updated_at``, ``entity_id``, ``order``. Differences, where
    we follow the API documentation (events-and-notes, "notes-list"):

    * ``order`` sorts by ``updated_at`` or ``id``, the fields the API documents (PHP checks none);
    * ``updated_at=0`` is sent (PHP's ``empty(0)`` leaves it out); a single timestamp means
      "updated since then" to the API, so both select every note;
    * ``entity_ids`` must be positive ids: PHP sends the list as given, so a negative one is an
      error here rather than being dropped, which would widen the query.

    >>> from amocrm_async.filters import NotesFilter
    >>> NotesFilter(note_types=["call_in", "call_out"], order=("updated_at", "desc")).to_query()
    ... # doctest: +NORMALIZE_WHITESPACE
    [('filter[note_type][0]', 'call_in'), ('filter[note_type][1]', 'call_out'),
     ('order[updated_at]', 'desc')]

    Parameters:
        ids: one note id or several (OR-ed); negative ids are dropped, the rest keep their
            positions (as in ``LeadsFilter``).
        note_types: one type code or several (``NoteType.CALL_IN``, ``"sms_out"`` …).
        updated_at: UNIX seconds (notes updated since then), an aware datetime, or a
            :class:`Range`.
        entity_ids: ids of the leads (contacts, …) whose notes to list.
        order: ``Order``, ``(field, direction)`` or a field name; fields ``updated_at``, ``id``.
    """

    SORTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset({"updated_at", "id"})

    ids: IdsInput | None = param("id", parse_ids)
    note_types: NoteTypesInput | None = param("note_type", parse_note_types)
    updated_at: TimeOrRange | None = param("updated_at", parse_time_or_range)
    entity_ids: IdsInput | None = param("entity_id", partial(parse_ids, positive=True, strict=True))
    order: OrderInput | None = order_param()
