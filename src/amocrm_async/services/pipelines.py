"""Lead pipelines and their statuses — ``/api/v4/leads/pipelines`` (api-surface.md §5.20, §5.21).

Both are unpaged collections: one answer holds every pipeline (or every status of one), and
neither takes a filter. Writes (add, update_one, delete_one) come with the account services.
"""

from __future__ import annotations

from .._service import scoped
from ..filters import BaseFilter
from ..models import LeadStatus, Pipeline
from ._entity import ReadService

__all__ = ["PipelinesService", "StatusesService"]


class StatusesService(ReadService[LeadStatus, BaseFilter]):
    """The statuses of one pipeline: ``amo.pipelines.statuses(pipeline_id)``."""

    path = "/api/v4/leads/pipelines/{scope}/statuses"
    paged = False
    with_allowed = frozenset({"descriptions"})


class PipelinesService(ReadService[Pipeline, BaseFilter]):
    """Lead pipelines, each with its statuses embedded."""

    path = "/api/v4/leads/pipelines"
    paged = False
    statuses = scoped(StatusesService)
