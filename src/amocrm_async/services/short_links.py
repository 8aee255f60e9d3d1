"""Short links — ``/api/v4/short_links`` (api-surface.md §5.32): add only.

No ``request_id`` goes on the wire: the API answers in the order of the request, and each
answer item is mapped back by position, as the PHP library does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..models import ShortLink, ShortLinkMetadata
from ._entity import Creatable
from ._writes import Apply

__all__ = ["ShortLinksService"]


def _apply_short_links(chunk: Sequence[ShortLink], body: Any) -> None:
    """Write the short ``url`` and ``metadata`` back onto each link, by position."""
    embedded = body.get("_embedded") if isinstance(body, Mapping) else None
    items = embedded.get("short_links") if isinstance(embedded, Mapping) else None
    if not isinstance(items, list) or len(items) != len(chunk):
        raise ValueError(f"sent {len(chunk)} links, the response has no matching short_links list")
    parsed: list[tuple[str, ShortLinkMetadata | None, Any]] = []
    for position, item in enumerate(items):
        url = item.get("url") if isinstance(item, Mapping) else None
        if not isinstance(url, str) or not url:
            raise ValueError(f"response item {position} has no url")
        meta = item.get("metadata")
        metadata = ShortLinkMetadata.model_validate(meta) if isinstance(meta, Mapping) else None
        parsed.append((url, metadata, item))
    for link, (url, metadata, item) in zip(chunk, parsed, strict=True):
        link.url = url
        if metadata is not None:
            link.metadata = metadata
        for name in ("id", "updated_at"):
            value = item.get(name)
            if isinstance(value, int) and not isinstance(value, bool):
                setattr(link, name, value)


class ShortLinksService(Creatable[ShortLink]):
    """Shorten URLs tied to an entity: ``add`` (chunks of 50) and ``add_one``."""

    path = "/api/v4/short_links"

    def _apply(self) -> Apply[ShortLink]:
        return _apply_short_links
