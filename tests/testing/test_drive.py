"""The fake's drive over raw HTTP: upload sessions and their parts (order, sizes, types), the
files list, get, rename, version switch, trash and download, and which host and token it
answers."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from amocrm_async.testing import FakeAmoCRM
from amocrm_async.testing.resources.drive import MAX_FILE_SIZE, RESOURCE, drive_host

pytestmark = pytest.mark.anyio

PART = 8


@pytest.fixture
async def drive(
    fake: FakeAmoCRM, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[httpx.AsyncClient]:
    """A raw client on the fake's drive host, whose sessions take parts of 8 bytes."""
    monkeypatch.setattr(RESOURCE, "max_part_size", PART)
    headers = {"Authorization": f"Bearer {fake.long_lived_token()}"}
    async with httpx.AsyncClient(
        transport=fake.transport, base_url="https://drive-b.amocrm.ru", headers=headers
    ) as client:
        yield client


async def session(
    drive: httpx.AsyncClient, size: int, mime: str = "text/plain", **extra: Any
) -> str:
    opened = await drive.post(
        "/v1.0/sessions",
        json={"file_name": "a.txt", "file_size": size, "content_type": mime, **extra},
    )
    assert opened.status_code == 200, opened.text
    answer = opened.json()
    assert answer["max_part_size"] == PART and answer["max_file_size"] == MAX_FILE_SIZE
    url: str = answer["upload_url"]
    assert url.startswith("https://drive-b.amocrm.ru/upload/")
    return url


async def put_part(
    drive: httpx.AsyncClient, url: str, data: bytes, mime: str = "text/plain"
) -> httpx.Response:
    return await drive.post(url, content=data, headers={"Content-Type": mime})


async def upload(
    drive: httpx.AsyncClient, data: bytes, mime: str = "text/plain", **extra: Any
) -> dict[str, Any]:
    url = await session(drive, len(data), mime, **extra)
    for start in range(0, len(data), PART):
        answer = await put_part(drive, url, data[start : start + PART], mime)
        assert answer.status_code == 200, answer.text
        url = answer.json().get("next_url", "")
    file: dict[str, Any] = answer.json()
    return file


async def test_account_reports_the_drive_host(fake: FakeAmoCRM, api: httpx.AsyncClient) -> None:
    answer = (await api.get("/api/v4/account", params={"with": "drive_url"})).json()
    assert answer["drive_url"] == f"https://{drive_host('amocrm.ru')}"


async def test_parts_assemble_into_a_file(fake: FakeAmoCRM, drive: httpx.AsyncClient) -> None:
    url = await session(drive, 20)
    first = await put_part(drive, url, b"01234567")
    assert set(first.json()) == {"session_id", "next_url"}
    second = await put_part(drive, first.json()["next_url"], b"89abcdef")
    file = (await put_part(drive, second.json()["next_url"], b"ghij")).json()
    assert file["size"] == 20 and file["name"] == "a.txt" and file["type"] == "document"
    assert file["metadata"] == {"extension": "txt", "mime_type": "text/plain"}
    assert file["created_by"]["type"] == "user" and not file["is_trashed"]
    content = await drive.get(file["_links"]["download"]["href"])
    assert content.content == b"0123456789abcdefghij"
    assert content.headers["Content-Type"] == "text/plain"
    assert fake.stats.entities_created["drive_files"] == 1
    again = await put_part(drive, second.json()["next_url"], b"ghij")
    assert again.status_code == 404


@pytest.mark.parametrize(
    ("mime", "kind"),
    [
        ("image/png", "image"),
        ("video/mp4", "video"),
        ("audio/ogg", "audio"),
        ("application/pdf", "document"),
        ("application/zip", "file"),
    ],
)
async def test_file_types_follow_the_mime_type(
    drive: httpx.AsyncClient, mime: str, kind: str
) -> None:
    assert (await upload(drive, b"xyz", mime))["type"] == kind


