"""Decode cost of a full leads page: typed models vs ``json.loads``.

Builds a realistic ``GET /api/v4/leads?with=contacts`` page of 250 leads (10 custom fields of
mixed types each, embedded tags, contacts and companies, ``_links``) as bytes, then times

* ``collection_adapter("leads", Lead).validate_json(body)`` — what the SDK does per page, and
* ``json.loads(body)`` — the floor any dict-based client pays,

and prints µs per lead for both and their ratio (best of alternating ``timeit`` rounds, so
the garbage collector is off during timing, as ``timeit`` does). Run: ``python bench/decode.py``.
"""

from __future__ import annotations

import json
import sys
import timeit
from typing import Any

from amocrm_async.models import Lead, collection_adapter

LEADS_PER_PAGE = 250
ROUNDS = 15
NUMBER = 10
BASE = "https://example.amocrm.ru/api/v4"


def _custom_fields(i: int) -> list[dict[str, Any]]:
    def field(field_id: int, name: str, type_: str, values: list[Any]) -> dict[str, Any]:
        return {
            "field_id": field_id,
            "field_name": name,
            "field_code": None,
            "field_type": type_,
            "values": values,
        }

    return [
        field(1001, "Comment", "text", [{"value": f"Customer #{i} asked for a callback"}]),
        field(1002, "Budget", "numeric", [{"value": f"{i * 10}.50"}]),
        field(
            1003,
            "Channel",
            "select",
            [{"value": "Website", "enum_id": 5001, "enum_code": None}],
        ),
        field(
            1004,
            "Products",
            "multiselect",
            [{"value": "Alpha", "enum_id": 5101}, {"value": "Beta", "enum_id": 5102}],
        ),
        field(1005, "Due", "date", [{"value": 1_700_000_000 + i * 86_400}]),
        field(1006, "Paid", "checkbox", [{"value": i % 2 == 0}]),
        field(1007, "Site", "url", [{"value": f"https://client{i}.example.com"}]),
        field(1008, "Notes", "textarea", [{"value": "Line one\nLine two\nLine three"}]),
        field(1009, "Meeting", "date_time", [{"value": 1_700_003_600 + i * 3_600}]),
        field(1010, "utm_source", "tracking_data", [{"value": "google"}]),
    ]


def _lead(i: int) -> dict[str, Any]:
    lead_id = 30_000_000 + i
    return {
        "id": lead_id,
        "name": f"Deal #{i}",
        "price": 1500 + i,
        "responsible_user_id": 8_000_001,
        "group_id": 0,
        "status_id": 40_000_001,
        "pipeline_id": 5_000_001,
        "loss_reason_id": None,
        "created_by": 8_000_001,
        "updated_by": 8_000_002,
        "created_at": 1_700_000_000 + i,
        "updated_at": 1_700_100_000 + i,
        "closed_at": None,
        "closest_task_at": None,
        "is_deleted": False,
        "custom_fields_values": _custom_fields(i),
        "score": None,
        "account_id": 29_000_001,
        "labor_cost": None,
        "_links": {"self": {"href": f"{BASE}/leads/{lead_id}"}},
        "_embedded": {
            "tags": [
                {"id": 101, "name": "vip", "color": None},
                {"id": 102, "name": "inbound", "color": "DDEBB5"},
            ],
            "companies": [
                {"id": 60_000_000 + i, "_links": {"self": {"href": f"{BASE}/companies/{i}"}}}
            ],
            "contacts": [
                {
                    "id": 70_000_000 + i,
                    "is_main": True,
                    "_links": {"self": {"href": f"{BASE}/contacts/{i}"}},
                },
                {
                    "id": 71_000_000 + i,
                    "is_main": False,
                    "_links": {"self": {"href": f"{BASE}/contacts/{i + 1}"}},
                },
            ],
        },
    }


def build_page() -> bytes:
    """A page shaped like amoCRM's answer to ``GET /api/v4/leads?with=contacts&limit=250``."""
    page = {
        "_page": 2,
        "_links": {
            "self": {"href": f"{BASE}/leads?limit=250&page=2&with=contacts"},
            "next": {"href": f"{BASE}/leads?limit=250&page=3&with=contacts"},
            "prev": {"href": f"{BASE}/leads?limit=250&page=1&with=contacts"},
        },
        "_embedded": {"leads": [_lead(i) for i in range(LEADS_PER_PAGE)]},
    }
    return json.dumps(page, ensure_ascii=False, separators=(",", ":")).encode()


def measure(decode: Any, load: Any) -> tuple[float, float]:
    """Best seconds per call of each; rounds alternate so machine drift hits both alike."""
    ours: list[float] = []
    plain: list[float] = []
    for _ in range(ROUNDS):
        ours.append(timeit.timeit(decode, number=NUMBER) / NUMBER)
        plain.append(timeit.timeit(load, number=NUMBER) / NUMBER)
    return min(ours), min(plain)


def main() -> int:
    body = build_page()
    adapter = collection_adapter("leads", Lead)
    page = adapter.validate_json(body)
    assert len(page.items) == LEADS_PER_PAGE
    assert page.page == 2 and page.next_url is not None

    ours, plain = measure(lambda: adapter.validate_json(body), lambda: json.loads(body))
    per_lead_ours = ours / LEADS_PER_PAGE * 1e6
    per_lead_plain = plain / LEADS_PER_PAGE * 1e6
    size = len(body) / 1024
    print(f"python {sys.version.split()[0]}, page {size:.0f} KiB, {LEADS_PER_PAGE} leads")
    print(f"models (validate_json): {per_lead_ours:7.2f} µs/lead  ({ours * 1e3:.2f} ms/page)")
    print(f"json.loads:             {per_lead_plain:7.2f} µs/lead  ({plain * 1e3:.2f} ms/page)")
    print(f"ratio:                  {ours / plain:7.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
