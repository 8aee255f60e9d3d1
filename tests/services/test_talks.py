"""Talks: the contract for ``get_one``, and by hand ``close`` on the wire and on the fake."""

from __future__ import annotations

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import Talk
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec, body

pytestmark = pytest.mark.anyio

TALK = {
    "talk_id": 501,
    "created_at": 1_700_000_000,
    "updated_at": 1_700_000_100,
    "rate": 0,
    "contact_id": 7,
    "chat_id": "6cbab3d5-c4c0-4b4b-8e55-b8bd0e5d3b1a",
    "entity_id": 9,
    "entity_type": "lead",
    "is_in_work": True,
    "is_read": False,
    "origin": "telegram",
    "missed_at": None,
    "account_id": 1,
    "_links": {"self": {"href": "https://acme.amocrm.ru/api/v4/talks/501"}},
}


class TestContract(ServiceContract):
    spec = ServiceSpec("talks", make=lambda i: Talk(talk_id=i))


async def test_a_talk_is_read_with_its_talk_id_as_id(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.get("/api/v4/talks/501").respond(200, json=TALK)
    talk = await amo.talks.get_one(501)
    assert (talk.id, talk.talk_id, talk.entity_type, talk.is_in_work, talk.origin) == (
        501,
        501,
        "lead",
        True,
        "telegram",
    )
    assert talk.updated_at == 1_700_000_100
    assert talk.to_api() == {}


@pytest.mark.parametrize("force", [False, True])
async def test_close_posts_force_close(
    router: respx.MockRouter, amo: AmoCRMClient, force: bool
) -> None:
    route = router.post("/api/v4/talks/501/close").respond(202)
    await amo.talks.close(501, force_close=force)
    assert body(route.calls.last) == {"force_close": force}


async def test_bad_close_arguments_fail_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="positive int"):
        await amo.talks.close(0)
    with pytest.raises(ValueError, match="force_close must be a bool"):
        await amo.talks.close(1, force_close=1)  # type: ignore[arg-type]
    assert not router.calls


async def test_closing_a_talk_on_the_fake() -> None:
    fake = FakeAmoCRM()
    [talk_id, _] = fake.seed(contacts=1, talks=2).talks
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as amo:
        talk = await amo.talks.get_one(talk_id)
        assert (talk.id, talk.is_in_work, talk.entity_type) == (talk_id, True, "contact")
        assert talk.contact_id == fake.entities("contacts")[0]["id"]
        await amo.talks.close(talk_id, force_close=True)
        assert (await amo.talks.get_one(talk_id)).is_in_work is False
        with pytest.raises(errors.BadRequestError, match="already closed"):
            await amo.talks.close(talk_id)
        with pytest.raises(errors.NotFoundError):
            await amo.talks.close(99)
        with pytest.raises(errors.NotFoundError):
            await amo.talks.get_one(99)
