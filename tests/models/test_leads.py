"""Leads, contacts, companies, tags and links: parsing real-shaped JSON, write payloads
(api-surface.md §7.1-7.3, protocol.md §10), the complex payload and HAL pages."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import ValidationError

from amocrm_async.models import (
    LOST_STATUS_ID,
    WON_STATUS_ID,
    CatalogElementRef,
    Company,
    CompanyEmbedded,
    CompanyRef,
    ComplexLeadResult,
    Contact,
    ContactEmbedded,
    ContactRef,
    EntityLink,
    EntityRef,
    HalCollection,
    HalLink,
    HalLinks,
    Lead,
    LeadEmbedded,
    LeadSource,
    LossReason,
    MultitextCustomFieldValues,
    MultitextValue,
    NumericCustomFieldValues,
    SelectCustomFieldValues,
    Tag,
    TextCustomFieldValues,
    collection_adapter,
)

BASE = "https://acme.amocrm.ru/api/v4"


def lead_json(lead_id: int = 19619, **extra: Any) -> dict[str, Any]:
    """A lead as ``GET /api/v4/leads/{id}?with=contacts,loss_reason,source,catalog_elements``."""
    return {
        "id": lead_id,
        "name": "Deal for Ivanov",
        "price": 46333,
        "price_with_minor_units": 46333.5,
        "responsible_user_id": 123321,
        "group_id": 625,
        "status_id": LOST_STATUS_ID,
        "pipeline_id": 1300,
        "loss_reason_id": 4203748,
        "source_id": 77,
        "created_by": 321123,
        "updated_by": 321124,
        "created_at": 1453279607,
        "updated_at": 1502193501,
        "closed_at": 1483005931,
        "closest_task_at": None,
        "is_deleted": False,
        "is_price_modified_by_robot": False,
        "custom_fields_values": [
            {
                "field_id": 3,
                "field_name": "Budget",
                "field_code": None,
                "field_type": "numeric",
                "values": [{"value": "1500.50"}],
            },
            {
                "field_id": 5,
                "field_name": "Channel",
                "field_code": "CHANNEL",
                "field_type": "select",
                "values": [{"value": "Website", "enum_id": 11, "enum_code": None}],
            },
        ],
        "score": None,
        "account_id": 5135160,
        "labor_cost": None,
        "_links": {"self": {"href": f"{BASE}/leads/{lead_id}"}},
        "_embedded": {
            "tags": [{"id": 100667, "name": "vip", "color": "DDEBB5"}],
            "catalog_elements": [
                {"id": 425909, "metadata": {"quantity": 1, "catalog_id": 4521, "price_id": None}}
            ],
            "loss_reason": [
                {
                    "id": 4203748,
                    "name": "Too expensive",
                    "sort": 100000,
                    "created_at": 1582117280,
                    "updated_at": 1582117280,
                    "_links": {"self": {"href": f"{BASE}/leads/loss_reasons/4203748"}},
                }
            ],
            "source": {"id": 77, "name": "Website form"},
            "companies": [
                {"id": 10971463, "_links": {"self": {"href": f"{BASE}/companies/10971463"}}}
            ],
            "contacts": [
                {
                    "id": 10971465,
                    "is_main": True,
                    "_links": {"self": {"href": f"{BASE}/contacts/10971465"}},
                }
            ],
        },
        **extra,
    }


def test_realistic_lead_parses_into_typed_models() -> None:
    lead = Lead.model_validate_json(json.dumps(lead_json()))
    assert (lead.id, lead.name, lead.price, lead.price_with_minor_units) == (
        19619,
        "Deal for Ivanov",
        46333,
        46333.5,
    )
    assert (lead.status_id, lead.loss_reason_id, lead.group_id, lead.account_id) == (
        LOST_STATUS_ID,
        4203748,
        625,
        5135160,
    )
    assert lead.closest_task_at is None and lead.score is None and lead.is_deleted is False
    assert lead.links == HalLinks(self_=HalLink(href=f"{BASE}/leads/19619"))
    assert lead.model_extra == {"labor_cost": None}

    assert lead.custom_fields_values is not None
    budget, channel = lead.custom_fields_values
    assert isinstance(budget, NumericCustomFieldValues)
    assert isinstance(channel, SelectCustomFieldValues)
    assert lead.get_custom_field_value(3) == "1500.50"
    assert lead.get_custom_field_value("CHANNEL") == "Website"

    embedded = lead.embedded
    assert isinstance(embedded, LeadEmbedded)
    assert embedded.tags == [Tag(id=100667, name="vip", color="DDEBB5")]
    assert embedded.contacts is not None and embedded.companies is not None
    (contact,) = embedded.contacts
    assert type(contact) is ContactRef
    assert (contact.id, contact.is_main) == (10971465, True)
    assert contact.links is not None and contact.links.self_ is not None
    assert contact.links.self_.href.endswith("/contacts/10971465")
    assert type(embedded.companies[0]) is CompanyRef
    assert embedded.companies[0].id == 10971463
    assert embedded.catalog_elements == [
        CatalogElementRef(id=425909, metadata={"quantity": 1, "catalog_id": 4521, "price_id": None})
    ]
    assert embedded.loss_reason is not None
    assert isinstance(embedded.loss_reason[0], LossReason)
    assert embedded.loss_reason[0].name == "Too expensive"
    assert embedded.source == LeadSource(id=77, name="Website form")


def test_to_api_of_a_read_lead_sends_only_writable_fields() -> None:
    lead = Lead.model_validate(lead_json())
    # price is written with its minor units; created_*/updated_by are create-only (item 10)
    assert lead.to_api() == {
        "id": 19619,
        "name": "Deal for Ivanov",
        "price": 46333.5,
        "responsible_user_id": 123321,
        "status_id": LOST_STATUS_ID,
        "pipeline_id": 1300,
        "loss_reason_id": 4203748,
        "closed_at": 1483005931,
        "custom_fields_values": [
            {"field_id": 3, "values": [{"value": "1500.50"}]},
            {
                "field_id": 5,
                "field_code": "CHANNEL",
                "values": [{"value": "Website", "enum_id": 11, "enum_code": None}],
            },
        ],
        "_embedded": {"tags": [{"id": 100667, "name": "vip"}]},
    }


@pytest.mark.parametrize(
    "read_only",
    [
        "updated_at",
        "group_id",
        "account_id",
        "closest_task_at",
        "score",
        "is_deleted",
        "source_id",
        "price_with_minor_units",
        "is_price_modified_by_robot",
        "_links",
        "labor_cost",
    ],
)
def test_read_only_and_unknown_fields_are_never_sent(read_only: str) -> None:
    data = lead_json(score=7, closest_task_at=1700000000, is_deleted=True)
    assert read_only in data
    assert read_only not in Lead.model_validate(data).to_api()


def test_full_dump_still_has_everything() -> None:
    dumped = Lead.model_validate(lead_json()).model_dump(by_alias=True)
    assert dumped["updated_at"] == 1502193501
    assert dumped["labor_cost"] is None
    assert dumped["_embedded"]["contacts"][0]["id"] == 10971465
    assert dumped["custom_fields_values"][0]["field_type"] == "numeric"


def test_price_is_sent_as_given() -> None:
    assert Lead(id=1, price=100.5).to_api() == {"id": 1, "price": 100.5}
    assert Lead(id=1, price=0).to_api() == {"id": 1, "price": 0}


def test_loss_reason_is_only_sent_for_lost_leads() -> None:
    won = Lead(id=1, status_id=WON_STATUS_ID, pipeline_id=2, loss_reason_id=9)
    assert won.to_api() == {"id": 1, "status_id": WON_STATUS_ID, "pipeline_id": 2}
    lost = Lead(id=1, status_id=LOST_STATUS_ID, pipeline_id=2, loss_reason_id=9)
    assert lost.to_api()["loss_reason_id"] == 9


def test_create_links_existing_contacts_and_companies_by_id() -> None:
    lead = Lead(
        name="New deal",
        price=1500,
        pipeline_id=1300,
        request_id="r-1",
        visitor_uid="5f4e-aa",
        embedded=LeadEmbedded(
            tags=[Tag(name="vip", color="DDEBB5"), Tag(id=7)],
            contacts=[Contact(id=11, is_main=True), Contact(id=12)],
            companies=[Company(id=21)],
            source=LeadSource(type="widget", external_id="site-form"),
        ),
    )
    assert lead.to_api() == {
        "name": "New deal",
        "price": 1500,
        "pipeline_id": 1300,
        "visitor_uid": "5f4e-aa",
        "request_id": "r-1",
        "_embedded": {
            "tags": [{"name": "vip"}, {"id": 7}],
            "contacts": [{"id": 11, "is_main": True}, {"id": 12}],
            "companies": [{"id": 21}],
            "source": {"type": "widget", "external_id": "site-form"},
        },
    }


def test_full_contacts_and_companies_stand_in_for_refs() -> None:
    contact = Contact(first_name="Ann", custom_fields_values=[])
    company = Company(name="ACME")
    embedded = LeadEmbedded(contacts=[contact], companies=[company])
    assert embedded.contacts is not None and embedded.companies is not None
    assert embedded.contacts[0] is contact
    assert embedded.companies[0] is company
    dumped = Lead(embedded=embedded).model_dump(by_alias=True)
    assert dumped["_embedded"]["contacts"][0]["first_name"] == "Ann"
    assert dumped["_embedded"]["companies"][0]["name"] == "ACME"
    lead = Lead(embedded=LeadEmbedded(contacts=[ContactRef(id=4, is_main=True)]))
    assert lead.to_api() == {"_embedded": {"contacts": [{"id": 4, "is_main": True}]}}


def test_update_does_not_resend_create_only_embeds() -> None:
    lead = Lead(
        id=5,
        embedded=LeadEmbedded(
            contacts=[Contact(id=11)], companies=[Company(id=21)], source=LeadSource(id=3)
        ),
    )
    assert lead.to_api() == {"id": 5}


def test_plain_create_refuses_new_contacts() -> None:
    lead = Lead(name="x", embedded=LeadEmbedded(contacts=[Contact(first_name="Ann")]))
    with pytest.raises(ValueError, match=r"to_complex_api"):
        lead.to_api()
    lead = Lead(name="x", embedded=LeadEmbedded(companies=[Company(name="ACME")]))
    with pytest.raises(ValueError, match=r"to_complex_api"):
        lead.to_api()


def test_tag_rules() -> None:
    with_add = Lead(
        id=1,
        tags_to_add=[Tag(name="new")],
        tags_to_delete=[Tag(id=3, name="old", color="EBEBEB")],
        embedded=LeadEmbedded(tags=[Tag(name="ignored")]),
    )
    assert with_add.to_api() == {
        "id": 1,
        "tags_to_add": [{"name": "new"}],
        "tags_to_delete": [{"id": 3, "name": "old"}],
    }
    assert Lead(id=1, embedded=LeadEmbedded(tags=None)).to_api() == {
        "id": 1,
        "_embedded": {"tags": None},
    }
    assert Lead(id=1, embedded=LeadEmbedded()).to_api() == {"id": 1}
    contact = Contact(id=2, embedded=ContactEmbedded(tags=None))
    assert contact.to_api() == {"id": 2, "_embedded": {"tags": None}}
    company = Company(id=3, tags_to_add=[Tag(name="a")], embedded=CompanyEmbedded(tags=[]))
    assert company.to_api() == {"id": 3, "tags_to_add": [{"name": "a"}]}


def test_to_complex_api_shape() -> None:
    contact = Contact(
        first_name="Ivan",
        last_name="Ivanov",
        request_id="must-not-leak",
        custom_fields_values=[
            MultitextCustomFieldValues.of(
                MultitextValue(value="+79990001122", enum_code="WORK"), field_code="PHONE"
            )
        ],
    )
    lead = Lead(
        id=999,
        name="Complex deal",
        price=5000,
        request_id="lead-1",
        custom_fields_values=[TextCustomFieldValues.of("google", field_code="UTM_SOURCE")],
        embedded=LeadEmbedded(
            tags=[Tag(name="inbound")],
            contacts=[contact],
            companies=[Company(name="ACME", responsible_user_id=5)],
            source=LeadSource(type="widget", external_id="form-7"),
            metadata={"category": "forms", "form_id": "f1", "form_name": "Callback"},
        ),
    )
    assert lead.to_complex_api() == {
        "name": "Complex deal",
        "price": 5000,
        "custom_fields_values": [
            {"field_code": "UTM_SOURCE", "values": [{"value": "google"}]},
        ],
        "request_id": "lead-1",
        "_embedded": {
            "tags": [{"name": "inbound"}],
            "contacts": [
                {
                    "first_name": "Ivan",
                    "last_name": "Ivanov",
                    "custom_fields_values": [
                        {
                            "field_code": "PHONE",
                            "values": [
                                {"value": "+79990001122", "enum_id": None, "enum_code": "WORK"}
                            ],
                        }
                    ],
                }
            ],
            "companies": [{"name": "ACME", "responsible_user_id": 5}],
            "source": {"type": "widget", "external_id": "form-7"},
            "metadata": {"category": "forms", "form_id": "f1", "form_name": "Callback"},
        },
    }
    assert contact.request_id == "must-not-leak"


def test_to_complex_api_without_embeds_and_with_too_many() -> None:
    assert Lead(name="solo").to_complex_api() == {"name": "solo"}
    lead = Lead(name="x", embedded=LeadEmbedded(contacts=[Contact(name="a"), Contact(name="b")]))
    with pytest.raises(ValueError, match=r"at most one of _embedded\.contacts"):
        lead.to_complex_api()


def test_complex_result_list() -> None:
    body = (
        b'[{"id": 1, "contact_id": 2, "company_id": null, "request_id": ["0"], "merged": false},'
        b' {"id": 3, "contact_id": 4, "company_id": 5, "request_id": ["1", "2"], "merged": true}]'
    )
    first, second = ComplexLeadResult.validate_list_json(body)
    assert (first.id, first.contact_id, first.company_id, first.request_id) == (1, 2, None, ["0"])
    assert second.merged is True and second.request_id == ["1", "2"]


def test_invalid_assignment_names_the_field() -> None:
    lead = Lead(id=1)
    with pytest.raises(ValidationError) as err:
        lead.price = "a lot"  # type: ignore[assignment]
    assert err.value.errors()[0]["loc"][0] == "price"
    with pytest.raises(ValidationError) as err:
        lead.embedded = "nope"  # type: ignore[assignment]
    assert err.value.errors()[0]["loc"] == ("embedded",)
    lead.updated_at = 1700000000
    assert lead.updated_at == 1700000000


def test_contact_and_company_write_payloads() -> None:
    contact = Contact.model_validate(
        {
            "id": 7,
            "name": "Ivan Ivanov",
            "first_name": "Ivan",
            "last_name": "Ivanov",
            "responsible_user_id": 1,
            "group_id": 0,
            "created_by": 1,
            "updated_by": 1,
            "created_at": 1700000000,
            "updated_at": 1700000100,
            "closest_task_at": None,
            "is_deleted": False,
            "is_unsorted": False,
            "custom_fields_values": None,
            "account_id": 9,
            "_links": {"self": {"href": f"{BASE}/contacts/7"}},
            "_embedded": {
                "tags": [],
                "companies": [{"id": 8, "_links": {"self": {"href": f"{BASE}/companies/8"}}}],
                "leads": [{"id": 9, "_links": {"self": {"href": f"{BASE}/leads/9"}}}],
            },
        }
    )
    assert contact.embedded is not None and contact.embedded.companies is not None
    assert type(contact.embedded.companies[0]) is CompanyRef
    assert contact.embedded.leads is not None
    assert type(contact.embedded.leads[0]) is EntityRef
    # created_*/updated_by are create-only and an empty tag list is not sent back (item 10)
    assert contact.to_api() == {
        "id": 7,
        "name": "Ivan Ivanov",
        "first_name": "Ivan",
        "last_name": "Ivanov",
        "responsible_user_id": 1,
    }
    company = Company.model_validate(
        {
            "id": 8,
            "name": "ACME",
            "group_id": 0,
            "updated_at": 1,
            "account_id": 9,
            "_embedded": {"contacts": [{"id": 7}], "tags": [{"id": 1, "name": "b2b"}]},
        }
    )
    assert company.to_api() == {
        "id": 8,
        "name": "ACME",
        "_embedded": {"tags": [{"id": 1, "name": "b2b"}]},
    }


def test_tag_and_link_payloads() -> None:
    assert Tag(name="vip", color="DDEBB5", request_id="0").to_api() == {
        "name": "vip",
        "color": "DDEBB5",
        "request_id": "0",
    }
    link = EntityLink(to_entity_id=3, to_entity_type="contacts", metadata={"is_main": True})
    assert link.to_api() == {
        "to_entity_id": 3,
        "to_entity_type": "contacts",
        "metadata": {"is_main": True},
    }
    mass = EntityLink(entity_id=1, entity_type="leads", to_entity_id=2, to_entity_type="companies")
    assert mass.to_api() == {
        "entity_id": 1,
        "entity_type": "leads",
        "to_entity_id": 2,
        "to_entity_type": "companies",
    }


# -- HAL pages ---------------------------------------------------------------------------------


def page_bytes(ids: list[int], **envelope: Any) -> bytes:
    page = {
        "_page": 2,
        "_links": {
            "self": {"href": f"{BASE}/leads?limit=2&page=2"},
            "next": {"href": f"{BASE}/leads?limit=2&page=3"},
            "first": {"href": f"{BASE}/leads?limit=2&page=1"},
            "prev": {"href": f"{BASE}/leads?limit=2&page=1"},
        },
        "_embedded": {"leads": [lead_json(i) for i in ids]},
        **envelope,
    }
    return json.dumps(page).encode()


def test_hal_page_decodes_in_one_pass() -> None:
    adapter = collection_adapter("leads", Lead)
    page = adapter.validate_json(page_bytes([1, 2]))
    assert isinstance(page, HalCollection)
    assert page.page == 2
    assert [lead.id for lead in page.items] == [1, 2]
    assert all(isinstance(lead, Lead) for lead in page.items)
    assert page.links is not None and page.links.next is not None
    assert page.links.next.href == f"{BASE}/leads?limit=2&page=3"
    assert page.links.self_ == HalLink(href=f"{BASE}/leads?limit=2&page=2")
    assert page.links.first is not None and page.links.prev is not None
    assert page.next_url == f"{BASE}/leads?limit=2&page=3"
    assert page.total_items is None


def test_hal_last_page_and_totals() -> None:
    body = json.dumps(
        {
            "_total_items": 3,
            "_page": 1,
            "_page_count": 1,
            "_links": {"self": {"href": f"{BASE}/webhooks"}},
            "_embedded": {"tags": [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}]},
        }
    )
    page = collection_adapter("tags", Tag).validate_json(body)
    assert (page.total_items, page.page_count, page.next_url) == (3, 1, None)
    assert [tag.name for tag in page.items] == ["a", "b"]


def test_hal_page_without_items() -> None:
    adapter = collection_adapter("leads", Lead)
    assert adapter.validate_json(b'{"_page": 1, "_embedded": {"leads": []}}').items == []
    assert adapter.validate_json(b'{"_page": 1, "_embedded": {}}').items == []
    empty = adapter.validate_json(b"{}")
    assert (empty.items, empty.page, empty.links, empty.next_url) == ([], None, None, None)


def test_hal_item_errors_point_into_the_page() -> None:
    body = b'{"_embedded": {"leads": [{"id": 1}, {"id": "x"}]}}'
    with pytest.raises(ValidationError) as err:
        collection_adapter("leads", Lead).validate_json(body)
    assert err.value.errors()[0]["loc"] == ("_embedded", "leads", 1, "id")


def test_collection_adapters_are_cached_per_key_and_type() -> None:
    adapters: list[object] = [
        collection_adapter("leads", Lead),
        collection_adapter("contacts", Contact),
        collection_adapter("leads", Contact),
    ]
    assert collection_adapter("leads", Lead) is adapters[0]
    assert len({id(adapter) for adapter in adapters}) == 3
