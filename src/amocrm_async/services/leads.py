"""Leads — ``/api/v4/leads`` (api-surface.md §5.1, §5.29)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from .._service import CallOptions, request_options, scoped, service
from ..errors import WriteReport
from ..filters.leads import LeadsFilter
from ..models import ComplexLeadResult, Lead
from ..models.with_names import LeadWith, with_values
from ._crm import CrmEntityService
from ._writes import ChunkedWrite
from .subscriptions import SubscriptionsService
from .tags import LeadTagsService

__all__ = ["LeadsService"]

MAX_COMPLEX_BATCH = 50


class LeadsService(CrmEntityService[Lead, LeadsFilter]):
    """Leads: read, page, create, update, link, and create with a new contact and company."""

    path = "/api/v4/leads"
    link_targets = frozenset({"contacts", "companies", "catalog_elements"})
    with_allowed = with_values(LeadWith)
    subscriptions = scoped(SubscriptionsService)
    tags: LeadTagsService = service()

    async def add_complex(
        self,
        leads: Sequence[Lead],
        *,
        chunk_size: int = MAX_COMPLEX_BATCH,
        report: WriteReport[Lead] | None = None,
        **options: Unpack[CallOptions],
    ) -> list[ComplexLeadResult]:
        """Create leads together with one new contact and one new company each.

        Attach them as ``lead.embedded.contacts[0]`` / ``lead.embedded.companies[0]``. The ids of
        the lead, contact and company are written back onto those models; the returned results
        (in input order) also say whether amoCRM merged a lead into an existing one. Failures
        and ``report=`` work as for ``add``.
        """
        results: dict[int, ComplexLeadResult] = {}
        positions = {id(lead): i for i, lead in enumerate(leads)}

        def apply(chunk: list[Lead], body: Any) -> None:
            by_rid = {lead.request_id: lead for lead in chunk}
            matched = 0
            for result in ComplexLeadResult.validate_list(body):
                for rid in result.request_id:
                    lead = by_rid.get(rid)
                    if lead is not None:
                        matched += 1
                        _apply_complex(lead, result)
                        results[positions[id(lead)]] = result
            if matched < len(chunk):
                raise ValueError(f"{len(chunk) - matched} leads were not named in the response")

        await ChunkedWrite(
            self._pipeline,
            "POST",
            f"{self.path}/complex",
            leads,
            chunk_size=chunk_size,
            options=request_options(options),
            to_payload=Lead.to_complex_api,
            apply=apply,
            request_ids=self._request_ids,
            max_chunk=MAX_COMPLEX_BATCH,
            report=report,
        ).run()
        return [results[i] for i in range(len(leads))]


def _apply_complex(lead: Lead, result: ComplexLeadResult) -> None:
    lead.id = result.id
    embedded = lead.embedded
    if embedded is None:
        return
    if result.contact_id is not None and embedded.contacts:
        embedded.contacts[0].id = result.contact_id
    if result.company_id is not None and embedded.companies:
        embedded.companies[0].id = result.company_id
