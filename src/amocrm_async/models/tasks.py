"""Tasks (``/api/v4/tasks``)."""

from __future__ import annotations

from typing import Any, Final

from pydantic import Field, field_validator

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks

__all__ = ["TASK_ENTITY_TYPES", "TASK_TYPE_CALL", "TASK_TYPE_MEETING", "Task", "TaskResult"]

TASK_TYPE_CALL: Final = 1
"""System task type "follow-up call"; custom types come from ``account(with=task_types)``."""
TASK_TYPE_MEETING: Final = 2
"""System task type "meeting"."""
TASK_ENTITY_TYPES: Final = frozenset({"leads", "contacts", "companies", "customers"})
"""What a task can be attached to (``entity_type``)."""


class TaskResult(AmoModel):
    """What came of a completed task: ``{"text": ...}``."""

    text: str | None = None


class Task(AmoEntity):
    """A task, attached to a lead, contact, company or customer (or to nothing).

    ``text`` and ``complete_till`` (unix seconds) are required to create one. Complete a task by
    updating it with ``is_completed=True`` and a ``result``. The API sends ``"result": []`` for
    a task without a result; that parses as ``None``. ``updated_at`` is read-only here although
    the PHP library sends it back: a stale timestamp is not something a write should carry.
    """

    __read_only__ = frozenset({"group_id", "account_id", "updated_at", "links"})

    text: str | None = None
    responsible_user_id: int | None = None
    created_by: int | None = None
    updated_by: int | None = None
    created_at: int | None = None
    group_id: int | None = None
    account_id: int | None = None
    entity_id: int | None = None
    entity_type: str | None = None
    duration: int | None = None
    is_completed: bool | None = None
    task_type_id: int | None = None
    result: TaskResult | None = None
    complete_till: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")

    @field_validator("result", mode="before")
    @classmethod
    def _empty_result(cls, value: Any) -> Any:
        return None if value == [] else value

    def _check_writable(self) -> None:
        if self.entity_type is not None and self.entity_type not in TASK_ENTITY_TYPES:
            raise ValueError(
                f"Task.entity_type must be one of {sorted(TASK_ENTITY_TYPES)}, "
                f"got {self.entity_type!r}"
            )
        if self.entity_id is not None and self.entity_type is None:
            raise ValueError("Task.entity_id needs Task.entity_type")
