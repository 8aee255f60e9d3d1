"""Catalogs and elements: the contract for ``amo.catalogs`` and ``amo.catalogs.elements(id)``,
plus what is special — the top-level filters on the wire, scoping, links end to end."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import respx

import amocrm_async.services
from amocrm_async import AmoCRMClient
from amocrm_async.filters import CatalogElementsFilter, CatalogsFilter
from amocrm_async.models import Catalog, CatalogElement, EntityLink
from amocrm_async.services import CatalogElementsService, EntityService
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio

PRODUCTS = 1001
"""The products catalog every fresh account of the fake has (invoices: 1002)."""


@dataclass(frozen=True)
class ScopedSpec(ServiceSpec):
    """A service scoped by an id off a client service: ``"catalogs.elements"`` with ``scope``
    is ``amo.catalogs.elements(scope)``; the class is read off the parent's declaration."""

    scope: int = 0

    def service(self, amo: AmoCRMClient) -> EntityService[Any]:
        parent, name = self.attribute.split(".")
        found = getattr(getattr(amo, parent), name)(self.scope)
        assert isinstance(found, EntityService)
        return found

    def service_class(self) -> type[EntityService[Any]]:
        parent, name = self.attribute.split(".")
        annotation = inspect.get_annotations(AmoCRMClient)[parent]
        owner = getattr(amocrm_async.services, annotation.rpartition(".")[2])
        cls: type[EntityService[Any]] = inspect.getattr_static(owner, name)._cls
        assert issubclass(cls, EntityService)
        return cls


def contract(spec: ServiceSpec) -> type[ServiceContract]:
    """The contract suite for ``spec``, as a test class."""
    return type("Contract", (ServiceContract,), {"spec": spec})


TestCatalogsContract = contract(
    ServiceSpec(
        "catalogs",
        make=lambda i: Catalog(name=f"Price list #{i}"),
        change=lambda catalog: setattr(catalog, "name", "Price list (old)"),
    )
)
TestElementsContract = contract(
    ScopedSpec(
        "catalogs.elements",
        scope=PRODUCTS,
        make=lambda i: CatalogElement(name=f"Chair #{i}"),
        change=lambda element: setattr(element, "name", "Chair, red"),
    )
)


def test_elements_declaration() -> None:
    assert TestElementsContract.spec.service_class() is CatalogElementsService
    assert CatalogElementsService.embedded_key == "elements"
    assert frozenset({"leads", "customers"}) == CatalogElementsService.link_targets


async def test_scoped_paths_and_cache(amo: AmoCRMClient) -> None:
    elements = amo.catalogs.elements(4521)
    assert elements is amo.catalogs.elements(4521)
    assert elements.path == "/api/v4/catalogs/4521/elements"
    assert amo.catalogs.custom_fields(4521).path == "/api/v4/catalogs/4521/custom_fields"
    with pytest.raises(ValueError, match="positive"):
        amo.catalogs.elements(0)


async def test_filters_go_on_the_wire_at_the_top_level(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    catalogs = router.get("/api/v4/catalogs").respond(204)
    elements = router.get("/api/v4/catalogs/7/elements").respond(204)
    await amo.catalogs.get(CatalogsFilter(type="products"))
    await amo.catalogs.elements(7).get(CatalogElementsFilter(ids=[3, 4], query="x"), limit=10)
    assert catalogs.calls.last.request.url.params.multi_items() == [
        ("type", "products"),
        ("limit", "250"),
        ("page", "1"),
    ]
    assert elements.calls.last.request.url.params.multi_items() == [
        ("id[0]", "3"),
        ("id[1]", "4"),
        ("query", "x"),
        ("limit", "10"),
        ("page", "1"),
    ]


@pytest.fixture
async def on_fake() -> AsyncIterator[tuple[FakeAmoCRM, AmoCRMClient]]:
    fake = FakeAmoCRM()
    fake.seed(leads=3)
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as client:
        yield fake, client


async def test_link_elements_to_a_lead_end_to_end(
    on_fake: tuple[FakeAmoCRM, AmoCRMClient],
) -> None:
    fake, amo = on_fake
    lead_id = fake.entities("leads")[0]["id"]
    elements = amo.catalogs.elements(PRODUCTS)
    [chair, desk] = await elements.add([CatalogElement(name="Chair"), CatalogElement(name="Desk")])
    assert chair.id is not None and desk.id is not None
    link = EntityLink(to_entity_id=lead_id, to_entity_type="leads", metadata={"quantity": 2})
    [made] = await elements.link(chair.id, [link])
    assert (made.entity_id, made.to_entity_id, made.metadata) == (
        chair.id,
        lead_id,
        {"quantity": 2},
    )
    assert [x.to_entity_id for x in await elements.get_links(chair.id)] == [lead_id]
    lead = await amo.leads.get_one(lead_id, with_=["catalog_elements"])
    assert lead.embedded is not None
    refs = {ref.id: ref.metadata for ref in lead.embedded.catalog_elements or ()}
    assert refs[chair.id] == {"quantity": 2, "price_id": None, "catalog_id": PRODUCTS}
    await elements.unlink(chair.id, [link])
    assert await elements.get_links(chair.id) == []
    found = await elements.get(CatalogElementsFilter(query="des"))
    assert [element.id for element in found] == [desk.id]
    with pytest.raises(ValueError, match="link to"):
        await elements.link(chair.id, [EntityLink(to_entity_id=1, to_entity_type="contacts")])


async def test_an_element_belongs_to_its_catalog(on_fake: tuple[FakeAmoCRM, AmoCRMClient]) -> None:
    _, amo = on_fake
    [invoices] = await amo.catalogs.get(CatalogsFilter(type="invoices"))
    assert invoices.id is not None
    element = await amo.catalogs.elements(PRODUCTS).add_one(CatalogElement(name="Lamp"))
    assert element.id is not None and element.catalog_id is None
    fresh = await amo.catalogs.elements(PRODUCTS).get_one(element.id)
    assert fresh.catalog_id == PRODUCTS
    from amocrm_async.errors import NotFoundError

    with pytest.raises(NotFoundError):
        await amo.catalogs.elements(invoices.id).get_one(element.id)
