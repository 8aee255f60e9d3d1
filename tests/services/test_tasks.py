"""Tasks: the contract, plus what is special: the filter's wire keys and completing a task."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient
from amocrm_async.filters import TasksFilter
from amocrm_async.models import TASK_TYPE_MEETING, Task, TaskResult

from ..samples import sample
from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio


class TestContract(ServiceContract):
    spec = ServiceSpec(
        "tasks",
        make=lambda i: Task(text=f"Call back #{i}", complete_till=1_900_000_000 + i),
        change=lambda task: setattr(task, "text", "Call back tomorrow"),
    )


async def test_filter_goes_on_the_wire_as_the_api_reads_it(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/tasks").respond(200, json=sample("tasks", "list"))
    page = await amo.tasks.get(
        TasksFilter(task_type_ids=[TASK_TYPE_MEETING], is_completed=True), limit=2
    )
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[is_completed]", "1"),
        ("filter[task_type][0]", "2"),
        ("limit", "2"),
        ("page", "1"),
    ]
    assert [task.id for task in page] == [7087, 215089]
    assert page.has_next


async def test_completing_a_task_sends_the_documented_body(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    answer = sample("tasks", "complete_response")
    route = router.patch("/api/v4/tasks/4747929").respond(200, json=answer)
    task = Task(
        id=4747929,
        is_completed=True,
        result=TaskResult(**sample("tasks", "complete_request")["result"]),
    )
    await amo.tasks.update_one(task)
    assert json.loads(route.calls.last.request.content) == sample("tasks", "complete_request")
    assert task.updated_at == answer["updated_at"]


async def test_bad_entity_type_fails_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="entity_type"):
        await amo.tasks.add([Task(text="x", complete_till=1, entity_type="deals")])
    assert not router.calls
