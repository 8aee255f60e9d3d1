"""Events: ``value_before``/``value_after`` items are typed by their key; unknown shapes stay
dicts; a dump gives back what was read. Event types as an enum."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from amocrm_async.models import (
    CustomFieldChange,
    Event,
    EventType,
    EventTypeInfo,
    LeadStatusChange,
    NoteValue,
    ResponsibleUserChange,
    SaleChange,
    StatusValue,
)

STATUS_CHANGED: dict[str, Any] = {
    "id": "01pz58t6p04vxt6j8dybfmws3k",
    "type": "lead_status_changed",
    "entity_id": 26053959,
    "entity_type": "lead",
    "created_by": 3088579,
    "created_at": 1_588_757_434,
    "value_after": [{"lead_status": {"id": 142, "pipeline_id": 3177727}}],
    "value_before": [{"lead_status": {"id": 31553380, "pipeline_id": 3177727}}],
    "account_id": 28805383,
    "_embedded": {"entity": {"id": 26053959}},
}


def test_lead_status_change_is_typed() -> None:
    event = Event.model_validate(STATUS_CHANGED)
    assert event.event_type is EventType.LEAD_STATUS_CHANGED
    (after,) = event.value_after
    assert isinstance(after, LeadStatusChange)
    assert (after.lead_status.id, after.lead_status.pipeline_id) == (142, 3177727)
    assert event.embedded is not None and event.embedded.entity == {"id": 26053959}
    assert event.model_dump(mode="json", by_alias=True, exclude_unset=True) == STATUS_CHANGED


def test_each_known_key_gets_its_model() -> None:
    event = Event.model_validate(
        {
            "id": "x",
            "type": "custom_field_7_value_changed",
            "value_after": [
                {"responsible_user": {"id": 5}},
                {"sale_field_value": {"sale": 1500}},
                {"note": {"id": 42}},
                {"custom_field_value": {"field_id": 7, "field_type": 1, "text": "hi"}},
            ],
        }
    )
    kinds = [type(item).__name__ for item in event.value_after]
    expected: list[type[Any]] = [ResponsibleUserChange, SaleChange, NoteValue, CustomFieldChange]
    assert kinds == [model.__name__ for model in expected]
    assert event.event_type is None  # a per-field type is not an enum member
    assert event.type == EventType.custom_field(7)


def test_unknown_and_odd_shapes_are_kept_as_dicts() -> None:
    raw = [{"brand_new_value": {"x": 1}}, {"lead_status": "not an object"}, {"a": 1, "b": 2}]
    event = Event.model_validate({"id": "x", "type": "future_event", "value_before": raw})
    assert event.value_before == raw
    assert event.model_dump(mode="json")["value_before"] == raw
    assert event.event_type is None


def test_empty_values_come_as_lists() -> None:
    event = Event.model_validate({"id": "x", "type": "lead_added", "value_after": None})
    assert (event.value_after, event.value_before) == ([], [])


def test_events_are_read_only() -> None:
    assert Event.model_validate(STATUS_CHANGED).to_api() == {}


def test_event_type_info() -> None:
    info = EventTypeInfo.model_validate({"key": "lead_added", "type": 1, "lang": "Новая сделка"})
    assert (info.key, info.type, info.lang) == ("lead_added", 1, "Новая сделка")
    assert EventType("lead_added") is EventType.LEAD_ADDED


def test_a_known_key_whose_fields_do_not_fit_stays_a_dict() -> None:
    raw = [{"lead_status": {"id": "not a number", "pipeline_id": 1}}]
    event = Event.model_validate({"id": "x", "type": "lead_status_changed", "value_after": raw})
    assert event.value_after == raw


def test_a_single_object_and_bare_values_are_read_as_lists_of_items() -> None:
    """amoCRM sends a list; an object or a bare value is taken as a list of one item."""
    one = Event.model_validate(
        {"id": "x", "type": "lead_status_changed", "value_after": {"lead_status": {"id": 142}}}
    )
    assert [type(item) for item in one.value_after] == [LeadStatusChange]
    bare = Event.model_validate({"id": "y", "type": "future_event", "value_before": [5, "x"]})
    assert bare.value_before == [{"value": 5}, {"value": "x"}]
    with pytest.raises(ValidationError, match="value_after"):
        Event.model_validate({"id": "z", "type": "lead_added", "value_after": "text"})


def test_typed_changes_given_in_python_are_kept_as_they_are() -> None:
    change = LeadStatusChange(lead_status=StatusValue(id=142, pipeline_id=7))
    event = Event(id="x", type="lead_status_changed", value_after=[change])
    assert event.value_after[0] is change
