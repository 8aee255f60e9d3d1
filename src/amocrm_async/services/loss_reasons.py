"""Loss reasons — ``/api/v4/leads/loss_reasons`` (api-surface.md §5.23).

An unpaged collection; reasons are created in batches and changed and deleted one at a time.
"""

from __future__ import annotations

from ..filters import BaseFilter
from ..models import LeadLossReason
from ._entity import Creatable, Deletable, ReadService, UpdatableOne
from ._writes import Apply
from .pipelines import backfill

__all__ = ["LossReasonsService"]


class LossReasonsService(
    ReadService[LeadLossReason, BaseFilter],
    Creatable[LeadLossReason],
    UpdatableOne[LeadLossReason],
    Deletable[LeadLossReason],
):
    """Why leads are lost: read, create, rename or re-sort one, delete one."""

    path = "/api/v4/leads/loss_reasons"
    paged = False

    def _apply(self) -> Apply[LeadLossReason]:
        return backfill(self.embedded_key, ("name", "sort", "created_at"))
