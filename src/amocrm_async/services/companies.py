"""Companies — ``/api/v4/companies`` (api-surface.md §5.3)."""

from __future__ import annotations

from ..filters import CompaniesFilter
from ..models import Company
from ..models.with_names import CompanyWith, with_values
from ._crm import CrmEntityService

__all__ = ["CompaniesService"]


class CompaniesService(CrmEntityService[Company, CompaniesFilter]):
    """Companies: read, page, create, update, link."""

    path = "/api/v4/companies"
    with_allowed = with_values(CompanyWith)
    link_targets = frozenset({"contacts", "leads", "customers", "catalog_elements"})
