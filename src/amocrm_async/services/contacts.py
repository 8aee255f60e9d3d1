"""Contacts — ``/api/v4/contacts`` (api-surface.md §5.2)."""

from __future__ import annotations

from .._service import scoped, service
from ..filters import ContactsFilter
from ..models import Contact
from ._entity import CrudService, Linkable
from .chats import ContactChatsService
from .custom_fields import CustomFieldsService
from .files import EntityFilesService
from .links import EntityLinksService
from .notes import NotesService
from .tags import TagsService

__all__ = ["ContactsService"]


class ContactsService(CrudService[Contact, ContactsFilter], Linkable[Contact]):
    """Contacts: read, page, create, update, link."""

    path = "/api/v4/contacts"
    with_allowed = frozenset(
        {"leads", "customers", "catalog_elements", "social_profiles", "only_deleted"}
    )
    link_targets = frozenset({"leads", "companies", "customers", "catalog_elements"})
    links: EntityLinksService = service()
    files = scoped(EntityFilesService)
    chats: ContactChatsService = service()
    notes: NotesService = service()
    tags: TagsService = service()
    custom_fields: CustomFieldsService = service()
