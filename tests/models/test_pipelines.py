"""Pipelines and statuses: the public samples parse; statuses come embedded in pipelines."""

from __future__ import annotations

import pytest

from amocrm_async.models import (
    LeadStatus,
    LeadStatusColor,
    LeadStatusType,
    Pipeline,
    StatusDescription,
    StatusDescriptionLevel,
    collection_adapter,
)

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


def test_add_request_samples_are_what_to_api_sends() -> None:
    [pipeline_add] = sample("pipelines", "add_request")
    assert Pipeline.model_validate(pipeline_add).to_api() == pipeline_add
    for status_add in sample("pipeline_statuses", "add_request"):
        assert LeadStatus.model_validate(status_add).to_api() == status_add


def test_answers_parse_and_a_read_pipeline_writes_no_statuses() -> None:
    added = collection_adapter("pipelines", Pipeline).validate_python(
        sample("pipelines", "add_response")
    )
    [pipeline] = added.items
    assert pipeline.request_id == "123" and pipeline.embedded is not None
    assert [s.type for s in pipeline.embedded.statuses or []] == [
        LeadStatusType.UNSORTED,
        LeadStatusType.REGULAR,
        LeadStatusType.REGULAR,
        LeadStatusType.REGULAR,
    ]
    assert "_embedded" not in pipeline.to_api()
    updated = Pipeline.model_validate(sample("pipelines", "update_response"))
    assert updated.to_api() == {
        "id": 3177727,
        "name": "Новое название для воронки",
        "sort": 1000,
        "is_main": False,
        "is_unsorted_on": False,
        "request_id": "0",
    }
    status = LeadStatus.model_validate(sample("pipeline_statuses", "update_response"))
    assert status.color == LeadStatusColor.C1E0FF


def test_descriptions_write_only_what_may_change() -> None:
    read = {
        "id": 5,
        "level": "newbie",
        "description": "Call first",
        "account_id": 1,
        "created_at": 2,
        "updated_at": 3,
        "created_by": 4,
        "updated_by": 4,
        "pipeline_id": 6,
        "status_id": 7,
    }
    status = LeadStatus(id=7, name="x", descriptions=[StatusDescription.model_validate(read)])
    assert status.to_api()["descriptions"] == [
        {"id": 5, "level": StatusDescriptionLevel.NEWBIE, "description": "Call first"}
    ]


def test_every_palette_colour_is_accepted_and_nothing_else() -> None:
    for color in LeadStatusColor:
        assert LeadStatus(color=color.value).to_api() == {"color": color.value}
    with pytest.raises(ValueError, match=r"LeadStatus\.color .*'#FFFEB2'"):
        LeadStatus(color="#FFFEB2").to_api()
