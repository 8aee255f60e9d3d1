"""Tasks — ``/api/v4/tasks`` (api-surface.md §5.5)."""

from __future__ import annotations

from ..filters import TasksFilter
from ..models import Task
from ._entity import CrudService

__all__ = ["TasksService"]


class TasksService(CrudService[Task, TasksFilter]):
    """Tasks: read, page, create, update (complete one with ``is_completed`` and ``result``)."""

    path = "/api/v4/tasks"
