"""The main CRM entities — leads, contacts, companies, customers — and what hangs off each."""

from __future__ import annotations

from typing import Generic, TypeVar

from .._service import scoped, service
from ..filters._base import BaseFilter
from ..models._base import AmoEntity
from ._entity import CrudService, Linkable
from .custom_fields import CustomFieldsService
from .files import EntityFilesService
from .links import EntityLinksService
from .notes import NotesService
from .tags import TagsService

__all__ = ["CrmEntityService"]

E = TypeVar("E", bound=AmoEntity)
F = TypeVar("F", bound=BaseFilter)


class CrmEntityService(CrudService[E, F], Linkable[E], Generic[E, F]):
    """CRUD and links, plus the services every main entity has: ``links`` (many at once),
    ``notes``, ``tags``, ``custom_fields`` and ``files(entity_id)``."""

    links: EntityLinksService = service()
    notes: NotesService = service()
    tags: TagsService = service()
    custom_fields: CustomFieldsService = service()
    files = scoped(EntityFilesService)
