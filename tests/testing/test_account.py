"""The fake's account endpoint takes every with= the API has, and ignores unknown ones."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from .test_tasks import shape

pytestmark = pytest.mark.anyio

SAMPLE = Path(__file__).parent.parent / "samples" / "account.json"
TOP = ("amojo_id", "uuid", "version", "is_api_filter_enabled", "drive_url", "invoices_settings")
EMBEDDED = ("amojo_rights", "users_groups", "task_types", "entity_names", "datetime_settings")


async def test_every_with(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    answer = (await api.get("/api/v4/account", params={"with": ",".join((*TOP, *EMBEDDED))})).json()
    assert set(TOP) <= set(answer)
    assert set(answer["_embedded"]) == set(EMBEDDED)
    assert answer["_embedded"]["users_groups"][0] == {"id": 0, "name": "Отдел продаж", "uuid": None}
    assert answer["invoices_settings"]["invoices_catalog_id"] is not None


async def test_the_answer_has_the_shape_of_the_public_sample(api: httpx.AsyncClient) -> None:
    body = json.loads(SAMPLE.read_text(encoding="utf-8"))["samples"]["with_all"]["body"]
    query = "amojo_id,amojo_rights,users_groups,task_types,version,entity_names,datetime_settings"
    answer = (await api.get("/api/v4/account", params={"with": query})).json()
    assert set(body) <= set(answer)
    sample_shape, fake_shape = shape(body), shape(answer)
    for key in ("amojo_rights", "users_groups", "task_types", "datetime_settings"):
        assert fake_shape["_embedded"][key] == sample_shape["_embedded"][key], key
    leads_ru = fake_shape["_embedded"]["entity_names"]["leads"]["ru"]
    assert set(leads_ru["singular_form"]) == set(
        sample_shape["_embedded"]["entity_names"]["leads"]["ru"]["singular_form"]
    )


async def test_without_with_and_with_unknown_values(api: httpx.AsyncClient) -> None:
    plain = (await api.get("/api/v4/account")).json()
    assert "_embedded" not in plain and not set(TOP) & set(plain)
    odd = (await api.get("/api/v4/account", params={"with": "nonsense, version"})).json()
    assert odd["version"] == 12 and "_embedded" not in odd
