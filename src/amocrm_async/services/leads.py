"""Leads — ``/api/v4/leads`` (api-surface.md §5.1, §5.29)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, ClassVar, Unpack

from .._pagination import Page, PageIterator
from ..errors import BatchError
from ..filters.leads import LeadsFilter
from ..models import ComplexLeadResult, EntityLink, Lead
from ._base import (
    DEFAULT_BATCH,
    CallOptions,
    EntityService,
    apply_by_request_id,
    write_in_chunks,
)

__all__ = ["LeadsService"]

MAX_COMPLEX_BATCH = 50


class LeadsService(EntityService[Lead]):
    """Leads: read, page, create, update, create with contact and company, link."""

    path: ClassVar[str] = "/api/v4/leads"
    embedded_key: ClassVar[str] = "leads"
    model = Lead
    link_targets: ClassVar[frozenset[str]] = frozenset(
        {"contacts", "companies", "catalog_elements"}
    )
    with_allowed: ClassVar[frozenset[str]] = frozenset(
        {
            "catalog_elements",
            "is_price_modified_by_robot",
            "contacts",
            "source_id",
            "loss_reason",
            "only_deleted",
            "source",
        }
    )

    async def get_one(
        self, lead_id: int, *, with_: Iterable[str] | None = None, **options: Unpack[CallOptions]
    ) -> Lead:
        """One lead by id; raises :class:`~amocrm_async.errors.NotFoundError` if there is none."""
        return await self._get_one(lead_id, with_, options)

    async def get(
        self,
        filter: LeadsFilter | None = None,
        *,
        page: int = 1,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Page[Lead]:
        """One page of leads; an empty page (amoCRM's 204) has no items and no next page."""
        return await self._get_page(filter, with_, page, limit, options)

    def iterate(
        self,
        filter: LeadsFilter | None = None,
        *,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        concurrency: int = 1,
        **options: Unpack[CallOptions],
    ) -> PageIterator[Lead]:
        """Every matching lead, in order, fetching pages as the loop consumes them.

        ``concurrency=N`` keeps N page requests in flight (still rate limited), which is how a
        long export reaches the rate limit when latency exceeds the request spacing.
        """
        return self._iterate(filter, with_, limit, concurrency, options)

    async def add(
        self,
        leads: Sequence[Lead],
        *,
        chunk_size: int = DEFAULT_BATCH,
        **options: Unpack[CallOptions],
    ) -> list[Lead]:
        """Create leads in chunks; fills ``id`` (and ``request_id``) in, returns them in order.

        Raises :class:`~amocrm_async.errors.BatchError` saying which leads were written, which
        failed (with the server's issues) and which were not sent.
        """
        return await write_in_chunks(
            self._pipeline,
            "POST",
            self.path,
            leads,
            chunk_size,
            options,
            to_payload=Lead.to_api,
            apply=apply_by_request_id("leads"),
        )

    async def add_one(self, lead: Lead, **options: Unpack[CallOptions]) -> Lead:
        """Create one lead; errors are raised as they are (not wrapped in a BatchError)."""
        return await self._single(self.add, lead, options)

    async def update(
        self,
        leads: Sequence[Lead],
        *,
        chunk_size: int = DEFAULT_BATCH,
        **options: Unpack[CallOptions],
    ) -> list[Lead]:
        """Update leads (each needs ``id``) in chunks; only the fields set are changed."""
        return await write_in_chunks(
            self._pipeline,
            "PATCH",
            self.path,
            leads,
            chunk_size,
            options,
            to_payload=Lead.to_api,
            apply=apply_by_request_id("leads"),
            require_id=True,
        )

    async def update_one(self, lead: Lead, **options: Unpack[CallOptions]) -> Lead:
        """Update one lead with ``PATCH /api/v4/leads/{id}``."""
        return await self._update_one(lead, options)

    async def sync_one(
        self,
        lead: Lead,
        *,
        keep: Iterable[str] | None = None,
        with_: Iterable[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Lead:
        """Re-read a lead and lay local values over the server's.

        By default every field that is set and not None on ``lead`` wins, as in the PHP
        library's ``syncOne`` — for a lead read earlier that is all of them. Pass
        ``keep={"price", ...}`` to keep only the fields you changed and take the rest fresh.
        """
        if lead.id is None:
            raise ValueError("sync_one: the lead has no id")
        names = lead.model_fields_set if keep is None else set(keep)
        unknown = names - Lead.model_fields.keys()
        if unknown:
            raise ValueError(f"sync_one: unknown field(s) {sorted(unknown)}")
        fresh = await self._get_one(lead.id, with_, options)
        local = {name: getattr(lead, name) for name in names if getattr(lead, name) is not None}
        return fresh.model_copy(update=local)

    async def add_complex(
        self,
        leads: Sequence[Lead],
        *,
        chunk_size: int = MAX_COMPLEX_BATCH,
        **options: Unpack[CallOptions],
    ) -> list[ComplexLeadResult]:
        """Create leads together with one new contact and one new company each.

        Attach them as ``lead.embedded.contacts[0]`` / ``lead.embedded.companies[0]``. The ids of
        the lead, contact and company are written back onto those models; the returned results
        (in input order) also say whether amoCRM merged a lead into an existing one.
        """
        results: dict[int, ComplexLeadResult] = {}
        positions = {id(lead): i for i, lead in enumerate(leads)}

        def apply(chunk: list[Lead], body: Any) -> None:
            parsed = ComplexLeadResult.validate_list(body)
            by_rid = {str(lead.request_id): lead for lead in chunk}
            matched = 0
            for result in parsed:
                for rid in result.request_id:
                    lead = by_rid.get(str(rid))
                    if lead is None:
                        continue
                    matched += 1
                    _apply_complex(lead, result)
                    results[positions[id(lead)]] = result
            if matched < len(chunk):
                raise ValueError(f"{len(chunk) - matched} leads were not named in the response")

        await write_in_chunks(
            self._pipeline,
            "POST",
            f"{self.path}/complex",
            leads,
            chunk_size,
            options,
            to_payload=Lead.to_complex_api,
            apply=apply,
            max_chunk=MAX_COMPLEX_BATCH,
        )
        return [results[i] for i in range(len(leads))]

    async def link(
        self, lead_id: int, links: Sequence[EntityLink], **options: Unpack[CallOptions]
    ) -> list[EntityLink]:
        """Link a lead to contacts, companies or catalog elements."""
        return await self._link(lead_id, links, options)

    async def unlink(
        self, lead_id: int, links: Sequence[EntityLink], **options: Unpack[CallOptions]
    ) -> None:
        """Remove links of a lead (amoCRM answers 204)."""
        await self._unlink(lead_id, links, options)

    async def get_links(
        self,
        lead_id: int,
        *,
        to_entity_type: str | None = None,
        to_entity_id: int | None = None,
        **options: Unpack[CallOptions],
    ) -> list[EntityLink]:
        """The links of a lead (an empty list when it has none)."""
        return await self._get_links(lead_id, to_entity_type, to_entity_id, options)

    async def _single(self, method: Any, lead: Lead, options: Mapping[str, Any]) -> Lead:
        try:
            result: list[Lead] = await method([lead], **options)
        except BatchError as exc:
            raise exc.errors[0] from exc
        return result[0]


def _apply_complex(lead: Lead, result: ComplexLeadResult) -> None:
    lead.id = result.id
    embedded = lead.embedded
    if embedded is None:
        return
    if result.contact_id is not None and embedded.contacts:
        embedded.contacts[0].id = result.contact_id
    if result.company_id is not None and embedded.companies:
        embedded.companies[0].id = result.company_id
