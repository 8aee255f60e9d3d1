"""The fake's roles over raw HTTP: create/update/delete, validation, with=users, seeding."""

from __future__ import annotations

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from .test_customers import issues_of, problem_of
from .test_users import ENTITY, RIGHTS

pytestmark = pytest.mark.anyio


async def test_create_update_delete(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/api/v4/roles",
        json=[{"name": "Sales", "rights": {"leads": ENTITY}}, {"name": "Full", "rights": RIGHTS}],
    )
    assert created.status_code == 200, created.text
    sales, full = (item["id"] for item in created.json()["_embedded"]["roles"])
    one = (await api.get(f"/api/v4/roles/{sales}")).json()
    assert list(one) == ["id", "name", "rights", "_links"]
    assert one["rights"]["leads"] == ENTITY
    assert one["rights"]["contacts"]["view"] == "D" and one["rights"]["mail_access"] is False
    changed = await api.patch(f"/api/v4/roles/{sales}", json={"rights": {"mail_access": True}})
    assert changed.status_code == 200 and changed.json()["id"] == sales
    again = (await api.get(f"/api/v4/roles/{sales}")).json()
    assert (again["name"], again["rights"]["mail_access"], again["rights"]["leads"]) == (
        "Sales",
        True,
        ENTITY,
    )
    batch = await api.patch(
        "/api/v4/roles", json=[{"id": full, "name": "Everything", "request_id": "r"}]
    )
    assert batch.json()["_embedded"]["roles"][0]["request_id"] == "r"
    listed = (await api.get("/api/v4/roles")).json()
    assert listed["_total_items"] == 2
    assert [r["name"] for r in listed["_embedded"]["roles"]] == ["Sales", "Everything"]
    assert (await api.delete(f"/api/v4/roles/{sales}")).status_code == 204
    assert (await api.get(f"/api/v4/roles/{sales}")).status_code == 204
    assert (
        problem_of(await api.delete(f"/api/v4/roles/{sales}"), 404)["detail"] == "Entity not found"
    )
    assert fake.count("roles") == 1


@pytest.mark.parametrize(
    ("body", "issues"),
    [
        ([{"rights": RIGHTS}], [("NotBlank", "name")]),
        ([{"name": 5}], [("InvalidType", "name")]),
        ([{"name": "x", "rights": {"role_id": 1}}], [("FieldNotExpected", "rights.role_id")]),
        ([{"name": "x", "rights": {"is_free": True}}], [("FieldNotExpected", "rights.is_free")]),
        ([{"name": "x", "users": [1]}], [("FieldNotExpected", "users")]),
        (
            [{"name": "x", "rights": {"tasks": {"edit": "L", "delete": "A"}}}],
            [("NotSupportedChoice", "rights.tasks.edit")],
        ),
    ],
)
async def test_create_validation_errors(
    api: httpx.AsyncClient, body: list[object], issues: list[tuple[str, str]]
) -> None:
    assert issues_of(await api.post("/api/v4/roles", json=body)) == issues


async def test_update_of_a_missing_role(api: httpx.AsyncClient) -> None:
    assert (await api.patch("/api/v4/roles/1", json={"name": "x"})).status_code == 404
    answer = await api.patch("/api/v4/roles", json=[{"id": 1, "name": "x"}])
    assert issues_of(answer) == [("NotSupportedChoice", "id")]


async def test_with_users_lists_the_holders(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    seeded = fake.seed(roles=2, users=12)
    listed = (await api.get("/api/v4/roles", params={"with": "users"})).json()["_embedded"]["roles"]
    holders = {u["id"] for role in listed for u in role["_embedded"]["users"]}
    with_role = {u["id"] for u in fake.entities("users") if u["rights"]["role_id"] in seeded.roles}
    assert holders == with_role and holders
    plain = (await api.get(f"/api/v4/roles/{seeded.roles[0]}")).json()
    assert "_embedded" not in plain
    first = next(u for u in fake.entities("users") if u["rights"]["role_id"] == seeded.roles[0])
    user = (await api.get(f"/api/v4/users/{first['id']}", params={"with": "role"})).json()
    assert [r["id"] for r in user["_embedded"]["roles"]] == [seeded.roles[0]]
    assert "rights" not in user["_embedded"]["roles"][0]
