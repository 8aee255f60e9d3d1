"""The fake's widgets over raw HTTP: the catalogue, install checks, uninstall."""

from __future__ import annotations

import httpx
import pytest

from ._problems import issues_of, problem_of

pytestmark = pytest.mark.anyio

PATH = "/api/v4/widgets"


async def test_catalogue_pages_and_items(api: httpx.AsyncClient) -> None:
    first = (await api.get(PATH, params={"limit": 2})).json()
    assert [w["code"] for w in first["_embedded"]["widgets"]] == ["amo_dropbox", "amo_mailchimp"]
    assert "next" in first["_links"]
    assert (await api.get(PATH, params={"limit": 2, "page": 3})).status_code == 204
    wazzup = (await api.get(f"{PATH}/amo_wazzup")).json()
    assert (wazzup["is_lead_source"], wazzup["settings"], wazzup["is_active_in_account"]) == (
        True,
        None,
        False,
    )
    assert wazzup["_links"]["self"]["href"].endswith("/api/v4/widgets/amo_wazzup")


async def test_install_checks_and_uninstall(api: httpx.AsyncClient) -> None:
    url = f"{PATH}/amo_wazzup"
    assert issues_of(await api.post(url, json=["token"])) == [("0", "InvalidType", "")]
    assert issues_of(await api.post(url, json={"token": ""})) == [("0", "NotBlank", "token")]
    installed = await api.post(url, json={"token": "t-1"})
    assert (installed.json()["settings"], installed.json()["is_active_in_account"]) == (
        {"token": "t-1"},
        True,
    )
    assert (await api.delete(url)).status_code == 204
    assert (await api.get(url)).json()["is_active_in_account"] is False
    assert problem_of(await api.delete(f"{PATH}/nope"), 404)["detail"] == "Widget nope not found"
    assert (await api.patch(url, json={})).status_code == 405
