"""Lead pipelines (``/api/v4/leads/pipelines``) and their statuses (api-surface.md §7.12).

Every pipeline has the system statuses 142 (won) and 143 (lost) and, while ``is_unsorted_on``,
an "unsorted" status (``type`` 1) where incoming leads land. A status's ``color`` must be one
of amoCRM's status palette (:data:`LeadStatusColor`, the palette customer statuses share);
anything else raises :class:`ValueError` naming the field before a request is sent.
"""

from __future__ import annotations

from collections import Counter
from enum import IntEnum, StrEnum
from typing import Final

from pydantic import Field

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks
from .customers import CustomerStatusColor

__all__ = [
    "MAX_DESCRIPTION_LENGTH",
    "LeadStatus",
    "LeadStatusColor",
    "LeadStatusType",
    "Pipeline",
    "PipelineEmbedded",
    "StatusDescription",
    "StatusDescriptionLevel",
]

MAX_DESCRIPTION_LENGTH: Final = 1000
"""The longest status description amoCRM stores."""

LeadStatusColor = CustomerStatusColor
"""The colours a lead status may have: the palette lead and customer statuses share."""

_COLORS: Final = frozenset(color.value for color in LeadStatusColor)


def _check_color(owner: str, color: str | None) -> None:
    if color is not None and color not in _COLORS:
        raise ValueError(
            f"{owner}.color must be one of the {len(_COLORS)} status colours (LeadStatusColor, "
            f"such as {LeadStatusColor.FFFEB2.value!r}), got {color!r}"
        )


class LeadStatusType(IntEnum):
    """``LeadStatus.type``: 0 for a regular status (won and lost too), 1 for "unsorted"."""

    REGULAR = 0
    UNSORTED = 1


class StatusDescriptionLevel(StrEnum):
    """Whom a status description is for (at most one description per level)."""

    NEWBIE = "newbie"
    CANDIDATE = "candidate"
    MASTER = "master"


class StatusDescription(AmoModel):
    """What a status means for users of one level (``with=descriptions``); a write sends
    ``id`` (to change one), ``level`` and ``description``."""

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


def _check_descriptions(owner: str, descriptions: list[StatusDescription] | None) -> None:
    if not descriptions:
        return
    levels = [item.level for item in descriptions]
    for index, item in enumerate(descriptions):
        where = f"{owner}.descriptions[{index}]"
        if item.level not in set(StatusDescriptionLevel):
            allowed = [level.value for level in StatusDescriptionLevel]
            raise ValueError(f"{where}.level must be one of {allowed}, got {item.level!r}")
        if item.description is not None and len(item.description) > MAX_DESCRIPTION_LENGTH:
            raise ValueError(
                f"{where}.description is longer than {MAX_DESCRIPTION_LENGTH} characters"
            )
    twice = sorted(str(level) for level, n in Counter(levels).items() if n > 1)
    if twice:
        raise ValueError(f"{owner}.descriptions: level(s) {twice} given more than once")


class LeadStatus(AmoEntity):
    """A stage of a pipeline. ``type`` is 0 for a regular status and 1 for "unsorted";
    142 (won) and 143 (lost) exist in every pipeline and can only be renamed."""

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

    def _check_writable(self) -> None:
        self._check_parts("LeadStatus")

    def _check_parts(self, owner: str) -> None:
        _check_color(owner, self.color)
        _check_descriptions(owner, self.descriptions)


class PipelineEmbedded(AmoModel):
    """``_embedded`` of a pipeline: its statuses, in order (sent only when creating)."""

    statuses: list[LeadStatus] | None = None


class Pipeline(AmoEntity):
    """A lead pipeline with its statuses embedded.

    ``embedded.statuses`` is sent when the pipeline is created (new statuses, or ``id`` 142 /
    143 with a ``name`` to rename the system ones) and never with an update: statuses change
    through ``amo.pipelines.statuses(pipeline_id)``.
    """

    __read_only__ = frozenset({"is_archive", "account_id", "updated_at", "links"})
    __create_only__ = frozenset({"embedded"})

    name: str | None = None
    sort: int | None = None
    is_main: bool | None = None
    is_unsorted_on: bool | None = None
    is_archive: bool | None = None
    account_id: int | None = None
    embedded: PipelineEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        if self.id is not None or self.embedded is None:
            return
        for index, status in enumerate(self.embedded.statuses or ()):
            status._check_parts(f"Pipeline._embedded.statuses[{index}]")
