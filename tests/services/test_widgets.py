"""Widgets: the contract for the list, and by hand what is keyed by ``code``: ``get_one``,
``install`` (settings as the body) and ``uninstall``, on the wire and against the fake."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import Widget

from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio

PATH = "/api/v4/widgets"
DROPBOX = {
    "id": 742,
    "code": "amo_dropbox",
    "version": "0.0.13",
    "rating": "2,8",
    "settings_template": [
        {"key": "conf", "name": "custom.conf", "type": "custom", "is_required": False}
    ],
    "is_lead_source": False,
    "is_work_with_dp": False,
    "is_crm_template": False,
    "client_uuid": None,
    "is_active_in_account": False,
    "pipeline_id": None,
    "_links": {"self": {"href": "https://acme.amocrm.ru/api/v4/widgets/amo_dropbox"}},
}


class TestContract(ServiceContract):
    spec = ServiceSpec("widgets", make=lambda i: Widget(settings={"conf": str(i)}))


async def test_get_one_by_code_parses_the_widget(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get(f"{PATH}/amo_dropbox").respond(200, json=DROPBOX)
    widget = await amo.widgets.get_one("amo_dropbox")
    assert route.call_count == 1
    assert (widget.id, widget.code, widget.rating, widget.is_active_in_account) == (
        742,
        "amo_dropbox",
        "2,8",
        False,
    )
    assert widget.settings_template is not None
    assert [(t.key, t.type, t.is_required) for t in widget.settings_template] == [
        ("conf", "custom", False)
    ]
    assert widget.required_settings() == []
    assert widget.to_api() == {}


@pytest.mark.parametrize("status", [204, 404])
async def test_missing_widget_is_not_found(
    router: respx.MockRouter, amo: AmoCRMClient, status: int
) -> None:
    router.get(f"{PATH}/nope").respond(status)
    with pytest.raises(errors.NotFoundError):
        await amo.widgets.get_one("nope")


async def test_codes_are_one_quoted_path_segment_and_checked(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.delete(f"{PATH}/a%2Fb").respond(204)
    await amo.widgets.uninstall("a/b")
    assert route.call_count == 1
    for bad in ("", "  ", 5):
        with pytest.raises(ValueError, match="code"):
            await amo.widgets.get_one(bad)  # type: ignore[arg-type]
    assert router.calls.call_count == 1


async def test_install_posts_the_settings_and_returns_the_widget(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    answer = {**DROPBOX, "is_active_in_account": True, "settings": {"conf": "x"}}
    route = router.post(f"{PATH}/amo_dropbox").respond(200, json=answer)
    widget = await amo.widgets.install("amo_dropbox", {"conf": "x"})
    assert json.loads(route.calls.last.request.content) == {"conf": "x"}
    assert (widget.is_active_in_account, widget.settings) == (True, {"conf": "x"})


async def test_bad_settings_fail_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="mapping"):
        await amo.widgets.install("amo_dropbox", ["conf"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="conf"):
        await amo.widgets.install("amo_dropbox", {"conf": "\ud83d"})
    assert not router.calls


async def test_uninstall_deletes_by_code(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.delete(f"{PATH}/amo_dropbox").respond(204)
    await amo.widgets.uninstall("amo_dropbox")
    assert route.calls.last.request.method == "DELETE"


async def test_install_and_uninstall_against_the_fake(on_fake: AmoCRMClient) -> None:
    codes = [w.code async for w in on_fake.widgets.iterate(limit=2)]
    assert codes == ["amo_dropbox", "amo_mailchimp", "amo_wazzup"]
    mailchimp = await on_fake.widgets.get_one("amo_mailchimp")
    assert mailchimp.required_settings() == ["api_key"]
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.widgets.install("amo_mailchimp", {"list_id": "7", "colour": "red"})
    assert sorted((i.code, i.path) for i in caught.value.errors) == [
        ("FieldNotExpected", "colour"),
        ("NotBlank", "api_key"),
    ]
    installed = await on_fake.widgets.install("amo_mailchimp", {"api_key": "k-1", "list_id": "7"})
    assert (installed.is_active_in_account, installed.settings) == (
        True,
        {"api_key": "k-1", "list_id": "7"},
    )
    assert (await on_fake.widgets.get_one("amo_mailchimp")).is_active_in_account is True
    await on_fake.widgets.uninstall("amo_mailchimp")
    again = await on_fake.widgets.get_one("amo_mailchimp")
    assert (again.is_active_in_account, again.settings) == (False, None)
    with pytest.raises(errors.NotFoundError):
        await on_fake.widgets.get_one("amo_nothing")
    with pytest.raises(errors.NotFoundError):
        await on_fake.widgets.install("amo_nothing", {})
    with pytest.raises(errors.NotFoundError):
        await on_fake.widgets.uninstall("amo_nothing")
