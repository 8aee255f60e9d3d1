"""The fake's users over raw HTTP: list with totals, create forms and their validation errors,
405 on PATCH, the 10-per-request limit, (de)activate, seeding."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from .test_customers import issues_of, problem_of

pytestmark = pytest.mark.anyio

ENTITY = {"view": "A", "edit": "A", "add": "A", "delete": "M", "export": "M"}
CATALOG = {"view": "L", "add": "D", "edit": "L", "delete": "D", "export": "D"}
STAGE = {
    "entity_type": "leads",
    "pipeline_id": 1,
    "status_id": 142,
    "rights": {"view": "A", "edit": "D", "delete": "D"},
}
RIGHTS: dict[str, Any] = {
    "leads": ENTITY,
    "contacts": ENTITY,
    "companies": ENTITY,
    "tasks": {"edit": "A", "delete": "M"},
    "mail_access": True,
    "catalog_access": False,
    "status_rights": [STAGE],
    "catalog_rights": [{"catalog_id": 1001, "rights": CATALOG}],
}


def user(n: int = 1, **extra: Any) -> dict[str, Any]:
    return {"name": f"User {n}", "email": f"user{n}@example.com", "password": "pw", **extra}


async def test_default_users_list_with_total(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    answer = (await api.get("/api/v4/users", params={"limit": 2})).json()
    assert (answer["_total_items"], answer["_page"]) == (5, 1)
    assert len(answer["_embedded"]["users"]) == 2 and "next" in answer["_links"]
    admin = answer["_embedded"]["users"][0]
    assert list(admin) == ["id", "name", "email", "lang", "rights", "_links"]
    assert admin["rights"]["is_admin"] is True and admin["rights"]["leads"]["delete"] == "A"
    assert [u["is_admin"] for u in fake.users()] == [True, False, False, False, False]
    third = (await api.get("/api/v4/users", params={"limit": 2, "page": 3})).json()
    assert len(third["_embedded"]["users"]) == 1
    assert (await api.get("/api/v4/users", params={"page": 4, "limit": 2})).status_code == 204


async def test_with_adds_the_extras(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    admin = fake.users()[0]["id"]
    params = {"with": "uuid,amojo_id,user_rank,phone_number,role,group,nonsense"}
    one = (await api.get(f"/api/v4/users/{admin}", params=params)).json()
    assert {"uuid", "amojo_id", "user_rank", "phone_number"} <= set(one)
    assert one["_embedded"] == {"roles": [], "groups": []}


async def test_create_each_user_form(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    role = (await api.post("/api/v4/roles", json=[{"name": "Sales", "rights": RIGHTS}])).json()
    role_id = role["_embedded"]["roles"][0]["id"]
    body = [
        user(1, rights={**RIGHTS, "group_id": 1}),
        user(2, rights={"role_id": role_id}),
        user(3, rights={"is_free": True}, lang="en"),
        user(4, request_id="mine"),
    ]
    answer = await api.post("/api/v4/users", json=body)
    assert answer.status_code == 200, answer.text
    items = answer.json()["_embedded"]["users"]
    assert [item["request_id"] for item in items] == ["0", "1", "2", "mine"]
    stored = [fake.entity("users", item["id"]) for item in items]
    rights = [s["rights"] if s else {} for s in stored]
    assert rights[0]["catalog_rights"] == RIGHTS["catalog_rights"] and rights[0]["group_id"] == 1
    assert rights[1]["role_id"] == role_id and rights[1]["leads"] == ENTITY
    assert rights[2]["is_free"] is True and rights[2]["leads"]["view"] == "D"
    assert rights[3]["mail_access"] is False and rights[3]["is_active"] is True
    assert stored[2] is not None and stored[2]["lang"] == "en"
    assert "password" not in str(stored)


@pytest.mark.parametrize(
    ("item", "issues"),
    [
        ({"name": "X"}, {("NotBlank", "email"), ("NotBlank", "password")}),
        (user(email="admin@acme.example.com"), {("NotSupportedChoice", "email")}),
        (user(email="no-at-sign"), {("NotSupportedChoice", "email")}),
        (user(lang="de"), {("NotSupportedChoice", "lang")}),
        (user(rights=[]), {("InvalidType", "rights")}),
        (user(rights={"role_id": 1}), {("NotSupportedChoice", "rights.role_id")}),
        (
            user(rights={"role_id": "1", "group_id": "x"}),
            {("InvalidType", "rights.role_id"), ("InvalidType", "rights.group_id")},
        ),
        (user(rights={"group_id": 7}), {("NotSupportedChoice", "rights.group_id")}),
        (user(rights={"is_admin": True}), {("FieldNotExpected", "rights.is_admin")}),
        (user(rights={"is_free": "yes"}), {("InvalidType", "rights.is_free")}),
        (
            user(rights={"leads": {**ENTITY, "add": "G"}}),
            {("NotSupportedChoice", "rights.leads.add")},
        ),
        (
            user(rights={"leads": {"view": "A", "copy": "A"}}),
            {("FieldNotExpected", "rights.leads.copy")}
            | {("NotBlank", f"rights.leads.{a}") for a in ("edit", "add", "delete", "export")},
        ),
        (user(rights={"tasks": "A"}), {("InvalidType", "rights.tasks")}),
        (
            user(rights={"leads": {**ENTITY, "view": "M", "export": "A"}}),
            {
                ("NotSupportedChoice", "rights.leads.edit"),
                ("NotSupportedChoice", "rights.leads.export"),
            },
        ),
        (
            user(
                rights={
                    "status_rights": [
                        {**STAGE, "rights": {"view": "D", "edit": "A", "delete": "D"}}
                    ]
                }
            ),
            {("NotSupportedChoice", "rights.status_rights.0.rights.edit")},
        ),
        (
            user(rights={"status_rights": [{"pipeline_id": "1", "status_id": 142, "rights": {}}]}),
            {
                ("NotBlank", "rights.status_rights.0.entity_type"),
                ("InvalidType", "rights.status_rights.0.pipeline_id"),
                *(
                    ("NotBlank", f"rights.status_rights.0.rights.{a}")
                    for a in ("view", "edit", "delete")
                ),
            },
        ),
        (
            user(rights={"status_rights": [{**STAGE, "entity_type": "contacts"}]}),
            {("NotSupportedChoice", "rights.status_rights.0.entity_type")},
        ),
        (
            user(rights={"status_rights": {"a": 1}, "catalog_rights": [5]}),
            {("InvalidType", "rights.status_rights"), ("InvalidType", "rights.catalog_rights.0")},
        ),
        (
            user(
                rights={"catalog_rights": [{"catalog_id": 1, "rights": {**CATALOG, "view": "M"}}]}
            ),
            {("NotSupportedChoice", "rights.catalog_rights.0.rights.view")},
        ),
        (
            user(rights={"catalog_rights": [{"catalog_id": 1, "extra": 1, "rights": {}}]}),
            {("FieldNotExpected", "rights.catalog_rights.0.extra")}
            | {("NotBlank", f"rights.catalog_rights.0.rights.{a}") for a in ENTITY},
        ),
    ],
)
async def test_create_validation_errors(
    api: httpx.AsyncClient, item: dict[str, Any], issues: set[tuple[str, str]]
) -> None:
    answer = await api.post("/api/v4/users", json=[user(9), item])
    assert set(issues_of(answer)) == issues
    assert problem_of(answer)["validation-errors"][0]["request_id"] == "1"
    assert (await api.get("/api/v4/users")).json()["_total_items"] == 5


async def test_ten_users_a_request_and_no_updates(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    too_many = await api.post("/api/v4/users", json=[user(n) for n in range(11)])
    assert problem_of(too_many, 422)["detail"] == "Limit 10 per page"
    admin = fake.users()[0]["id"]
    assert (await api.patch("/api/v4/users", json=[{"id": admin, "name": "x"}])).status_code == 405
    assert (await api.patch(f"/api/v4/users/{admin}", json={"name": "x"})).status_code == 405
    assert (await api.delete(f"/api/v4/users/{admin}")).status_code == 405
    assert fake.users()[0]["name"] == "Администратор"


async def test_activate_and_deactivate(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    admin, manager = fake.users()[0]["id"], fake.users()[1]["id"]
    off = await api.post("/api/v4/users/deactivate", json=[{"id": manager}])
    assert off.status_code == 204
    assert (fake.entity("users", manager) or {})["rights"]["is_active"] is False
    on = await api.post("/api/v4/users/activate", json=[{"id": manager}])
    assert on.status_code == 204
    assert (fake.entity("users", manager) or {})["rights"]["is_active"] is True
    refused = await api.post(
        "/api/v4/users/deactivate", json=[{"id": admin}, {"id": "x"}, {"id": 1}, 5]
    )
    assert issues_of(refused) == [
        ("NotSupportedChoice", "id"),
        ("InvalidType", "id"),
        ("NotSupportedChoice", "id"),
        ("InvalidType", "id"),
    ]
    many = [{"id": manager}] * 11
    assert (await api.post("/api/v4/users/activate", json=many)).status_code == 422


async def test_seeded_users(fake: FakeAmoCRM) -> None:
    seeded = fake.seed(users=40)
    assert len(seeded.users) == 40 and fake.count("users") == 45
    users = fake.entities("users")
    assert len({u["email"] for u in users}) == 45
    assert {u["rights"]["group_id"] for u in users[5:]} == {0, 1}
    assert all(u["rights"]["role_id"] is None for u in users)  # no roles seeded
    leads = fake.seed(leads=200).leads
    owners = {(fake.entity("leads", i) or {})["responsible_user_id"] for i in leads}
    assert owners & set(seeded.users)


def test_seeding_users_is_deterministic() -> None:
    def seeded(seed: int) -> list[dict[str, Any]]:
        fake = FakeAmoCRM(seed=seed)
        fake.seed(roles=2, users=10)
        return fake.entities("users")

    assert seeded(3) == seeded(3)
    assert seeded(3) != seeded(4)


async def test_api_key_login_still_works_for_seeded_users(
    fake: FakeAmoCRM, anon: httpx.AsyncClient
) -> None:
    fake.seed(users=2)
    login, api_key = fake.api_key()
    assert login.startswith("admin@")
    assert len(api_key) == 40


async def test_seeded_users_own_entities(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [manager] = fake.seed(users=1).users
    task = {"text": "Call", "complete_till": 1_900_000_000}
    owned = await api.post("/api/v4/tasks", json=[{**task, "responsible_user_id": manager}])
    assert owned.status_code == 200, owned.text
    refused = await api.post(
        "/api/v4/tasks",
        json=[{**task, "responsible_user_id": "x"}, {**task, "responsible_user_id": manager + 99}],
    )
    assert issues_of(refused) == [
        ("InvalidType", "responsible_user_id"),
        ("NotSupportedChoice", "responsible_user_id"),
    ]
