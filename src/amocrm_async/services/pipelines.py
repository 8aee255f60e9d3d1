"""Lead pipelines and their statuses — ``/api/v4/leads/pipelines`` (api-surface.md §5.20, §5.21).

Both are unpaged collections: one answer holds every pipeline (or every status of one), and
neither takes a filter. Both are created in batches and changed and deleted one at a time
(amoCRM has no batch update or delete of either). Their write answers carry the whole entity,
so ``add`` and ``update_one`` fill in what the server decided (a status's ``sort``, a new
pipeline's statuses with their ids) as the PHP library does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, TypeVar

from .._service import scoped
from ..filters import BaseFilter
from ..models import LeadStatus, LeadStatusWith, Pipeline, with_values
from ..models._base import AmoEntity
from ._entity import Creatable, Deletable, ReadService, UpdatableOne
from ._writes import Apply, apply_by_request_id

__all__ = ["Backfilled", "PipelinesService", "StatusesService"]

E = TypeVar("E", bound=AmoEntity)


def _copy(target: AmoEntity, answer: AmoEntity, names: frozenset[str]) -> None:
    for name in sorted(names & answer.model_fields_set):
        setattr(target, name, getattr(answer, name))


def backfill(embedded_key: str, names: Iterable[str]) -> Apply[E]:
    """Map a write answer back by ``request_id`` (ids, ``updated_at``), then copy the fields
    ``names`` the answer carries onto each model. Nothing changes unless every item parses."""
    by_request_id: Apply[E] = apply_by_request_id(embedded_key)
    wanted = frozenset(names)

    def apply(chunk: list[E], body: Any) -> None:
        embedded = body.get("_embedded") if isinstance(body, Mapping) else None
        raw = embedded.get(embedded_key) if isinstance(embedded, Mapping) else None
        items = [item for item in raw if isinstance(item, Mapping)] if isinstance(raw, list) else []
        model = type(chunk[0])
        parsed = [model.model_validate(item) for item in items]
        by_request_id(chunk, body)
        by_id = {m.id: m for m in chunk}
        for answer in parsed:
            target = by_id.get(answer.id)
            if target is not None:
                _copy(target, answer, wanted)

    return apply


class Backfilled(Creatable[E], UpdatableOne[E]):
    """Writes whose answers carry the whole entity: ``add`` and ``update_one`` copy the
    fields ``backfilled`` from them (what the server decided), as the PHP library does."""

    backfilled: ClassVar[frozenset[str]] = frozenset()

    def _apply(self) -> Apply[E]:
        return backfill(self.embedded_key, self.backfilled)

    def _apply_one(self, model: E, data: Any) -> None:
        answer = type(model).model_validate(data)
        super()._apply_one(model, data)
        _copy(model, answer, self.backfilled)


class StatusesService(
    ReadService[LeadStatus, BaseFilter], Backfilled[LeadStatus], Deletable[LeadStatus]
):
    """The statuses of one pipeline: ``amo.pipelines.statuses(pipeline_id)``.

    ``color`` must be a :data:`~amocrm_async.models.LeadStatusColor` (``ValueError`` before
    sending); 142 (won) and 143 (lost) can only be renamed, and neither they nor "unsorted"
    can be deleted.
    """

    path = "/api/v4/leads/pipelines/{scope}/statuses"
    paged = False
    with_allowed = with_values(LeadStatusWith)
    backfilled = frozenset({"name", "sort", "color", "descriptions", "pipeline_id"})


class PipelinesService(
    ReadService[Pipeline, BaseFilter], Backfilled[Pipeline], Deletable[Pipeline]
):
    """Lead pipelines, each with its statuses embedded (at most 50 in an account).

    Create a pipeline with its statuses in ``embedded.statuses``; the answer's statuses (with
    their ids, and "unsorted", won and lost) are copied onto the model. The main pipeline
    cannot be deleted.
    """

    path = "/api/v4/leads/pipelines"
    paged = False
    statuses = scoped(StatusesService)
    backfilled = frozenset(
        {"name", "sort", "is_main", "is_unsorted_on", "is_archive", "account_id", "embedded"}
    )
