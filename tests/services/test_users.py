"""amo.users: the contract (10 per create), sync_one, (de)activate, with= end to end."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import EntityRights, Rights, Role, User
from amocrm_async.services import Syncable, UpdatableOne
from amocrm_async.testing import FakeAmoCRM

from ..models.test_roles import full_rights
from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio


def new_user(i: int) -> User:
    return User(
        name=f"Manager {i}",
        email=f"manager{i}@example.com",
        password=f"Secret-{i}-pass",
        rights=full_rights("M"),
    )


class TestContract(ServiceContract):
    spec = ServiceSpec("users", make=new_user, write_only=frozenset({"password"}))


def test_users_cannot_be_updated() -> None:
    assert issubclass(type(AmoCRMClient("acme.amocrm.ru", access_token="t").users), Syncable)
    assert not hasattr(AmoCRMClient("acme.amocrm.ru", access_token="t").users, "update_one")
    assert not issubclass(
        type(AmoCRMClient("acme.amocrm.ru", access_token="t").users), UpdatableOne
    )


async def test_add_sends_the_user_form_and_the_password(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/users").respond(
        200, json={"_embedded": {"users": [{"id": 77, "request_id": "mine"}]}}
    )
    user = User(
        name="A", email="a@example.com", password="pw-1", rights=Rights(role_id=5, group_id=1)
    )
    user.request_id = "mine"
    await amo.users.add_one(user)
    assert json.loads(route.calls.last.request.content) == [
        {
            "name": "A",
            "email": "a@example.com",
            "password": "pw-1",
            "rights": {"role_id": 5, "group_id": 1},
            "request_id": "mine",
        }
    ]
    assert user.id == 77


async def test_a_bad_letter_is_refused_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    bad = User(name="A", email="a@x.com", password="p", rights=Rights(leads=EntityRights(add="G")))
    with pytest.raises(ValueError, match=r"leads\.add"):
        await amo.users.add_one(bad)
    with pytest.raises(ValueError, match="chunk_size must be between 1 and 10"):
        await amo.users.add([new_user(1)], chunk_size=11)
    assert not router.calls


@pytest.mark.parametrize("action", ["activate", "deactivate"])
async def test_activate_and_deactivate_wire(
    router: respx.MockRouter, amo: AmoCRMClient, action: str
) -> None:
    route = router.post(f"/api/v4/users/{action}").respond(204)
    await getattr(amo.users, action)([3, 4])
    assert json.loads(route.calls.last.request.content) == [{"id": 3}, {"id": 4}]


@pytest.mark.parametrize("ids", [[], list(range(1, 12)), [0], 5])
async def test_activate_checks_ids_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient, ids: object
) -> None:
    with pytest.raises(ValueError, match=r"activate|entity id"):
        await amo.users.activate(ids)  # type: ignore[arg-type]
    assert not router.calls


async def test_with_values_end_to_end(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    role = await on_fake.roles.add_one(Role(name="Sales", rights=full_rights("G")))
    assert role.id is not None
    [user] = await on_fake.users.add(
        [
            User(
                name="Olga",
                email="olga@example.com",
                password="pw-12345",
                rights=Rights(role_id=role.id, group_id=1),
            )
        ]
    )
    assert user.id is not None
    # back-filled from the answer, as PHP does: the role's rights, not only the role id
    assert user.rights is not None and user.rights.leads == full_rights("G").leads
    assert user.rights.is_active is True
    found = await on_fake.users.get_one(
        user.id, with_=["role", "group", "uuid", "amojo_id", "user_rank", "phone_number"]
    )
    assert found.rights is not None
    assert (found.rights.role_id, found.rights.group_id) == (role.id, 1)
    assert found.rights.leads == full_rights("G").leads
    assert found.uuid and found.amojo_id and found.user_rank == "newbie"
    assert found.embedded is not None and found.embedded.roles is not None
    assert [r.name for r in found.embedded.roles] == ["Sales"]
    assert [g.name for g in found.embedded.groups or ()] == ["Отдел поддержки"]
    plain = await on_fake.users.get_one(user.id)
    assert (plain.uuid, plain.embedded) == (None, None)
    names = [u.name async for u in on_fake.users.iterate(limit=2)]
    assert len(names) == 6 and names[-1] == "Olga"
    assert (await on_fake.users.get(limit=2)).total_items == 6


async def test_sync_one_keeps_local_values(on_fake: AmoCRMClient) -> None:
    first = (await on_fake.users.get()).items[1]
    assert first.id is not None
    local = User(id=first.id, name="Renamed locally")
    synced = await on_fake.users.sync_one(local)
    assert (synced.name, synced.email) == ("Renamed locally", first.email)
    assert synced.rights == first.rights


async def test_deactivate_on_the_fake(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    manager = fake.users()[2]["id"]
    await on_fake.users.deactivate([manager])
    user = await on_fake.users.get_one(manager)
    assert user.rights is not None and user.rights.is_active is False
    await on_fake.users.activate([manager])
    user = await on_fake.users.get_one(manager)
    assert user.rights is not None and user.rights.is_active is True


async def test_fake_refuses_a_taken_email_and_an_unknown_role(
    fake: FakeAmoCRM, on_fake: AmoCRMClient
) -> None:
    taken = User(name="X", email=fake.users()[1]["email"], password="pw", rights=Rights(role_id=1))
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.users.add_one(taken)
    assert {i.path for i in caught.value.errors} == {"email", "rights.role_id"}
    assert {i.code for i in caught.value.errors} == {"NotSupportedChoice"}


async def test_the_fake_takes_10_users_a_request(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    written = await on_fake.users.add([new_user(i) for i in range(23)])
    assert len({u.id for u in written}) == 23
    assert fake.stats.batch_sizes[-3:] == [10, 10, 3]
    assert fake.count("users") == 28
