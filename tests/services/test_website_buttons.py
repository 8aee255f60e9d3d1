"""Website buttons: the contract for the reads, and by hand the asynchronous writes
(``create_async``, ``update_async``, ``add_online_chat_async``) on the wire and on the fake."""

from __future__ import annotations

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import WebsiteButton, WebsiteButtonCreateRequest
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec, body

pytestmark = pytest.mark.anyio

PATH = "/api/v4/website_buttons"
BUTTON = {
    "account_id": 1,
    "source_id": 60,
    "button_id": 8,
    "is_duplication_control_enabled": False,
    "name": "Кнопка",
    "creation_status": "created",
    "pipeline_id": 3,
    "trusted_websites": ["https://a.example.com", "https://b.example.com"],
    "is_deleted": False,
}


class TestContract(ServiceContract):
    spec = ServiceSpec("website_buttons", make=lambda i: WebsiteButton(source_id=i))


async def test_create_async_sends_the_request_and_reads_the_source_id(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    answer = {"source_id": 60, "trusted_websites": ["https://a.example.com"], "name": "Кнопка"}
    route = router.post(PATH).respond(200, json=answer)
    request = WebsiteButtonCreateRequest(
        pipeline_id=3, trusted_websites=["https://a.example.com"], name="Кнопка"
    )
    created = await amo.website_buttons.create_async(request)
    assert body(route.calls.last) == {
        "pipeline_id": 3,
        "trusted_websites": ["https://a.example.com"],
        "is_used_in_app": False,
        "name": "Кнопка",
    }
    assert (created.source_id, created.trusted_websites, created.name) == (
        60,
        ["https://a.example.com"],
        "Кнопка",
    )


async def test_bad_create_requests_fail_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="pipeline_id must be a positive int"):
        await amo.website_buttons.create_async(WebsiteButtonCreateRequest(pipeline_id=0))
    with pytest.raises(ValueError, match=r"trusted_websites\[1\]"):
        WebsiteButtonCreateRequest(pipeline_id=1, trusted_websites=["https://a", " "])
    assert not router.calls


async def test_update_async_adds_sites_and_renames(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.patch(f"{PATH}/60").respond(200, json=BUTTON)
    button = await amo.website_buttons.update_async(
        60, trusted_websites_to_add=["https://b.example.com"], name="Кнопка"
    )
    assert body(route.calls.last) == {
        "trusted_websites": {"add": ["https://b.example.com"]},
        "name": "Кнопка",
    }
    assert (button.id, button.source_id, button.trusted_websites) == (
        60,
        60,
        ["https://a.example.com", "https://b.example.com"],
    )
    await amo.website_buttons.update_async(60, trusted_websites_to_add="https://c.example.com")
    assert body(route.calls.last) == {"trusted_websites": {"add": ["https://c.example.com"]}}


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "nothing to update"),
        ({"trusted_websites_to_add": ["ok", ""]}, r"trusted_websites_to_add\[1\]"),
        ({"name": " "}, "name must be a non-empty string"),
        ({"name": "x", "source_id": 0}, "positive int"),
    ],
)
async def test_bad_updates_fail_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient, kwargs: dict[str, object], message: str
) -> None:
    given = dict(kwargs)
    source_id = given.pop("source_id", 60)
    with pytest.raises(ValueError, match=message):
        await amo.website_buttons.update_async(source_id, **given)  # type: ignore[arg-type]
    assert not router.calls


async def test_add_online_chat_async_posts_nothing(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post(f"{PATH}/60/online_chat").respond(202)
    await amo.website_buttons.add_online_chat_async(60)
    assert route.calls.last.request.content == b""


async def test_buttons_on_the_fake() -> None:
    fake = FakeAmoCRM()
    seeded = fake.seed(website_buttons=4).website_buttons
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as amo:
        live = [b.id async for b in amo.website_buttons.iterate()]
        everything = [b async for b in amo.website_buttons.iterate(with_=["deleted"])]
        assert live == seeded[:3]
        assert [(b.id, b.is_deleted) for b in everything] == [
            (seeded[0], False),
            (seeded[1], False),
            (seeded[2], False),
            (seeded[3], True),
        ]
        pipeline_id = everything[0].pipeline_id or 0
        created = await amo.website_buttons.create_async(
            WebsiteButtonCreateRequest(pipeline_id=pipeline_id, trusted_websites=["https://a.ru"])
        )
        button = await amo.website_buttons.get_one(created.source_id, with_=["scripts"])
        assert (button.pipeline_id, button.trusted_websites) == (pipeline_id, ["https://a.ru"])
        assert button.script and str(created.source_id) in button.script
        assert (await amo.website_buttons.get_one(created.source_id)).script is None
        updated = await amo.website_buttons.update_async(
            created.source_id,
            trusted_websites_to_add=["https://b.ru", "https://a.ru"],
            name="Новая",
        )
        assert (updated.name, updated.trusted_websites) == (
            "Новая",
            ["https://a.ru", "https://b.ru"],
        )
        await amo.website_buttons.add_online_chat_async(created.source_id)
        with pytest.raises(errors.BadRequestError, match="already has an online chat"):
            await amo.website_buttons.add_online_chat_async(created.source_id)
        with pytest.raises(errors.RequestValidationError) as caught:
            await amo.website_buttons.create_async(WebsiteButtonCreateRequest(pipeline_id=1))
        assert [(i.code, i.path) for i in caught.value.errors] == [
            ("NotSupportedChoice", "pipeline_id")
        ]
        with pytest.raises(errors.NotFoundError):
            await amo.website_buttons.update_async(seeded[3], name="x")
        with pytest.raises(errors.NotFoundError):
            await amo.website_buttons.add_online_chat_async(999)
