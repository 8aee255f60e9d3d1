"""Drive files (``amo.files``): the wire format on the drive host (respx), where the token may
go, bad input refused before sending, and end to end against the fake's drive, including a
20 MB upload read from disk in parts with at most one part held ahead of the wire."""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.filters import DriveFilesFilter, Range, SizeCondition
from amocrm_async.models import DriveFile, FileActor, FileType
from amocrm_async.testing import FakeAmoCRM
from amocrm_async.testing.resources.drive import MAX_PART_SIZE

from ..conftest import TOKEN, ClientFactory
from ..models.test_drive import UPLOADED
from .contract import body

pytestmark = pytest.mark.anyio

DRIVE = "https://drive-b.amocrm.ru"
UUID = "6cbab3d5-c4c1-46ff-b710-ad59ad10805f"
VERSION = "0bbd2f5b-6b4f-4b0d-9d35-4e1c8a3a2f10"


def file_json(uuid: str = UUID, name: str = "report.pdf", size: int = 10) -> dict[str, Any]:
    """The drive's answer for a file (the model tests' sample, as a PDF)."""
    return {
        **UPLOADED,
        "id": 77,
        "uuid": uuid,
        "version_uuid": VERSION,
        "name": name,
        "type": "document",
        "size": size,
        "updated_at": 1_700_000_100,
        "metadata": {"extension": "pdf", "mime_type": "application/pdf"},
        "_links": {"download": {"href": f"{DRIVE}/download/{uuid}/{VERSION}"}},
    }


@pytest.fixture
def drive(router: respx.MockRouter) -> respx.Route:
    """The account answering ``with=drive_url``."""
    return router.get("/api/v4/account", params={"with": "drive_url"}).respond(
        200, json={"id": 1, "drive_url": DRIVE}
    )


def uploads(router: respx.MockRouter) -> respx.Route:
    """Every part upload on the drive host, whatever the session token and query."""
    return router.route(method="POST", host="drive-b.amocrm.ru", path__startswith="/upload/")


def auth_of(call: Any) -> str | None:
    value: str | None = call.request.headers.get("Authorization")
    return value


# -- where the drive is --------------------------------------------------------------------------


