"""Mass links: one service class, hung off every entity service that has links."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient
from amocrm_async.filters import LinksFilter
from amocrm_async.models import EntityLink
from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio


async def test_get_sends_entity_ids_and_reads_total(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    link = {"entity_id": 1, "entity_type": "contacts", "to_entity_id": 9, "to_entity_type": "leads"}
    route = router.get("/api/v4/contacts/links").respond(
        200, json={"_total_items": 1, "_embedded": {"links": [link]}}
    )
    page = await amo.contacts.links.get(LinksFilter(entity_ids=[1, 2], to_entity_type="leads"))
    # PHP's EntitiesLinksFilter order: the targets first, then the source ids
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[to_entity_type]", "leads"),
        ("filter[entity_id][0]", "1"),
        ("filter[entity_id][1]", "2"),
        ("limit", "250"),
        ("page", "1"),
    ]
    assert (page.total_items, [x.to_entity_id for x in page]) == (1, [9])


async def test_link_and_unlink_send_the_source_in_each_item(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    links = [EntityLink(entity_id=3, to_entity_id=8, to_entity_type="contacts")]
    linked = router.post("/api/v4/leads/link").respond(
        200, json={"_embedded": {"links": [links[0].to_api()]}}
    )
    unlinked = router.post("/api/v4/leads/unlink").respond(204)
    assert [x.entity_id for x in await amo.leads.links.link(links)] == [3]
    await amo.leads.links.unlink(links)
    expected = [{"entity_id": 3, "to_entity_id": 8, "to_entity_type": "contacts"}]
    assert json.loads(linked.calls.last.request.content) == expected
    assert json.loads(unlinked.calls.last.request.content) == expected


async def test_bad_input_fails_before_sending(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    with pytest.raises(ValueError, match="entity_id"):
        await amo.leads.links.link([EntityLink(to_entity_id=8, to_entity_type="contacts")])
    with pytest.raises(ValueError, match="link to"):
        await amo.leads.links.link(
            [EntityLink(entity_id=1, to_entity_id=8, to_entity_type="leads")]
        )
    with pytest.raises(ValueError, match="the links of which entities"):
        await amo.leads.links.get(LinksFilter(to_entity_type="contacts"))
    with pytest.raises(ValueError, match="link to"):
        await amo.leads.links.get(LinksFilter(entity_ids=[1], to_entity_type="leads"))
    with pytest.raises(ValueError, match="selects nothing"):
        LinksFilter(entity_ids=[])
    with pytest.raises(ValueError, match="positive id"):
        LinksFilter(entity_ids=[1], to_entity_id=0)
    with pytest.raises(ValueError, match="at least one link"):
        await amo.leads.links.unlink([])
    assert not router.calls


def test_links_filter_matches_php() -> None:
    """``(new EntitiesLinksFilter([5, 6]))->setToEntityId(9)->setToEntityType('contacts')
    ->setToCatalogId(3)`` through ``http_build_query``."""
    query = LinksFilter(
        entity_ids=[5, 6], to_entity_id=9, to_entity_type="contacts", to_catalog_id=3
    ).to_query_string()
    assert query == (
        "filter%5Bto_entity_id%5D=9&filter%5Bto_entity_type%5D=contacts"
        "&filter%5Bto_catalog_id%5D=3&filter%5Bentity_id%5D%5B0%5D=5&filter%5Bentity_id%5D%5B1%5D=6"
    )


async def test_link_many_read_them_page_by_page_and_unlink_on_the_fake(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    seeded = fake.seed(leads=2, contacts=3)
    leads, contacts = seeded.leads, seeded.contacts
    links = [
        EntityLink(entity_id=lead, to_entity_id=contact, to_entity_type="contacts")
        for lead in leads
        for contact in contacts
    ]
    linked = await on_fake.leads.links.link(links)
    assert {(x.entity_id, x.to_entity_id) for x in linked} >= {
        (x.entity_id, x.to_entity_id) for x in links
    }
    wanted = LinksFilter(entity_ids=leads, to_entity_type="contacts")
    found = [(x.entity_id, x.to_entity_id) async for x in on_fake.leads.links.iterate(wanted)]
    assert sorted(found) == sorted((x.entity_id, x.to_entity_id) for x in links)
    first = await on_fake.leads.links.get(LinksFilter(entity_ids=[leads[0]]))
    assert {x.to_entity_id for x in first if x.to_entity_type == "contacts"} == set(contacts)
    await on_fake.leads.links.unlink(links[:3])
    after = [x async for x in on_fake.leads.links.iterate(wanted)]
    assert sorted((x.entity_id, x.to_entity_id) for x in after) == sorted(
        (x.entity_id, x.to_entity_id) for x in links[3:]
    )
