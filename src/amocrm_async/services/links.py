"""Links of many entities at once — ``/api/v4/{entity}/links|link|unlink`` (api-surface.md §5.29).

One class serves every entity type: ``amo.leads.links``, ``amo.contacts.links``,
``amo.companies.links`` take their path from the service they hang off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from .._pagination import Page, PageIterator
from .._service import CallOptions, Service, request_options
from ..filters.links import LinksFilter
from ..models.links import EntityLink
from ._entity import Linkable, links_of
from ._pages import ListQuery, ListReader

__all__ = ["EntityLinksService"]


class EntityLinksService(Service):
    """Read, add and remove links of several entities of one type in one request each."""

    path = "{parent}"

    def _targets(self) -> Linkable[Any]:
        parent = self.parent
        assert isinstance(parent, Linkable)  # only CrmEntityService declares `links`
        return parent

    def _query(self, filter: LinksFilter) -> ListQuery:
        if filter.entity_ids is None:
            raise ValueError("LinksFilter.entity_ids: the links of which entities?")
        if filter.to_entity_type is not None:
            self._targets().check_link_target(filter.to_entity_type)
        return ListQuery(filter=filter)

    def _reader(self) -> ListReader[EntityLink]:
        return ListReader(self._pipeline, f"{self.path}/links", "links", EntityLink)

    async def get(
        self, filter: LinksFilter, *, page: int = 1, **options: Unpack[CallOptions]
    ) -> Page[EntityLink]:
        """One page of the links of ``filter.entity_ids`` (``total_items`` says how many)."""
        return await self._reader().get(self._query(filter), page, request_options(options))

    def iterate(
        self, filter: LinksFilter, **options: Unpack[CallOptions]
    ) -> PageIterator[EntityLink]:
        """Every link of ``filter.entity_ids``."""
        return self._reader().iterate(self._query(filter), 1, request_options(options))

    async def link(
        self, links: Sequence[EntityLink], **options: Unpack[CallOptions]
    ) -> list[EntityLink]:
        """Create links; each names its source in ``entity_id``."""
        response = await self._pipeline.request(
            "POST",
            f"{self.path}/link",
            json=self._payload(links),
            options=request_options(options),
        )
        return links_of(response)

    async def unlink(self, links: Sequence[EntityLink], **options: Unpack[CallOptions]) -> None:
        """Remove links; each names its source in ``entity_id`` (amoCRM answers 204)."""
        await self._pipeline.request(
            "POST",
            f"{self.path}/unlink",
            json=self._payload(links),
            options=request_options(options),
        )

    def _payload(self, links: Sequence[EntityLink]) -> list[dict[str, Any]]:
        targets = self._targets()
        payload = []
        for position, link in enumerate(links):
            if link.entity_id is None:
                raise ValueError(f"links[{position}].entity_id: the mass form needs the source id")
            targets.check_link_target(link.to_entity_type)
            payload.append(link.to_api())
        if not payload:
            raise ValueError("links: give at least one link")
        return payload
