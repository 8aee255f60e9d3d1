"""Write rules a read-then-written entity relies on: the exact price, create-only fields, tags
that are not echoed, request ids the SDK generated, values JSON cannot carry."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from amocrm_async.models import (
    Company,
    CompanyEmbedded,
    Contact,
    ContactEmbedded,
    Lead,
    LeadEmbedded,
    Tag,
    Task,
)


def read_lead(**changes: Any) -> Lead:
    return Lead.model_validate(
        {
            "id": 1,
            "name": "Deal",
            "price": 300,
            "price_with_minor_units": 300.99,
            "created_by": 11,
            "updated_by": 12,
            "created_at": 1_700_000_000,
            "updated_at": 1_700_000_100,
            "_embedded": {"tags": []},
            **changes,
        }
    )


def test_a_read_price_is_written_with_its_minor_units() -> None:
    lead = read_lead()
    assert (lead.price, lead.price_with_minor_units, lead.exact_price()) == (300, 300.99, 300.99)
    assert lead.to_api() == {"id": 1, "name": "Deal", "price": 300.99}
    assert read_lead(price_with_minor_units=300.0).to_api()["price"] == 300
    # no minor units in the answer: price as read
    assert read_lead(price_with_minor_units=None).to_api()["price"] == 300
    # the server may round the whole part: still the same price
    assert read_lead(price=301).to_api()["price"] == 300.99


def test_assigning_either_price_keeps_them_together() -> None:
    lead = read_lead()
    lead.price = 500
    assert (lead.price, lead.price_with_minor_units, lead.to_api()["price"]) == (500, None, 500)
    lead.price_with_minor_units = 99.5
    assert (lead.price, lead.to_api()["price"]) == (99, 99.5)
    lead.price_with_minor_units = None
    assert lead.price is None and "price" not in lead.to_api()
    lead.price = 12.25
    assert lead.to_api()["price"] == 12.25


def test_a_price_changed_behind_the_setter_wins() -> None:
    copy = read_lead().model_copy(update={"price": 500})
    assert copy.to_api()["price"] == 500
    assert Lead(price=100.5).to_api() == {"price": 100.5}


@pytest.mark.parametrize("model", [Lead, Contact, Company])
def test_authorship_is_sent_on_create_only(model: type[Lead | Contact | Company]) -> None:
    fields = {"created_by": 0, "updated_by": 0, "created_at": 1_600_000_000}
    assert model(name="new", **fields).to_api() == {"name": "new", **fields}
    assert model(id=3, name="old", **fields).to_api() == {"id": 3, "name": "old"}
    assert {"created_by", "updated_by", "created_at"}.isdisjoint(model.updatable_fields())
    assert "name" in model.updatable_fields() and "updated_at" not in model.updatable_fields()


def test_tasks_keep_their_write_rules() -> None:
    task = Task(id=1, text="call", created_by=5)
    assert task.to_api() == {"id": 1, "text": "call", "created_by": 5}


def test_an_empty_tag_list_is_never_sent_but_null_clears() -> None:
    assert "_embedded" not in read_lead().to_api()
    assert Lead(id=1, embedded=LeadEmbedded(tags=[])).to_api() == {"id": 1}
    assert Contact(id=1, embedded=ContactEmbedded(tags=[])).to_api() == {"id": 1}
    assert Company(id=1, embedded=CompanyEmbedded(tags=None)).to_api() == {
        "id": 1,
        "_embedded": {"tags": None},
    }
    tagged = read_lead(_embedded={"tags": [{"id": 4, "name": "vip", "color": None}]})
    assert tagged.to_api()["_embedded"] == {"tags": [{"id": 4, "name": "vip"}]}
    assert Lead(embedded=LeadEmbedded(tags=[Tag(name="new")])).to_api() == {
        "_embedded": {"tags": [{"name": "new"}]}
    }


def test_overlay_takes_updatable_fields_and_merges_nested_models() -> None:
    local = read_lead(updated_at=5, _embedded={"tags": [{"id": 1}]})
    local.name = "mine"
    fresh = read_lead(
        name="theirs",
        updated_by=99,
        _embedded={"tags": [{"id": 2}], "contacts": [{"id": 7, "is_main": True}]},
    )
    local.overlay(fresh, local.model_fields_set & Lead.updatable_fields())
    assert (fresh.name, fresh.updated_at, fresh.updated_by) == ("mine", 1_700_000_100, 99)
    assert fresh.embedded is not None and fresh.embedded.tags == [Tag(id=1)]
    assert fresh.embedded.contacts is not None and fresh.embedded.contacts[0].id == 7
    assert fresh.price_with_minor_units == 300.99


def test_request_id_provenance() -> None:
    lead = Lead(name="a", request_id="mine")
    assert (lead.request_id_is_generated, lead.caller_request_id) == (False, "mine")
    assert not Lead().request_id_is_generated and Lead().caller_request_id is None
    assert "_generated_request_id" not in lead.model_dump()
    assert lead.to_api() == {"name": "a", "request_id": "mine"}


def test_values_json_cannot_carry_are_refused_when_set() -> None:
    with pytest.raises(ValidationError) as info:
        Lead(price=float("nan"))
    assert {error["loc"][0] for error in info.value.errors()} == {"price"}
    lead = Lead()
    with pytest.raises(ValidationError, match="price_with_minor_units"):
        lead.price_with_minor_units = float("-inf")


def test_declaring_an_unknown_create_only_field_is_refused() -> None:
    with pytest.raises(TypeError, match="unknown fields"):

        class Broken(Lead):
            __create_only__ = frozenset({"no_such_field"})
