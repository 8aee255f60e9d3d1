"""Short links: the contract for ``add`` (answers mapped by position, no ``request_id`` sent),
and by hand the write-back of the short URL and the checks before sending."""

from __future__ import annotations

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import ShortLink, ShortLinkMetadata
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec, body

pytestmark = pytest.mark.anyio

PATH = "/api/v4/short_links"


def link(i: int, entity_id: int | None = None) -> ShortLink:
    return ShortLink(
        url=f"https://example.com/offer/{i}",
        metadata=ShortLinkMetadata(entity_id=entity_id or i + 1, entity_type="contacts"),
    )


class TestContract(ServiceContract):
    spec = ServiceSpec("short_links", make=link, positional=True)


async def test_short_urls_are_written_back_by_position(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    short = [
        {
            "url": "https://acme.amocrm.ru/s/b",
            "metadata": {"entity_id": 2, "entity_type": "contacts"},
        },
        {
            "url": "https://acme.amocrm.ru/s/c",
            "metadata": {"entity_id": 3, "entity_type": "contacts"},
        },
    ]
    route = router.post(PATH).respond(200, json={"_embedded": {"short_links": short}})
    links = [link(1), link(2)]
    assert await amo.short_links.add(links) == links
    assert body(route.calls.last) == [
        {
            "url": "https://example.com/offer/1",
            "metadata": {"entity_id": 2, "entity_type": "contacts"},
        },
        {
            "url": "https://example.com/offer/2",
            "metadata": {"entity_id": 3, "entity_type": "contacts"},
        },
    ]
    assert [x.url for x in links] == ["https://acme.amocrm.ru/s/b", "https://acme.amocrm.ru/s/c"]
    assert [x.metadata.entity_id for x in links if x.metadata] == [2, 3]


@pytest.mark.parametrize(
    "reply",
    [
        {"_embedded": {"short_links": [{"url": "https://x/s/1"}]}},
        {"_embedded": {"short_links": [{"metadata": {}}, {"url": ""}]}},
        {"_embedded": {}},
    ],
)
async def test_an_answer_that_does_not_map_back_is_unknown(
    router: respx.MockRouter, amo: AmoCRMClient, reply: object
) -> None:
    router.post(PATH).respond(200, json=reply)
    links = [link(1), link(2)]
    with pytest.raises(errors.BatchError) as caught:
        await amo.short_links.add(links)
    assert caught.value.unknown == links
    assert [x.url for x in links] == ["https://example.com/offer/1", "https://example.com/offer/2"]


@pytest.mark.parametrize(
    ("made", "message"),
    [
        (ShortLink(metadata=ShortLinkMetadata(entity_id=1, entity_type="contacts")), "url is req"),
        (
            ShortLink(
                url="ftp://x", metadata=ShortLinkMetadata(entity_id=1, entity_type="contacts")
            ),
            "http",
        ),
        (ShortLink(url="https://x.example"), "metadata needs"),
        (
            ShortLink(
                url="https://x.example",
                metadata=ShortLinkMetadata(entity_id=1, entity_type="leads"),
            ),
            "entity_type must be one of",
        ),
    ],
)
async def test_bad_links_fail_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient, made: ShortLink, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await amo.short_links.add_one(made)
    assert not router.calls


async def test_short_links_of_contacts_on_the_fake() -> None:
    fake = FakeAmoCRM()
    [first, second] = fake.seed(contacts=2).contacts
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as amo:
        links = await amo.short_links.add([link(1, first), link(2, second)])
        assert [x.url.startswith(f"https://{fake.base_domain}/s/") for x in links if x.url] == [
            True,
            True,
        ]
        assert links[0].url != links[1].url
        with pytest.raises(errors.RequestValidationError) as caught:
            await amo.short_links.add_one(link(3, 999))
    assert [(i.code, i.path) for i in caught.value.errors] == [
        ("NotSupportedChoice", "metadata.entity_id")
    ]
    stored = fake.entities("short_links")
    assert [s["original_url"] for s in stored] == [
        "https://example.com/offer/1",
        "https://example.com/offer/2",
    ]
    assert [s["url"] for s in stored] == [x.url for x in links]
