"""The fake's short links over raw HTTP: positional answer, validation, seeding."""

from __future__ import annotations

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM

from ._problems import issues_of

pytestmark = pytest.mark.anyio

PATH = "/api/v4/short_links"


async def test_links_come_back_in_request_order(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    first, second = fake.seed(contacts=2).contacts
    items = [
        {
            "url": "https://example.com/b",
            "metadata": {"entity_id": second, "entity_type": "contacts"},
        },
        {
            "url": "https://example.com/a",
            "metadata": {"entity_id": first, "entity_type": "contacts"},
        },
    ]
    answer = await api.post(PATH, json=items)
    assert answer.status_code == 200
    links = answer.json()["_embedded"]["short_links"]
    assert [link["metadata"]["entity_id"] for link in links] == [second, first]
    assert all(link["url"].startswith(f"{fake.base_url}/s/") for link in links)
    assert "request_id" not in links[0]


@pytest.mark.parametrize(
    ("item", "issues"),
    [
        ({}, [("NotBlank", "url"), ("NotBlank", "metadata")]),
        ({"url": 5, "metadata": []}, [("InvalidType", "url"), ("InvalidType", "metadata")]),
        (
            {"url": "ftp://example.com", "metadata": {"entity_type": "leads", "x": 1}},
            [
                ("NotSupportedChoice", "url"),
                ("FieldNotExpected", "metadata.x"),
                ("NotSupportedChoice", "metadata.entity_type"),
            ],
        ),
        (
            {
                "url": "https://example.com",
                "metadata": {"entity_type": "contacts", "entity_id": "1"},
            },
            [("InvalidType", "metadata.entity_id")],
        ),
        (
            {"url": "https://example.com", "metadata": {"entity_type": "contacts", "entity_id": 1}},
            [("NotSupportedChoice", "metadata.entity_id")],
        ),
    ],
)
async def test_invalid_links_are_refused(
    api: httpx.AsyncClient, item: dict[str, object], issues: list[tuple[str, str]]
) -> None:
    assert [
        (code, path) for _, code, path in issues_of(await api.post(PATH, json=[item]))
    ] == issues


async def test_only_post_and_seeding(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    assert (await api.get(PATH)).status_code == 405
    assert (await api.patch(f"{PATH}/1", json={})).status_code == 405
    assert fake.seed(short_links=2).short_links == []
    seeded = fake.seed(contacts=1, short_links=2)
    links = fake.entities("short_links")
    assert [link["id"] for link in links] == seeded.short_links
    assert {link["metadata"]["entity_id"] for link in links} == set(seeded.contacts)
