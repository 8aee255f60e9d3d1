"""Companies — ``/api/v4/companies`` (api-surface.md §5.3)."""

from __future__ import annotations

from .._service import scoped, service
from ..filters import CompaniesFilter
from ..models import Company
from ._entity import CrudService, Linkable
from .custom_fields import CustomFieldsService
from .files import EntityFilesService
from .links import EntityLinksService
from .notes import NotesService
from .tags import TagsService

__all__ = ["CompaniesService"]


class CompaniesService(CrudService[Company, CompaniesFilter], Linkable[Company]):
    """Companies: read, page, create, update, link."""

    path = "/api/v4/companies"
    with_allowed = frozenset({"leads", "customers", "contacts", "catalog_elements", "only_deleted"})
    link_targets = frozenset({"contacts", "leads", "customers", "catalog_elements"})
    links: EntityLinksService = service()
    files = scoped(EntityFilesService)
    notes: NotesService = service()
    tags: TagsService = service()
    custom_fields: CustomFieldsService = service()
