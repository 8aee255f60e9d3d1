"""Tags of one entity type — ``/api/v4/{entity}/tags`` (api-surface.md §5.7).

``amo.leads.tags``, ``amo.contacts.tags``, ``amo.companies.tags`` (and ``amo.customers.tags``)
list and create tags; only lead tags can be updated (renamed, recoloured), which is what
:class:`LeadTagsService` adds. amoCRM has no tag-by-id endpoint, so where one tag is read
(``sync_one``) it is read through the list, filtered by its id.
"""

from __future__ import annotations

from collections.abc import Iterable

from .._service import CallOptions
from ..filters.tags import TagsFilter
from ..models.tags import Tag
from ._entity import Creatable, Listable, Updatable
from ._keyed import not_found

__all__ = ["LeadTagsService", "TagsService"]


class TagsService(Listable[Tag, TagsFilter], Creatable[Tag]):
    """Tags: page (``TagsFilter``: ids, exact name, ``query``) and create.

    A tag with a name that exists already is not duplicated: amoCRM answers with the existing
    tag, whose id is written back. Only lead tags may have a ``color``.
    """

    path = "{parent}/tags"

    async def _get_one(self, value: int, with_: Iterable[str] | None, options: CallOptions) -> Tag:
        page = await self.get(TagsFilter(ids=[value]), limit=1, with_=with_, **options)
        if not page.items:
            raise not_found(self._pipeline, self.path, f"tag {value}")
        return page.items[0]


class LeadTagsService(TagsService, Updatable[Tag]):
    """Lead tags: also ``update`` / ``update_one`` (a new name or colour for a tag by id) and
    ``sync_one``."""
