"""Tasks: the public samples of the API documentation parse, and write payloads are minimal."""

from __future__ import annotations

import json

import pytest

from amocrm_async.models import Task, TaskResult, collection_adapter

from ..samples import sample


def test_list_sample_parses() -> None:
    page = collection_adapter("tasks", Task).validate_python(sample("tasks", "list"))
    assert [task.id for task in page.items] == [7087, 215089]
    first = page.items[0]
    assert (first.entity_type, first.entity_id, first.task_type_id) == ("leads", 167353, 2)
    assert (first.is_completed, first.complete_till, first.result) == (True, 1575665940, None)
    assert page.next_url is not None and "page=2" in page.next_url


def test_by_id_sample_has_its_result() -> None:
    task = Task.model_validate(sample("tasks", "by_id"))
    assert task.result == TaskResult(text="Результат есть")
    assert task.links is not None and task.links.self_ is not None


def test_empty_result_sent_as_a_list_parses_as_none() -> None:
    task = Task.model_validate_json(json.dumps({"id": 1, "result": []}))
    assert task.result is None


def test_add_request_sample_is_what_to_api_sends() -> None:
    [expected] = sample("tasks", "add_request")
    task = Task(**expected)
    assert task.to_api() == expected


def test_update_requests_match_the_samples() -> None:
    for item in sample("tasks", "update_request"):
        assert Task(**item).to_api() == item
    completed = sample("tasks", "complete_request")
    task = Task(
        id=completed["id"],
        is_completed=True,
        result=TaskResult(**sample("tasks", "complete_request")["result"]),
    )
    assert task.to_api() == completed


def test_read_only_fields_are_not_sent_back() -> None:
    task = Task.model_validate(sample("tasks", "by_id"))
    payload = task.to_api()
    assert {"group_id", "account_id", "updated_at", "_links"}.isdisjoint(payload)
    assert payload["result"] == {"text": "Результат есть"}


@pytest.mark.parametrize(
    ("task", "message"),
    [
        (Task(text="x", entity_type="deals"), "entity_type must be one of"),
        (Task(text="x", entity_id=5), "entity_id needs Task.entity_type"),
    ],
)
def test_invalid_entity_reference_fails_before_sending(task: Task, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        task.to_api()
