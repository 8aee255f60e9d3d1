"""Sources of an integration — ``/api/v4/sources`` (api-surface.md §5.34, §7.20).

A source tells amoCRM where the integration's incoming leads come from and in which pipeline
their "unsorted" entries land; its ``services`` list the WhatsApp numbers (``pages``) a
website button may offer. ``external_id`` is unique per integration, and at most one source
is the ``default``: making one the default unsets the previous one, and deleting the default
leaves none.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import Field

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks

__all__ = [
    "Source",
    "SourceService",
    "SourceServicePage",
    "SourceServiceParams",
    "SourceServiceType",
    "check_one_default",
]


class SourceServiceType(StrEnum):
    """What a source's service is (amoCRM has one kind)."""

    WHATSAPP = "whatsapp"


class SourceServicePage(AmoModel):
    """One WhatsApp number a website button may offer: ``id`` (the integration's), ``name``
    (shown to visitors) and ``link`` (the number or its link)."""

    id: str | None = None
    name: str | None = None
    link: str | None = None


class SourceServiceParams(AmoModel):
    """``waba``: the source is the WhatsApp Business API (templates can be sent through it);
    ``is_supports_list_message``: it can send list messages."""

    waba: bool | None = None
    is_supports_list_message: bool | None = None


class SourceService(AmoModel):
    """A service of a source: its ``type`` (:class:`SourceServiceType`) and its pages."""

    type: str | None = None
    pages: list[SourceServicePage] | None = None
    params: SourceServiceParams | None = None


class Source(AmoEntity):
    """A source of the integration's leads (``name`` and ``external_id`` are required to
    create one; ``pipeline_id`` is where its unsorted entries go, the main pipeline if unset).

    A service ``type`` other than ``"whatsapp"`` raises :class:`ValueError` before sending.
    """

    __read_only__ = frozenset({"updated_at", "links"})

    name: str | None = None
    external_id: str | None = None
    default: bool | None = None
    origin_code: str | None = None
    pipeline_id: int | None = None
    services: list[SourceService] | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        for index, item in enumerate(self.services or ()):
            if item.type not in set(SourceServiceType):
                allowed = [kind.value for kind in SourceServiceType]
                raise ValueError(
                    f"Source.services[{index}].type must be one of {allowed}, got {item.type!r}"
                )


def check_one_default(sources: Iterable[Source]) -> None:
    """Refuse a batch that makes more than one source the default: amoCRM keeps one, so
    which would win is up to the order the server applies them in."""
    positions = [index for index, source in enumerate(sources) if source.default]
    if len(positions) > 1:
        raise ValueError(
            f"Source.default: only one source can be the default, "
            f"the batch sets it at positions {positions}"
        )
