"""HAL envelopes of amoCRM list responses, decoded in one pass from the raw bytes.

Every list endpoint answers ``{"_page": …, "_links": {…}, "_embedded": {"<key>": [ … ]}}``. The
request pipeline decodes each page with :func:`collection_adapter`, which validates the bytes
straight into models (pydantic-core parses and validates together), instead of ``json.loads``
followed by a second walk over the dicts.
"""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from pydantic import AliasPath, BaseModel, ConfigDict, Field, TypeAdapter, create_model

from ._base import AmoStruct, struct

__all__ = ["HalCollection", "HalLink", "HalLinks", "collection_adapter"]

M = TypeVar("M")


@struct
class HalLink(AmoStruct):
    """One HAL link; amoCRM hrefs are absolute URLs."""

    href: str


@struct
class HalLinks(AmoStruct):
    """The ``_links`` object of an entity or a page; each relation appears only when it applies.

    Other relations are ignored. Links are never written.
    """

    self_: HalLink | None = Field(default=None, alias="self")
    next: HalLink | None = None
    prev: HalLink | None = None
    first: HalLink | None = None


class HalCollection(BaseModel, Generic[M]):
    """One page of a HAL list.

    ``items`` is read from ``_embedded.<key>``; the key differs per endpoint, so concrete
    collections come from :func:`collection_adapter`. ``total_items`` and ``page_count`` are only
    sent by a few endpoints (webhooks, unsorted); leads and contacts have no total count.
    """

    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    page: int | None = Field(default=None, alias="_page")
    page_count: int | None = Field(default=None, alias="_page_count")
    total_items: int | None = Field(default=None, alias="_total_items")
    links: HalLinks | None = Field(default=None, alias="_links")
    items: list[M] = Field(default_factory=list)

    @property
    def next_url(self) -> str | None:
        """The absolute URL of the next page, or ``None`` on the last page."""
        links = self.links
        return links.next.href if links is not None and links.next is not None else None


_adapters: dict[tuple[str, type[Any], bool], TypeAdapter[Any]] = {}
_adapters_lock = threading.Lock()


def collection_adapter(
    key: str, item_type: type[M], *, require_items: bool = False
) -> TypeAdapter[HalCollection[M]]:
    """Return a cached adapter decoding a HAL page whose items sit under ``_embedded.<key>``.

    ``collection_adapter("leads", Lead).validate_json(body)`` returns a ``HalCollection[Lead]``.
    An absent ``_embedded`` (or key) gives an empty ``items`` list, or with ``require_items`` a
    validation error: list reads use that, so a truncated or empty 200 answer is retried
    instead of ending the list early. Building the validator costs milliseconds, so adapters
    are built once per ``(key, item_type, require_items)`` and shared across threads.
    """
    cache_key = (key, item_type, require_items)
    adapter = _adapters.get(cache_key)
    if adapter is None:
        with _adapters_lock:
            adapter = _adapters.get(cache_key)
            if adapter is None:
                model = create_model(
                    f"HalCollection[{item_type.__name__}@{key}]",
                    __base__=HalCollection[item_type],  # type: ignore[valid-type]
                    items=(
                        list[item_type],  # type: ignore[valid-type]
                        Field(validation_alias=AliasPath("_embedded", key))
                        if require_items
                        else Field(
                            default_factory=list, validation_alias=AliasPath("_embedded", key)
                        ),
                    ),
                )
                adapter = TypeAdapter(model)
                _adapters[cache_key] = adapter
    return adapter
