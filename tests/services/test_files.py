"""Entity files (``amo.<entity>.files(id)``) and subscriptions (``amo.leads.subscriptions(id)``,
``amo.customers.subscriptions(id)``): wire format, and end to end against the fake."""

from __future__ import annotations

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import EntityFile, Lead, SubscriberType
from amocrm_async.testing import FakeAmoCRM

from .contract import body

pytestmark = pytest.mark.anyio

UUID = "6cbab3d5-c4c1-46ff-b710-ad59ad10805f"
OTHER = "0bbd2f5b-6b4f-4b0d-9d35-4e1c8a3a2f10"


@pytest.mark.parametrize("entity", ["leads", "contacts", "companies", "customers"])
async def test_files_hang_off_every_entity(
    router: respx.MockRouter, amo: AmoCRMClient, entity: str
) -> None:
    files = getattr(amo, entity).files(5)
    assert files.path == f"/api/v4/{entity}/5/files"
    put = router.put(files.path).respond(
        200, json={"_embedded": {"files": [{"file_uuid": UUID, "id": 9}]}}
    )
    deleted = router.delete(files.path).respond(204)
    listed = router.get(files.path).respond(
        200, json={"_page": 1, "_embedded": {"files": [{"file_uuid": UUID, "id": 9}]}}
    )
    added = await files.add([UUID])
    assert body(put.calls.last) == [{"file_uuid": UUID}]
    assert [(f.file_uuid, f.id) for f in added] == [(UUID, 9)]
    await files.delete([EntityFile(file_uuid=UUID)])
    assert body(deleted.calls.last) == [{"file_uuid": UUID}]
    assert [f.id for f in await files.get(limit=10)] == [9]
    assert listed.calls.last.request.url.params.multi_items() == [("limit", "10"), ("page", "1")]


async def test_bad_file_lists_fail_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    for bad in ([], [""], [UUID, UUID]):
        with pytest.raises(ValueError, match="file"):
            await amo.leads.files(1).add(bad)
    with pytest.raises(ValueError):
        amo.leads.files(0)
    assert not router.calls


async def test_subscriptions_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    assert amo.customers.subscriptions(3).path == "/api/v4/customers/3/subscriptions"
    router.get("/api/v4/leads/3/subscriptions").respond(
        200,
        json={
            "_total_items": 2,
            "_page": 1,
            "_embedded": {
                "subscriptions": [
                    {"subscriber_id": 1, "type": "user"},
                    {"subscriber_id": 2, "type": "group"},
                ]
            },
        },
    )
    found = await amo.leads.subscriptions(3).get()
    assert [(s.subscriber_id, s.type) for s in found] == [
        (1, SubscriberType.USER),
        (2, SubscriberType.GROUP),
    ]
    assert found.total_items == 2


async def test_files_end_to_end(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    (lead,) = await on_fake.leads.add([Lead(name="With files")])
    assert lead.id is not None
    files = on_fake.leads.files(lead.id)
    assert len(await files.get()) == 0
    first = await files.add([UUID, OTHER])
    again = await files.add([UUID])
    assert again[0].id == first[0].id  # attaching twice answers the same attachment
    assert sorted([f.file_uuid async for f in files.iterate()]) == sorted([UUID, OTHER])
    await files.delete([UUID])
    assert [f.file_uuid for f in await files.get()] == [OTHER]
    with pytest.raises(errors.RequestValidationError):
        await files.add(["not-a-uuid"])
    with pytest.raises(errors.NotFoundError):
        await on_fake.leads.files(999).add([UUID])


async def test_subscriptions_end_to_end(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    user = fake.users()[2]["id"]
    (lead,) = await on_fake.leads.add([Lead(name="Followed", responsible_user_id=user)])
    assert lead.id is not None
    found = [s async for s in on_fake.leads.subscriptions(lead.id).iterate()]
    assert {s.subscriber_id for s in found} == {user, fake.users()[0]["id"]}
    assert {s.type for s in found} == {SubscriberType.USER}
    assert len(await on_fake.leads.subscriptions(999).get()) == 0


async def test_an_add_answer_without_the_files_list_is_outcome_unknown(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.put("/api/v4/leads/5/files").respond(200, json={"_embedded": {}})
    with pytest.raises(errors.OutcomeUnknownError) as caught:
        await amo.leads.files(5).add([UUID])
    assert caught.value.request_ids == [UUID]
