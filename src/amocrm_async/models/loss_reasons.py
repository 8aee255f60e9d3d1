"""Loss reasons — ``/api/v4/leads/loss_reasons`` (api-surface.md §5.23, §7.13)."""

from __future__ import annotations

from ._base import AmoEntity
from .leads import LossReason

__all__ = ["LeadLossReason"]


class LeadLossReason(AmoEntity, LossReason):
    """A reason a lead was lost, as ``amo.loss_reasons`` reads and writes it.

    It is a :class:`LossReason` (what ``with=loss_reason`` embeds in a lead) that can be
    written: ``name`` and ``sort`` are sent, the timestamps are the server's.
    """

    __read_only__ = frozenset({"created_at", "updated_at", "links"})
