"""Helpers for services whose items are not int-keyed entities.

Unsorted entries are keyed by ``uid`` and events by a string id, so the generic
:class:`~amocrm_async.services.Gettable` (``int`` ids) does not fit them; entity files and
subscriptions are plain lists of one parent entity. What they share lives here, on top of
:class:`~amocrm_async.services._pages.ListReader` and the pipeline, so that no service repeats
the 204-means-missing rule or the page/iterate pair.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, Generic, TypeVar, Unpack
from urllib.parse import quote

from pydantic import BaseModel

from .._pagination import Page, PageIterator
from .._pipeline import APIResponse, Pipeline, Query
from .._service import CallOptions, Service, request_options
from ..errors import NotFoundError
from ._pages import ListQuery, ListReader

__all__ = ["ParentList", "embedded_models", "get_by_key", "key_segment", "not_found"]

M = TypeVar("M", bound=BaseModel)


def key_segment(value: object, what: str) -> str:
    """A string key as one path segment (a ``uid``, an event id); anything else is refused."""
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{what} must be a non-empty string, got {value!r}")
    return quote(value, safe="")


async def get_by_key(
    pipeline: Pipeline,
    path: str,
    model: type[M],
    *,
    what: str,
    query: Query = None,
    options: CallOptions,
) -> M:
    """``GET path`` as one ``model``; amoCRM's 204 for a missing item is a NotFoundError."""

    def decode(response: APIResponse) -> M | None:
        return model.model_validate_json(response.content) if response.content else None

    found = await pipeline.request_decoded(
        "GET", path, decode, query=query, options=request_options(options)
    )
    if found is None:
        raise not_found(pipeline, path, what)
    return found


def not_found(pipeline: Pipeline, path: str, what: str) -> NotFoundError:
    """amoCRM's 204 for a missing item, as the error the SDK raises for it."""
    return NotFoundError(
        status=204,
        method="GET",
        url=pipeline.url(path),
        title="No Content",
        detail=f"{what} not found",
    )


def embedded_models(key: str, model: type[M]) -> Callable[[APIResponse], list[M]]:
    """Decode a write answer's ``_embedded.<key>`` list into models (a missing list is an
    error: the pipeline then reports the write's outcome as unknown)."""

    def decode(response: APIResponse) -> list[M]:
        body = response.json()
        embedded = body.get("_embedded") if isinstance(body, Mapping) else None
        items = embedded.get(key) if isinstance(embedded, Mapping) else None
        if not isinstance(items, list):
            raise ValueError(f"response has no _embedded.{key} list")
        return [model.model_validate(item) for item in items]

    return decode


class ParentList(Service, Generic[M]):
    """A paged list under one entity (``amo.leads.files(lead_id)``): ``get`` and ``iterate``."""

    model: ClassVar[type[Any]]
    embedded_key: ClassVar[str]

    def _reader(self) -> ListReader[M]:
        return ListReader(self._pipeline, self.path, self.embedded_key, self.model)

    async def get(
        self, *, page: int = 1, limit: int = 250, **options: Unpack[CallOptions]
    ) -> Page[M]:
        """One page (an empty one, amoCRM's 204, has no items and no next page)."""
        return await self._reader().get(ListQuery(limit=limit), page, request_options(options))

    def iterate(
        self, *, limit: int = 250, concurrency: int | None = None, **options: Unpack[CallOptions]
    ) -> PageIterator[M]:
        """Every item, fetching pages as the loop consumes them."""
        return self._reader().iterate(ListQuery(limit=limit), concurrency, request_options(options))
