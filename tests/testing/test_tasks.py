from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM, VirtualClock

pytestmark = pytest.mark.anyio

BASE = "https://acme.amocrm.ru"
SAMPLES = Path("/work/shared/reference/samples/tasks.json")
DAY = 86_400


def sample(name: str) -> Any:
    """A body of the real API (``/work/shared/reference/samples/tasks.json``)."""
    if not SAMPLES.exists():
        pytest.skip(f"{SAMPLES} is not available")
    return json.loads(SAMPLES.read_text())["samples"][name]["body"]


def shape(value: Any) -> Any:
    """Keys all the way down, with lists reduced to the shape of their first item."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


def problem_of(response: httpx.Response, status: int = 400) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def issues_of(response: httpx.Response) -> list[tuple[str, str, str]]:
    return [
        (entry["request_id"], error["code"], error["path"])
        for entry in problem_of(response)["validation-errors"]
        for error in entry["errors"]
    ]


def ids_of(response: httpx.Response) -> list[int]:
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    return [task["id"] for task in response.json()["_embedded"]["tasks"]]


async def create(api: httpx.AsyncClient, *tasks: dict[str, Any]) -> list[int]:
    response = await api.post("/api/v4/tasks", json=list(tasks))
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["_embedded"]["tasks"]]


def task(text: str = "Call back", **fields: Any) -> dict[str, Any]:
    return {"text": text, "complete_till": 1_900_000_000, **fields}


# ----------------------------------------------------------------------------------------------
# Golden tests against the real API's sample bodies
# ----------------------------------------------------------------------------------------------


async def test_add_answers_like_the_sample(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [lead_id] = fake.seed(leads=1).leads
    request = sample("add_request")
    for item in request:
        item["entity_id"] = lead_id  # the sample's lead does not exist in the fake
    response = await api.post("/api/v4/tasks", json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    expected = sample("add_response")
    assert shape(body) == shape(expected)
    [created] = body["_embedded"]["tasks"]
    assert created["request_id"] == expected["_embedded"]["tasks"][0]["request_id"] == "example"
    assert created["_links"]["self"]["href"] == f"{BASE}/api/v4/tasks/{created['id']}"
    assert body["_links"]["self"]["href"] == f"{BASE}/api/v4/tasks"
    stored = fake.entity("tasks", created["id"])
    assert stored is not None
    assert (stored["entity_type"], stored["entity_id"]) == ("leads", lead_id)
    assert (stored["task_type_id"], stored["text"]) == (1, request[0]["text"])
    assert stored["complete_till"] == request[0]["complete_till"]
    assert stored["result"] == []
    assert fake.stats.entities_created["tasks"] == 1


async def test_rendered_task_has_the_keys_of_the_samples(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    fake.seed(leads=5, tasks=3)
    listed = await api.get("/api/v4/tasks", params={"limit": 2})
    body = listed.json()
    page_sample = sample("list")
    assert set(body) == set(page_sample)
    assert set(body["_links"]) == set(page_sample["_links"]) == {"self", "next"}
    rendered = body["_embedded"]["tasks"][0]
    by_id = sample("by_id")
    assert set(rendered) == set(by_id)
    # the list sample of the docs leaves ``result`` out; everything else is the same
    assert set(rendered) - set(page_sample["_embedded"]["tasks"][0]) == {"result"}
    one = (await api.get(f"/api/v4/tasks/{rendered['id']}")).json()
    assert one == rendered
    both_set = [key for key in by_id if one[key] is not None and key != "result"]
    assert {key: shape(one[key]) for key in both_set} == {
        key: shape(by_id[key]) for key in both_set
    }


async def test_batch_update_answers_like_the_sample(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    first, second = await create(api, task("one"), task("two"))
    clock.advance(60)
    request = sample("update_request")
    request[0]["id"], request[1]["id"] = first, second
    response = await api.patch("/api/v4/tasks", json=request)
    assert response.status_code == 200, response.text
    body = response.json()
    assert shape(body) == shape(sample("update_response"))
    now = int(clock.time())
    assert [(t["id"], t["updated_at"], t["request_id"]) for t in body["_embedded"]["tasks"]] == [
        (first, now, "0"),
        (second, now, "1"),
    ]
    stored = fake.entity("tasks", first)
    assert stored is not None
    assert (stored["text"], stored["task_type_id"]) == ("Новое название для задачи", 2)
    assert stored["updated_at"] == now
    assert fake.stats.entities_updated["tasks"] == 2


async def test_single_update_and_completion_answer_like_the_samples(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    [task_id] = await create(api, task())
    request = sample("update_one_request")
    request["id"] = task_id
    updated = await api.patch(f"/api/v4/tasks/{task_id}", json=request)
    assert shape(updated.json()) == shape(sample("update_one_response"))
    assert updated.json()["request_id"] == "0"

    complete = sample("complete_request")
    complete["id"] = task_id
    completed = await api.patch(f"/api/v4/tasks/{task_id}", json=complete)
    assert shape(completed.json()) == shape(sample("complete_response"))
    stored = (await api.get(f"/api/v4/tasks/{task_id}")).json()
    assert stored["is_completed"] is True
    assert stored["result"] == complete["result"] == {"text": complete["result"]["text"]}

    reopened = await api.patch(f"/api/v4/tasks/{task_id}", json={"is_completed": False})
    assert reopened.status_code == 200
    assert (await api.get(f"/api/v4/tasks/{task_id}")).json()["result"] == complete["result"]
    await api.patch(f"/api/v4/tasks/{task_id}", json={"result": None})
    assert (await api.get(f"/api/v4/tasks/{task_id}")).json()["result"] == []


# ----------------------------------------------------------------------------------------------
# Create and update
# ----------------------------------------------------------------------------------------------


async def test_new_task_defaults(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    manager = fake.users()[2]["id"]
    response = await api.post(
        "/api/v4/tasks", json=[task()], headers={"X-Context-User-ID": str(manager)}
    )
    [created] = response.json()["_embedded"]["tasks"]
    assert created["request_id"] == "0"
    stored = fake.entity("tasks", created["id"])
    now = int(clock.time())
    assert stored == {
        "id": created["id"],
        "created_by": manager,
        "updated_by": manager,
        "created_at": now,
        "updated_at": now,
        "responsible_user_id": manager,
        "group_id": 0,
        "entity_id": None,
        "entity_type": None,
        "duration": 0,
        "is_completed": False,
        "task_type_id": 1,
        "text": "Call back",
        "result": [],
        "complete_till": 1_900_000_000,
        "account_id": fake.account_id,
        "_links": {"self": {"href": f"{BASE}/api/v4/tasks/{created['id']}"}},
    }


async def test_task_about_each_entity_type(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    seeded = fake.seed(leads=1, contacts=1, companies=1, customers=1)
    targets = [
        ("leads", seeded.leads[0]),
        ("contacts", seeded.contacts[0]),
        ("companies", seeded.companies[0]),
        ("customers", seeded.customers[0]),
    ]
    ids = await create(
        api,
        *(task(entity_type=kind, entity_id=entity_id, duration=900) for kind, entity_id in targets),
    )
    stored = [fake.entity("tasks", task_id) for task_id in ids]
    assert [(t["entity_type"], t["entity_id"]) for t in stored if t] == targets
    moved = await api.patch(f"/api/v4/tasks/{ids[0]}", json={"entity_id": seeded.leads[0]})
    assert moved.status_code == 200


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        ({"complete_till": 1}, "NotBlank", "text"),
        ({"text": "x"}, "NotBlank", "complete_till"),
        ({"text": "", "complete_till": 1}, "NotBlank", "text"),
        ({**task(), "text": 5}, "InvalidType", "text"),
        ({**task(), "complete_till": "tomorrow"}, "InvalidType", "complete_till"),
        ({**task(), "task_type_id": 99}, "NotSupportedChoice", "task_type_id"),
        ({**task(), "task_type_id": "1"}, "InvalidType", "task_type_id"),
        ({**task(), "is_completed": 1}, "InvalidType", "is_completed"),
        ({**task(), "duration": -5}, "InvalidType", "duration"),
        ({**task(), "result": "done"}, "InvalidType", "result"),
        ({**task(), "result": {"text": 1}}, "InvalidType", "result.text"),
        ({**task(), "result": {"note": "x"}}, "InvalidType", "result.text"),
        ({**task(), "responsible_user_id": 1}, "NotSupportedChoice", "responsible_user_id"),
        ({**task(), "entity_type": "notes", "entity_id": 1}, "NotSupportedChoice", "entity_type"),
        ({**task(), "entity_type": "leads", "entity_id": 1}, "NotSupportedChoice", "entity_id"),
        ({**task(), "entity_type": "leads"}, "NotBlank", "entity_id"),
        ({**task(), "entity_id": 1}, "NotBlank", "entity_type"),
        ({**task(), "name": "x"}, "FieldNotExpected", "name"),
    ],
)
async def test_create_validation(
    fake: FakeAmoCRM, api: httpx.AsyncClient, body: dict[str, Any], code: str, path: str
) -> None:
    response = await api.post("/api/v4/tasks", json=[task("fine"), body])
    assert issues_of(response) == [("1", code, path)]
    assert fake.count("tasks") == 0  # all or nothing


async def test_validation_error_envelope_is_the_leads_one(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v4/tasks", json=[{"text": 1, "request_id": "mine"}])
    assert problem_of(response) == {
        "title": "Bad Request",
        "type": "https://httpstatus.es/400",
        "status": 400,
        "detail": "Request validation failed",
        "validation-errors": [
            {
                "request_id": "mine",
                "errors": [
                    {
                        "code": "InvalidType",
                        "path": "text",
                        "detail": "This value should be of type string.",
                    },
                    {
                        "code": "NotBlank",
                        "path": "complete_till",
                        "detail": "This value should not be blank.",
                    },
                ],
            }
        ],
    }


async def test_update_validation(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [task_id] = await create(api, task())
    missing_id = await api.patch("/api/v4/tasks", json=[{"id": task_id}, {"text": "no id"}])
    assert issues_of(missing_id) == [("1", "NotBlank", "id")]
    unknown = await api.patch("/api/v4/tasks", json=[{"id": 1, "text": "x"}])
    assert issues_of(unknown) == [("0", "NotSupportedChoice", "id")]
    assert (await api.patch("/api/v4/tasks/1", json={"text": "x"})).status_code == 404
    bad_type = await api.patch(f"/api/v4/tasks/{task_id}", json={"task_type_id": 7})
    assert issues_of(bad_type) == [("0", "NotSupportedChoice", "task_type_id")]
    # text and complete_till are only required on create
    assert (await api.patch(f"/api/v4/tasks/{task_id}", json={"duration": 60})).status_code == 200
    too_many = await api.post("/api/v4/tasks", json=[task() for _ in range(251)])
    assert problem_of(too_many, 422)["status"] == 422


# ----------------------------------------------------------------------------------------------
# Lists
# ----------------------------------------------------------------------------------------------


async def test_paging_and_204(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v4/tasks")).status_code == 204
    created = fake.seed(tasks=5).tasks
    first = await api.get("/api/v4/tasks", params={"limit": 2})
    assert ids_of(first) == created[:2]
    links = first.json()["_links"]
    assert links["next"]["href"] == f"{BASE}/api/v4/tasks?limit=2&page=2"
    last = await api.get("/api/v4/tasks", params={"limit": 2, "page": 3})
    assert ids_of(last) == created[4:]
    assert "next" not in last.json()["_links"]
    past = await api.get("/api/v4/tasks", params={"limit": 2, "page": 4})
    assert past.status_code == 204 and past.content == b""


async def test_get_one_missing(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    assert (await api.get("/api/v4/tasks/1")).status_code == 204
    fake.missing_entity_status = 404
    assert (await api.get("/api/v4/tasks/1")).status_code == 404


@pytest.fixture
async def tasks(fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock) -> dict[str, Any]:
    """Five tasks with known attributes, created a day apart."""
    users = [u["id"] for u in fake.users()]
    seeded = fake.seed(leads=2, contacts=1)
    lead_a, lead_b = seeded.leads
    [contact] = seeded.contacts
    start = int(clock.time())
    lead_b_meeting = {"entity_type": "leads", "entity_id": lead_b, "task_type_id": 2}
    done = {"is_completed": True, "result": {"text": "ok"}}
    about_contact = {"entity_type": "contacts", "entity_id": contact}
    rows = [
        task("a", responsible_user_id=users[1], entity_type="leads", entity_id=lead_a),
        task("b", complete_till=start + 10 * DAY, **lead_b_meeting),
        task(
            "c",
            responsible_user_id=users[1],
            complete_till=start + 5 * DAY,
            **done,
            **about_contact,
        ),
        task("d", task_type_id=2, created_by=users[3], complete_till=start + 20 * DAY),
        task("e", responsible_user_id=users[2], complete_till=start + 1 * DAY),
    ]
    ids = []
    for row in rows:
        ids.extend(await create(api, row))
        clock.advance(DAY)
    return {
        "ids": ids,
        "users": users,
        "start": start,
        "lead_a": lead_a,
        "lead_b": lead_b,
        "contact": contact,
    }


FILTER_CASES: list[tuple[str, str, list[int]]] = [
    # (name, query template, indexes of the expected tasks)
    ("id list", "filter[id][]={ids[0]}&filter[id][]={ids[3]}", [0, 3]),
    ("responsible", "filter[responsible_user_id][0]={users[1]}", [0, 2]),
    ("created_by", "filter[created_by][]={users[3]}", [3]),
    ("completed", "filter[is_completed]=1", [2]),
    ("completed as list", "filter[is_completed][]=1", [2]),
    ("open", "filter[is_completed]=0", [0, 1, 3, 4]),
    ("both states", "filter[is_completed][]=0&filter[is_completed][]=1", [0, 1, 2, 3, 4]),
    ("task type", "filter[task_type][]=2", [1, 3]),
    ("task_type_id is not a filter the API reads", "filter[task_type_id][]=2", [0, 1, 2, 3, 4]),
    ("entity type", "filter[entity_type]=leads", [0, 1]),
    ("entity type and id", "filter[entity_type]=leads&filter[entity_id][]={lead_b}", [1]),
    ("entity id alone means nothing", "filter[entity_id][]={lead_b}", [0, 1, 2, 3, 4]),
    ("unknown entity type", "filter[entity_type]=notes", []),
    (
        "updated_at range",
        "filter[updated_at][from]={day1}&filter[updated_at][to]={day3}",
        [1, 2, 3],
    ),
    ("updated_at exact", "filter[updated_at]={day1}", [1]),
    ("AND-ed", "filter[task_type][]=2&filter[created_by][]={users[3]}", [3]),
    ("no match is 204", "filter[id]=1", []),
]


@pytest.mark.parametrize(
    ("query", "expected"),
    [(case[1], case[2]) for case in FILTER_CASES],
    ids=[case[0] for case in FILTER_CASES],
)
async def test_filters(
    api: httpx.AsyncClient, tasks: dict[str, Any], query: str, expected: list[int]
) -> None:
    start = tasks["start"]
    text = query.format(**tasks, day1=start + DAY, day3=start + 3 * DAY)
    response = await api.get(f"/api/v4/tasks?{text}")
    assert ids_of(response) == [tasks["ids"][i] for i in expected]
    if not expected:
        assert response.status_code == 204


async def test_order(api: httpx.AsyncClient, tasks: dict[str, Any]) -> None:
    ids = tasks["ids"]
    by_deadline = await api.get("/api/v4/tasks", params={"order[complete_till]": "asc"})
    assert ids_of(by_deadline) == [ids[4], ids[2], ids[1], ids[3], ids[0]]
    latest_deadline = await api.get("/api/v4/tasks", params={"order[complete_till]": "desc"})
    assert ids_of(latest_deadline) == [ids[0], ids[3], ids[1], ids[2], ids[4]]
    assert ids_of(await api.get("/api/v4/tasks?order[id]=desc")) == ids[::-1]
    assert ids_of(await api.get("/api/v4/tasks?order[created_at]=desc&limit=2")) == ids[:-3:-1]


# ----------------------------------------------------------------------------------------------
# Seeding and the Python surface
# ----------------------------------------------------------------------------------------------


def test_seeded_tasks_are_realistic() -> None:
    clock = VirtualClock()
    fake = FakeAmoCRM(clock=clock)
    seeded = fake.seed(leads=50, contacts=20, tasks=400)
    assert len(seeded.tasks) == len(seeded["tasks"]) == fake.count("tasks") == 400
    tasks = fake.entities("tasks")
    about = Counter(t["entity_type"] for t in tasks)
    assert about["leads"] > about["contacts"] > 0 and about[None] > 0
    leads, contacts = set(seeded.leads), set(seeded.contacts)
    assert all(t["entity_id"] in leads for t in tasks if t["entity_type"] == "leads")
    assert all(t["entity_id"] in contacts for t in tasks if t["entity_type"] == "contacts")
    done = [t for t in tasks if t["is_completed"]]
    assert 0 < len(done) < len(tasks)
    assert all(isinstance(t["result"]["text"], str) and t["result"]["text"] for t in done)
    assert all(t["result"] == [] for t in tasks if not t["is_completed"])
    assert {t["task_type_id"] for t in tasks} == {1, 2}
    assert all(t["text"] and t["complete_till"] > t["created_at"] for t in tasks)
    assert all(t["created_at"] <= t["updated_at"] <= clock.time() for t in tasks)
    assert len({t["responsible_user_id"] for t in tasks}) >= 4


def test_seed_tasks_alone_and_unknown_types() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    alone = fake.seed(tasks=10)
    assert alone.leads == [] and len(alone.tasks) == 10
    assert all(t["entity_type"] is None for t in fake.entities("tasks"))
    with pytest.raises(TypeError, match="webhooks"):
        fake.seed(webhooks=1)
    with pytest.raises(AttributeError):
        _ = alone.webhooks


def test_delete_and_lookups() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    first, second = fake.seed(tasks=2).tasks
    fake.delete_entities("tasks", [first])
    assert fake.entity("tasks", first) is None  # tasks have no trash
    assert [t["id"] for t in fake.entities("tasks")] == [second]
    assert fake.count("tasks", include_deleted=True) == 1
    with pytest.raises(KeyError, match="webhooks"):
        fake.count("webhooks")


def test_control_routes_know_tasks() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    with fake.serve_in_thread() as base_url, httpx.Client(base_url=base_url) as client:
        seeded = client.post("/_fake/seed", json={"leads": 3, "tasks": 7}).json()
        assert {k: v for k, v in seeded.items() if v} == {"leads": 3, "tasks": 7}
        assert set(seeded) >= {"companies", "contacts", "customers", "transactions"}
        assert client.get("/_fake").json()["accounts"][0]["tasks"] == 7
        token = client.post("/_fake/token").json()["access_token"]
        listed = client.get("/api/v4/tasks", headers={"Authorization": f"Bearer {token}"})
        assert len(listed.json()["_embedded"]["tasks"]) == 7


async def test_account_task_types(api: httpx.AsyncClient) -> None:
    account = (await api.get("/api/v4/account", params={"with": "task_types"})).json()
    codes = {t["id"]: t["code"] for t in account["_embedded"]["task_types"]}
    assert codes == {1: "FOLLOW_UP", 2: "MEETING"}
