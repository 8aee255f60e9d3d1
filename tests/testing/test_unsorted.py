"""The fake's unsorted resource over raw HTTP: creates (with amoCRM's validation errors), the
list and its filters, 204s, accept/decline/link rules, summary, seeding."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

pytestmark = pytest.mark.anyio

PATH = "/api/v4/leads/unsorted"


def form(**fields: Any) -> dict[str, Any]:
    return {
        "source_uid": "site",
        "source_name": "Сайт",
        "metadata": {"form_id": "1", "form_name": "F", "form_page": "https://x", "form_sent_at": 1},
        "_embedded": {"leads": [{"name": "Заявка"}], "contacts": [{"name": "Иван"}]},
        **fields,
    }


def issues(response: httpx.Response) -> list[tuple[str, str, str]]:
    """``(request_id, code, path)`` of every validation error of a 400 problem answer."""
    assert (response.status_code, response.headers["content-type"]) == (
        400,
        "application/problem+json",
    ), response.text
    entries = response.json()["validation-errors"]
    return [(e["request_id"], x["code"], x["path"]) for e in entries for x in e["errors"]]


async def test_create_answers_uid_and_ids(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    response = await api.post(f"{PATH}/forms", json=[form(request_id="r1")])
    assert response.status_code == 200, response.text
    (item,) = response.json()["_embedded"]["unsorted"]
    assert item["request_id"] == "r1" and len(item["uid"]) == 32
    lead_id = item["_embedded"]["leads"][0]["id"]
    contact_id = item["_embedded"]["contacts"][0]["id"]
    assert fake.entity("contacts", contact_id) is not None
    lead = fake.entity("leads", lead_id)
    assert lead is not None and lead["name"] == "Заявка"
    assert fake.stats.entities_created["unsorted"] == 1
    one = (await api.get(f"{PATH}/{item['uid']}")).json()
    assert (one["category"], one["source_uid"], one["_embedded"]["leads"][0]["id"]) == (
        "forms",
        "site",
        lead_id,
    )
    assert one["_links"]["self"]["href"] == f"https://acme.amocrm.ru{PATH}/{item['uid']}"


async def test_validation_errors_name_the_item_and_path(api: httpx.AsyncClient) -> None:
    bad = [
        form(request_id="ok"),
        {
            "source_name": "x",
            "metadata": {"form_id": "1"},
            "_embedded": {"leads": []},
            "oops": 1,
            "request_id": "bad",
        },
        form(request_id="price", _embedded={"leads": [{"price": "a lot"}]}),
    ]
    found = issues(await api.post(f"{PATH}/forms", json=bad))
    assert ("bad", "FieldNotExpected", "oops") in found
    assert ("bad", "NotBlank", "source_uid") in found
    assert ("bad", "NotBlank", "metadata.form_name") in found
    assert ("bad", "NotSupportedChoice", "_embedded.leads") in found
    assert any(rid == "price" and path == "_embedded.leads.0.price" for rid, _, path in found)
    sip = issues(await api.post(f"{PATH}/sip", json=[form()]))
    assert ("0", "NotBlank", "metadata.uniq") in sip
    assert (await api.post(f"{PATH}/chats", json=[form()])).status_code == 405
    assert (await api.post(PATH, json=[form()])).status_code == 405


async def test_list_filters_order_and_204(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    assert (await api.get(PATH)).status_code == 204
    fake.seed(unsorted=30)
    listed = (await api.get(PATH, params={"limit": 250})).json()
    entries = listed["_embedded"]["unsorted"]
    assert entries and all(e["category"] in {"forms", "sip", "chats", "mail"} for e in entries)
    sip = (await api.get(PATH, params={"filter[category][0]": "sip"})).json()["_embedded"][
        "unsorted"
    ]
    assert {e["category"] for e in sip} == {"sip"}
    uid = entries[0]["uid"]
    by_uid = (await api.get(PATH, params={"filter[uid][0]": uid})).json()["_embedded"]["unsorted"]
    assert [e["uid"] for e in by_uid] == [uid]
    ordered = (await api.get(PATH, params={"order[created_at]": "desc", "limit": 250})).json()
    times = [e["created_at"] for e in ordered["_embedded"]["unsorted"]]
    assert times == sorted(times, reverse=True)
    assert (await api.get(f"{PATH}/no-such-uid")).status_code == 204
    assert (await api.get(PATH, params={"filter[pipeline_id]": "1"})).status_code == 204


async def test_accept_decline_link_rules(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    created = (await api.post(f"{PATH}/forms", json=[form(), form()])).json()["_embedded"][
        "unsorted"
    ]
    first, second = (item["uid"] for item in created)
    bad_status = await api.post(f"{PATH}/{first}/accept", json={"status_id": 142_000})
    assert issues(bad_status) == [("0", "NotSupportedChoice", "status_id")]
    accepted = await api.post(f"{PATH}/{first}/accept", json={})
    assert accepted.status_code == 200
    assert set(accepted.json()) >= {"uid", "category", "pipeline_id", "created_at", "_embedded"}
    assert (await api.post(f"{PATH}/{first}/accept")).status_code == 400
    assert (await api.request("DELETE", f"{PATH}/{second}/decline")).status_code == 200
    lead_id = created[1]["_embedded"]["leads"][0]["id"]
    assert fake.entity("leads", lead_id) is not None
    assert fake.count("leads") == 1  # the declined one is in the trash
    assert (await api.post(f"{PATH}/missing/accept", json={})).status_code == 404
    linked = await api.post(
        f"{PATH}/{first}/link", json={"link": {"entity_id": 1, "entity_type": "leads"}}
    )
    assert linked.status_code == 400  # already accepted
    summary = (await api.get(f"{PATH}/summary")).json()
    assert (summary["total"], summary["accepted"], summary["declined"]) == (2, 1, 1)
    assert summary["categories"]["forms"] == 2
    since = (await api.get(f"{PATH}/summary", params={"filter[created_at]": "9999999999"})).json()
    assert since["total"] == 0


async def test_link_needs_a_live_lead(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    fake.seed(unsorted=20)
    chats = (await api.get(PATH, params={"filter[category][0]": "chats", "limit": 250})).json()
    uid = chats["_embedded"]["unsorted"][0]["uid"]
    missing = await api.post(
        f"{PATH}/{uid}/link", json={"link": {"entity_id": 1, "entity_type": "leads"}}
    )
    assert issues(missing) == [("0", "NotSupportedChoice", "link.entity_id")]
    target = fake.seed(leads=1).leads[0]
    ok = await api.post(
        f"{PATH}/{uid}/link", json={"link": {"entity_id": target, "entity_type": "leads"}}
    )
    assert ok.status_code == 200
    assert ok.json()["_embedded"]["leads"][0]["id"] == target


def test_seeding_is_deterministic_and_realistic() -> None:
    first, second = FakeAmoCRM(seed=3), FakeAmoCRM(seed=3)
    assert first.seed(unsorted=40).unsorted == second.seed(unsorted=40).unsorted
    entries = first.entities("unsorted")
    assert [e["uid"] for e in entries] == [e["uid"] for e in second.entities("unsorted")]
    assert {e["category"] for e in entries} == {"forms", "sip", "chats", "mail"}
    for entry in entries:
        lead = first.entity("leads", entry["_embedded"]["leads"][0]["id"])
        assert lead is not None and lead["pipeline_id"] == entry["pipeline_id"]
        assert entry["metadata"]
