"""Notes of one entity type — ``/api/v4/{entity}/notes`` (api-surface.md §5.6, §9.1).

One class serves every entity that has notes: ``amo.leads.notes``, ``amo.contacts.notes``,
``amo.companies.notes`` (and ``amo.customers.notes``) take their path from the service they hang
off. Items parse as the class of their ``note_type`` (see :mod:`amocrm_async.models.notes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Unpack

from .._pagination import Page, PageIterator
from .._service import CallOptions, entity_id, request_options
from ..filters.notes import NotesFilter
from ..models.notes import Note
from ..models.with_names import NoteWith, with_values
from ._entity import CrudService
from ._pages import ListReader

__all__ = ["NotesService"]


class NotesService(CrudService[Note, NotesFilter]):
    """Notes: read, page, create, update; and the notes of one entity (``get_by_parent_id``).

    ``get_one``/``update_one`` use ``{entity}/notes/{id}``; a new note names its entity in
    ``entity_id``. Notes of types amoCRM writes itself (mail, chat …) can be read, not written.
    """

    path = "{parent}/notes"
    with_allowed = with_values(NoteWith)

    def _parent_reader(self, parent_id: int) -> ListReader[Note]:
        parent_path = self.parent.path if self.parent is not None else ""
        path = f"{parent_path}/{entity_id(parent_id)}/notes"
        return ListReader(self._pipeline, path, self.embedded_key, self.model)

    async def pin(self, note: Note | int, **options: Unpack[CallOptions]) -> None:
        """Pin a note at the top of its entity's feed: ``POST {entity}/notes/{id}/pin``."""
        await self._pin(note, "pin", options)

    async def unpin(self, note: Note | int, **options: Unpack[CallOptions]) -> None:
        """Unpin a note: ``POST {entity}/notes/{id}/unpin``."""
        await self._pin(note, "unpin", options)

    async def _pin(self, note: Note | int, action: str, options: CallOptions) -> None:
        note_id = note if isinstance(note, int) else note.id
        if note_id is None:
            raise ValueError("pin/unpin needs a note with an id")
        path = f"{self.path}/{entity_id(note_id)}/{action}"
        await self._pipeline.request("POST", path, options=request_options(options))

    async def get_by_parent_id(
        self,
        entity_id: int,
        filter: NotesFilter | None = None,
        *,
        page: int = 1,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Page[Note]:
        """One page of the notes of one entity: ``GET /api/v4/{entity}/{entity_id}/notes``."""
        query = self._query(filter, with_, limit)
        return await self._parent_reader(entity_id).get(query, page, request_options(options))

    def iterate_by_parent_id(
        self,
        entity_id: int,
        filter: NotesFilter | None = None,
        *,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        concurrency: int | None = None,
        **options: Unpack[CallOptions],
    ) -> PageIterator[Note]:
        """Every note of one entity, page by page (see :meth:`iterate`)."""
        query = self._query(filter, with_, limit)
        reader = self._parent_reader(entity_id)
        return reader.iterate(query, concurrency, request_options(options))
