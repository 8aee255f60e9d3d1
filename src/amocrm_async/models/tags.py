"""Tags, both as entities of ``/api/v4/{entity}/tags`` and as references inside leads/contacts."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any

from pydantic import SerializationInfo, SerializerFunctionWrapHandler, WrapSerializer

from ._base import AmoEntity, is_write

__all__ = ["EntityTags", "Tag", "TagColor"]


class TagColor(StrEnum):
    """The colours a lead tag may have (PHP ``TagColorsEnum``; hex without ``#``)."""

    CEBEBEB = "EBEBEB"
    CD0D0D0 = "D0D0D0"
    CF2DDF7 = "F2DDF7"
    CD1A4DC = "D1A4DC"
    CFF8F92 = "FF8F92"
    CFFC8C8 = "FFC8C8"
    CC7DB8C = "C7DB8C"
    CDDEBB5 = "DDEBB5"
    C8699DA = "8699DA"
    CAABDFF = "AABDFF"
    CFFCE5A = "FFCE5A"
    CFFE193 = "FFE193"
    C90CDB0 = "90CDB0"
    CC6F4DE = "C6F4DE"
    CA9A5D7 = "A9A5D7"
    CD8D5FF = "D8D5FF"
    C86C0FC = "86C0FC"
    C832161 = "832161"
    C6A0F49 = "6A0F49"
    C0C7C59 = "0C7C59"
    C10599D = "10599D"
    C9D2B32 = "9D2B32"
    C247BA0 = "247BA0"


class Tag(AmoEntity):
    """A tag: ``{id, name, color}``.

    Sent on its own (tags endpoint) as ``{id?, name?, color?, request_id?}``. Attached to an
    entity (``_embedded.tags``, ``tags_to_add``, ``tags_to_delete``) only ``{id?, name?}`` is
    sent, see :data:`EntityTags`. Only lead tags may carry a colour (a :class:`TagColor`); it is
    kept as a plain string so a new palette entry never breaks parsing.
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