async def test_bad_parts_are_refused(drive: httpx.AsyncClient) -> None:
    url = await session(drive, 20)
    short = await put_part(drive, url, b"0123")
    assert short.status_code == 400 and "last part" in short.json()["detail"]
    big = await put_part(drive, url, b"0" * (PART + 1))
    assert big.status_code == 400 and "1 to 8" in big.json()["detail"]
    assert (await put_part(drive, url, b"")).status_code == 400
    wrong_type = await put_part(drive, url, b"01234567", "application/json")
    assert wrong_type.status_code == 400 and "Content-Type" in wrong_type.json()["detail"]
    first = await put_part(drive, url, b"01234567")
    replay = await put_part(drive, url, b"01234567")
    assert replay.status_code == 400 and "out of order" in replay.json()["detail"]
    second = await put_part(drive, first.json()["next_url"], b"01234567")
    over = await put_part(drive, second.json()["next_url"], b"01234567")
    assert over.status_code == 400 and "only 4" in over.json()["detail"]
    for token in ("not-a-token", base64.urlsafe_b64encode(b'{"session_id":1}').decode()):
        assert (await put_part(drive, f"/upload/{token.rstrip('=')}", b"x")).status_code == 404


async def test_bad_sessions_are_refused(drive: httpx.AsyncClient) -> None:
    bad = await drive.post(
        "/v1.0/sessions",
        json={
            "file_name": "",
            "file_size": MAX_FILE_SIZE + 1,
            "content_type": "text",
            "with_preview": "yes",
            "created_by": {"id": "1", "name": "x"},
            "file_uuid": "00000000-0000-4000-8000-000000000000",
            "extra": 1,
        },
    )
    assert bad.status_code == 400
    errors = bad.json()["validation-errors"][0]["errors"]
    assert {(e["code"], e["path"]) for e in errors} == {
        ("FieldNotExpected", "extra"),
        ("NotBlank", "file_name"),
        ("InvalidType", "file_size"),
        ("InvalidType", "content_type"),
        ("InvalidType", "with_preview"),
        ("FieldNotExpected", "created_by.name"),
        ("InvalidType", "created_by.id"),
        ("InvalidType", "created_by.type"),
        ("InvalidType", "file_uuid"),
    }
    actor = await drive.post(
        "/v1.0/sessions", json={"file_name": "a", "file_size": 1, "created_by": 5}
    )
    assert actor.json()["validation-errors"][0]["errors"][0]["path"] == "created_by"
    assert (await drive.post("/v1.0/sessions", json=[1])).status_code == 400


async def test_new_version_created_by_and_version_switch(drive: httpx.AsyncClient) -> None:
    first = await upload(drive, b"one")
    second = await upload(
        drive, b"second", file_uuid=first["uuid"], created_by={"id": 0, "type": "robot"}
    )
    assert second["uuid"] == first["uuid"] and second["has_multiple_versions"]
    assert second["created_by"] == first["created_by"]
    assert second["updated_by"] == {"id": 0, "type": "robot"}
    path = f"/v1.0/files/{first['uuid']}"
    back = await drive.patch(
        path, json={"uuid": first["uuid"], "version_uuid": first["version_uuid"]}
    )
    assert back.status_code == 200 and back.json()["size"] == 3
    assert back.json()["request_id"] == "0"
    assert (await drive.get(back.json()["_links"]["download"]["href"])).content == b"one"
    renamed = await drive.patch(
        path, json={"name": "b.txt", "request_id": "7", "updated_by": {"id": 5, "type": "user"}}
    )
    assert renamed.json()["name"] == "b.txt" and renamed.json()["request_id"] == "7"
    assert renamed.json()["updated_by"] == {"id": 5, "type": "user"}


async def test_bad_updates_are_refused(drive: httpx.AsyncClient) -> None:
    file = await upload(drive, b"abc")
    path = f"/v1.0/files/{file['uuid']}"
    bad = await drive.patch(
        path,
        json={
            "uuid": "00000000-0000-4000-8000-000000000000",
            "name": "",
            "version_uuid": "x",
            "created_by": [],
            "size": 1,
            "request_id": "3",
        },
    )
    assert bad.status_code == 400
    entry = bad.json()["validation-errors"][0]
    assert entry["request_id"] == "3"
    assert {e["path"] for e in entry["errors"]} == {
        "size",
        "uuid",
        "name",
        "version_uuid",
        "created_by",
    }
    assert (await drive.patch(path, json=[])).status_code == 400
    missing = "/v1.0/files/00000000-0000-4000-8000-000000000000"
    assert (await drive.patch(missing, json={"name": "x"})).status_code == 404


