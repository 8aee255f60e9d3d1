"""Custom fields: the contract for the definitions of leads, contacts, companies, customers and
of a catalog; typed items off the wire; groups; cached definitions; ``set_field`` end to end."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.filters import CustomFieldsFilter
from amocrm_async.models import (
    BirthdayFieldDefinition,
    Contact,
    CustomFieldEnum,
    CustomFieldGroup,
    Lead,
    MultitextCustomFieldValues,
    SelectFieldDefinition,
    TextFieldDefinition,
    UnknownFieldError,
)
from amocrm_async.services import CustomFieldsService
from amocrm_async.testing import FakeAmoCRM

from ..samples import sample
from .contract import ServiceSpec
from .test_catalogs import PRODUCTS, ScopedSpec, contract

pytestmark = pytest.mark.anyio


def field_spec(entity: str) -> ServiceSpec:
    return ServiceSpec(
        f"{entity}.custom_fields",
        make=lambda i: TextFieldDefinition(name=f"{entity} field #{i}", sort=100 + i),
        change=lambda field: setattr(field, "name", "Renamed"),
    )


TestLeadFieldsContract = contract(field_spec("leads"))
TestContactFieldsContract = contract(field_spec("contacts"))
TestCompanyFieldsContract = contract(field_spec("companies"))
TestCustomerFieldsContract = contract(field_spec("customers"))
CATALOG_FIELDS = ScopedSpec(
    "catalogs.custom_fields",
    scope=PRODUCTS,
    make=lambda i: TextFieldDefinition(name=f"Colour #{i}"),
    change=lambda field: setattr(field, "name", "Colour"),
)
TestCatalogFieldsContract = contract(CATALOG_FIELDS)


def test_one_class_everywhere_and_no_batch_update() -> None:
    for entity in ("leads", "contacts", "companies", "customers"):
        assert field_spec(entity).service_class() is CustomFieldsService
    assert CATALOG_FIELDS.service_class() is CustomFieldsService
    assert not hasattr(CustomFieldsService, "update")
    assert CustomFieldsService.embedded_key == "custom_fields"


async def test_items_are_typed_and_the_filter_goes_on_the_wire(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    body = sample("custom_field_definitions", "kommo_201_create_select")
    route = router.get("/api/v4/leads/custom_fields").respond(
        200, json={"_embedded": {"custom_fields": [body, {"id": 2, "type": "birthday"}]}}
    )
    page = await amo.leads.custom_fields.get(
        CustomFieldsFilter(types=["select", "birthday"], order=("sort", "asc")), limit=50
    )
    assert [type(item) for item in page] == [SelectFieldDefinition, BirthdayFieldDefinition]
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[type][0]", "select"),
        ("filter[type][1]", "birthday"),
        ("order[sort]", "asc"),
        ("limit", "50"),
        ("page", "1"),
    ]


async def test_groups_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    groups = amo.companies.custom_fields.groups
    assert groups.path == "/api/v4/companies/custom_fields/groups"
    listed = router.get(groups.path).respond(
        200, json={"_embedded": {"custom_field_groups": [{"id": "companies_1", "name": "A"}]}}
    )
    added = router.post(groups.path).mock(
        side_effect=lambda request: respx.MockResponse(
            200,
            json={
                "_embedded": {
                    "custom_field_groups": [
                        {"id": "companies_9", "request_id": item["request_id"]}
                        for item in json.loads(request.content)
                    ]
                }
            },
        )
    )
    patched = router.patch(f"{groups.path}/companies_9").respond(200, json={})
    deleted = router.delete(f"{groups.path}/companies_9").respond(204)
    assert [g.id for g in await groups.get()] == ["companies_1"]
    assert listed.calls.last.request.url.query == b""
    group = await groups.add_one(CustomFieldGroup(name="Billing", sort=3))
    assert group.id == "companies_9"
    assert json.loads(added.calls.last.request.content)[0]["name"] == "Billing"
    group.name = "Invoices"
    await groups.update_one(group)
    assert json.loads(patched.calls.last.request.content) == {"name": "Invoices", "sort": 3}
    await groups.delete_one("companies_9")
    assert deleted.call_count == 1
    with pytest.raises(ValueError, match="group id"):
        await groups.get_one("")
    assert [g.id async for g in groups.iterate()] == ["companies_1"]
    with pytest.raises(ValueError, match="at least one group"):
        await groups.add([])
    with pytest.raises(ValueError, match="has no id"):
        await groups.update_one(CustomFieldGroup(name="No id"))
    calls = len(router.calls)
    router.post(groups.path).respond(200, json={"_embedded": {"custom_field_groups": []}})
    with pytest.raises(errors.OutcomeUnknownError):
        await groups.add([CustomFieldGroup(name="A"), CustomFieldGroup(name="B")])
    assert len(router.calls) == calls + 1


# ----------------------------------------------------------------------------------------------
# Against the fake
# ----------------------------------------------------------------------------------------------


@pytest.fixture
async def on_fake() -> AsyncIterator[tuple[FakeAmoCRM, AmoCRMClient]]:
    fake = FakeAmoCRM()
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as client:
        yield fake, client


async def test_set_field_via_definitions_end_to_end(
    on_fake: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    fake, amo = on_fake
    fields = await amo.contacts.custom_fields.definitions()
    assert await amo.contacts.custom_fields.definitions() is fields
    requests = len(fake.requests)
    contact = Contact(name="Анна")
    contact.set_field("PHONE", "+79990001122", enum_code="MOB", definitions=fields)
    contact.set_field("EMAIL", "anna@example.com", definitions=fields)
    contact.set_field("Продукт", "премиум", definitions=fields)
    with pytest.raises(UnknownFieldError):
        contact.set_field("FAX", "1", definitions=fields)
    with pytest.raises(TypeError):
        contact.set_field("Оплачено", "yes", definitions=fields)
    assert len(fake.requests) == requests, "errors come before any request"
    await amo.contacts.add_one(contact)
    assert contact.id is not None
    stored = await amo.contacts.get_one(contact.id)
    phone = stored.field("PHONE")
    assert isinstance(phone, MultitextCustomFieldValues)
    assert [(v.value, v.enum_code) for v in phone.values or ()] == [("+79990001122", "MOB")]
    product = stored.field("Продукт", definitions=fields)
    assert product is not None and product.first_value == "Премиум"
    stored.set_field("PHONE", "+79990003344")  # from the field on the entity alone
    await amo.contacts.update_one(stored)
    again = await amo.contacts.get_one(contact.id)
    assert again.get_custom_field_value("PHONE") == "+79990003344"


async def test_definitions_crud_and_cache_refresh(
    on_fake: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    _, amo = on_fake
    service = amo.leads.custom_fields
    before = await service.definitions()
    plan = SelectFieldDefinition(
        name="Тариф", code="PLAN", enums=[CustomFieldEnum(value="Gold", sort=1)]
    )
    await service.add_one(plan)
    assert plan.id is not None
    fields = await service.definitions()
    assert fields is not before and fields.require("PLAN").id == plan.id
    lead = Lead(name="Сделка")
    lead.set_field("plan", "gold", definitions=fields)
    await amo.leads.add_one(lead)
    assert lead.id is not None
    read = await amo.leads.get_one(lead.id)
    assert read.get_custom_field_value(plan.id) == "Gold"
    fresh = await service.get_one(plan.id)
    assert isinstance(fresh, SelectFieldDefinition)
    fresh.name = "План"
    await service.update_one(fresh)
    assert (await service.get_one(plan.id)).name == "План"
    await service.delete_one(plan.id)
    with pytest.raises(errors.NotFoundError):
        await service.get_one(plan.id)
    assert (await service.definitions()).get("PLAN") is None


async def test_groups_against_the_fake(on_fake: tuple[FakeAmoCRM, AmoCRMClient]) -> None:
    fake, amo = on_fake
    groups = amo.leads.custom_fields.groups
    assert len(await groups.get()) == 0
    field_id = fake.field_id("leads", type="text")
    group = await groups.add_one(CustomFieldGroup(name="Доставка", fields=[field_id]))
    assert group.id is not None and group.id.startswith("leads_")
    got = await groups.get_one(group.id)
    assert (got.name, got.fields) == ("Доставка", [field_id])
    assert (await amo.leads.custom_fields.get_one(field_id)).group_id == group.id
    await groups.delete_one(group.id)
    with pytest.raises(errors.NotFoundError):
        await groups.get_one(group.id)


async def test_catalog_fields_and_validation_errors(
    on_fake: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    _, amo = on_fake
    fields = await amo.catalogs.custom_fields(PRODUCTS).definitions()
    assert {"SKU", "PRICE"} <= {f.code for f in fields}
    assert {f.entity_type for f in fields} == {"catalogs"}
    with pytest.raises(errors.RequestValidationError) as caught:
        await amo.catalogs.custom_fields(PRODUCTS).add_one(BirthdayFieldDefinition(name="BD"))
    assert [(i.code, i.path) for i in caught.value.errors] == [("NotSupportedChoice", "type")]
    with pytest.raises(errors.RequestValidationError) as caught:
        await amo.leads.custom_fields.add_one(SelectFieldDefinition(name="Empty"))
    assert [(i.code, i.path) for i in caught.value.errors] == [("NotBlank", "enums")]
