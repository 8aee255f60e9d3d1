"""Tags, both as entities of ``/api/v4/{entity}/tags`` and as references inside leads/contacts."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import SerializationInfo, SerializerFunctionWrapHandler, WrapSerializer

from ._base import AmoEntity, is_write

__all__ = ["EntityTags", "Tag"]


class Tag(AmoEntity):
    """A tag: ``{id, name, color}``.

    Sent on its own (tags endpoint) as ``{id?, name?, color?, request_id?}``. Attached to an
    entity (``_embedded.tags``, ``tags_to_add``, ``tags_to_delete``) only ``{id?, name?}`` is
    sent, see :data:`EntityTags`. Only lead tags may carry a colour; the colour is kept as a plain
    string so a new palette entry never breaks parsing.
    """

    __read_only__ = frozenset({"updated_at"})  # tags have none; AmoEntity brings the field

    id: int | None = None
    name: str | None = None
    color: str | None = None
    request_id: str | None = None


def _serialize_entity_tags(
    tags: list[Tag], handler: SerializerFunctionWrapHandler, info: SerializationInfo
) -> Any:
    if not is_write(info):
        return handler(tags)
    refs: list[dict[str, Any]] = []
    for tag in tags:
        ref: dict[str, Any] = {}
        if tag.id is not None:
            ref["id"] = tag.id
        if tag.name is not None:
            ref["name"] = tag.name
        refs.append(ref)
    return refs


EntityTags = Annotated[list[Tag], WrapSerializer(_serialize_entity_tags)]
"""A list of tags attached to an entity; written as ``[{id?, name?}]``."""
