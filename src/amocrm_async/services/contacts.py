"""Contacts — ``/api/v4/contacts`` (api-surface.md §5.2)."""

from __future__ import annotations

from .._service import service
from ..filters import ContactsFilter
from ..models import Contact
from ..models.with_names import ContactWith, with_values
from ._crm import CrmEntityService
from .chats import ContactChatsService

__all__ = ["ContactsService"]


class ContactsService(CrmEntityService[Contact, ContactsFilter]):
    """Contacts: read, page, create, update, link."""

    path = "/api/v4/contacts"
    with_allowed = with_values(ContactWith)
    link_targets = frozenset({"leads", "companies", "customers", "catalog_elements"})
    chats: ContactChatsService = service()