async def test_drive_url_is_asked_once_and_requests_go_there_with_the_token(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    one = router.get(f"{DRIVE}/v1.0/files/{UUID}").respond(200, json=file_json())
    found = await amo.files.get_one(UUID)
    again = await amo.files.get_one(UUID, with_="deleted")
    assert drive.call_count == 1 and one.call_count == 2
    assert await amo.files.drive_url() == DRIVE
    assert drive.call_count == 1
    assert auth_of(one.calls.last) == f"Bearer {TOKEN}"
    assert one.calls.last.request.url.params["with"] == "deleted"
    assert found.uuid == again.uuid == UUID and found.type is FileType.DOCUMENT
    assert found.created_by == FileActor(id=5, type="user") and found.deleted_by is None
    assert found.download_url == f"{DRIVE}/download/{UUID}/{VERSION}"


async def test_concurrent_first_calls_ask_the_account_once(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    router.get(f"{DRIVE}/v1.0/files/{UUID}").respond(200, json=file_json())
    async with anyio.create_task_group() as tg:
        for _ in range(5):
            tg.start_soon(amo.files.get_one, UUID)
    assert drive.call_count == 1


async def test_use_drive_url_skips_the_account(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get("https://drive-c.kommo.com/v1.0/files/" + UUID).respond(
        200, json=file_json()
    )
    amo.files.use_drive_url("https://drive-c.kommo.com/")
    await amo.files.get_one(UUID)
    assert route.called and len(router.calls) == 1


@pytest.mark.parametrize(
    "url",
    [
        "https://evil.example.com",
        "http://drive-b.amocrm.ru",
        "https://user:pw@drive-b.amocrm.ru",
        "https://drive-b.amocrm.ru:8443",
    ],
)
async def test_a_drive_url_off_amocrm_or_https_is_refused(
    router: respx.MockRouter, amo: AmoCRMClient, url: str
) -> None:
    with pytest.raises(errors.InvalidBaseDomainError):
        amo.files.use_drive_url(url)
    router.get("/api/v4/account").respond(200, json={"drive_url": url})
    with pytest.raises(errors.InvalidBaseDomainError) as caught:
        await amo.files.get_one(UUID)
    assert "pw" not in str(caught.value)
    assert [c.request.url.host for c in router.calls] == ["acme.amocrm.ru"]


async def test_drive_url_must_be_a_string(amo: AmoCRMClient) -> None:
    with pytest.raises(errors.InvalidBaseDomainError, match="string"):
        amo.files.use_drive_url(7)  # type: ignore[arg-type]


@pytest.mark.parametrize("answer", [{"id": 1}, {"drive_url": ""}, [1], None])
async def test_an_account_without_drive_url_is_an_error(
    router: respx.MockRouter, amo: AmoCRMClient, answer: Any
) -> None:
    router.get("/api/v4/account").respond(200, json=answer)
    with pytest.raises(errors.AmoCRMError, match="drive_url"):
        await amo.files.get_one(UUID)


async def test_an_account_answer_that_is_not_json_is_retried_then_raised(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    account = router.get("/api/v4/account").respond(200, text="<html>")
    with pytest.raises(errors.ResponseDecodeError):
        await amo.files.get_one(UUID)
    assert account.call_count == 4


async def test_an_http_client_may_use_an_http_drive(
    router: respx.MockRouter, make_client: ClientFactory
) -> None:
    route = router.get(f"http://127.0.0.1:9000/v1.0/files/{UUID}").respond(200, json=file_json())
    async with AmoCRMClient(
        "http://127.0.0.1:8000",
        access_token=TOKEN,
        allow_any_host=True,
        transport=httpx.MockTransport(router.async_handler),
    ) as amo:
        amo.files.use_drive_url("http://127.0.0.1:9000")
        await amo.files.get_one(UUID)
    assert route.called


# -- reading and changing --------------------------------------------------------------------------


async def test_list_wire_filter_with_and_pages(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    first = {
        "_page": 1,
        "_links": {"next": {"href": f"{DRIVE}/v1.0/files?page=2"}},
        "_embedded": {"files": [file_json()]},
    }
    second = {"_page": 2, "_embedded": {"files": [file_json(OTHER := VERSION, "b.png")]}}
    route = router.get(f"{DRIVE}/v1.0/files").mock(
        side_effect=[httpx.Response(200, json=first), httpx.Response(200, json=second)]
    )
    flt = DriveFilesFilter(uuid=[UUID, OTHER], extensions="pdf", size=SizeCondition(Range(1, 9)))
    page = await amo.files.get(flt, limit=10, with_=["deleted"])
    assert route.calls.last.request.url.params.multi_items() == [
        ("filter[uuid]", f"{UUID},{OTHER}"),
        ("filter[extensions][0]", "pdf"),
        ("filter[size][from]", "1"),
        ("filter[size][to]", "9"),
        ("limit", "10"),
        ("page", "1"),
        ("with", "deleted"),
    ]
    assert [f.name for f in page] == ["report.pdf"] and page.has_next
    following = await page.next_page()
    assert following is not None and [f.name for f in following] == ["b.png"]
    assert all(auth_of(c) == f"Bearer {TOKEN}" for c in route.calls)


async def test_iterate_and_204(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    route = router.get(f"{DRIVE}/v1.0/files").mock(
        side_effect=[
            httpx.Response(
                200,
                json={
                    "_page": 1,
                    "_links": {"next": {"href": f"{DRIVE}/v1.0/files?page=2"}},
                    "_embedded": {"files": [file_json()]},
                },
            ),
            httpx.Response(204),
            httpx.Response(204),
        ]
    )
    names = [f.name async for f in amo.files.iterate(limit=1)]
    assert names == ["report.pdf"] and route.call_count == 2
    assert len(await amo.files.get()) == 0


async def test_missing_file_is_not_found(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    router.get(f"{DRIVE}/v1.0/files/{UUID}").respond(204)
    with pytest.raises(errors.NotFoundError) as caught:
        await amo.files.get_one(UUID)
    assert caught.value.url == f"{DRIVE}/v1.0/files/{UUID}"


async def test_update_one_sends_uuid_name_version_and_fills_back(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    route = router.patch(f"{DRIVE}/v1.0/files/{UUID}").respond(
        200, json=file_json(name="renamed.pdf", size=99)
    )
    file = DriveFile.model_validate(file_json())
    file.name = "renamed.pdf"
    returned = await amo.files.update_one(file)
    assert returned is file
    assert body(route.calls.last) == {
        "uuid": UUID,
        "version_uuid": VERSION,
        "name": "renamed.pdf",
        "request_id": "0",
    }
    assert file.size == 99 and file.updated_at == 1_700_000_100
    assert file.metadata is not None and file.metadata.extension == "pdf"


async def test_delete_and_delete_one_wire(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    route = router.delete(f"{DRIVE}/v1.0/files").mock(
        side_effect=[
            httpx.Response(204),
            httpx.Response(200, json={"result": True}),
            httpx.Response(200, json={"result": False}),
        ]
    )
    await amo.files.delete([UUID, DriveFile(uuid=VERSION)])
    assert body(route.calls.last) == [{"uuid": UUID}, {"uuid": VERSION}]
    await amo.files.delete_one(UUID)
    assert body(route.calls.last) == [{"uuid": UUID}]
    with pytest.raises(errors.AmoCRMError, match="did not delete"):
        await amo.files.delete_one(DriveFile(uuid=UUID))


async def test_bad_reads_and_writes_fail_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="uuid"):
        await amo.files.get_one("")
    with pytest.raises(ValueError, match="with_"):
        await amo.files.get_one(UUID, with_=["contacts"])
    with pytest.raises(ValueError, match="limit"):
        await amo.files.get(limit=0)
    with pytest.raises(ValueError, match="page"):
        await amo.files.get(page=0)
    with pytest.raises(ValueError, match="with_"):
        amo.files.iterate(with_="contacts")
    with pytest.raises(ValueError, match="uuid"):
        await amo.files.update_one(DriveFile(name="x"))
    for bad in ([], [""], [DriveFile(name="x")]):
        with pytest.raises(ValueError, match="file"):
            await amo.files.delete(bad)
    assert not router.calls


# -- upload over the wire ------------------------------------------------------------------------


def session_json(url: str = f"{DRIVE}/upload/t1", part: int = 4) -> dict[str, Any]:
    return {"session_id": 9, "upload_url": url, "max_part_size": part, "max_file_size": 100}


async def test_upload_wire_session_then_parts_on_next_urls(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    session = router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=session_json())
    parts = {
        "t1": httpx.Response(200, json={"session_id": 9, "next_url": f"{DRIVE}/upload/t2?x=1"}),
        "t2": httpx.Response(200, json={"session_id": 9, "next_url": f"{DRIVE}/upload/t3"}),
        "t3": httpx.Response(200, json=file_json(size=10, name="notes.txt")),
    }
    upload = uploads(router).mock(
        side_effect=lambda request: parts[request.url.path.rsplit("/", 1)[1]]
    )
    seen: list[tuple[int, int]] = []
    file = await amo.files.upload(
        b"0123456789",
        name="notes.txt",
        file_uuid=UUID,
        with_preview=True,
        created_by=FileActor(id=5, type="user"),
        progress=lambda sent, total: seen.append((sent, total)),
    )
    assert body(session.calls.last) == {
        "file_name": "notes.txt",
        "file_size": 10,
        "content_type": "text/plain",
        "with_preview": True,
        "file_uuid": UUID,
        "created_by": {"id": 5, "type": "user"},
    }
    assert list(json.loads(session.calls.last.request.content)) == [
        "file_name",
        "file_size",
        "content_type",
        "with_preview",
        "file_uuid",
        "created_by",
    ]
    requests = [c.request for c in upload.calls]
    assert [r.content for r in requests] == [b"0123", b"4567", b"89"]
    assert [r.url.query for r in requests] == [b"", b"x=1", b""]
    assert {r.headers["Content-Type"] for r in requests} == {"text/plain"}
    assert {r.headers["Authorization"] for r in requests} == {f"Bearer {TOKEN}"}
    assert seen == [(4, 10), (8, 10), (10, 10)]
    assert file.name == "notes.txt" and file.uuid == UUID


async def test_upload_session_defaults_and_relative_upload_url(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    session = router.post(f"{DRIVE}/v1.0/sessions").respond(
        200, json={"upload_url": "/upload/r", "max_part_size": 64}
    )
    part = router.post(f"{DRIVE}/upload/r").respond(200, json=file_json(size=3))
    await amo.files.upload(memoryview(b"abc"), name="blob", content_type="application/x-test")
    assert body(session.calls.last) == {
        "file_name": "blob",
        "file_size": 3,
        "content_type": "application/x-test",
    }
    assert part.calls.last.request.headers["Content-Type"] == "application/x-test"
    await amo.files.upload(b"abc", name="data.unknownext")
    assert json.loads(session.calls.last.request.content)["content_type"] == (
        "application/octet-stream"
    )


@pytest.mark.parametrize("where", ["upload_url", "next_url"])
@pytest.mark.parametrize(
    "foreign", ["https://evil.example.com/upload/t", "https://drive-c.amocrm.ru/upload/t"]
)
async def test_upload_urls_off_the_drive_host_are_refused_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route, where: str, foreign: str
) -> None:
    first = foreign if where == "upload_url" else f"{DRIVE}/upload/t1"
    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=session_json(first))
    ours = router.post(f"{DRIVE}/upload/t1").respond(200, json={"next_url": foreign})
    theirs = router.post(foreign).respond(200, json=file_json())
    with pytest.raises(errors.InvalidBaseDomainError, match="refusing"):
        await amo.files.upload(b"0123456789", name="a.bin")
    assert not theirs.called
    assert ours.call_count == (1 if where == "next_url" else 0)
    hosts = {c.request.url.host for c in router.calls}
    assert hosts <= {"acme.amocrm.ru", "drive-b.amocrm.ru"}


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ({"max_part_size": 4}, "upload_url"),
        ({"upload_url": f"{DRIVE}/upload/t1", "max_part_size": 0}, "max_part_size"),
        ({"upload_url": f"{DRIVE}/upload/t1", "max_part_size": True}, "max_part_size"),
        (session_json() | {"max_file_size": 5}, "at most 5"),
    ],
)
async def test_bad_session_answers(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route, answer: Any, match: str
) -> None:
    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=answer)
    parts = uploads(router).respond(200, json=file_json())
    with pytest.raises(errors.AmoCRMError, match=match):
        await amo.files.upload(b"0123456789", name="a.bin")
    assert not parts.called


async def test_drive_ending_early_or_late_is_an_error(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=session_json())
    part = uploads(router).respond(200, json=file_json())
    with pytest.raises(errors.AmoCRMError, match="ended the upload"):
        await amo.files.upload(b"0123456789", name="a.bin")
    part.respond(200, json={"next_url": f"{DRIVE}/upload/t9"})
    with pytest.raises(errors.AmoCRMError, match="expects more"):
        await amo.files.upload(b"0123", name="a.bin")
    part.respond(200, json={"session_id": 9})
    with pytest.raises(errors.AmoCRMError, match="not a file"):
        await amo.files.upload(b"0123", name="a.bin")


async def test_a_lost_part_answer_is_never_resent(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=session_json())
    part = router.post(f"{DRIVE}/upload/t1").respond(502)
    with pytest.raises(errors.OutcomeUnknownError):
        await amo.files.upload(b"0123456789", name="a.bin")
    assert part.call_count == 1
    part.respond(200, text="not json")
    with pytest.raises(errors.OutcomeUnknownError):
        await amo.files.upload(b"0123456789", name="a.bin")


async def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_bad_uploads_fail_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient, tmp_path: Path
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"abc")
    cases: list[tuple[type[Exception], str, dict[str, Any]]] = [
        (ValueError, "empty", {"source": b"", "name": "a"}),
        (ValueError, "name", {"source": b"abc"}),
        (ValueError, "name", {"source": b"abc", "name": " "}),
        (ValueError, "size", {"source": _chunks(b"abc", 2), "name": "a"}),
        (ValueError, "size", {"source": b"abc", "name": "a", "size": 4}),
        (ValueError, "size", {"source": path, "size": 4}),
        (TypeError, "size", {"source": b"abc", "name": "a", "size": "3"}),
        (TypeError, "source", {"source": 42, "name": "a"}),
        (ValueError, "content_type", {"source": b"abc", "name": "a", "content_type": "text"}),
        (TypeError, "progress", {"source": b"abc", "name": "a", "progress": 1}),
        (TypeError, "with_preview", {"source": b"abc", "name": "a", "with_preview": 1}),
        (ValueError, "file_uuid", {"source": b"abc", "name": "a", "file_uuid": ""}),
        (TypeError, "created_by", {"source": b"abc", "name": "a", "created_by": {"id": 1}}),
    ]
    for error, match, kwargs in cases:
        with pytest.raises(error, match=match):
            await amo.files.upload(**kwargs)
    with pytest.raises(FileNotFoundError):
        await amo.files.upload(tmp_path / "missing.bin")
    assert not router.calls


async def test_stream_with_a_wrong_size_or_items_stops(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=session_json())
    part = uploads(router).respond(200, json={"next_url": f"{DRIVE}/upload/t2"})
    with pytest.raises(ValueError, match="more than the 6"):
        await amo.files.upload(_chunks(b"0123456789", 10), name="a", size=6)
    assert not part.called
    with pytest.raises(ValueError, match="ended after 6"):
        await amo.files.upload(_chunks(b"012345", 5), name="a", size=10)

    async def not_bytes() -> AsyncIterator[Any]:
        yield "text"

    with pytest.raises(TypeError, match="yielded str"):
        await amo.files.upload(not_bytes(), name="a", size=4)


# -- end to end against the fake -----------------------------------------------------------------


async def download(fake: FakeAmoCRM, url: str) -> bytes:
    headers = {"Authorization": f"Bearer {fake.long_lived_token()}"}
    async with httpx.AsyncClient(transport=fake.transport, headers=headers) as raw:
        response = await raw.get(url)
    assert response.status_code == 200
    return response.content


async def test_read_update_delete_end_to_end(fake: FakeAmoCRM, fake_client: AmoCRMClient) -> None:
    made = [
        await fake_client.files.upload(f"file {i}".encode(), name=f"f{i}.txt") for i in range(3)
    ]
    assert [f.size for f in made] == [6, 6, 6]
    found = await fake_client.files.get_one(made[0].uuid or "")
    assert found == made[0]
    assert found.metadata is not None and found.metadata.mime_type == "text/plain"
    names = [f.name async for f in fake_client.files.iterate(limit=2)]
    assert names == ["f0.txt", "f1.txt", "f2.txt"]
    only = await fake_client.files.get(DriveFilesFilter(uuid=[made[1].uuid or ""]))
    assert [f.name for f in only] == ["f1.txt"]

    found.name = "renamed.txt"
    await fake_client.files.update_one(found)
    assert (await fake_client.files.get_one(found.uuid or "")).name == "renamed.txt"

    await fake_client.files.delete_one(made[2])
    await fake_client.files.delete([made[1].uuid or ""])
    assert [f.name async for f in fake_client.files.iterate()] == ["renamed.txt"]
    trashed = await fake_client.files.get(DriveFilesFilter(deleted=True))
    assert [(f.name, f.is_trashed) for f in trashed] == [
        ("renamed.txt", False),
        ("f1.txt", True),
        ("f2.txt", True),
    ]
    assert (await fake_client.files.get_one(made[2].uuid or "")).deleted_by is not None
    assert await download(fake, made[1].download_url or "") == b"file 1"

    version = await fake_client.files.upload(b"second version", name="v2.txt", file_uuid=found.uuid)
    assert version.uuid == found.uuid and version.has_multiple_versions
    assert version.version_uuid != found.version_uuid

    hosts = {(r.host, "authorization" in r.headers) for r in fake.requests}
    assert hosts == {("acme.amocrm.ru", True), ("drive-b.amocrm.ru", True)}
    assert sum(r.path == "/api/v4/account" for r in fake.requests) == 1


async def test_missing_file_on_the_fake_is_not_found(fake_client: AmoCRMClient) -> None:
    with pytest.raises(errors.NotFoundError):
        await fake_client.files.get_one(UUID)
    with pytest.raises(errors.RequestValidationError):
        await fake_client.files.delete_one(UUID)


class _Ledger:
    """Bytes read from the source and bytes sent in parts, and the most held in between."""

    def __init__(self) -> None:
        self.read = 0
        self.sent = 0
        self.peak = 0
        self.parts: list[int] = []

    def took(self, count: int) -> None:
        self.read += count
        self.peak = max(self.peak, self.read - self.sent)


class _CountingTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, ledger: _Ledger) -> None:
        self.inner = inner
        self.ledger = ledger

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/upload/"):
            self.ledger.parts.append(len(request.content))
            self.ledger.sent += len(request.content)
        return await self.inner.handle_async_request(request)


def counted_client(fake: FakeAmoCRM, ledger: _Ledger) -> AmoCRMClient:
    """A client on the fake whose part uploads are booked in ``ledger``."""
    return AmoCRMClient(
        fake.base_domain,
        access_token=fake.long_lived_token(),
        transport=_CountingTransport(fake.transport, ledger),
        clock=fake.clock,
    )


class _CountingFile:
    """An anyio file whose reads are booked in the ledger."""

    def __init__(self, inner: Any, ledger: _Ledger) -> None:
        self.inner = inner
        self.ledger = ledger
        self.reads: list[int] = []

    async def __aenter__(self) -> _CountingFile:
        await self.inner.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.inner.__aexit__(*exc)

    async def read(self, size: int = -1) -> bytes:
        data: bytes = await self.inner.read(size)
        self.reads.append(size)
        self.ledger.took(len(data))
        return data


async def test_20_mb_from_disk_in_parts_with_at_most_one_part_held(
    fake: FakeAmoCRM, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    size = 20 * 1024 * 1024 + 12_345
    path = tmp_path / "big.bin"
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(20):
            block = os.urandom(1024 * 1024)
            digest.update(block)
            out.write(block)
        tail = os.urandom(12_345)
        digest.update(tail)
        out.write(tail)
    ledger = _Ledger()
    opened: list[_CountingFile] = []
    real_open = anyio.open_file

    async def counting_open(*args: Any, **kwargs: Any) -> _CountingFile:
        wrapped = _CountingFile(await real_open(*args, **kwargs), ledger)
        opened.append(wrapped)
        return wrapped

    monkeypatch.setattr(anyio, "open_file", counting_open)
    progress: list[tuple[int, int]] = []

    async def report(sent: int, total: int) -> None:
        progress.append((sent, total))

    async with counted_client(fake, ledger) as amo:
        file = await amo.files.upload(path, progress=report)

    count = math.ceil(size / MAX_PART_SIZE)
    assert count == 41
    assert ledger.parts == [MAX_PART_SIZE] * (count - 1) + [size - MAX_PART_SIZE * (count - 1)]
    assert ledger.peak <= MAX_PART_SIZE
    assert max(opened[0].reads) <= MAX_PART_SIZE
    assert progress == [(min(size, MAX_PART_SIZE * n), size) for n in range(1, count + 1)]
    assert file.name == "big.bin" and file.size == size and file.type is FileType.FILE
    assert hashlib.sha256(await download(fake, file.download_url or "")).digest() == (
        digest.digest()
    )
    uploads = [r for r in fake.requests if r.path.startswith("/upload/")]
    assert len(uploads) == count and {r.status for r in uploads} == {200}


async def test_a_stream_in_odd_chunks_is_re_cut_into_full_parts(fake: FakeAmoCRM) -> None:
    data = os.urandom(3 * MAX_PART_SIZE + 1000)
    chunk = 100_000
    ledger = _Ledger()

    async def source() -> AsyncIterator[bytes]:
        for start in range(0, len(data), chunk):
            piece = data[start : start + chunk]
            ledger.took(len(piece))
            yield piece

    async with counted_client(fake, ledger) as amo:
        file = await amo.files.upload(source(), name="stream.bin", size=len(data))
    assert ledger.parts == [MAX_PART_SIZE] * 3 + [1000]
    assert ledger.peak <= MAX_PART_SIZE + chunk
    assert await download(fake, file.download_url or "") == data


async def test_a_file_that_shrinks_while_read_stops_the_upload(
    router: respx.MockRouter,
    amo: AmoCRMClient,
    drive: respx.Route,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "a.bin"
    path.write_bytes(b"0123456789")
    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=session_json(part=8))
    part = uploads(router).respond(200, json={"next_url": f"{DRIVE}/upload/t2"})

    class Trickle:
        """Reads 3 bytes at a time, and the file ends after 9 of its 10 bytes."""

        def __init__(self) -> None:
            self.data = b"012345678"

        async def __aenter__(self) -> Trickle:
            return self

        async def __aexit__(self, *exc: object) -> None:
            return None

        async def read(self, size: int) -> bytes:
            piece, self.data = self.data[: min(size, 3)], self.data[min(size, 3) :]
            return piece

    async def trickle_open(*args: Any, **kwargs: Any) -> Trickle:
        return Trickle()

    monkeypatch.setattr(anyio, "open_file", trickle_open)
    with pytest.raises(ValueError, match="shrank"):
        await amo.files.upload(path)
    assert [c.request.content for c in part.calls] == [b"01234567"]


async def test_a_session_answer_that_is_not_an_object_is_an_unknown_outcome(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=[1, 2])
    with pytest.raises(errors.OutcomeUnknownError):
        await amo.files.upload(b"abc", name="a")


async def test_bytes_of_any_item_format_go_as_raw_bytes(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    import array

    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=session_json(part=64))
    part = uploads(router).respond(200, json=file_json(size=4))
    words = array.array("H", [1, 2])
    await amo.files.upload(memoryview(words), name="w.bin")
    assert part.calls.last.request.content == words.tobytes()


async def test_a_part_refused_with_429_is_sent_again(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    router.post(f"{DRIVE}/v1.0/sessions").respond(200, json=session_json(part=64))
    part = uploads(router).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(200, json=file_json(size=3)),
        ]
    )
    await amo.files.upload(b"abc", name="a.bin")
    assert [c.request.content for c in part.calls] == [b"abc", b"abc"]


async def test_a_with_options_view_finds_the_drive_itself(
    router: respx.MockRouter, amo: AmoCRMClient, drive: respx.Route
) -> None:
    one = router.get(f"{DRIVE}/v1.0/files/{UUID}").respond(200, json=file_json())
    await amo.files.get_one(UUID)
    view = amo.with_options(context_user_id=7)
    await view.files.get_one(UUID)
    assert drive.call_count == 2
    assert one.calls.last.request.headers["X-Context-User-ID"] == "7"
