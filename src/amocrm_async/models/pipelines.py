"""Lead pipelines (``/api/v4/leads/pipelines``) and their statuses."""

from __future__ import annotations

from pydantic import Field

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks

__all__ = ["LeadStatus", "Pipeline", "PipelineEmbedded", "StatusDescription"]


class StatusDescription(AmoModel):
    """What a status means for users of one level (``with=descriptions``)."""

    __read_only__ = frozenset(
        {
            "account_id",
            "created_at",
            "updated_at",
            "created_by",
            "updated_by",
            "pipeline_id",
            "status_id",
        }
    )

    id: int | None = None
    level: str | None = None
    description: str | None = None
    account_id: int | None = None
    created_at: int | None = None
    updated_at: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    pipeline_id: int | None = None
    status_id: int | None = None


class LeadStatus(AmoEntity):
    """A stage of a pipeline. ``type`` is 0 for a regular status and 1 for "unsorted";
    142 (won) and 143 (lost) exist in every pipeline."""

    __read_only__ = frozenset(
        {"type", "is_editable", "pipeline_id", "account_id", "updated_at", "links"}
    )

    name: str | None = None
    sort: int | None = None
    color: str | None = None
    type: int | None = None
    is_editable: bool | None = None
    pipeline_id: int | None = None
    account_id: int | None = None
    descriptions: list[StatusDescription] | None = None
    links: HalLinks | None = Field(default=None, alias="_links")


class PipelineEmbedded(AmoModel):
    """``_embedded`` of a pipeline: its statuses, in order."""

    statuses: list[LeadStatus] | None = None


class Pipeline(AmoEntity):
    """A lead pipeline with its statuses embedded."""

    __read_only__ = frozenset({"is_archive", "account_id", "updated_at", "links"})

    name: str | None = None
    sort: int | None = None
    is_main: bool | None = None
    is_unsorted_on: bool | None = None
    is_archive: bool | None = None
    account_id: int | None = None
    embedded: PipelineEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")
