"""The fake's customers, customer statuses, segments, transactions, customers mode and bonus
points, over raw HTTP: wire shapes, validation errors, filters, ``with=``, links, seeding."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM, VirtualClock

pytestmark = pytest.mark.anyio

BASE = "https://acme.amocrm.ru"
CUSTOMERS = "/api/v4/customers"
STATUSES = "/api/v4/customers/statuses"
SEGMENTS = "/api/v4/customers/segments"
TRANSACTIONS = "/api/v4/customers/transactions"


def problem_of(response: httpx.Response, status: int = 400) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def issues_of(response: httpx.Response) -> list[tuple[str, str]]:
    return [
        (error["code"], error["path"])
        for entry in problem_of(response)["validation-errors"]
        for error in entry["errors"]
    ]


def embedded(response: httpx.Response, key: str) -> list[dict[str, Any]]:
    if response.status_code == 204:
        return []
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["_embedded"][key]
    return items


async def add_customers(api: httpx.AsyncClient, *items: dict[str, Any]) -> list[int]:
    response = await api.post(CUSTOMERS, json=list(items))
    return [item["id"] for item in embedded(response, "customers")]


async def set_mode(api: httpx.AsyncClient, mode: str, enabled: bool = True) -> None:
    response = await api.patch(f"{CUSTOMERS}/mode", json={"mode": mode, "is_enabled": enabled})
    assert response.json() == {"mode": mode, "is_enabled": enabled}


# ----------------------------------------------------------------------------------------------
# Customers
# ----------------------------------------------------------------------------------------------


async def test_create_and_read_a_customer(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    response = await api.post(
        CUSTOMERS,
        json=[{"name": "Кофейня", "next_price": 1500, "periodicity": 30, "request_id": "c1"}],
    )
    body = response.json()
    [created] = body["_embedded"]["customers"]
    assert created == {
        "id": created["id"],
        "request_id": "c1",
        "_links": {"self": {"href": f"{BASE}{CUSTOMERS}/{created['id']}"}},
    }
    assert body["_links"]["self"]["href"] == f"{BASE}{CUSTOMERS}"
    one = (await api.get(f"{CUSTOMERS}/{created['id']}")).json()
    first_status = embedded(await api.get(STATUSES), "statuses")[0]["id"]
    assert {k: v for k, v in one.items() if k not in ("_links", "_embedded")} == {
        "id": created["id"],
        "name": "Кофейня",
        "next_price": 1500,
        "next_date": None,
        "responsible_user_id": fake.users()[0]["id"],
        "group_id": 0,
        "status_id": first_status,
        "periodicity": 30,
        "created_by": fake.users()[0]["id"],
        "updated_by": fake.users()[0]["id"],
        "created_at": int(clock.time()),
        "updated_at": int(clock.time()),
        "closest_task_at": None,
        "is_deleted": False,
        "ltv": 0,
        "purchases_count": 0,
        "average_check": 0,
        "account_id": fake.account_id,
        "custom_fields_values": None,
    }
    assert one["_embedded"] == {"tags": [], "segments": []}
    assert fake.stats.entities_created["customers"] == 1


@pytest.mark.parametrize(
    ("item", "issue"),
    [
        ({"name": 5}, ("InvalidType", "name")),
        ({"status_id": 1}, ("NotSupportedChoice", "status_id")),
        ({"status_id": "1"}, ("InvalidType", "status_id")),
        ({"next_price": -1}, ("InvalidType", "next_price")),
        ({"next_date": "tomorrow"}, ("InvalidType", "next_date")),
        ({"price": 1}, ("FieldNotExpected", "price")),
        (
            {"_embedded": {"segments": [{"id": 1}]}},
            ("NotSupportedChoice", "_embedded.segments.0.id"),
        ),
        ({"_embedded": {"segments": [{"name": "x"}]}}, ("InvalidType", "_embedded.segments.0.id")),
        ({"_embedded": {"contacts": [{"id": 1}]}}, ("FieldNotExpected", "_embedded.contacts")),
        ({"responsible_user_id": 1}, ("NotSupportedChoice", "responsible_user_id")),
    ],
)
async def test_write_validation(
    api: httpx.AsyncClient, item: dict[str, Any], issue: tuple[str, str]
) -> None:
    assert issues_of(await api.post(CUSTOMERS, json=[{"name": "x", **item}])) == [issue]


async def test_read_only_fields_are_ignored_and_update_changes_only_what_is_sent(
    api: httpx.AsyncClient,
) -> None:
    [customer_id] = await add_customers(api, {"name": "A", "ltv": 10**6, "next_price": 5})
    patched = await api.patch(f"{CUSTOMERS}/{customer_id}", json={"next_price": 7, "ltv": 1})
    assert patched.status_code == 200, patched.text
    assert set(patched.json()) == {"id", "updated_at", "_links"}
    one = (await api.get(f"{CUSTOMERS}/{customer_id}")).json()
    assert (one["name"], one["next_price"], one["ltv"]) == ("A", 7, 0)
    many = await api.patch(CUSTOMERS, json=[{"id": customer_id, "name": "B"}])
    assert [item["id"] for item in embedded(many, "customers")] == [customer_id]


async def test_filters_order_and_query(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    statuses = [s["id"] for s in embedded(await api.get(STATUSES), "statuses")]
    cheap, dear, other = await add_customers(
        api,
        {"name": "Cheap shop", "next_price": 100, "next_date": 1_000, "status_id": statuses[1]},
        {"name": "Dear shop", "next_price": 9000, "next_date": 5_000, "status_id": statuses[1]},
        {"name": "Other", "next_price": 500, "status_id": statuses[2]},
    )

    async def ids(**params: Any) -> list[int]:
        return [c["id"] for c in embedded(await api.get(CUSTOMERS, params=params), "customers")]

    assert await ids(**{"filter[status_id][0]": statuses[1]}) == [cheap, dear]
    assert await ids(**{"filter[next_price][from]": 400}) == [dear, other]
    assert await ids(**{"filter[next_price]": 500}) == [other]
    assert await ids(**{"filter[next_date][to]": 2_000}) == [cheap]
    assert await ids(query="shop", **{"order[id]": "desc"}) == [dear, cheap]
    assert await ids(**{"filter[id][]": other}) == [other]
    fake.delete_entities("customers", [other])
    assert await ids() == [cheap, dear]
    assert fake.entity("customers", other) is not None  # in the trash


async def test_tags_and_custom_fields(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fields = embedded(await api.get(f"{CUSTOMERS}/custom_fields"), "custom_fields")
    types = {f["type"] for f in fields}
    assert {"text", "select", "monetary", "date_time"} <= types
    assert not types & {"birthday", "smart_address", "legal_entity", "multitext"}
    select = next(f for f in fields if f["type"] == "select")
    enum = select["enums"][0]
    [customer_id] = await add_customers(
        api,
        {
            "name": "Tagged",
            "tags_to_add": [{"name": "опт"}],
            "custom_fields_values": [
                {"field_id": select["id"], "values": [{"enum_id": enum["id"]}]}
            ],
        },
    )
    one = (await api.get(f"{CUSTOMERS}/{customer_id}")).json()
    assert [t["name"] for t in one["_embedded"]["tags"]] == ["опт"]
    assert one["custom_fields_values"][0]["values"] == [
        {"value": enum["value"], "enum_id": enum["id"], "enum_code": None}
    ]
    listed = embedded(await api.get(f"{CUSTOMERS}/tags"), "tags")
    assert [t["name"] for t in listed] == ["опт"]
    bad = await api.post(
        CUSTOMERS, json=[{"custom_fields_values": [{"field_id": 1, "values": [{"value": "x"}]}]}]
    )
    assert issues_of(bad) == [("NotSupportedChoice", "custom_fields_values.0.field_id")]


async def test_with_and_links(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    seeded = fake.seed(contacts=2, companies=1)
    [customer_id] = await add_customers(api, {"name": "Linked"})
    links = [
        {"to_entity_id": seeded.contacts[0], "to_entity_type": "contacts"},
        {"to_entity_id": seeded.companies[0], "to_entity_type": "companies"},
        {"to_entity_id": 777, "to_entity_type": "catalog_elements", "metadata": {"quantity": 2}},
    ]
    linked = await api.post(f"{CUSTOMERS}/{customer_id}/link", json=links)
    assert [x["metadata"] for x in embedded(linked, "links")] == [
        {"main_contact": True},
        None,
        {"quantity": 2},
    ]
    plain = (await api.get(f"{CUSTOMERS}/{customer_id}")).json()["_embedded"]
    assert set(plain) == {"tags", "segments"}
    full = await api.get(
        f"{CUSTOMERS}/{customer_id}", params={"with": "contacts,companies,catalog_elements"}
    )
    rich = full.json()["_embedded"]
    assert [(c["id"], c["is_main"]) for c in rich["contacts"]] == [(seeded.contacts[0], True)]
    assert [c["id"] for c in rich["companies"]] == [seeded.companies[0]]
    assert rich["catalog_elements"] == [{"id": 777, "metadata": {"quantity": 2}}]
    contact = await api.get(f"/api/v4/contacts/{seeded.contacts[0]}", params={"with": "customers"})
    assert [c["id"] for c in contact.json()["_embedded"]["customers"]] == [customer_id]
    missing = await api.post(
        f"{CUSTOMERS}/{customer_id}/link", json=[{"to_entity_id": 1, "to_entity_type": "contacts"}]
    )
    assert issues_of(missing) == [("NotSupportedChoice", "to_entity_id")]
    leads = await api.post(
        f"{CUSTOMERS}/{customer_id}/link", json=[{"to_entity_id": 1, "to_entity_type": "leads"}]
    )
    assert issues_of(leads) == [("NotSupportedChoice", "to_entity_type")]
    gone = await api.post(f"{CUSTOMERS}/{customer_id}/unlink", json=links[1:2])
    assert gone.status_code == 204
    assert "companies" not in [
        x["to_entity_type"]
        for x in embedded(await api.get(f"{CUSTOMERS}/{customer_id}/links"), "links")
    ]
    task = await api.post(
        "/api/v4/tasks",
        json=[{"text": "Call", "complete_till": 1, "entity_type": "customers", "entity_id": 1}],
    )
    assert issues_of(task) == [("NotSupportedChoice", "entity_id")]  # customers are stored now


# ----------------------------------------------------------------------------------------------
# The customers mode
# ----------------------------------------------------------------------------------------------


async def test_mode_switches_statuses_and_segments(api: httpx.AsyncClient) -> None:
    assert (await api.get(STATUSES)).status_code == 200
    off = problem_of(await api.get(SEGMENTS), 422)
    assert "segments mode" in off["detail"]
    await set_mode(api, "segments")
    assert (await api.get(SEGMENTS)).status_code == 200
    problem_of(await api.get(STATUSES), 422)
    problem_of(await api.post(STATUSES, json=[{"name": "x"}]), 422)
    await set_mode(api, "segments", enabled=False)
    problem_of(await api.get(SEGMENTS), 422)
    assert (await api.get(CUSTOMERS)).status_code == 204  # customers answer in any mode
    await set_mode(api, "periodicity")
    assert (await api.get(STATUSES)).status_code == 200


@pytest.mark.parametrize(
    ("payload", "issues"),
    [
        ({"mode": "dynamic", "is_enabled": True}, [("NotSupportedChoice", "mode")]),
        ({"mode": 1, "is_enabled": True}, [("InvalidType", "mode")]),
        ({"is_enabled": True}, [("NotBlank", "mode")]),
        ({"mode": "segments"}, [("NotBlank", "is_enabled")]),
        ({"mode": "segments", "is_enabled": "yes"}, [("InvalidType", "is_enabled")]),
        ({"mode": "segments", "is_enabled": True, "x": 1}, [("FieldNotExpected", "x")]),
    ],
)
async def test_mode_validation(
    api: httpx.AsyncClient, payload: dict[str, Any], issues: list[tuple[str, str]]
) -> None:
    assert issues_of(await api.patch(f"{CUSTOMERS}/mode", json=payload)) == issues


async def test_mode_is_patch_only(api: httpx.AsyncClient) -> None:
    problem_of(await api.get(f"{CUSTOMERS}/mode"), 405)


# ----------------------------------------------------------------------------------------------
# Statuses
# ----------------------------------------------------------------------------------------------


async def test_statuses_start_with_amocrms_system_statuses(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    statuses = embedded(await api.get(STATUSES), "statuses")
    assert [(s["type"], s["is_default"]) for s in statuses] == [
        (4, True),
        (0, False),
        (1, True),
        (2, True),
        (3, True),
    ]
    first = statuses[0]
    assert set(first) == {
        "id",
        "name",
        "sort",
        "is_default",
        "color",
        "type",
        "conditions",
        "account_id",
        "_links",
    }
    assert first["_links"]["self"]["href"] == f"{BASE}{STATUSES}/{first['id']}"
    assert (await api.get(f"{STATUSES}/{first['id']}")).json() == first


async def test_status_writes(api: httpx.AsyncClient) -> None:
    created = await api.post(STATUSES, json=[{"name": "Опт", "color": "#d6eaff"}])
    [status] = embedded(created, "statuses")
    patched = await api.patch(f"{STATUSES}/{status['id']}", json={"name": "Опт и розница"})
    assert patched.status_code == 200, patched.text
    read = (await api.get(f"{STATUSES}/{status['id']}")).json()
    assert (read["name"], read["color"], read["type"]) == ("Опт и розница", "#d6eaff", 0)
    assert "updated_at" not in read
    names = [s["name"] for s in embedded(await api.get(STATUSES), "statuses")]
    assert names.index("Опт и розница") < names.index("Ожидается покупка")
    assert issues_of(await api.post(STATUSES, json=[{"sort": 5}])) == [("NotBlank", "name")]
    bad_colour = await api.post(STATUSES, json=[{"name": "x", "color": "#000000"}])
    assert issues_of(bad_colour) == [("NotSupportedChoice", "color")]
    problem_of(await api.patch(STATUSES, json=[{"id": status["id"], "name": "y"}]), 405)
    assert (await api.delete(f"{STATUSES}/{status['id']}")).status_code == 204
    problem_of(await api.delete(f"{STATUSES}/{status['id']}"), 404)
    system = embedded(await api.get(STATUSES), "statuses")[0]
    problem_of(await api.delete(f"{STATUSES}/{system['id']}"), 400)


# ----------------------------------------------------------------------------------------------
# Segments
# ----------------------------------------------------------------------------------------------


async def test_segment_custom_field_writes(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    """Create, change and delete segments' definitions; hrefs stay under ``customers/``; the
    values of a deleted field go with it; types and settings segments lack are refused."""
    fields = f"{SEGMENTS}/custom_fields"
    created = await api.post(
        fields, json=[{"name": "Канал", "type": "text", "code": "CHANNEL", "request_id": "f1"}]
    )
    [field] = embedded(created, "custom_fields")
    assert (field["request_id"], field["entity_type"], field["code"]) == (
        "f1",
        "segments",
        "CHANNEL",
    )
    assert field["_links"]["self"]["href"] == f"{BASE}{fields}/{field['id']}"
    patched = await api.patch(f"{fields}/{field['id']}", json={"name": "Источник"})
    assert patched.status_code == 200 and patched.json()["name"] == "Источник"
    assert patched.json()["_links"]["self"]["href"] == f"{BASE}{fields}/{field['id']}"
    await set_mode(api, "segments")
    segment = await api.post(
        SEGMENTS,
        json={
            "name": "Опт",
            "custom_fields_values": [{"field_code": "CHANNEL", "values": [{"value": "web"}]}],
        },
    )
    assert segment.status_code == 200, segment.text
    assert segment.json()["custom_fields_values"][0]["values"] == [{"value": "web"}]
    assert (await api.delete(f"{fields}/{field['id']}")).status_code == 204
    assert (await api.get(f"{fields}/{field['id']}")).status_code == 204
    stored = (await api.get(f"{SEGMENTS}/{segment.json()['id']}")).json()
    assert stored["custom_fields_values"] is None
    bad = await api.post(
        fields,
        json=[
            {"name": "Телефон", "type": "multitext", "enums": [{"value": "WORK", "sort": 1}]},
            {"name": "Скрытое", "type": "text", "is_api_only": True},
        ],
    )
    assert issues_of(bad) == [("NotSupportedChoice", "type"), ("FieldNotExpected", "is_api_only")]
    problem_of(await api.patch(f"{fields}/1", json={"name": "x"}), 404)


async def test_segment_writes(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    await set_mode(api, "segments")
    field = embedded(await api.get(f"{SEGMENTS}/custom_fields"), "custom_fields")[0]
    assert field["entity_type"] == "segments"
    assert field["_links"]["self"]["href"] == f"{BASE}{SEGMENTS}/custom_fields/{field['id']}"
    one_field = await api.get(f"{SEGMENTS}/custom_fields/{field['id']}")
    assert one_field.json() == field
    created = await api.post(
        SEGMENTS,
        json={
            "name": "Опт",
            "color": "ae003f",
            "request_id": "s1",
            "custom_fields_values": [{"field_id": field["id"], "values": [{"value": "5%"}]}],
        },
    )
    assert created.status_code == 200, created.text
    segment = created.json()
    assert segment["request_id"] == "s1"
    assert (segment["name"], segment["color"], segment["customers_count"]) == ("Опт", "ae003f", 0)
    assert segment["custom_fields_values"][0]["values"] == [{"value": "5%"}]
    [customer_id] = await add_customers(api, {"_embedded": {"segments": [{"id": segment["id"]}]}})
    assert (await api.get(f"{SEGMENTS}/{segment['id']}")).json()["customers_count"] == 1
    customer = (await api.get(f"{CUSTOMERS}/{customer_id}")).json()
    assert [s["id"] for s in customer["_embedded"]["segments"]] == [segment["id"]]
    patched = await api.patch(f"{SEGMENTS}/{segment['id']}", json={"color": "bf2600"})
    assert patched.status_code == 200, patched.text
    assert (await api.get(f"{SEGMENTS}/{segment['id']}")).json()["color"] == "bf2600"
    assert issues_of(await api.post(SEGMENTS, json={"name": "x", "color": "ffffff"})) == [
        ("NotSupportedChoice", "color")
    ]
    assert issues_of(await api.post(SEGMENTS, json={"color": "ae003f"})) == [("NotBlank", "name")]
    problem_of(await api.post(SEGMENTS, json=[{"name": "batch"}]), 400)
    problem_of(await api.patch(SEGMENTS, json=[{"id": segment["id"], "name": "y"}]), 405)
    assert (await api.delete(f"{SEGMENTS}/{segment['id']}")).status_code == 204
    assert (await api.get(f"{SEGMENTS}/{segment['id']}")).status_code == 204
    customer = (await api.get(f"{CUSTOMERS}/{customer_id}")).json()
    assert customer["_embedded"]["segments"] == []
    cleared = await api.patch(f"{CUSTOMERS}/{customer_id}", json={"_embedded": {"segments": []}})
    assert cleared.status_code == 200


# ----------------------------------------------------------------------------------------------
# Transactions and bonus points
# ----------------------------------------------------------------------------------------------


async def test_transactions(fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock) -> None:
    [customer_id, other_id] = await add_customers(api, {"name": "Buyer"}, {"name": "Other"})
    path = f"{CUSTOMERS}/{customer_id}/transactions"
    added = await api.post(
        f"{path}?accrue_bonus=true",
        json=[
            {"price": 1000, "comment": "card", "request_id": "t1"},
            {"price": 500, "next_price": 700, "next_date": 1_900_000_000},
        ],
    )
    items = embedded(added, "transactions")
    assert [(t["request_id"], t["price"], t["customer_id"]) for t in items] == [
        ("t1", 1000, customer_id),
        ("1", 500, customer_id),
    ]
    first = items[0]
    assert first["completed_at"] == int(clock.time())
    assert first["_embedded"]["customer"]["id"] == customer_id
    assert added.json()["_links"]["self"]["href"] == f"{BASE}{path}"
    customer = (await api.get(f"{CUSTOMERS}/{customer_id}")).json()
    assert (customer["ltv"], customer["purchases_count"], customer["average_check"]) == (
        1500,
        2,
        750,
    )
    assert (customer["next_price"], customer["next_date"]) == (700, 1_900_000_000)
    await api.post(f"{CUSTOMERS}/{other_id}/transactions", json=[{"price": 1}])
    assert [t["id"] for t in embedded(await api.get(path), "transactions")] == [
        t["id"] for t in items
    ]
    assert len(embedded(await api.get(TRANSACTIONS), "transactions")) == 3
    one = (await api.get(f"{TRANSACTIONS}/{first['id']}")).json()
    assert {k: v for k, v in one.items() if k != "request_id"} == {
        k: v for k, v in first.items() if k != "request_id"
    }
    assert issues_of(await api.post(path, json=[{"comment": "free"}])) == [("NotBlank", "price")]
    assert issues_of(await api.post(path, json=[{"price": "1"}])) == [("InvalidType", "price")]
    problem_of(await api.post(f"{CUSTOMERS}/999/transactions", json=[{"price": 1}]), 404)
    problem_of(await api.post(TRANSACTIONS, json=[{"price": 1}]), 405)
    problem_of(await api.patch(f"{TRANSACTIONS}/{first['id']}", json={"price": 2}), 405)
    problem_of(await api.delete(f"{CUSTOMERS}/{other_id}/transactions/{first['id']}"), 404)
    assert (await api.delete(f"{TRANSACTIONS}/{first['id']}")).status_code == 204
    second = items[1]["id"]
    assert (await api.delete(f"{path}/{second}")).status_code == 204
    problem_of(await api.delete(f"{TRANSACTIONS}/{first['id']}"), 404)
    assert (await api.get(f"{TRANSACTIONS}/{first['id']}")).status_code == 204
    customer = (await api.get(f"{CUSTOMERS}/{customer_id}")).json()
    assert (customer["ltv"], customer["purchases_count"], customer["average_check"]) == (0, 0, 0)


async def test_bonus_points(api: httpx.AsyncClient) -> None:
    [customer_id] = await add_customers(api, {"name": "Loyal"})
    path = f"{CUSTOMERS}/{customer_id}/bonus_points"
    assert (await api.post(path, json={"earn": 300})).json() == {"bonus_points": 300}
    assert (await api.post(path, json={"redeem": 100})).json() == {"bonus_points": 200}
    assert issues_of(await api.post(path, json={"redeem": 201})) == [
        ("NotEnoughBonusPoints", "redeem")
    ]
    assert issues_of(await api.post(path, json={"earn": 0})) == [("InvalidType", "earn")]
    assert issues_of(await api.post(path, json={"earn": 1, "redeem": 1})) == [("NotBlank", "earn")]
    assert issues_of(await api.post(path, json={})) == [("NotBlank", "earn")]
    problem_of(await api.post(f"{CUSTOMERS}/999/bonus_points", json={"earn": 1}), 404)


# ----------------------------------------------------------------------------------------------
# Seeding
# ----------------------------------------------------------------------------------------------


def test_seeded_customers_are_realistic() -> None:
    fake = FakeAmoCRM(clock=VirtualClock(), seed=7)
    seeded = fake.seed(contacts=30, companies=10, customers=200)
    assert len(seeded.customers) == 200 and fake.count("customers") == 200
    customers = fake.entities("customers", with_=["contacts", "companies"])
    transactions = fake.entities("transactions")
    assert len(transactions) > 100
    statuses = {s["id"] for s in fake.entities("customer_statuses")}
    assert {c["status_id"] for c in customers} == statuses
    by_customer: dict[int, list[int]] = {}
    for t in transactions:
        by_customer.setdefault(t["customer_id"], []).append(t["price"])
    for customer in customers:
        prices = by_customer.get(customer["id"], [])
        assert customer["ltv"] == sum(prices) and customer["purchases_count"] == len(prices)
        assert customer["name"] and customer["next_price"] > 0 and customer["periodicity"] > 0
    with_contact = [c for c in customers if c["_embedded"]["contacts"]]
    in_segments = [c for c in customers if c["_embedded"]["segments"]]
    assert 100 < len(with_contact) < 180 and 50 < len(in_segments) < 150
    assert all(c["_embedded"]["contacts"][0]["is_main"] for c in with_contact)
    assert any(c["_embedded"]["companies"] for c in customers)
    assert any(c["_embedded"]["tags"] for c in customers)
    segments = fake.entities("segments")
    assert sum(s["customers_count"] for s in segments) == len(in_segments)
    again = FakeAmoCRM(clock=VirtualClock(), seed=7)
    again.seed(contacts=30, companies=10, customers=200)
    assert [c["name"] for c in again.entities("customers")] == [c["name"] for c in customers]


def test_seeding_the_other_types() -> None:
    fake = FakeAmoCRM(clock=VirtualClock())
    assert fake.seed(transactions=5).transactions == []  # nothing to attach them to
    alone = fake.seed(customers=3)
    assert len(alone.customers) == 3 and all(
        c["_embedded"]["contacts"] == [] for c in fake.entities("customers")
    )
    more = fake.seed(transactions=10, customer_statuses=2, segments=2)
    assert (len(more.transactions), len(more.customer_statuses), len(more.segments)) == (10, 2, 2)
    assert fake.count("customer_statuses") == 7 and fake.count("segments") == 5
    customers = fake.entities("customers")
    assert sum(c["purchases_count"] for c in customers) == fake.count("transactions")
    fake.delete_entities("transactions", more.transactions[:1])
    assert fake.count("transactions") == sum(
        c["purchases_count"] for c in fake.entities("customers")
    )
