"""Tasks (``/api/v4/tasks``)."""

from __future__ import annotations

from enum import IntEnum
from typing import Annotated, Any, Final

from pydantic import Field, field_validator

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks

__all__ = [
    "TASK_ENTITY_TYPES",
    "TASK_TYPE_CALL",
    "TASK_TYPE_MEETING",
    "Task",
    "TaskResult",
    "TaskTypeId",
]


class TaskTypeId(IntEnum):
    """The system task types (``task_type_id``; PHP ``TaskModel::TASK_TYPE_ID_*``).

    An account adds its own types (``account(with=task_types)``); their ids are plain ints, so a
    task of such a type parses with ``task_type_id`` as an ``int``.
    """

    CALL = 1
    """A follow-up call."""
    FOLLOW_UP = 1
    """The same type as :attr:`CALL` (PHP's ``TASK_TYPE_ID_FOLLOW_UP`` is 1 too)."""
    MEETING = 2


TASK_TYPE_CALL: Final = TaskTypeId.CALL
"""Alias of :attr:`TaskTypeId.CALL` (kept for code written before :class:`TaskTypeId`)."""
TASK_TYPE_MEETING: Final = TaskTypeId.MEETING
"""Alias of :attr:`TaskTypeId.MEETING`."""
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
    ``task_type_id`` reads as a :class:`TaskTypeId` for the system types and an ``int`` for the
    account's own.
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
    task_type_id: Annotated[TaskTypeId | int, Field(union_mode="left_to_right")] | None = None
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
