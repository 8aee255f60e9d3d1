"""The contract every entity service keeps, one test per capability it declares.

A service's test module opts in with one class::

    class TestContract(ServiceContract):
        spec = ServiceSpec("tasks", make=lambda i: Task(text=f"Call {i}", complete_till=...))

What is checked comes from the service class itself (path, ``_embedded`` key, model, ``with``
values, link targets, and which capability mixins it takes): wire format (method, path, query,
body) over respx, 204 → empty page, missing one → ``NotFoundError``, 120 models → chunks of
50/50/20 with ids mapped back, links, and a round trip through the fake amoCRM.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

import httpx
import pytest
import respx

import amocrm_async.services
from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import AmoEntity, EntityLink
from amocrm_async.services import (
    BatchDeletable,
    Creatable,
    Deletable,
    EntityService,
    Gettable,
    Linkable,
    Listable,
    Updatable,
    UpdatableOne,
)
from amocrm_async.testing import FakeAmoCRM

BASE = "https://acme.amocrm.ru"


@dataclass(frozen=True)
class ServiceSpec:
    """What the contract cannot read off the service: its attribute and valid sample models."""

    attribute: str
    """``amo.<attribute>``; dotted for a service of a service (``"leads.notes"``)."""
    make: Callable[[int], AmoEntity]
    """A valid new entity (no id); ``i`` makes it distinct."""
    change: Callable[[Any], None] | None = None
    """Change a model read back from the fake, for the update round trip."""
    write_only: frozenset[str] = frozenset()
    """Keys a write sends that no read returns (a user's ``password``)."""
    positional: bool = False
    """The API maps a batch answer by position: no ``request_id`` goes on the wire."""

    def service(self, amo: AmoCRMClient) -> EntityService[Any]:
        found: Any = amo
        for name in self.attribute.split("."):
            found = getattr(found, name)
        assert isinstance(found, EntityService)
        return found

    def service_class(self) -> type[EntityService[Any]]:
        """The class behind ``amo.<attribute>``, read off the declaration of each owner in turn
        (the client's, then the parent service's)."""
        owner: type = AmoCRMClient
        for name in self.attribute.split("."):
            annotation = next(
                inspect.get_annotations(cls)[name]
                for cls in owner.__mro__
                if name in inspect.get_annotations(cls)
            )
            owner = getattr(amocrm_async.services, annotation.rpartition(".")[2])
        assert issubclass(owner, EntityService)
        return owner


T = TypeVar("T", bound=Callable[..., Any])


def needs(*capabilities: type, paged: bool | None = None) -> Callable[[T], T]:
    """Mark a contract test as applying only to services with these capabilities."""

    def mark(test: T) -> T:
        test.__dict__["contract_needs"] = (capabilities, paged)
        return test

    return mark


def body(call: Any) -> Any:
    return json.loads(call.request.content)


def entity_json(service: EntityService[Any], spec: ServiceSpec, entity_id: int) -> dict[str, Any]:
    data = spec.make(entity_id).to_api()
    data.pop("request_id", None)
    return {
        **data,
        "id": entity_id,
        "updated_at": 1_700_000_000 + entity_id,
        "_links": {"self": {"href": f"{BASE}{service.path}/{entity_id}"}},
    }


def page_json(
    service: EntityService[Any], spec: ServiceSpec, ids: list[int], page: int, *, more: bool
) -> dict[str, Any]:
    links: dict[str, Any] = {"self": {"href": f"{BASE}{service.path}?page={page}"}}
    if more:
        links["next"] = {"href": f"{BASE}{service.path}?page={page + 1}&limit=250"}
    items = [entity_json(service, spec, i) for i in ids]
    return {"_page": page, "_links": links, "_embedded": {service.embedded_key: items}}


def echo_ids(service: EntityService[Any], first_id: int) -> Callable[[httpx.Request], Any]:
    """Answer a batch write like amoCRM: ``_embedded.<key>`` with an id per request_id."""
    counter = iter(range(first_id, first_id + 10_000))

    def answer(request: httpx.Request) -> httpx.Response:
        sent = json.loads(request.content)
        items = [
            {
                "id": item.get("id") or next(counter),
                "request_id": item["request_id"],
                "updated_at": 1_800_000_000,
            }
            if "request_id" in item
            # answered by position: the item comes back as sent, with its id
            else {**item, "id": item.get("id") or next(counter), "updated_at": 1_800_000_000}
            for item in sent
        ]
        return httpx.Response(200, json={"_embedded": {service.embedded_key: items}})

    return answer


class ServiceContract:
    spec: ClassVar[ServiceSpec]

    pytestmark = pytest.mark.anyio

    def __init_subclass__(cls, **kwargs: Any) -> None:
        """Keep only the tests of capabilities the service has, so nothing is skipped."""
        super().__init_subclass__(**kwargs)
        service = cls.spec.service_class()
        for name in [n for n in dir(cls) if n.startswith("test_")]:
            capabilities, paged = getattr(getattr(cls, name), "contract_needs", ((), None))
            if not all(issubclass(service, c) for c in capabilities) or paged not in (
                None,
                service.paged,
            ):
                setattr(cls, name, None)

    @pytest.fixture
    def service(self, amo: AmoCRMClient) -> EntityService[Any]:
        return self.spec.service(amo)

    # -- declaration -------------------------------------------------------------------------

    async def test_declaration_is_complete(self, service: EntityService[Any]) -> None:
        assert service.path.startswith("/api/v4/")
        assert service.embedded_key
        assert issubclass(service.model, AmoEntity)
        assert isinstance(self.spec.make(1), service.model)

    # -- reads -------------------------------------------------------------------------------

    @needs(Gettable)
    async def test_get_one_wire_and_model(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Gettable)
        route = router.get(f"{service.path}/42").respond(
            200, json=entity_json(service, self.spec, 42)
        )
        with_ = sorted(service.with_allowed)[:2]
        found = await service.get_one(42, with_=with_)
        request = route.calls.last.request
        assert request.method == "GET"
        assert dict(request.url.params) == ({"with": ",".join(with_)} if with_ else {})
        assert isinstance(found, service.model)
        assert (found.id, found.updated_at) == (42, 1_700_000_042)

    @pytest.mark.parametrize("status", [204, 404])
    @needs(Gettable)
    async def test_get_one_missing_is_not_found(
        self, router: respx.MockRouter, service: EntityService[Any], status: int
    ) -> None:
        assert isinstance(service, Gettable)
        router.get(f"{service.path}/7").respond(status)
        with pytest.raises(errors.NotFoundError):
            await service.get_one(7)

    @needs(Gettable)
    async def test_get_one_refuses_unknown_with_before_sending(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Gettable)
        with pytest.raises(ValueError, match="with_"):
            await service.get_one(1, with_=["no_such_thing"])
        assert not router.calls

    @needs(Listable, paged=True)
    async def test_get_page_wire(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Listable)
        route = router.get(service.path).respond(
            200, json=page_json(service, self.spec, [1, 2], 3, more=True)
        )
        page = await service.get(page=3, limit=2)
        assert route.calls.last.request.url.params.multi_items() == [("limit", "2"), ("page", "3")]
        assert [item.id for item in page] == [1, 2]
        assert (page.page, page.has_next) == (3, True)

    @needs(Listable, paged=False)
    async def test_unpaged_collection_is_one_page(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Listable)
        answer = page_json(service, self.spec, [1, 2, 3], 1, more=False)
        route = router.get(service.path).respond(200, json={**answer, "_total_items": 3})
        page = await service.get()
        assert route.calls.last.request.url.params.multi_items() == []
        assert ([item.id for item in page], page.has_next, page.total_items) == (
            [1, 2, 3],
            False,
            3,
        )
        assert [item.id async for item in service.iterate()] == [1, 2, 3]
        with pytest.raises(ValueError, match="not paged"):
            await service.get(page=2)

    @needs(Listable)
    async def test_204_is_an_empty_page(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Listable)
        router.get(service.path).respond(204)
        page = await service.get()
        assert (len(page), page.has_next) == (0, False)
        assert [item async for item in service.iterate()] == []

    @needs(Listable, paged=True)
    async def test_iterate_follows_next_links(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Listable)
        pages = {
            "1": page_json(service, self.spec, [1, 2], 1, more=True),
            "2": page_json(service, self.spec, [3], 2, more=False),
        }
        route = router.get(service.path).mock(
            side_effect=lambda request: httpx.Response(200, json=pages[request.url.params["page"]])
        )
        assert [item.id async for item in service.iterate(limit=2)] == [1, 2, 3]
        assert route.call_count == 2

    # -- writes ------------------------------------------------------------------------------

    @needs(Creatable)
    async def test_add_chunks_120_as_50_50_20_and_maps_ids_back(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Creatable)
        route = router.post(service.path).mock(side_effect=echo_ids(service, 1000))
        models = [self.spec.make(i) for i in range(120)]
        first = models[0].to_api()
        written = await service.add(models)
        size = min(50, service.max_chunk)
        assert [len(body(call)) for call in route.calls] == [
            min(size, 120 - start) for start in range(0, 120, size)
        ]
        assert written == models
        sent = [item for call in route.calls for item in body(call)]
        assert sorted(m.id or 0 for m in models) == list(range(1000, 1120))
        assert {m.updated_at for m in models} == {1_800_000_000}
        if self.spec.positional:
            assert sent[0] == first
            return
        assert [item["request_id"] for item in sent] == [m.request_id for m in models]
        assert sent[0] == {**first, "request_id": models[0].request_id}

    @needs(Creatable)
    async def test_add_one_raises_the_error_itself(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Creatable)
        router.post(service.path).respond(
            400,
            json={
                "title": "Bad Request",
                "type": "https://httpstatus.es/400",
                "status": 400,
                "detail": "Request validation failed",
                "validation-errors": [
                    {"request_id": "0", "errors": [{"code": "NotSupportedChoice", "path": "x"}]}
                ],
            },
        )
        with pytest.raises(errors.RequestValidationError) as caught:
            await service.add_one(self.spec.make(0))
        assert [issue.path for issue in caught.value.for_request_id("0")] == ["x"]

    @needs(Updatable)
    async def test_update_needs_ids_and_sends_patch(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Updatable)
        with pytest.raises(ValueError, match="no id"):
            await service.update([self.spec.make(1)])
        assert not router.calls
        route = router.patch(service.path).mock(side_effect=echo_ids(service, 0))
        models = [self.spec.make(i) for i in range(60)]
        for number, model in enumerate(models, start=1):
            model.id = number
        await service.update(models)
        assert [len(body(call)) for call in route.calls] == [50, 10]
        assert [item["id"] for call in route.calls for item in body(call)] == list(range(1, 61))

    @needs(UpdatableOne)
    async def test_update_one_wire(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, UpdatableOne)
        route = router.patch(f"{service.path}/5").respond(
            200, json={"id": 5, "updated_at": 1_900_000_000}
        )
        model = self.spec.make(5)
        model.id = 5
        await service.update_one(model)
        assert body(route.calls.last) == model.to_api()
        assert model.updated_at == 1_900_000_000

    @needs(UpdatableOne)
    async def test_update_one_and_sync_one_need_an_id(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, UpdatableOne)
        with pytest.raises(ValueError, match=r"update_one: .* has no id"):
            await service.update_one(self.spec.make(1))
        with pytest.raises(ValueError, match=r"sync_one: .* has no id"):
            await service.sync_one(self.spec.make(1))
        assert not router.calls

    @needs(Deletable)
    async def test_delete_one_wire(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Deletable)
        route = router.delete(f"{service.path}/9").respond(204)
        await service.delete_one(9)
        assert route.call_count == 1

    @needs(BatchDeletable)
    async def test_delete_sends_the_ids_in_one_request(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, BatchDeletable)
        route = router.delete(service.path).respond(204)
        model = self.spec.make(1)
        model.id = 3
        await service.delete([model, 4])
        assert body(route.calls.last) == [{"id": 3}, {"id": 4}]
        with pytest.raises(ValueError, match="no id"):
            await service.delete([self.spec.make(2)])
        with pytest.raises(ValueError, match="more than once"):
            await service.delete([5, 5])
        with pytest.raises(ValueError, match="at most"):
            await service.delete(list(range(1, service.max_chunk + 2)))
        await service.delete([])
        assert route.call_count == 1

    # -- links -------------------------------------------------------------------------------

    @needs(Linkable)
    async def test_link_unlink_get_links_wire(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Linkable)
        target = sorted(service.link_targets)[0]
        link = EntityLink(to_entity_id=8, to_entity_type=target)
        answer = {"_embedded": {"links": [{"entity_id": 3, "entity_type": "x", **link.to_api()}]}}
        linked = router.post(f"{service.path}/3/link").respond(200, json=answer)
        unlinked = router.post(f"{service.path}/3/unlink").respond(204)
        listed = router.get(f"{service.path}/3/links").respond(200, json=answer)
        assert [x.to_entity_id for x in await service.link(3, [link])] == [8]
        await service.unlink(3, [link])
        found = await service.get_links(3, to_entity_type=target)
        assert body(linked.calls.last) == [{"to_entity_id": 8, "to_entity_type": target}]
        assert body(unlinked.calls.last) == body(linked.calls.last)
        assert listed.calls.last.request.url.params["filter[to_entity_type]"] == target
        assert [x.to_entity_id for x in found] == [8]
        with pytest.raises(ValueError, match="link to"):
            await service.link(3, [EntityLink(to_entity_id=1, to_entity_type="no_such")])

    @needs(Linkable)
    async def test_get_links_to_one_entity(
        self, router: respx.MockRouter, service: EntityService[Any]
    ) -> None:
        assert isinstance(service, Linkable)
        target = sorted(service.link_targets)[0]
        route = router.get(f"{service.path}/3/links").respond(204)
        assert await service.get_links(3, to_entity_type=target, to_entity_id=8) == []
        assert route.calls.last.request.url.params.multi_items() == [
            ("filter[to_entity_id]", "8"),
            ("filter[to_entity_type]", target),
        ]

    # -- the fake amoCRM ---------------------------------------------------------------------

    @pytest.fixture
    async def on_fake(self) -> AsyncIterator[AmoCRMClient]:
        fake = FakeAmoCRM()
        fake.seed(leads=3, contacts=3, companies=3)
        async with AmoCRMClient(
            fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
        ) as client:
            yield client

    @needs(Creatable, Gettable)
    async def test_round_trip_through_the_fake(self, on_fake: AmoCRMClient) -> None:
        service = self.spec.service(on_fake)
        assert isinstance(service, Creatable) and isinstance(service, Gettable)
        models = [self.spec.make(i) for i in range(3)]
        await service.add(models)
        for model in models:
            assert model.id is not None
            stored = await service.get_one(model.id)
            expected = model.to_api()
            expected.pop("request_id")
            for key in self.spec.write_only:
                expected.pop(key, None)
            assert {k: v for k, v in stored.to_api().items() if k in expected} == expected
        if self.spec.change is None or not isinstance(service, Updatable):
            return
        fresh = await service.get_one(models[0].id or 0)
        before = fresh.to_api()
        self.spec.change(fresh)
        changed = {k: v for k, v in fresh.to_api().items() if before.get(k) != v}
        assert changed, "change() changed nothing"
        await service.update_one(fresh)
        again = (await service.get_one(models[0].id or 0)).to_api()
        assert {k: again.get(k) for k in changed} == changed
        assert {k: v for k, v in again.items() if k not in changed} == {
            k: v for k, v in before.items() if k not in changed
        }


# ------------------------------------------------------------------------------------------
# Lists that are not int-keyed entity services
# ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListSpec:
    """A list read that is no :class:`EntityService` (events, an entity's files, subscriptions,
    mass links, field groups): where it is, what an item looks like, how to call it."""

    locate: Callable[[AmoCRMClient], Any]
    """The service, from a client (``lambda amo: amo.leads.files(5)``)."""
    path: str
    embedded_key: str
    item: Callable[[int], dict[str, Any]]
    """An item as amoCRM lists it; ``i`` makes it distinct."""
    key: Callable[[dict[str, Any]], Any]
    """What identifies a parsed item's JSON, to compare reads with what was answered."""
    arguments: Callable[[], dict[str, Any]] = dict
    """Keyword arguments ``get``/``iterate`` need (a filter …)."""
    query: tuple[tuple[str, str], ...] = ()
    """The query those arguments produce, before paging."""
    paged: bool = True
    max_limit: int = 250
    """The largest page, which is also what ``get`` asks for by default."""
    get_one: Callable[[dict[str, Any]], str] | None = None
    """For lists read one by one with a string key: the key of an item."""


class ListContract:
    """Wire format, 204 → empty, paging and ``get_one`` of a :class:`ListSpec`."""

    spec: ClassVar[ListSpec]

    pytestmark = pytest.mark.anyio

    def answer(self, start: int, count: int, page: int, *, more: bool) -> dict[str, Any]:
        spec = self.spec
        links: dict[str, Any] = {"self": {"href": f"{BASE}{spec.path}?page={page}"}}
        if more:
            links["next"] = {"href": f"{BASE}{spec.path}?page={page + 1}"}
        items = [spec.item(i) for i in range(start, start + count)]
        return {"_page": page, "_links": links, "_embedded": {spec.embedded_key: items}}

    def expected(self, start: int, count: int) -> list[Any]:
        return [self.spec.key(self.spec.item(i)) for i in range(start, start + count)]

    def keys(self, items: Any) -> list[Any]:
        return [self.spec.key(item.model_dump(mode="json", by_alias=True)) for item in items]

    async def test_get_wire_and_items(self, router: respx.MockRouter, amo: AmoCRMClient) -> None:
        spec, service = self.spec, self.spec.locate(amo)
        route = router.get(spec.path).respond(200, json=self.answer(0, 2, 1, more=False))
        page = await service.get(**spec.arguments())
        paging = [("limit", str(spec.max_limit)), ("page", "1")] if spec.paged else []
        assert route.calls.last.request.url.params.multi_items() == [*spec.query, *paging]
        assert self.keys(page) == self.expected(0, 2)
        assert not page.has_next

    async def test_204_is_an_empty_list(self, router: respx.MockRouter, amo: AmoCRMClient) -> None:
        spec, service = self.spec, self.spec.locate(amo)
        router.get(spec.path).respond(204)
        page = await service.get(**spec.arguments())
        assert (len(page), page.has_next) == (0, False)
        assert [item async for item in service.iterate(**spec.arguments())] == []

    async def test_iterate_follows_the_pages(
        self, router: respx.MockRouter, amo: AmoCRMClient
    ) -> None:
        spec, service = self.spec, self.spec.locate(amo)
        if not spec.paged:
            router.get(spec.path).respond(200, json=self.answer(0, 3, 1, more=False))
            found = [item async for item in service.iterate(**spec.arguments())]
            assert self.keys(found) == self.expected(0, 3)
            return
        pages = {"1": self.answer(0, 2, 1, more=True), "2": self.answer(2, 1, 2, more=False)}
        route = router.get(spec.path).mock(
            side_effect=lambda request: httpx.Response(200, json=pages[request.url.params["page"]])
        )
        found = [item async for item in service.iterate(**spec.arguments())]
        assert self.keys(found) == self.expected(0, 3)
        assert route.call_count == 2

    async def test_page_size_is_checked_before_sending(
        self, router: respx.MockRouter, amo: AmoCRMClient
    ) -> None:
        spec, service = self.spec, self.spec.locate(amo)
        if "limit" not in inspect.signature(service.get).parameters:
            assert not spec.paged or spec.max_limit == 250  # the reader's default page
            return
        with pytest.raises(ValueError, match="limit"):
            await service.get(limit=spec.max_limit + 1, **spec.arguments())
        assert not router.calls

    async def test_get_one_by_key_and_missing(
        self, router: respx.MockRouter, amo: AmoCRMClient
    ) -> None:
        spec, service = self.spec, self.spec.locate(amo)
        if spec.get_one is None:
            assert not hasattr(service, "get_one")
            return
        item = spec.item(7)
        key = spec.get_one(item)
        router.get(f"{spec.path}/{key}").respond(200, json=item)
        assert self.keys([await service.get_one(key)]) == [spec.key(item)]
        router.get(f"{spec.path}/missing").respond(204)
        with pytest.raises(errors.NotFoundError):
            await service.get_one("missing")
        with pytest.raises(ValueError):
            await service.get_one("")
