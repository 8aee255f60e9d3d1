"""Sources of the integration — ``/api/v4/sources`` (api-surface.md §5.34).

An unpaged collection filtered by ``external_id``; sources are created, updated and deleted in
batches or one at a time. A batch that makes two sources the default is refused before it is
sent (amoCRM keeps one default).
"""

from __future__ import annotations

from collections.abc import Sequence

from .._service import CallOptions
from ..errors import WriteReport
from ..filters import SourcesFilter
from ..models import Source
from ..models.sources import check_one_default
from ._entity import BatchDeletable, Deletable, ReadService, Updatable
from .pipelines import Backfilled

__all__ = ["SourcesService"]


class SourcesService(
    ReadService[Source, SourcesFilter],
    Backfilled[Source],
    Updatable[Source],
    Deletable[Source],
    BatchDeletable[Source],
):
    """The integration's sources: read (by ``external_id``), create, update, delete.

    amoCRM allows 50 active sources per integration; re-creating a deleted ``external_id``
    may answer the old id, so key your records on ``external_id``, not on ``id``.
    """

    path = "/api/v4/sources"
    paged = False
    backfilled = frozenset({"name", "pipeline_id", "external_id", "default"})

    async def _write(
        self,
        method: str,
        models: Sequence[Source],
        chunk_size: int,
        options: CallOptions,
        *,
        require_id: bool = False,
        report: WriteReport[Source] | None = None,
        path: str | None = None,
    ) -> list[Source]:
        check_one_default(models)
        return await super()._write(
            method, models, chunk_size, options, require_id=require_id, report=report, path=path
        )
