"""Links between entities: the ``link``/``unlink`` payloads and the references embedded in
entities (``_embedded.leads``, ``_embedded.catalog_elements`` …)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from ._base import AmoModel
from ._hal import HalLinks

__all__ = ["CatalogElementRef", "CompanyRef", "ContactRef", "EntityLink", "EntityRef"]


class EntityLink(AmoModel):
    """A link between two entities (``POST /api/v4/{entity}/link`` and ``/unlink``).

    ``entity_id``/``entity_type`` name the source; they are omitted on per-entity calls
    (``/api/v4/leads/{id}/link``) where the path already does. ``metadata`` depends on the target:
    ``{"is_main": true}`` for contacts, ``{"quantity": 2, "catalog_id": 1}`` for catalog
    elements, ``{"updated_by": 0}`` and so on; it is sent as given.
    """

    entity_id: int | None = None
    entity_type: str | None = None
    to_entity_id: int
    to_entity_type: str
    metadata: dict[str, Any] | None = None


class EntityRef(AmoModel):
    """A bare reference to another entity as embedded in responses: ``{id, _links}``."""

    __read_only__ = frozenset({"links"})

    id: int
    links: HalLinks | None = Field(default=None, alias="_links")


class ContactRef(AmoModel):
    """A contact as embedded in another entity: ``{id, is_main, _links}``.

    :class:`~amocrm_async.models.Contact` is a subclass, so a full contact can stand wherever a
    reference is expected (``LeadEmbedded.contacts`` for a complex create). References read
    from responses stay this small, which keeps decoding a page of leads cheap.
    ``is_main`` is sent only through a lead's ``_embedded.contacts``.
    """

    __read_only__ = frozenset({"is_main", "links"})

    id: int | None = None
    is_main: bool | None = None
    links: HalLinks | None = Field(default=None, alias="_links")


class CompanyRef(AmoModel):
    """A company as embedded in another entity: ``{id, _links}``.

    :class:`~amocrm_async.models.Company` is a subclass, so a full company can stand wherever a
    reference is expected.
    """

    __read_only__ = frozenset({"links"})

    id: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")


class CatalogElementRef(AmoModel):
    """A catalog element linked to an entity; ``metadata`` carries ``quantity``,
    ``catalog_id`` and ``price_id``."""

    id: int
    metadata: dict[str, Any] | None = None
