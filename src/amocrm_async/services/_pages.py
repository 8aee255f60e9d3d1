"""Reading any amoCRM list endpoint, whichever of its three page styles it uses.

* HAL pages with ``page``/``limit`` and a ``_links.next`` link (leads, contacts, tasks …);
* HAL pages that also carry ``_total_items``/``_page_count`` (links, webhooks, unsorted …),
  where a page without a ``next`` link still has a successor while ``page < _page_count``;
* unpaged collections (pipelines, statuses …): one answer with everything, no paging keys sent.

Every style is read into the same :class:`~amocrm_async.Page` / :class:`~amocrm_async.PageIterator`.
A list ends only at a 204 or at a page with no successor. A 200 whose body is empty, not JSON,
or has no ``_embedded.<key>`` list is malformed: the pipeline retries it like a 5xx and then
raises :class:`~amocrm_async.errors.ResponseDecodeError`, so a list never ends early by accident.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .._gc_pause import paused_gc
from .._pagination import Page, PageIterator, PageResult, next_page_number
from .._pipeline import APIResponse, Pipeline, RequestOptions
from .._service import check_limit
from ..filters._base import BaseFilter
from ..models._hal import collection_adapter

__all__ = ["ListQuery", "ListReader"]

M = TypeVar("M")

Pairs = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class ListQuery:
    """The query of one list, for any page: filter or raw pairs, paging, then ``with``."""

    filter: BaseFilter | None = None
    pairs: Sequence[tuple[str, str]] = ()
    after: Sequence[tuple[str, str]] = ()
    limit: int = 250
    paged: bool = True

    def __post_init__(self) -> None:
        if self.paged:
            check_limit(self.limit)

    def for_page(self, page: int) -> Pairs:
        if self.filter is not None:
            if self.paged:
                pairs = self.filter.to_query(page=page, limit=self.limit)
            else:
                pairs = self.filter.to_query()
        else:
            pairs = list(self.pairs)
            if self.paged:
                pairs += [("limit", str(self.limit)), ("page", str(page))]
        return pairs + list(self.after)


class ListReader(Generic[M]):
    """One list endpoint: where it is, what its items are, and whether it pages."""

    def __init__(
        self,
        pipeline: Pipeline,
        path: str,
        embedded_key: str,
        model: type[M],
        *,
        paged: bool = True,
    ) -> None:
        self._pipeline = pipeline
        self.path = path
        self.paged = paged
        self._adapter = collection_adapter(embedded_key, model, require_items=True)

    def fetcher(
        self, query: ListQuery, options: RequestOptions
    ) -> Callable[[int], Awaitable[PageResult[M]]]:
        """Fetch page N of one query; everything is checked before the first request."""
        adapter, paged = self._adapter, self.paged
        clock, read_ahead = self._pipeline.clock, self._pipeline.read_ahead

        async def fetch(page: int) -> PageResult[M]:
            def decode(response: APIResponse) -> PageResult[M]:
                if response.status == 204:  # past the end, or nothing matched
                    return PageResult([], page, None, elapsed=response.elapsed)
                started = clock.monotonic()
                with paused_gc:
                    collection = adapter.validate_json(response.content)
                elapsed = response.elapsed + clock.monotonic() - started
                read_ahead.observe(elapsed)
                if not paged:
                    return PageResult(collection.items, page, None, collection.total_items, elapsed)
                if collection.page is not None and collection.page != page:
                    raise ValueError(f"asked for page {page}, got page {collection.page}")
                following = next_page_number(collection.next_url, page)
                if following is None and (collection.page_count or 0) > page:
                    following = page + 1
                return PageResult(
                    collection.items, page, following, collection.total_items, elapsed
                )

            return await self._pipeline.request_decoded(
                "GET", self.path, decode, query=query.for_page(page), options=options
            )

        return fetch

    async def get(self, query: ListQuery, page: int, options: RequestOptions) -> Page[M]:
        if page < 1:
            raise ValueError("page numbers start at 1")
        if not self.paged and page != 1:
            raise ValueError(f"{self.path} is not paged: it has page 1 only")
        fetch = self.fetcher(query, options)
        return Page(await fetch(page), fetch)

    def iterate(
        self, query: ListQuery, concurrency: int | None, options: RequestOptions
    ) -> PageIterator[M]:
        """Every item; ``concurrency=None`` reads ahead as latency and the rate limit call for."""
        return PageIterator(
            self.fetcher(query, options),
            concurrency=concurrency,
            read_ahead=self._pipeline.read_ahead if concurrency is None else None,
            meter=self._pipeline.account,
            background=self._pipeline.background,
        )
