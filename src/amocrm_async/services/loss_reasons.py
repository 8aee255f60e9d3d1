"""Loss reasons — ``/api/v4/leads/loss_reasons`` (api-surface.md §5.23).

An unpaged collection; reasons are created in batches and changed and deleted one at a time.
"""

from __future__ import annotations

from ..filters import BaseFilter
from ..models import LeadLossReason
from ._entity import Deletable, ReadService
from .pipelines import Backfilled

__all__ = ["LossReasonsService"]


class LossReasonsService(
    ReadService[LeadLossReason, BaseFilter], Backfilled[LeadLossReason], Deletable[LeadLossReason]
):
    """Why leads are lost: read, create, rename or re-sort one, delete one."""

    path = "/api/v4/leads/loss_reasons"
    paged = False
    backfilled = frozenset({"name", "sort", "created_at"})
