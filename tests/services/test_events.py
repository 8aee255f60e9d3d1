"""Events: the list with PHP's comma-joined filter on the wire, the 100 page limit, a string
``get_one``, the types catalogue, and end to end: events recorded by the fake from writes."""

from __future__ import annotations

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.filters import EventsFilter
from amocrm_async.models import (
    EventType,
    Lead,
    LeadStatusChange,
    ResponsibleUserChange,
    SaleChange,
)
from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

PATH = "/api/v4/events"


def page(ids: list[str], *, more: bool = False) -> dict[str, object]:
    links: dict[str, object] = {"self": {"href": f"https://acme.amocrm.ru{PATH}?page=1"}}
    if more:
        links["next"] = {"href": f"https://acme.amocrm.ru{PATH}?page=2&limit=100"}
    items = [{"id": i, "type": "lead_added", "entity_id": 1, "entity_type": "lead"} for i in ids]
    return {"_page": 1, "_links": links, "_embedded": {"events": items}}


async def test_filter_goes_out_comma_joined(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get(PATH).respond(200, json=page(["e1", "e2"]))
    found = await amo.events.get(
        EventsFilter(types=[EventType.LEAD_ADDED, EventType.LEAD_DELETED], entities="lead"),
        with_=["lead_name"],
    )
    assert route.calls.last.request.url.query.decode() == (
        "filter%5Btype%5D=lead_added%2Clead_deleted&filter%5Bentity%5D=lead"
        "&limit=100&page=1&with=lead_name"
    )
    assert [event.id for event in found] == ["e1", "e2"]


async def test_page_size_and_with_are_checked_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="100"):
        await amo.events.get(limit=250)
    with pytest.raises(ValueError, match="with_"):
        await amo.events.get(with_=["contacts"])
    assert not router.calls


async def test_204_is_empty_and_iterate_follows_pages(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.get(PATH).respond(204)
    assert len(await amo.events.get()) == 0
    router.get(PATH).mock(
        side_effect=[
            respx.MockResponse(200, json=page(["a", "b"], more=True)),
            respx.MockResponse(200, json={**page(["c"]), "_page": 2}),
        ]
    )
    assert [event.id async for event in amo.events.iterate(limit=2)] == ["a", "b", "c"]


async def test_get_one_by_string_id(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get(f"{PATH}/01pz58t6p04vxt6j8dybfmws3k").respond(
        200, json={"id": "01pz58t6p04vxt6j8dybfmws3k", "type": "lead_added"}
    )
    event = await amo.events.get_one("01pz58t6p04vxt6j8dybfmws3k", with_="note")
    assert event.event_type is EventType.LEAD_ADDED
    assert dict(route.calls.last.request.url.params) == {"with": "note"}
    router.get(f"{PATH}/nope").respond(204)
    with pytest.raises(errors.NotFoundError):
        await amo.events.get_one("nope")


async def test_types(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get(f"{PATH}/types").respond(
        200,
        json={
            "_total_items": 1,
            "_embedded": {"events_types": [{"key": "lead_added", "type": 1, "lang": "New lead"}]},
        },
    )
    types = await amo.events.types(language_code="en")
    assert [(t.key, t.type, t.lang) for t in types] == [("lead_added", 1, "New lead")]
    assert dict(route.calls.last.request.url.params) == {"language_code": "en"}


# ----------------------------------------------------------------------------------------------
# End to end against the fake amoCRM
# ----------------------------------------------------------------------------------------------


async def test_writes_through_the_api_are_recorded_as_events(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    (lead,) = await on_fake.leads.add([Lead(name="Deal", price=100)])
    assert lead.id is not None
    users = [user["id"] for user in fake.users()]
    statuses = [s["id"] for s in fake.pipelines()[0]["statuses"] if s["type"] == 0]
    await on_fake.leads.update_one(
        Lead(id=lead.id, price=250, responsible_user_id=users[1], status_id=statuses[1])
    )
    about = EventsFilter(entities="lead", entity_ids=[lead.id])
    events = [event async for event in on_fake.events.iterate(about)]
    assert {event.type for event in events} == {
        "lead_added",
        "lead_status_changed",
        "sale_field_changed",
        "entity_responsible_changed",
    }
    by_type = {event.type: event for event in events}
    status = by_type["lead_status_changed"]
    assert isinstance(status.value_after[0], LeadStatusChange)
    assert status.value_after[0].lead_status.id == statuses[1]
    assert isinstance(status.value_before[0], LeadStatusChange)
    sale = by_type["sale_field_changed"].value_after[0]
    assert isinstance(sale, SaleChange) and sale.sale_field_value.sale == 250
    responsible = by_type["entity_responsible_changed"].value_after[0]
    assert isinstance(responsible, ResponsibleUserChange)
    assert responsible.responsible_user.id == users[1]
    one = await on_fake.events.get_one(status.id)
    assert one == status


async def test_seeded_events_filter_and_page_newest_first(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    fake.seed(leads=10, contacts=5, events=250)
    every = [event async for event in on_fake.events.iterate()]
    assert len(every) == 250
    times = [event.created_at or 0 for event in every]
    assert times == sorted(times, reverse=True)
    wanted = EventsFilter(types=["lead_status_changed", "entity_responsible_changed"])
    some = [event async for event in on_fake.events.iterate(wanted)]
    assert some and {event.type for event in some} <= set(wanted.types or [])
    first = some[0]
    by_status = EventsFilter(
        types="lead_status_changed",
        value_after={
            "leads_statuses": [
                {"pipeline_id": v.lead_status.pipeline_id, "status_id": v.lead_status.id}
                for v in first.value_after
                if isinstance(v, LeadStatusChange)
            ]
        },
    )
    if first.type == "lead_status_changed":
        matched = [event.id async for event in on_fake.events.iterate(by_status)]
        assert first.id in matched
    types = await on_fake.events.types()
    assert "lead_added" in {t.key for t in types}
