"""Filter for ``GET /api/v4/tasks``, following the API documentation where PHP differs."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import ClassVar, Literal, TypeAlias, get_args

from amocrm_async.filters._base import BaseFilter, order_param, param
from amocrm_async.filters._parsers import (
    IdsInput,
    OrderInput,
    TimeOrRange,
    one_of,
    parse_bool,
    parse_ids,
    parse_time_or_range,
)

__all__ = ["TaskEntityType", "TasksFilter"]

TaskEntityType: TypeAlias = Literal["leads", "contacts", "companies", "customers"]
"""What a task can be attached to."""


@dataclass(frozen=True, kw_only=True)
class TasksFilter(BaseFilter):
    """Filter for the tasks list.

    Keys are sent in the order of PHP's ``TasksFilter::buildFilter()``
    (``amocrm/amocrm-api-php`` at 1354d8a), with two deliberate differences:

    * the task type goes out once, as ``filter[task_type]``, which is what the API reads.
      PHP also sends it as ``filter[task_type_id]``, a key the API ignores;
    * ``entity_ids`` without ``entity_type`` raises :class:`ValueError`. PHP drops it
      silently, which would turn "tasks of lead 5" into "all tasks".

    ``lead_statuses`` (PHP ``setLeadStatuses``) is not offered: the API does not document it.

    >>> from amocrm_async.filters import TasksFilter
    >>> TasksFilter(
    ...     is_completed=False, entity_type="leads", entity_ids=[5], order=("complete_till", "asc")
    ... ).to_query()  # doctest: +NORMALIZE_WHITESPACE
    [('filter[is_completed]', '0'), ('filter[entity_type]', 'leads'),
     ('filter[entity_id][0]', '5'), ('order[complete_till]', 'asc')]

    Parameters:
        ids, created_by, responsible_user_ids: one id or several (OR-ed); negative ids are
            dropped, the rest keep their positions (as in ``LeadsFilter``).
        is_completed: ``True`` or ``False`` (sent as ``1``/``0``).
        task_type_ids: one task type id or several (``1`` call, ``2`` meeting, or the
            account's own types), sent as ``filter[task_type]``.
        entity_type: ``"leads"``, ``"contacts"``, ``"companies"`` or ``"customers"``.
        entity_ids: ids of entities of ``entity_type``; needs ``entity_type``.
        updated_at: UNIX seconds, an aware datetime, or a :class:`Range`.
        order: ``Order``, ``(field, direction)`` or a field name (ascending); fields are
            ``created_at``, ``complete_till``, ``id``.

    PHP sends task type and entity ids as given, so a zero or negative one raises
    :class:`ValueError` here rather than being dropped, which would widen the query.
    """

    SORTABLE_FIELDS: ClassVar[frozenset[str]] = frozenset({"created_at", "complete_till", "id"})

    ids: IdsInput | None = param("id", parse_ids)
    created_by: IdsInput | None = param("created_by", parse_ids)
    is_completed: bool | None = param("is_completed", parse_bool)
    task_type_ids: IdsInput | None = param(
        "task_type", partial(parse_ids, positive=True, strict=True)
    )
    responsible_user_ids: IdsInput | None = param("responsible_user_id", parse_ids)
    entity_type: TaskEntityType | None = param("entity_type", one_of(*get_args(TaskEntityType)))
    entity_ids: IdsInput | None = param(
        "entity_id", partial(parse_ids, positive=True, strict=True), requires="entity_type"
    )
    updated_at: TimeOrRange | None = param("updated_at", parse_time_or_range)
    order: OrderInput | None = order_param()
