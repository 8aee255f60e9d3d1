"""Short links (``POST /api/v4/short_links``): a short URL tied to an entity, for chats."""

from __future__ import annotations

from typing import Final

from pydantic import Field

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks

__all__ = ["SHORT_LINK_ENTITY_TYPES", "ShortLink", "ShortLinkMetadata"]

SHORT_LINK_ENTITY_TYPES: Final = frozenset({"contacts"})
"""What a short link can be tied to (``metadata.entity_type``)."""


class ShortLinkMetadata(AmoModel):
    """The entity a short link belongs to."""

    __null_on_write__ = frozenset({"entity_id", "entity_type"})

    entity_id: int | None = None
    entity_type: str | None = None


class ShortLink(AmoEntity):
    """A link to shorten: ``url`` is the long URL when added and the short one afterwards.

    The API matches its answer to the request by position (no ``request_id`` is sent), as the
    PHP library relies on; ``add()`` then writes the short ``url`` and the ``metadata`` back.
    """

    __read_only__ = frozenset({"id", "request_id", "updated_at", "account_id", "links"})

    url: str | None = None
    metadata: ShortLinkMetadata | None = None
    account_id: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        if not self.url:
            raise ValueError("ShortLink.url is required")
        if not self.url.startswith(("https://", "http://")):
            raise ValueError(f"ShortLink.url must be an http(s) URL, got {self.url!r}")
        meta = self.metadata
        if meta is None or meta.entity_id is None or meta.entity_type is None:
            raise ValueError("ShortLink.metadata needs entity_id and entity_type")
        if meta.entity_type not in SHORT_LINK_ENTITY_TYPES:
            raise ValueError(
                f"ShortLink.metadata.entity_type must be one of "
                f"{sorted(SHORT_LINK_ENTITY_TYPES)}, got {meta.entity_type!r}"
            )