async def test_list_filters_and_trash(fake: FakeAmoCRM, drive: httpx.AsyncClient) -> None:
    png = await upload(drive, b"image bytes", "image/png")
    txt = await upload(drive, b"some text")
    assert (await drive.get("/v1.0/files", params={"limit": 1})).json()["_links"]["next"]

    async def names(**params: Any) -> list[str]:
        answer = await drive.get("/v1.0/files", params=params)
        return (
            []
            if answer.status_code == 204
            else [f["uuid"] for f in answer.json()["_embedded"]["files"]]
        )

    assert await names() == [png["uuid"], txt["uuid"]]
    assert await names(**{"filter[uuid]": f"{txt['uuid']},x"}) == [txt["uuid"]]
    assert await names(**{"filter[name]": "a.txt"}) == [png["uuid"], txt["uuid"]]
    assert await names(**{"filter[name]": "b.txt"}) == []
    assert await names(**{"filter[term]": "A."}) == [png["uuid"], txt["uuid"]]
    assert await names(**{"filter[term]": "zzz"}) == []
    assert await names(**{"filter[extensions][0]": "png"}) == []
    assert await names(**{"filter[extensions][0]": "txt"}) == [png["uuid"], txt["uuid"]]
    user = png["created_by"]["id"]
    assert await names(**{"filter[created_by][0]": user}) == [png["uuid"], txt["uuid"]]
    assert await names(**{"filter[updated_by][0]": -1}) == []
    assert await names(**{"filter[size][from]": 10}) == [png["uuid"]]
    assert await names(**{"filter[size][to]": 1, "filter[size][unit]": 10}) == [txt["uuid"]]

    deleted = await drive.request("DELETE", "/v1.0/files", json=[{"uuid": png["uuid"]}])
    assert deleted.status_code == 204
    assert await names() == [txt["uuid"]]
    assert await names(**{"filter[deleted]": 1}) == [png["uuid"], txt["uuid"]]
    one = (await drive.get(f"/v1.0/files/{png['uuid']}")).json()
    assert one["is_trashed"] and one["deleted_by"]["type"] == "user"
    refused = await drive.request("DELETE", "/v1.0/files", json=[{"uuid": "nope"}, 3])
    assert [e["request_id"] for e in refused.json()["validation-errors"]] == ["0", "1"]


async def test_missing_files_and_downloads(drive: httpx.AsyncClient) -> None:
    uuid = "00000000-0000-4000-8000-000000000000"
    assert (await drive.get(f"/v1.0/files/{uuid}")).status_code == 204
    assert (await drive.get(f"/download/{uuid}/{uuid}")).status_code == 404
    file = await upload(drive, b"abc")
    assert (await drive.get(f"/download/{file['uuid']}/{uuid}")).status_code == 404


async def test_only_the_drive_host_of_the_token_answers(
    fake: FakeAmoCRM, drive: httpx.AsyncClient, api: httpx.AsyncClient
) -> None:
    assert (await api.get("/v1.0/files")).status_code == 404
    assert (await drive.get("/api/v4/leads")).status_code == 404
    fake.add_account("beta", tld="kommo.com")
    foreign = "https://drive-b.kommo.com"
    for method, path in [
        ("GET", "/v1.0/files"),
        ("GET", "/v1.0/files/00000000-0000-4000-8000-000000000000"),
        ("PATCH", "/v1.0/files/00000000-0000-4000-8000-000000000000"),
        ("DELETE", "/v1.0/files"),
        ("POST", "/v1.0/sessions"),
        ("POST", "/upload/abc"),
        (
            "GET",
            "/download/00000000-0000-4000-8000-000000000000/00000000-0000-4000-8000-000000000000",
        ),
    ]:
        answer = await drive.request(method, f"{foreign}{path}", json={})
        assert answer.status_code == 401, (method, path)
    anonymous = await drive.get("/v1.0/files", headers={"Authorization": ""})
    assert anonymous.status_code == 401
