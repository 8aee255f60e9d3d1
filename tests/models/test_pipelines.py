"""Pipelines and statuses: the public samples parse; statuses come embedded in pipelines."""

from __future__ import annotations

from amocrm_async.models import LeadStatus, Pipeline, collection_adapter

from ..samples import sample


def test_pipelines_list_sample_parses_with_statuses() -> None:
    page = collection_adapter("pipelines", Pipeline).validate_python(sample("pipelines", "list"))
    assert page.total_items == 1
    [pipeline] = page.items
    assert (pipeline.id, pipeline.is_main, pipeline.is_archive) == (3177727, True, False)
    assert pipeline.embedded is not None and pipeline.embedded.statuses
    first = pipeline.embedded.statuses[0]
    assert (first.id, first.type, first.is_editable, first.pipeline_id) == (
        32392156,
        1,
        False,
        3177727,
    )


def test_status_sample_parses_and_writes_only_what_may_change() -> None:
    status = LeadStatus.model_validate(sample("pipeline_statuses", "by_id"))
    assert (status.name, status.color) == ("Неразобранное", "#ccc8f9")
    assert status.to_api() == {
        "id": 32392156,
        "name": "Неразобранное",
        "sort": 10,
        "color": "#ccc8f9",
    }


def test_update_request_samples_are_what_to_api_sends() -> None:
    pipeline_update = sample("pipelines", "update_request")
    assert Pipeline(**pipeline_update).to_api() == pipeline_update
    status_update = sample("pipeline_statuses", "update_request")
    assert LeadStatus(**status_update).to_api() == status_update
