"""amo.roles: the contract (CRUD + delete_one), rights on the wire, end to end on the fake."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import EntityRights, Rights, Role, StatusActions, StatusRight, User
from amocrm_async.testing import FakeAmoCRM

from ..models.test_roles import full_rights
from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio


def new_role(i: int) -> Role:
    return Role(name=f"Role {i}", rights=full_rights("M" if i % 2 else "G"))


class TestContract(ServiceContract):
    spec = ServiceSpec("roles", make=new_role, change=lambda role: setattr(role, "name", "Renamed"))


async def test_update_one_sends_the_normalised_full_rights(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.patch("/api/v4/roles/4").respond(200, json={"id": 4, "updated_at": 5})
    rights = Rights(
        leads=EntityRights(view="M", edit="A", add="A", delete="A", export="A"),
        status_rights=[StatusRight(pipeline_id=1, status_id=142, rights=StatusActions(view="A"))],
        role_id=9,
    )
    await amo.roles.update_one(Role(id=4, name="Sales", rights=rights))
    assert json.loads(route.calls.last.request.content) == {
        "id": 4,
        "name": "Sales",
        "rights": {
            "leads": {"view": "M", "edit": "M", "add": "A", "delete": "M", "export": "M"},
            "status_rights": [
                {
                    "entity_type": "leads",
                    "pipeline_id": 1,
                    "status_id": 142,
                    "rights": {"view": "A", "edit": "D", "delete": "D"},
                }
            ],
        },
    }


async def test_with_users_on_the_wire(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    answer = {"_total_items": 1, "_embedded": {"roles": [{"id": 1, "_embedded": {"users": [5]}}]}}
    route = router.get("/api/v4/roles").respond(200, json=answer)
    page = await amo.roles.get(with_=["users"])
    assert route.calls.last.request.url.params["with"] == "users"
    assert page.total_items == 1
    assert page[0].embedded is not None and page[0].embedded.users is not None
    assert [u.id for u in page[0].embedded.users] == [5]


async def role_with_user(on_fake: AmoCRMClient, i: int) -> tuple[int, int]:
    """Ids of a new role and of a new user who has it."""
    role = await on_fake.roles.add_one(new_role(i))
    assert role.id is not None
    user = await on_fake.users.add_one(
        User(name="U", email="u@example.com", password="pw-123", rights=Rights(role_id=role.id))
    )
    assert user.id is not None
    return role.id, user.id


async def test_a_role_change_reaches_its_users(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    role_id, user_id = await role_with_user(on_fake, 2)
    role = await on_fake.roles.get_one(role_id)
    role.rights = full_rights("A")
    await on_fake.roles.update([role])
    fresh = await on_fake.users.get_one(user_id)
    assert fresh.rights is not None and fresh.rights.leads == full_rights("A").leads
    with_users = await on_fake.roles.get_one(role_id, with_=["users"])
    assert with_users.embedded is not None
    assert [u.id for u in with_users.embedded.users or ()] == [user_id]


async def test_delete_one_end_to_end(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    role_id, user_id = await role_with_user(on_fake, 1)
    await on_fake.roles.delete_one(role_id)
    with pytest.raises(errors.NotFoundError):
        await on_fake.roles.get_one(role_id)
    with pytest.raises(errors.NotFoundError):
        await on_fake.roles.delete_one(role_id)
    kept = await on_fake.users.get_one(user_id)
    assert kept.rights is not None and kept.rights.role_id is None
    assert kept.rights.leads == full_rights("M").leads


async def test_seeded_roles_and_their_users(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    seeded = fake.seed(roles=5, users=30)
    roles = [role async for role in on_fake.roles.iterate(with_=["users"])]
    assert [r.id for r in roles] == seeded.roles
    assert roles[4].name == "Менеджер 2"
    holders = {u.id for r in roles for u in (r.embedded.users if r.embedded else None) or ()}
    users = [u async for u in on_fake.users.iterate()]
    assert holders == {u.id for u in users if u.rights and u.rights.role_id}
    assert holders and holders < set(seeded.users)


async def test_add_back_fills_the_rights_the_server_completed(on_fake: AmoCRMClient) -> None:
    role = Role(name="Leads only", rights=Rights(leads=EntityRights(view="A")))
    await on_fake.roles.add_one(role)
    assert role.rights is not None and role.rights.contacts is not None
    assert role.rights.contacts.view == "D" and role.rights.mail_access is False
    assert role.rights.leads == EntityRights(view="A")
