"""Customers and their sub-services: the contract for each, then what is special — the
customers mode, transactions (per customer), bonus points, one-object segment create — on the
wire and end to end against the fake amoCRM."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, VirtualClock, errors
from amocrm_async.filters import (
    CustomersFilter,
    CustomFieldsFilter,
    LinksFilter,
    Range,
    TransactionsFilter,
)
from amocrm_async.models import (
    CatalogElementRef,
    Customer,
    CustomerEmbedded,
    CustomersMode,
    CustomerStatus,
    CustomFieldDefinition,
    CustomFieldEnum,
    EntityLink,
    MultitextFieldDefinition,
    Segment,
    SegmentColor,
    SelectFieldDefinition,
    Tag,
    TextCustomFieldValues,
    TextFieldDefinition,
    Transaction,
    TransactionEmbedded,
)
from amocrm_async.services import (
    Creatable,
    CustomersService,
    CustomerStatusesService,
    CustomFieldDefinitionsService,
    CustomFieldsService,
    Deletable,
    Linkable,
    SegmentCustomFieldsService,
    SegmentsService,
    TransactionsService,
    Updatable,
    UpdatableOne,
)
from amocrm_async.testing import FakeAmoCRM

from ..samples import sample
from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio

BASE = "https://acme.amocrm.ru"


def body(call: Any) -> Any:
    return json.loads(call.request.content)


async def new_customer(amo: AmoCRMClient, name: str, **fields: Any) -> int:
    customer = await amo.customers.add_one(Customer(name=name, **fields))
    assert customer.id is not None
    return customer.id


@pytest.fixture
async def fake_amo() -> AsyncIterator[tuple[FakeAmoCRM, AmoCRMClient]]:
    clock = VirtualClock()  # the limiter's pacing then costs no wall time
    fake = FakeAmoCRM(clock=clock)
    fake.seed(contacts=3, companies=2)
    async with AmoCRMClient(
        fake.base_domain,
        access_token=fake.long_lived_token(),
        transport=fake.transport,
        clock=clock,
    ) as client:
        yield fake, client


# ----------------------------------------------------------------------------------------------
# The contract, once per service
# ----------------------------------------------------------------------------------------------


class TestCustomersContract(ServiceContract):
    spec = ServiceSpec(
        "customers",
        make=lambda i: Customer(name=f"Customer #{i}", next_price=1000 + i, periodicity=30),
        change=lambda customer: setattr(customer, "next_price", 99_000),
    )


class TestStatusesContract(ServiceContract):
    spec = ServiceSpec(
        "customers.statuses",
        make=lambda i: CustomerStatus(name=f"Stage {i}", sort=100 + i, color="#fffeb2"),
        change=lambda status: setattr(status, "name", "Renamed stage"),
    )


class TestSegmentsContract(ServiceContract):
    spec = ServiceSpec(
        "customers.segments",
        make=lambda i: Segment(name=f"Segment {i}", color=SegmentColor.C2176FF),
    )


class TestSegmentCustomFieldsContract(ServiceContract):
    spec = ServiceSpec(
        "customers.segments.custom_fields",
        make=lambda i: TextFieldDefinition(name=f"Field {i}", sort=100 + i),
        change=lambda field: setattr(field, "name", "Renamed"),
    )


class TestTransactionsContract(ServiceContract):
    spec = ServiceSpec(
        "customers.transactions",
        make=lambda i: Transaction(price=100 + i, comment=f"Purchase {i}"),
    )


def test_capabilities_are_what_the_api_has() -> None:
    assert issubclass(CustomersService, Updatable) and issubclass(CustomersService, Linkable)
    assert issubclass(SegmentsService, UpdatableOne) and issubclass(SegmentsService, Deletable)
    assert not issubclass(SegmentsService, Creatable | Updatable)  # no batch create or update
    assert issubclass(CustomerStatusesService, Creatable)
    assert not issubclass(CustomerStatusesService, Updatable)
    assert issubclass(TransactionsService, Deletable)
    assert not issubclass(TransactionsService, Creatable | UpdatableOne)
    assert not CustomerStatusesService.paged and SegmentsService.paged


# ----------------------------------------------------------------------------------------------
# Customers on the wire
# ----------------------------------------------------------------------------------------------


async def test_filter_and_with_on_the_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get("/api/v4/customers").respond(204)
    page = await amo.customers.get(
        CustomersFilter(status_ids=[7], next_price=Range(from_=100)),
        limit=10,
        with_=["contacts", "companies"],
    )
    assert len(page) == 0
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[next_price][from]", "100"),
        ("filter[status_id][0]", "7"),
        ("limit", "10"),
        ("page", "1"),
        ("with", "contacts,companies"),
    ]


async def test_set_mode_sends_the_documented_body(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.patch("/api/v4/customers/mode").respond(
        200, json=sample("customers", "mode_response")
    )
    answer = await amo.customers.set_mode(CustomersMode.SEGMENTS)
    assert body(route.calls.last) == sample("customers", "mode_request")
    assert (answer.mode, answer.is_enabled) == ("segments", True)
    await amo.customers.set_mode("periodicity", is_enabled=False)
    assert body(route.calls.last) == {"mode": "periodicity", "is_enabled": False}


@pytest.mark.parametrize("mode", ["dynamic", "disabled", "Segments", "", 1])
async def test_set_mode_refuses_other_modes_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient, mode: Any
) -> None:
    with pytest.raises(ValueError, match="mode must be 'periodicity' or 'segments'"):
        await amo.customers.set_mode(mode)
    with pytest.raises(TypeError, match="is_enabled"):
        await amo.customers.set_mode("segments", is_enabled=1)  # type: ignore[arg-type]
    assert not router.calls


async def test_set_mode_without_customers_in_the_tariff_is_payment_required(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.patch("/api/v4/customers/mode").respond(
        402, json={"title": "Payment Required", "status": 402, "detail": "Tariff"}
    )
    with pytest.raises(errors.PaymentRequiredError):
        await amo.customers.set_mode("segments")


# ----------------------------------------------------------------------------------------------
# Transactions, bonus points, segments on the wire
# ----------------------------------------------------------------------------------------------


def _transactions_answer(request: httpx.Request) -> httpx.Response:
    items = [
        {"id": 900 + n, "request_id": item["request_id"], "price": item["price"]}
        for n, item in enumerate(json.loads(request.content))
    ]
    return httpx.Response(200, json={"_embedded": {"transactions": items}})


async def test_transactions_add_posts_to_the_customer(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/customers/12/transactions").mock(side_effect=_transactions_answer)
    element = CatalogElementRef(id=18131, metadata={"catalog_id": 4521, "quantity": 2})
    models = [
        Transaction(price=2500, embedded=TransactionEmbedded(catalog_elements=[element])),
        Transaction(price=300, comment="cash"),
    ]
    written = await amo.customers.transactions.add(12, models, accrue_bonus=True)
    request = route.calls.last.request
    assert request.url.params.multi_items() == [("accrue_bonus", "true")]
    sent = body(route.calls.last)
    assert sent == [
        {
            "price": 2500,
            "_embedded": {
                "catalog_elements": [{"id": 18131, "metadata": {"catalog_id": 4521, "quantity": 2}}]
            },
            "request_id": models[0].request_id,
        },
        {"price": 300, "comment": "cash", "request_id": models[1].request_id},
    ]
    assert [t.id for t in written] == [900, 901]
    await amo.customers.transactions.add(12, [Transaction(price=1)], accrue_bonus=False)
    assert route.calls.last.request.url.params["accrue_bonus"] == "false"
    await amo.customers.transactions.add(12, [Transaction(price=1)])
    assert "accrue_bonus" not in route.calls.last.request.url.params


async def test_transactions_add_one_and_its_error(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/customers/3/transactions").mock(side_effect=_transactions_answer)
    one = await amo.customers.transactions.add_one(3, Transaction(price=10))
    assert one.id == 900 and route.call_count == 1
    refusal = {"title": "Bad Request", "status": 400, "detail": "Request validation failed"}
    issues = [{"request_id": "x", "errors": [{"code": "InvalidType", "path": "price"}]}]
    route.mock(return_value=httpx.Response(400, json={**refusal, "validation-errors": issues}))
    with pytest.raises(errors.RequestValidationError):
        await amo.customers.transactions.add_one(3, Transaction(price=10, request_id="x"))


async def test_transactions_refuse_bad_input_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="price is required"):
        await amo.customers.transactions.add(1, [Transaction(comment="free")])
    with pytest.raises(ValueError, match="entity id must be a positive int"):
        await amo.customers.transactions.add(0, [Transaction(price=1)])
    with pytest.raises(TypeError, match="accrue_bonus"):
        await amo.customers.transactions.add(1, [Transaction(price=1)], accrue_bonus=1)  # type: ignore[arg-type]
    assert not router.calls


async def test_transactions_read_and_delete_paths(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    listed = router.get("/api/v4/customers/transactions").respond(204)
    deleted = router.delete("/api/v4/customers/transactions/77").respond(204)
    await amo.customers.transactions.get(TransactionsFilter(ids=[77, 78]))
    await amo.customers.transactions.delete_one(77)
    assert listed.calls.last.request.url.params.multi_items() == [
        ("filter[id][0]", "77"),
        ("filter[id][1]", "78"),
        ("limit", "250"),
        ("page", "1"),
    ]
    assert deleted.call_count == 1


@pytest.mark.parametrize(("method", "key"), [("earn_points", "earn"), ("redeem_points", "redeem")])
async def test_bonus_points_wire_and_balance(
    router: respx.MockRouter, amo: AmoCRMClient, method: str, key: str
) -> None:
    route = router.post("/api/v4/customers/5/bonus_points").respond(200, json={"bonus_points": 140})
    balance = await getattr(amo.customers.bonus_points, method)(5, 40)
    assert balance == 140
    assert body(route.calls.last) == {key: 40}


@pytest.mark.parametrize("points", [0, -5, 1.5, True, "10"])
async def test_bonus_points_refuse_bad_points_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient, points: Any
) -> None:
    with pytest.raises(ValueError, match="points must be a positive int"):
        await amo.customers.bonus_points.earn_points(5, points)
    assert not router.calls


@pytest.mark.parametrize("answer", [{}, {"bonus_points": "100"}, {"bonus_points": None}])
async def test_bonus_points_answer_without_a_balance_is_outcome_unknown(
    router: respx.MockRouter, amo: AmoCRMClient, answer: dict[str, Any]
) -> None:
    router.post("/api/v4/customers/5/bonus_points").respond(200, json=answer)
    with pytest.raises(errors.OutcomeUnknownError):
        await amo.customers.bonus_points.redeem_points(5, 1)


async def test_segment_add_one_posts_the_object_itself(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/customers/segments").respond(
        200, json={"id": 56000009, "name": "VIP", "color": "bf2600", "updated_at": 1_800_000_000}
    )
    segment = Segment(name="VIP", color=SegmentColor.CBF2600, available_products_price_types=[1])
    written = await amo.customers.segments.add_one(segment)
    assert written is segment
    assert (segment.id, segment.updated_at) == (56000009, 1_800_000_000)
    assert body(route.calls.last) == {
        "name": "VIP",
        "color": "bf2600",
        "available_products_price_types": [1],
        "request_id": segment.request_id,
    }
    assert segment.request_id_is_generated


async def test_segment_add_one_refuses_a_bad_colour_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    segment = Segment(name="VIP", color="#bf2600")
    with pytest.raises(ValueError, match=r"Segment\.color must be a SegmentColor"):
        await amo.customers.segments.add_one(segment)
    assert segment.request_id is None
    assert not router.calls


@pytest.mark.parametrize("answer", [{}, {"id": "1"}, [1]])
async def test_segment_add_one_unreadable_answer_is_outcome_unknown(
    router: respx.MockRouter, amo: AmoCRMClient, answer: Any
) -> None:
    router.post("/api/v4/customers/segments").respond(200, json=answer)
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        await amo.customers.segments.add_one(Segment(name="x"))
    assert len(caught.value.request_ids) == 1


# ----------------------------------------------------------------------------------------------
# End to end against the fake amoCRM
# ----------------------------------------------------------------------------------------------


async def test_set_mode_switches_statuses_and_segments_on_the_fake(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    _, amo = fake_amo
    assert len(await amo.customers.statuses.get()) == 5
    with pytest.raises(errors.APIError) as caught:
        await amo.customers.segments.get()
    assert caught.value.status == 422
    answer = await amo.customers.set_mode("segments")
    assert (answer.mode, answer.is_enabled) == ("segments", True)
    assert [s.name for s in await amo.customers.segments.get()] == ["Новые", "Постоянные", "VIP"]
    with pytest.raises(errors.APIError, match="periodicity"):
        await amo.customers.statuses.get()
    await amo.customers.set_mode("segments", is_enabled=False)
    with pytest.raises(errors.APIError):
        await amo.customers.segments.get()


async def test_transactions_add_and_delete_move_the_customer_totals(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    fake, amo = fake_amo
    customer_id = await new_customer(amo, "Regular")
    purchases = [Transaction(price=1000), Transaction(price=3000, next_price=5000)]
    written = await amo.customers.transactions.add(customer_id, purchases, accrue_bonus=True)
    assert all(t.id is not None for t in written)
    fresh = await amo.customers.get_one(customer_id)
    assert (fresh.ltv, fresh.purchases_count, fresh.average_check) == (4000, 2, 2000)
    assert fresh.next_price == 5000
    stored = await amo.customers.transactions.get_one(written[1].id or 0)
    assert (stored.price, stored.customer_id) == (3000, customer_id)
    assert [
        t.id
        for t in await amo.customers.transactions.get(
            TransactionsFilter(ids=[t.id or 0 for t in written])
        )
    ] == [t.id for t in written]
    await amo.customers.transactions.delete_one(written[0].id or 0)
    with pytest.raises(errors.NotFoundError):
        await amo.customers.transactions.get_one(written[0].id or 0)
    fresh = await amo.customers.get_one(customer_id)
    assert (fresh.ltv, fresh.purchases_count, fresh.average_check) == (3000, 1, 3000)
    assert fake.stats.count("DELETE", f"/api/v4/customers/transactions/{written[0].id}") == 1
    with pytest.raises(errors.NotFoundError):
        await amo.customers.transactions.add_one(10**8, Transaction(price=1))


async def test_earn_and_redeem_points_on_the_fake(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    _, amo = fake_amo
    customer_id = await new_customer(amo, "Loyal")
    points = amo.customers.bonus_points
    assert await points.earn_points(customer_id, 500) == 500
    assert await points.earn_points(customer_id, 25) == 525
    assert await points.redeem_points(customer_id, 125) == 400
    with pytest.raises(errors.RequestValidationError) as caught:
        await points.redeem_points(customer_id, 401)
    assert [(i.code, i.path) for i in caught.value.errors] == [("NotEnoughBonusPoints", "redeem")]
    assert await points.redeem_points(customer_id, 400) == 0
    with pytest.raises(errors.NotFoundError):
        await points.earn_points(10**8, 1)


async def test_links_to_contacts_and_companies_on_the_fake(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    fake, amo = fake_amo
    contact, other = fake.entities("contacts")[:2]
    company = fake.entities("companies")[0]
    customer_id = await new_customer(amo, "Linked")
    links = [
        EntityLink(to_entity_id=contact["id"], to_entity_type="contacts"),
        EntityLink(to_entity_id=other["id"], to_entity_type="contacts"),
        EntityLink(to_entity_id=company["id"], to_entity_type="companies"),
    ]
    made = await amo.customers.link(customer_id, links)
    assert [(x.to_entity_type, x.to_entity_id) for x in made] == [
        ("contacts", contact["id"]),
        ("contacts", other["id"]),
        ("companies", company["id"]),
    ]
    read = await amo.customers.get_one(customer_id, with_=["contacts", "companies"])
    assert read.embedded is not None
    assert [(c.id, c.is_main) for c in read.embedded.contacts or []] == [
        (contact["id"], True),
        (other["id"], False),
    ]
    assert [c.id for c in read.embedded.companies or []] == [company["id"]]
    back = await amo.contacts.get_one(contact["id"], with_=["customers"])
    assert back.embedded is not None
    assert [c.id for c in back.embedded.customers or []] == [customer_id]
    await amo.customers.unlink(customer_id, links[:1])
    remaining = await amo.customers.get_links(customer_id, to_entity_type="contacts")
    assert [(x.to_entity_id, x.metadata) for x in remaining] == [
        (other["id"], {"main_contact": True})
    ]
    mass = await amo.customers.links.get(LinksFilter(entity_ids=[customer_id]))
    assert {x.to_entity_type for x in mass} == {"contacts", "companies"}
    with pytest.raises(errors.RequestValidationError):
        await amo.customers.link(
            customer_id, [EntityLink(to_entity_id=1, to_entity_type="contacts")]
        )


async def test_segments_round_trip_on_the_fake(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    fake, amo = fake_amo
    await amo.customers.set_mode("segments")
    field = next(f for f in await amo.customers.segments.custom_fields.get() if f.type == "text")
    segment = Segment(name="Wholesale", color=SegmentColor.C0C7C59)
    segment.set_custom_field(TextCustomFieldValues.of("10%", field_id=field.id))
    await amo.customers.segments.add_one(segment)
    assert segment.id is not None
    stored = await amo.customers.segments.get_one(segment.id)
    assert (stored.name, stored.color, stored.customers_count) == ("Wholesale", "0c7c59", 0)
    assert stored.get_custom_field_value(field.id or 0) == "10%"
    customer = Customer(name="In a segment", embedded=CustomerEmbedded(segments=[stored]))
    await amo.customers.add_one(customer)
    assert (await amo.customers.segments.get_one(segment.id)).customers_count == 1
    stored.name = "Wholesale buyers"
    await amo.customers.segments.update_one(stored)
    synced = await amo.customers.segments.sync_one(Segment(id=segment.id, color="bf2600"))
    assert (synced.name, synced.color) == ("Wholesale buyers", "bf2600")
    await amo.customers.segments.delete_one(segment.id)
    with pytest.raises(errors.NotFoundError):
        await amo.customers.segments.get_one(segment.id)
    read = await amo.customers.get_one(customer.id or 0)
    assert read.embedded is not None and read.embedded.segments == []
    assert fake.count("segments") == 3


async def test_statuses_round_trip_and_system_statuses_stay(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    _, amo = fake_amo
    [added] = await amo.customers.statuses.add([CustomerStatus(name="Wholesale", color="#d6eaff")])
    assert added.id is not None
    customer = await amo.customers.add_one(Customer(name="Moved", status_id=added.id))
    names = [s.name for s in await amo.customers.statuses.get()]
    assert names.index("Wholesale") < names.index("Ожидается покупка")
    await amo.customers.statuses.delete_one(added.id)
    moved = await amo.customers.get_one(customer.id or 0)
    first = (await amo.customers.statuses.get()).items[0]
    assert moved.status_id == first.id
    with pytest.raises(errors.APIError) as caught:
        await amo.customers.statuses.delete_one(first.id or 0)
    assert caught.value.status == 400


async def test_segment_custom_fields_every_method_on_the_fake(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    """get_one, get, iterate, add, add_one, update_one, sync_one, delete_one and the cached
    definitions, end to end; a segment's value set by code from them."""
    _, amo = fake_amo
    fields = amo.customers.segments.custom_fields
    seeded = [field async for field in fields.iterate()]
    assert {field.entity_type for field in seeded} == {"segments"}
    level = next(f for f in seeded if isinstance(f, SelectFieldDefinition))
    assert (await fields.get_one(level.id or 0)).options == level.options
    [tier, note] = await fields.add(
        [
            SelectFieldDefinition(
                name="Tier", code="TIER", enums=[CustomFieldEnum(value="Gold", sort=1)]
            ),
            TextFieldDefinition(name="Note", sort=500),
        ]
    )
    extra = await fields.add_one(TextFieldDefinition(name="Extra"))
    assert None not in (tier.id, note.id, extra.id)
    page = await fields.get(CustomFieldsFilter(types=["select"]))
    assert {field.code for field in page} >= {"TIER"}
    note.name = "Comment"
    await fields.update_one(note)
    synced = await fields.sync_one(TextFieldDefinition(id=note.id, sort=600))
    assert (synced.name, synced.sort) == ("Comment", 600)
    await fields.delete_one(extra.id or 0)
    with pytest.raises(errors.NotFoundError):
        await fields.get_one(extra.id or 0)
    definitions = await fields.definitions()
    assert definitions.require("TIER").id == tier.id
    assert await fields.definitions() is definitions
    await amo.customers.set_mode("segments")
    segment = Segment(name="Gold buyers", color=SegmentColor.C0C7C59)
    segment.set_field("TIER", "Gold", definitions=definitions)
    await amo.customers.segments.add_one(segment)
    stored = await amo.customers.segments.get_one(segment.id or 0)
    assert stored.get_custom_field_value(tier.id or 0) == "Gold"


