from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM, VirtualClock

pytestmark = pytest.mark.anyio

BASE = "https://acme.amocrm.ru"


def validation(errors: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "title": "Bad Request",
        "type": "https://httpstatus.es/400",
        "status": 400,
        "detail": "Request validation failed",
        "validation-errors": errors,
    }


def problem_of(response: httpx.Response, status: int = 400) -> Any:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"]
    return response.json()


async def test_add_response_shape(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v4/leads", json=[{"name": "A", "price": 1}, {"name": "B", "request_id": "ext-7"}]
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/hal+json"
    assert response.headers["x-request-id"]
    body = response.json()
    a, b = body["_embedded"]["leads"]
    assert body["_links"] == {"self": {"href": f"{BASE}/api/v4/leads"}}
    assert a == {
        "id": a["id"],
        "request_id": "0",
        "_links": {"self": {"href": f"{BASE}/api/v4/leads/{a['id']}"}},
    }
    assert b["request_id"] == "ext-7"
    assert fake.count("leads") == 2
    assert fake.stats.entities_created["leads"] == 2
    assert fake.stats.batch_sizes == [2]
    assert fake.requests[-1].json == [
        {"name": "A", "price": 1},
        {"name": "B", "request_id": "ext-7"},
    ]


async def test_price_floats_and_robot_author(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v4/leads", json=[{"price": 100.5, "created_by": 0}])
    lead_id = response.json()["_embedded"]["leads"][0]["id"]
    lead = fake.entity("leads", lead_id)
    assert lead is not None
    assert lead["price"] == 100
    assert lead["created_by"] == 0
    assert lead["name"] == f"Сделка #{lead_id}"


async def test_context_user_id(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    manager = fake.users()[2]["id"]
    response = await api.post(
        "/api/v4/leads", json=[{"name": "by manager"}], headers={"X-Context-User-ID": str(manager)}
    )
    lead = fake.entity("leads", response.json()["_embedded"]["leads"][0]["id"])
    assert lead is not None
    assert (lead["created_by"], lead["updated_by"], lead["responsible_user_id"]) == (manager,) * 3


async def test_batch_update_shape_and_updated_at(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    ids = fake.seed(leads=2).leads
    clock.advance(60)
    response = await api.patch(
        "/api/v4/leads", json=[{"id": ids[0], "name": "X"}, {"id": ids[1], "price": 7}]
    )
    assert response.status_code == 200
    items = response.json()["_embedded"]["leads"]
    now = int(clock.time())
    assert items == [
        {
            "id": ids[0],
            "updated_at": now,
            "_links": {"self": {"href": f"{BASE}/api/v4/leads/{ids[0]}"}},
        },
        {
            "id": ids[1],
            "updated_at": now,
            "_links": {"self": {"href": f"{BASE}/api/v4/leads/{ids[1]}"}},
        },
    ]
    first, second = fake.entity("leads", ids[0]), fake.entity("leads", ids[1])
    assert first is not None and second is not None
    assert first["name"] == "X" and first["updated_at"] == now
    assert second["price"] == 7
    assert fake.stats.entities_updated["leads"] == 2


async def test_single_update(fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock) -> None:
    [lead_id] = fake.seed(leads=1).leads
    clock.advance(5)
    response = await api.patch(f"/api/v4/leads/{lead_id}", json={"name": "Renamed"})
    assert response.json() == {
        "id": lead_id,
        "updated_at": int(clock.time()),
        "_links": {"self": {"href": f"{BASE}/api/v4/leads/{lead_id}"}},
    }
    missing = await api.patch("/api/v4/leads/1", json={"name": "x"})
    assert missing.status_code == 404


async def test_status_changes(
    fake: FakeAmoCRM, api: httpx.AsyncClient, clock: VirtualClock
) -> None:
    main, partners = fake.pipelines()
    [lead_id] = fake.seed(leads=1).leads
    won = await api.patch(
        "/api/v4/leads", json=[{"id": lead_id, "status_id": 142, "pipeline_id": main["id"]}]
    )
    assert won.status_code == 200
    lead = fake.entity("leads", lead_id)
    assert lead is not None
    assert (lead["status_id"], lead["pipeline_id"]) == (142, main["id"])
    assert lead["closed_at"] == int(clock.time())
    moved = partners["statuses"][2]["id"]
    await api.patch("/api/v4/leads", json=[{"id": lead_id, "status_id": moved}])
    lead = fake.entity("leads", lead_id)
    assert lead is not None
    assert (lead["status_id"], lead["pipeline_id"], lead["closed_at"]) == (
        moved,
        partners["id"],
        None,
    )


async def test_validation_error_shape(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v4/leads",
        json=[{"name": "ok"}, {"price": "abc"}, {"name": 123, "foo": 1, "request_id": "mine"}],
    )
    assert problem_of(response) == validation(
        [
            {
                "request_id": "1",
                "errors": [
                    {
                        "code": "InvalidType",
                        "path": "price",
                        "detail": "This value should be of type int.",
                    }
                ],
            },
            {
                "request_id": "mine",
                "errors": [
                    {
                        "code": "InvalidType",
                        "path": "name",
                        "detail": "This value should be of type string.",
                    },
                    {
                        "code": "FieldNotExpected",
                        "path": "foo",
                        "detail": "This field was not expected.",
                    },
                ],
            },
        ]
    )
    assert fake.count("leads") == 0  # all or nothing
    assert fake.stats.entities_created["leads"] == 0


@pytest.mark.parametrize(
    ("body", "code", "path"),
    [
        ({"status_id": 142}, "NotBlank", "pipeline_id"),
        ({"status_id": 1}, "NotSupportedChoice", "status_id"),
        ({"pipeline_id": 1}, "NotSupportedChoice", "pipeline_id"),
        ({"responsible_user_id": 1}, "NotSupportedChoice", "responsible_user_id"),
        ({"created_at": "yesterday"}, "InvalidType", "created_at"),
        ({"loss_reason_id": 5}, "NotSupportedChoice", "loss_reason_id"),
        ({"_embedded": {"contacts": [{"id": 5}]}}, "NotSupportedChoice", "_embedded.contacts.0.id"),
        ({"_embedded": {"tags": [{"id": 5}]}}, "NotSupportedChoice", "_embedded.tags.0.id"),
        ({"_embedded": {"metadata": {}}}, "FieldNotExpected", "_embedded.metadata"),
        ({"tags_to_add": "x"}, "InvalidType", "tags_to_add"),
    ],
)
async def test_field_validation(
    api: httpx.AsyncClient, body: dict[str, Any], code: str, path: str
) -> None:
    errors = problem_of(await api.post("/api/v4/leads", json=[body]))["validation-errors"]
    assert errors[0]["request_id"] == "0"
    assert [(e["code"], e["path"]) for e in errors[0]["errors"]] == [(code, path)]


async def test_missing_id_on_batch_patch(api: httpx.AsyncClient, fake: FakeAmoCRM) -> None:
    [lead_id] = fake.seed(leads=1).leads
    response = await api.patch(
        "/api/v4/leads", json=[{"id": lead_id, "name": "fine"}, {"name": "no id"}]
    )
    assert problem_of(response)["validation-errors"] == [
        {
            "request_id": "1",
            "errors": [
                {"code": "NotBlank", "path": "id", "detail": "This value should not be blank."}
            ],
        }
    ]
    lead = fake.entity("leads", lead_id)
    assert lead is not None and lead["name"] != "fine"


async def test_empty_and_malformed_bodies(api: httpx.AsyncClient) -> None:
    for content in (b"", b"[]"):
        empty = await api.post(
            "/api/v4/leads", content=content, headers={"Content-Type": "application/json"}
        )
        assert problem_of(empty)["detail"] == "Request data can not be empty"
    broken = await api.post(
        "/api/v4/leads", content=b"{nope", headers={"Content-Type": "application/json"}
    )
    assert problem_of(broken)["status"] == 400
    not_array = await api.post("/api/v4/leads", json={"name": "x"})
    assert problem_of(not_array)["validation-errors"][0]["errors"][0]["code"] == "InvalidType"


async def test_more_than_250_is_422(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post("/api/v4/leads", json=[{"name": str(i)} for i in range(251)])
    body = problem_of(response, 422)
    assert body["status"] == 422
    assert body["type"] == "https://httpstatus.es/422"
    assert fake.count("leads") == 0
    ok = await api.post("/api/v4/leads", json=[{"name": str(i)} for i in range(250)])
    assert ok.status_code == 200


async def test_custom_field_values_roundtrip(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    text = fake.field_id("leads", type="text")
    date = fake.field_id("leads", type="date")
    multiselect = fake.field_id("leads", type="multiselect")
    checkbox = fake.field_id("leads", type="checkbox")
    legal = fake.field_id("leads", type="legal_entity")
    chained = fake.field_id("leads", type="chained_list")
    crm = fake.enum_id("leads", multiselect, "CRM")
    response = await api.post(
        "/api/v4/leads",
        json=[
            {
                "custom_fields_values": [
                    {"field_id": text, "values": [{"value": "hello"}]},
                    {"field_id": date, "values": [{"value": "2026-01-02T00:00:00+00:00"}]},
                    {"field_id": multiselect, "values": [{"enum_id": crm}, {"value": "Аналитика"}]},
                    {"field_id": checkbox, "values": [{"value": True}]},
                    {
                        "field_id": legal,
                        "values": [{"value": {"name": "Romashka LLC", "vat_id": "7700"}}],
                    },
                    {
                        "field_id": chained,
                        "values": [{"catalog_id": 1001, "catalog_element_id": 5}],
                    },
                    {"field_code": "UTM_SOURCE", "values": [{"value": "google"}]},
                ]
            }
        ],
    )
    lead_id = response.json()["_embedded"]["leads"][0]["id"]
    lead = (await api.get(f"/api/v4/leads/{lead_id}")).json()
    by_id = {f["field_id"]: f for f in lead["custom_fields_values"]}
    assert by_id[text]["values"] == [{"value": "hello"}]
    assert by_id[text]["field_type"] == "text"
    assert by_id[date]["values"] == [{"value": 1767312000}]
    assert [v["value"] for v in by_id[multiselect]["values"]] == ["CRM", "Аналитика"]
    assert by_id[multiselect]["values"][0]["enum_id"] == crm
    assert by_id[checkbox]["values"] == [{"value": True}]
    assert by_id[chained]["values"] == [{"catalog_id": 1001, "catalog_element_id": 5}]
    utm = next(f for f in lead["custom_fields_values"] if f["field_code"] == "UTM_SOURCE")
    assert utm["values"] == [{"value": "google"}]

    # PATCH replaces one field, "values": null clears another, the rest stays
    await api.patch(
        f"/api/v4/leads/{lead_id}",
        json={
            "custom_fields_values": [
                {"field_id": text, "values": [{"value": "bye"}]},
                {"field_id": checkbox, "values": None},
            ]
        },
    )
    after = (await api.get(f"/api/v4/leads/{lead_id}")).json()
    by_id = {f["field_id"]: f for f in after["custom_fields_values"]}
    assert by_id[text]["values"] == [{"value": "bye"}]
    assert checkbox not in by_id
    assert date in by_id


async def test_multitext_by_code_on_contacts(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v4/contacts",
        json=[
            {
                "first_name": "Ivan",
                "last_name": "Petrov",
                "custom_fields_values": [
                    {
                        "field_code": "PHONE",
                        "values": [{"value": "+79990000000", "enum_code": "MOB"}],
                    },
                    {"field_code": "EMAIL", "values": [{"value": "ivan@example.com"}]},
                ],
            }
        ],
    )
    contact_id = response.json()["_embedded"]["contacts"][0]["id"]
    contact = (await api.get(f"/api/v4/contacts/{contact_id}")).json()
    assert contact["name"] == "Ivan Petrov"
    phone = next(f for f in contact["custom_fields_values"] if f["field_code"] == "PHONE")
    assert phone["values"][0]["enum_code"] == "MOB"
    assert phone["values"][0]["value"] == "+79990000000"
    email = next(f for f in contact["custom_fields_values"] if f["field_code"] == "EMAIL")
    assert email["values"][0]["enum_code"] == "WORK"
    found = await api.get("/api/v4/contacts", params={"query": "79990000000"})
    assert [c["id"] for c in found.json()["_embedded"]["contacts"]] == [contact_id]


@pytest.mark.parametrize(
    ("field", "value", "code", "path"),
    [
        ({"field_id": 1}, {"value": "x"}, "NotSupportedChoice", "custom_fields_values.0.field_id"),
        (
            {"field_code": "NOPE"},
            {"value": "x"},
            "NotSupportedChoice",
            "custom_fields_values.0.field_code",
        ),
        (
            {"type": "numeric"},
            {"value": "abc"},
            "InvalidType",
            "custom_fields_values.0.values.0.value",
        ),
        ({"type": "text"}, {"value": 5}, "InvalidType", "custom_fields_values.0.values.0.value"),
        (
            {"type": "checkbox"},
            {"value": "yes"},
            "InvalidType",
            "custom_fields_values.0.values.0.value",
        ),
        (
            {"type": "date"},
            {"value": "not a date"},
            "InvalidType",
            "custom_fields_values.0.values.0.value",
        ),
        (
            {"type": "select"},
            {"enum_id": 1},
            "NotSupportedChoice",
            "custom_fields_values.0.values.0.enum_id",
        ),
        (
            {"type": "select"},
            {"value": "Nope"},
            "NotSupportedChoice",
            "custom_fields_values.0.values.0.value",
        ),
        (
            {"type": "select"},
            {"enum": 1},
            "FieldNotExpected",
            "custom_fields_values.0.values.0.enum",
        ),
        (
            {"type": "legal_entity"},
            {"value": "x"},
            "InvalidType",
            "custom_fields_values.0.values.0.value",
        ),
    ],
)
async def test_custom_field_validation(
    fake: FakeAmoCRM,
    api: httpx.AsyncClient,
    field: dict[str, Any],
    value: dict[str, Any],
    code: str,
    path: str,
) -> None:
    if "type" in field:
        field = {"field_id": fake.field_id("leads", type=field["type"])}
    response = await api.post(
        "/api/v4/leads", json=[{"custom_fields_values": [{**field, "values": [value]}]}]
    )
    body = problem_of(response)
    assert body["detail"] == "Request validation failed"
    [entry] = body["validation-errors"]
    assert entry["request_id"] == "0"
    assert [(e["code"], e["path"]) for e in entry["errors"]] == [(code, path)]
    assert all(e["detail"] for e in entry["errors"])


async def test_contact_field_on_lead_is_rejected(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    phone = fake.field_id("contacts", code="PHONE")
    response = await api.post(
        "/api/v4/leads",
        json=[{"custom_fields_values": [{"field_id": phone, "values": [{"value": "1"}]}]}],
    )
    assert problem_of(response)["validation-errors"][0]["errors"][0]["code"] == "NotSupportedChoice"


async def test_tags(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v4/leads", json=[{"tags_to_add": [{"name": "one"}, {"name": "two"}]}]
    )
    lead_id = response.json()["_embedded"]["leads"][0]["id"]

    def tags() -> list[str]:
        lead = fake.entity("leads", lead_id)
        assert lead is not None
        return [t["name"] for t in lead["_embedded"]["tags"]]

    assert tags() == ["one", "two"]
    await api.patch("/api/v4/leads", json=[{"id": lead_id, "tags_to_delete": [{"name": "one"}]}])
    assert tags() == ["two"]
    listed = (await api.get("/api/v4/leads/tags")).json()["_embedded"]["tags"]
    two = next(t for t in listed if t["name"] == "two")
    await api.patch(
        "/api/v4/leads",
        json=[{"id": lead_id, "_embedded": {"tags": [{"id": two["id"]}, {"name": "3"}]}}],
    )
    assert tags() == ["two", "3"]
    await api.patch("/api/v4/leads", json=[{"id": lead_id, "_embedded": {"tags": None}}])
    assert tags() == []


async def test_complex_creates_and_links(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v4/leads/complex",
        json=[
            {
                "name": "Complex",
                "price": 3422,
                "request_id": "qweasd",
                "_embedded": {
                    "contacts": [
                        {
                            "first_name": "Екатерина",
                            "custom_fields_values": [
                                {"field_code": "EMAIL", "values": [{"value": "k@example.com"}]}
                            ],
                        }
                    ],
                    "companies": [{"name": "Horns & Hooves LLC"}],
                    "tags": [{"name": "complex"}],
                },
            },
            {"name": "No contact"},
        ],
    )
    assert response.status_code == 200
    first, second = response.json()
    assert set(first) == {"id", "contact_id", "company_id", "request_id", "merged"}
    assert first["request_id"] == ["qweasd"]
    assert first["merged"] is False
    assert second["request_id"] == ["1"]
    assert second["contact_id"] is None and second["company_id"] is None

    lead = (await api.get(f"/api/v4/leads/{first['id']}", params={"with": "contacts"})).json()
    assert lead["_embedded"]["contacts"][0]["id"] == first["contact_id"]
    assert lead["_embedded"]["contacts"][0]["is_main"] is True
    assert lead["_embedded"]["companies"][0]["id"] == first["company_id"]
    assert lead["_embedded"]["tags"][0]["name"] == "complex"
    contact = (await api.get(f"/api/v4/contacts/{first['contact_id']}")).json()
    assert contact["_embedded"]["companies"][0]["id"] == first["company_id"]
    assert contact["name"] == "Екатерина"
    assert fake.stats.entities_created == {"leads": 2, "contacts": 1, "companies": 1}
    assert fake.stats.batch_sizes == [2]


async def test_complex_with_metadata_goes_to_unsorted(
    fake: FakeAmoCRM, api: httpx.AsyncClient
) -> None:
    main = fake.pipelines()[0]
    response = await api.post(
        "/api/v4/leads/complex",
        json=[
            {
                "status_id": main["statuses"][2]["id"],
                "_embedded": {"metadata": {"category": "forms", "form_id": 1}},
            }
        ],
    )
    lead = fake.entity("leads", response.json()[0]["id"])
    assert lead is not None
    assert lead["status_id"] == main["statuses"][0]["id"]
    assert main["statuses"][0]["type"] == 1


async def test_complex_limits_and_validation(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    too_many = await api.post("/api/v4/leads/complex", json=[{} for _ in range(51)])
    assert problem_of(too_many, 422)["status"] == 422
    two_contacts = await api.post(
        "/api/v4/leads/complex", json=[{"_embedded": {"contacts": [{"name": "a"}, {"name": "b"}]}}]
    )
    assert (
        problem_of(two_contacts)["validation-errors"][0]["errors"][0]["path"]
        == "_embedded.contacts.1"
    )
    bad_contact = await api.post(
        "/api/v4/leads/complex",
        json=[
            {"_embedded": {"contacts": [{"custom_fields_values": [{"field_id": 1, "values": []}]}]}}
        ],
    )
    errors = problem_of(bad_contact)["validation-errors"][0]["errors"]
    assert errors[0]["path"] == "_embedded.contacts.0.custom_fields_values.0.field_id"
    assert fake.count("leads") == fake.count("contacts") == 0


async def test_complex_links_existing_contact(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    [contact_id] = fake.seed(contacts=1).contacts
    response = await api.post(
        "/api/v4/leads/complex", json=[{"_embedded": {"contacts": [{"id": contact_id}]}}]
    )
    assert response.json()[0]["contact_id"] == contact_id
    assert fake.count("contacts") == 1


async def test_links(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    seeded = fake.seed(contacts=2, companies=1)
    [lead_id] = (await api.post("/api/v4/leads", json=[{"name": "L"}])).json()["_embedded"]["leads"]
    lead = lead_id["id"]
    c1, c2 = seeded.contacts
    [company] = seeded.companies
    assert (await api.get(f"/api/v4/leads/{lead}/links")).status_code == 204

    linked = await api.post(
        f"/api/v4/leads/{lead}/link",
        json=[
            {"to_entity_id": c1, "to_entity_type": "contacts", "metadata": {"is_main": True}},
            {"to_entity_id": c2, "to_entity_type": "contacts"},
            {"to_entity_id": company, "to_entity_type": "companies"},
        ],
    )
    assert linked.status_code == 200
    body = linked.json()
    assert body["_links"]["self"]["href"] == f"{BASE}/api/v4/leads/{lead}/links"
    assert body["_embedded"]["links"][0] == {
        "entity_id": lead,
        "entity_type": "leads",
        "to_entity_id": c1,
        "to_entity_type": "contacts",
        "metadata": {"main_contact": True},
    }

    listed = (await api.get(f"/api/v4/leads/{lead}/links")).json()
    assert listed["_total_items"] == 3
    assert [
        (x["to_entity_type"], x["to_entity_id"], x["metadata"])
        for x in listed["_embedded"]["links"]
    ] == [
        ("contacts", c1, {"main_contact": True}),
        ("contacts", c2, {"main_contact": False}),
        ("companies", company, None),
    ]
    only_companies = await api.get(
        f"/api/v4/leads/{lead}/links", params={"filter[to_entity_type]": "companies"}
    )
    assert [x["to_entity_id"] for x in only_companies.json()["_embedded"]["links"]] == [company]

    mass = await api.get("/api/v4/leads/links", params={"filter[entity_id][]": lead})
    assert mass.json()["_total_items"] == 3
    # the reverse side is visible from the contact
    back = (await api.get(f"/api/v4/contacts/{c1}/links")).json()["_embedded"]["links"]
    assert back == [
        {
            "entity_id": c1,
            "entity_type": "contacts",
            "to_entity_id": lead,
            "to_entity_type": "leads",
            "metadata": {"main_contact": True},
        }
    ]

    unlinked = await api.post(
        f"/api/v4/leads/{lead}/unlink", json=[{"to_entity_id": c2, "to_entity_type": "contacts"}]
    )
    assert unlinked.status_code == 204
    assert unlinked.content == b""
    remaining = (await api.get(f"/api/v4/leads/{lead}/links")).json()["_embedded"]["links"]
    assert [x["to_entity_id"] for x in remaining] == [c1, company]

    # re-linking keeps the role; unlinking the main contact promotes the next one
    relink = [{"to_entity_id": c2, "to_entity_type": "contacts"}]
    await api.post(f"/api/v4/leads/{lead}/link", json=relink)
    await api.post(
        f"/api/v4/leads/{lead}/link", json=[{"to_entity_id": c1, "to_entity_type": "contacts"}]
    )
    await api.post(
        f"/api/v4/leads/{lead}/unlink", json=[{"to_entity_id": c1, "to_entity_type": "contacts"}]
    )
    lead_json = (await api.get(f"/api/v4/leads/{lead}", params={"with": "contacts"})).json()
    assert [(c["id"], c["is_main"]) for c in lead_json["_embedded"]["contacts"]] == [(c2, True)]

    bad = await api.post(
        f"/api/v4/leads/{lead}/link", json=[{"to_entity_id": c1, "to_entity_type": "leads"}]
    )
    assert problem_of(bad)["validation-errors"][0]["errors"][0] == {
        "code": "NotSupportedChoice",
        "path": "to_entity_type",
        "detail": "The value you selected is not a valid choice.",
    }
    unknown = await api.post(
        f"/api/v4/leads/{lead}/link", json=[{"to_entity_id": 1, "to_entity_type": "contacts"}]
    )
    assert problem_of(unknown)["validation-errors"][0]["errors"][0]["path"] == "to_entity_id"


async def test_mass_link_and_unlink(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    seeded = fake.seed(contacts=1, companies=1)
    leads = [
        x["id"]
        for x in (await api.post("/api/v4/leads", json=[{}, {}])).json()["_embedded"]["leads"]
    ]
    response = await api.post(
        "/api/v4/leads/link",
        json=[
            {"entity_id": lead, "to_entity_id": seeded.contacts[0], "to_entity_type": "contacts"}
            for lead in leads
        ],
    )
    assert response.status_code == 200
    assert [x["entity_id"] for x in response.json()["_embedded"]["links"]] == leads
    mass = await api.get(
        f"/api/v4/leads/links?filter[entity_id][0]={leads[0]}&filter[entity_id][1]={leads[1]}"
    )
    assert mass.json()["_total_items"] == 2
    await api.post(
        "/api/v4/leads/unlink",
        json=[
            {
                "entity_id": leads[0],
                "to_entity_id": seeded.contacts[0],
                "to_entity_type": "contacts",
            }
        ],
    )
    mass = await api.get(
        f"/api/v4/leads/links?filter[entity_id][]={leads[0]}&filter[entity_id][]={leads[1]}"
    )
    assert [x["entity_id"] for x in mass.json()["_embedded"]["links"]] == [leads[1]]
    assert problem_of(await api.get("/api/v4/leads/links"))["status"] == 400


async def test_companies_endpoints(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/api/v4/companies",
        json=[
            {
                "name": "Globex",
                "custom_fields_values": [
                    {"field_code": "WEB", "values": [{"value": "https://g.example"}]}
                ],
            }
        ],
    )
    company_id = response.json()["_embedded"]["companies"][0]["id"]
    listed = await api.get("/api/v4/companies", params={"filter[name]": "Globex"})
    assert [c["id"] for c in listed.json()["_embedded"]["companies"]] == [company_id]
    await api.patch("/api/v4/companies", json=[{"id": company_id, "name": "Globex 2"}])
    one = (
        await api.get(f"/api/v4/companies/{company_id}", params={"with": "contacts,leads"})
    ).json()
    assert one["name"] == "Globex 2"
    assert one["_embedded"]["contacts"] == [] and one["_embedded"]["leads"] == []


async def test_unknown_path_and_method(api: httpx.AsyncClient, anon: httpx.AsyncClient) -> None:
    assert problem_of(await api.get("/api/v4/nonsense"), 404)["status"] == 404
    assert problem_of(await api.delete("/api/v4/leads"), 405)["status"] == 405
    assert problem_of(await anon.get("/somewhere"), 404)["status"] == 404
