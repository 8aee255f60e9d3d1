"""Tags: the contract for the tags of leads, contacts, companies and customers, what only lead
tags have (update, colours), the filter on the wire, and the tags lists of the fake end to end."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient, errors, services
from amocrm_async.filters import TagsFilter
from amocrm_async.models import Contact, Lead, LeadEmbedded, Tag
from amocrm_async.services import LeadTagsService, TagsService
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio


def tag_spec(entity: str) -> ServiceSpec:
    return ServiceSpec(f"{entity}.tags", make=lambda i: Tag(name=f"{entity} tag #{i}"))


class TestLeadTagsContract(ServiceContract):
    spec = tag_spec("leads")


class TestContactTagsContract(ServiceContract):
    spec = tag_spec("contacts")


class TestCompanyTagsContract(ServiceContract):
    spec = tag_spec("companies")


class TestCustomerTagsContract(ServiceContract):
    spec = tag_spec("customers")


def test_capabilities_follow_the_api() -> None:
    """List and create everywhere, update on leads only, never get one (no such endpoint)."""
    assert tag_spec("leads").service_class() is LeadTagsService
    for entity in ("contacts", "companies", "customers"):
        assert tag_spec(entity).service_class() is TagsService
    assert issubclass(TagsService, services.Listable)
    assert issubclass(TagsService, services.Creatable)
    assert not issubclass(TagsService, services.Updatable | services.Gettable)
    assert issubclass(LeadTagsService, TagsService)
    assert issubclass(LeadTagsService, services.Updatable)


async def test_filter_on_the_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get("/api/v4/contacts/tags").respond(
        200, json={"_page": 1, "_links": {}, "_embedded": {"tags": [{"id": 1, "name": "VIP"}]}}
    )
    page = await amo.contacts.tags.get(TagsFilter(query="VI", name="VIP"), limit=5)
    assert route.calls.last.request.url.params.multi_items() == [
        ("query", "VI"),
        ("filter[name]", "VIP"),
        ("limit", "5"),
        ("page", "1"),
    ]
    assert page.items == [Tag(id=1, name="VIP")]


async def test_lead_tags_update_and_sync_through_the_list(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.patch("/api/v4/leads/tags/7").respond(200, json={"id": 7, "name": "VIP"})
    tag = Tag(id=7, name="VIP", color="DDEBB5")
    await amo.leads.tags.update_one(tag)
    assert json.loads(route.calls.last.request.content) == {
        "id": 7,
        "name": "VIP",
        "color": "DDEBB5",
    }
    listed = router.get("/api/v4/leads/tags").respond(
        200, json={"_page": 1, "_embedded": {"tags": [{"id": 7, "name": "VIP", "color": "FFCE5A"}]}}
    )
    synced = await amo.leads.tags.sync_one(Tag(id=7, name="VIP+"))
    assert listed.calls.last.request.url.params.multi_items() == [
        ("filter[id][0]", "7"),
        ("limit", "1"),
        ("page", "1"),
    ]
    assert (synced.name, synced.color) == ("VIP+", "FFCE5A")
    router.get("/api/v4/leads/tags").respond(204)
    with pytest.raises(errors.NotFoundError, match="tag 8"):
        await amo.leads.tags.sync_one(Tag(id=8, name="x"))
    assert not hasattr(amo.contacts.tags, "update")


# ----------------------------------------------------------------------------------------------
# End to end against the fake amoCRM
# ----------------------------------------------------------------------------------------------


async def test_add_list_filter_and_use_on_entities(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    tags = on_fake.leads.tags
    vip, fresh = Tag(name="VIP клиент", color="247BA0"), Tag(name="Новый")
    await tags.add([vip, fresh])
    assert vip.id is not None and fresh.id is not None
    again = Tag(name="vip КЛИЕНТ")
    await tags.add_one(again)
    assert again.id == vip.id  # an existing name is not duplicated
    assert [t.id async for t in tags.iterate(TagsFilter(ids=[vip.id, fresh.id]))] == [
        vip.id,
        fresh.id,
    ]
    found = await tags.get(TagsFilter(name="vip клиент"))
    assert [(t.id, t.color) for t in found] == [(vip.id, "247BA0")]
    assert [t.id for t in await tags.get(TagsFilter(query="нов"))] == [fresh.id]

    lead = Lead(name="Deal", embedded=LeadEmbedded(tags=[Tag(id=vip.id)]))
    await on_fake.leads.add_one(lead)
    assert lead.id is not None
    stored = await on_fake.leads.get_one(lead.id)
    assert stored.embedded is not None and stored.embedded.tags == [
        Tag(id=vip.id, name="VIP клиент", color="247BA0")
    ]
    await on_fake.leads.update_one(Lead(id=lead.id, tags_to_add=[Tag(id=fresh.id)]))
    tagged = await on_fake.leads.get_one(lead.id)
    assert tagged.embedded is not None and tagged.embedded.tags is not None
    assert [t.id for t in tagged.embedded.tags] == [vip.id, fresh.id]
    await on_fake.leads.update_one(Lead(id=lead.id, embedded=LeadEmbedded(tags=None)))
    cleared = await on_fake.leads.get_one(lead.id)
    assert cleared.embedded is not None and cleared.embedded.tags == []  # NullTagsCollection


async def test_rename_and_recolour_a_lead_tag(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    tag = Tag(name="Горячий")
    await on_fake.leads.tags.add_one(tag)
    tag.name, tag.color = "Очень горячий", "FF8F92"
    await on_fake.leads.tags.update([tag])
    [found] = (await on_fake.leads.tags.get(TagsFilter(ids=tag.id or 0))).items
    assert (found.name, found.color) == ("Очень горячий", "FF8F92")
    assert fake.stats.entities_updated["tags"] == 1


async def test_contact_tags_are_their_own_and_take_no_colour(on_fake: AmoCRMClient) -> None:
    tag = Tag(name="Партнёр")
    await on_fake.contacts.tags.add_one(tag)
    assert [t.name for t in await on_fake.leads.tags.get(TagsFilter(name="Партнёр"))] == []
    contact = Contact(name="Иван", tags_to_add=[Tag(name="Партнёр")])
    await on_fake.contacts.add_one(contact)
    assert contact.id is not None
    stored = await on_fake.contacts.get_one(contact.id)
    assert stored.embedded is not None and stored.embedded.tags is not None
    assert [t.id for t in stored.embedded.tags] == [tag.id]
    coloured = Tag(name="Синий", color="10599D")
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.contacts.tags.add_one(coloured)
    issues = caught.value.for_request_id(coloured.request_id or "")
    assert [(issue.code, issue.path) for issue in issues] == [("FieldNotExpected", "color")]


async def test_customers_have_tags_too(on_fake: AmoCRMClient) -> None:
    assert type(on_fake.customers.tags) is TagsService
    tag = Tag(name="Постоянный")
    await on_fake.customers.tags.add_one(tag)
    assert [t.id for t in await on_fake.customers.tags.get(TagsFilter(name="постоянный"))] == [
        tag.id
    ]