async def test_segment_custom_fields_refuse_what_segments_cannot_have(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    _, amo = fake_amo
    fields = amo.customers.segments.custom_fields
    phone = MultitextFieldDefinition(name="Phone", enums=[CustomFieldEnum(value="WORK", sort=1)])
    with pytest.raises(errors.RequestValidationError) as caught:
        await fields.add_one(phone)
    issues = caught.value.for_request_id(phone.request_id or "")
    assert [(issue.code, issue.path) for issue in issues] == [("NotSupportedChoice", "type")]
    api_only = TextFieldDefinition(name="API only", is_api_only=True)
    with pytest.raises(errors.RequestValidationError) as caught:
        await fields.add_one(api_only)
    issues = caught.value.for_request_id(api_only.request_id or "")
    assert [(issue.code, issue.path) for issue in issues] == [("FieldNotExpected", "is_api_only")]
    assert [field.name async for field in fields.iterate()].count("Phone") == 0


async def test_segment_custom_fields_have_the_definitions_methods_and_no_groups(
    amo: AmoCRMClient,
) -> None:
    fields = amo.customers.segments.custom_fields
    assert isinstance(fields, SegmentCustomFieldsService)
    assert isinstance(fields, CustomFieldDefinitionsService)
    assert issubclass(CustomFieldsService, CustomFieldDefinitionsService)
    assert not hasattr(fields, "groups")
    assert (fields.model, fields.embedded_key) == (CustomFieldDefinition, "custom_fields")
    assert fields.path == "/api/v4/customers/segments/custom_fields"


async def test_customer_tags_add_delete_and_remove_all_on_the_fake(
    fake_amo: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    """``tags_to_add``/``tags_to_delete`` change some tags; ``_embedded.tags: null`` (PHP's
    NullTagsCollection) removes all of them."""
    _, amo = fake_amo
    customer_id = await new_customer(
        amo, "Tagged", tags_to_add=[Tag(name="опт"), Tag(name="vip"), Tag(name="новый")]
    )
    names = await customer_tag_names(amo, customer_id)
    assert names == ["vip", "новый", "опт"]
    await amo.customers.update_one(
        Customer(id=customer_id, tags_to_delete=[Tag(name="новый")], tags_to_add=[Tag(name="b2b")])
    )
    assert await customer_tag_names(amo, customer_id) == ["b2b", "vip", "опт"]
    cleared = Customer(id=customer_id, embedded=CustomerEmbedded(tags=None))
    assert cleared.to_api() == {"id": customer_id, "_embedded": {"tags": None}}
    await amo.customers.update_one(cleared)
    assert await customer_tag_names(amo, customer_id) == []
    assert {tag.name async for tag in amo.customers.tags.iterate()} >= {"b2b", "vip", "опт"}


async def customer_tag_names(amo: AmoCRMClient, customer_id: int) -> list[str]:
    read = await amo.customers.get_one(customer_id)
    tags = read.embedded.tags if read.embedded is not None else None
    return sorted(tag.name or "" for tag in tags or [])
