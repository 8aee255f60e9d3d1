"""Tags of one entity type — ``/api/v4/{entity}/tags`` (api-surface.md §5.7).

``amo.leads.tags``, ``amo.contacts.tags``, ``amo.companies.tags`` (and ``amo.customers.tags``)
list and create tags; only lead tags can be updated (renamed, recoloured), which is what
:class:`LeadTagsService` adds. There is no ``get_one``: amoCRM has no tag-by-id endpoint.
"""

from __future__ import annotations

from typing import Any, NoReturn

from ..filters.tags import TagsFilter
from ..models.tags import Tag
from ._entity import Creatable, Listable, Updatable

__all__ = ["LeadTagsService", "TagsService"]


class TagsService(Listable[Tag, TagsFilter], Creatable[Tag]):
    """Tags: page (``TagsFilter``: ids, exact name, ``query``) and create.

    A tag with a name that exists already is not duplicated: amoCRM answers with the existing
    tag, whose id is written back. Only lead tags may have a ``color``.
    """

    path = "{parent}/tags"


class LeadTagsService(TagsService, Updatable[Tag]):
    """Lead tags: also ``update`` / ``update_one`` (a new name or colour for a tag by id)."""

    async def sync_one(self, model: Tag, **ignored: Any) -> NoReturn:
        """Not available: a tag cannot be read by id (PHP: ``NotAvailableForActionException``)."""
        raise NotImplementedError("amoCRM has no endpoint that reads one tag; list them instead")
