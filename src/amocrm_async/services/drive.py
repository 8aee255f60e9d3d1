"""Drive files — ``/v1.0/files`` and upload sessions on the account's drive host (§5.30).

The drive is not on the account host: ``GET /api/v4/account?with=drive_url`` names it (e.g.
``https://drive-b.amocrm.ru``). ``amo.files`` asks once per client (or takes the address from
:meth:`DriveFilesService.use_drive_url`) and sends its requests there through a copy of the
client's pipeline, so they keep the account's token, rate limits, retries and errors. The token
goes to that host only: an upload URL the drive answers with must be on the same host, or the
upload stops before the part (with the token and the file's bytes) is sent anywhere else.

An upload is a session (``POST /v1.0/sessions`` with name, size and MIME type) followed by the
file's bytes in parts of at most ``max_part_size`` (the session says how big), each ``POST``-ed
to the URL the previous answer gave (``upload_url``, then each ``next_url``); the last answer is
the file. Parts are read as they are sent, so at most one part is held ahead of the wire.
"""

from __future__ import annotations

import dataclasses
import inspect
import mimetypes
import os
from collections.abc import AsyncGenerator, AsyncIterable, Awaitable, Callable, Iterable, Mapping
from contextlib import aclosing
from typing import Any, Unpack
from urllib.parse import urlsplit

import anyio

from .._domains import normalize_base_domain, split_origin
from .._pagination import Page, PageIterator, PageResult
from .._pipeline import APIResponse, Pipeline
from .._service import CallOptions, Service, request_options, with_param
from ..errors import AmoCRMError, InvalidBaseDomainError
from ..filters import DriveFilesFilter
from ..models import DriveFile, DriveFileWith, FileActor, with_values
from ._keyed import get_by_key, key_segment
from ._pages import ListQuery, ListReader

__all__ = ["DriveFilesService", "UploadProgress", "UploadSource"]

UploadSource = str | os.PathLike[str] | bytes | bytearray | memoryview | AsyncIterable[bytes]
"""A path to read from disk, the bytes themselves, or an async iterator of bytes."""
UploadProgress = Callable[[int, int], Awaitable[None] | None]
"""``progress(bytes_sent, total)``, called (or awaited) after every part the drive accepted."""

_BACK_FILLED = ("id", "uuid", "version_uuid", "name", "size", "metadata", "updated_at")
"""What an update copies back from the drive's answer onto the model sent."""


class DriveFilesService(Service):
    """The account's drive: list, read, rename and delete files, and upload new ones.

    ``get_one``/``get``/``iterate``/``update_one``/``delete``/``delete_one`` address files by
    ``uuid``; ``upload`` creates a file (or, with ``file_uuid=``, a new version of one).
    """

    path = "/v1.0/files"
    with_allowed = with_values(DriveFileWith)

    def __init__(self, pipeline: Pipeline, *, parent: Service | None = None, scope: int = 0):
        super().__init__(pipeline, parent=parent, scope=scope)
        self._drive: Pipeline | None = None
        self._resolving: anyio.Lock | None = None

    # -- where the drive is ----------------------------------------------------------------

    def use_drive_url(self, url: str) -> None:
        """Send drive requests to ``url`` instead of asking the account for its ``drive_url``
        (e.g. when ``amo.account`` was read with ``with_=["drive_url"]`` already).

        The address is kept by this client; a ``with_options`` view has services of its own
        and asks the account again on its first drive call.
        """
        self._drive = self._drive_pipeline(url)

    async def drive_url(self, **options: Unpack[CallOptions]) -> str:
        """The drive's address (``scheme://host``), asked of the account once per client."""
        drive = await self._drive_for(options)
        assert drive.origin is not None
        return drive.origin

    def _drive_pipeline(self, url: str) -> Pipeline:
        """A pipeline to the drive at ``url``: an account-style host over https (http only for
        a client that is itself on http, i.e. a local fake with ``allow_any_host``)."""
        if not isinstance(url, str):
            raise InvalidBaseDomainError(f"drive_url must be a string, got {type(url).__name__}")
        scheme, _ = split_origin(url)
        host = normalize_base_domain(url, allow_any_host=True)
        scheme = scheme or "https"
        if scheme not in ("https", self._pipeline.scheme) or not self._pipeline.host_allowed(host):
            raise InvalidBaseDomainError(
                f"refusing {scheme}://{host} as the drive: the token only goes to an "
                "amoCRM/Kommo host over https"
            )
        return self._pipeline.copy(origin=f"{scheme}://{host}")

    async def _drive_for(self, options: CallOptions) -> Pipeline:
        if self._drive is None:
            if self._resolving is None:
                self._resolving = anyio.Lock()
            async with self._resolving:
                if self._drive is None:
                    url = await self._pipeline.request_decoded(
                        "GET",
                        "/api/v4/account",
                        _drive_url_of,
                        query=[("with", "drive_url")],
                        options=request_options(options),
                    )
                    if not isinstance(url, str) or not url:
                        raise AmoCRMError("the account did not report its drive_url")
                    self._drive = self._drive_pipeline(url)
        return self._drive

    # -- reading ---------------------------------------------------------------------------

    async def get_one(
        self, uuid: str, *, with_: Iterable[str] | None = None, **options: Unpack[CallOptions]
    ) -> DriveFile:
        """One file by ``uuid``; :class:`~amocrm_async.errors.NotFoundError` if there is none."""
        segment = key_segment(uuid, "uuid")
        query = with_param([with_] if isinstance(with_, str) else with_, self.with_allowed)
        drive = await self._drive_for(options)
        return await get_by_key(
            drive,
            f"{self.path}/{segment}",
            DriveFile,
            what=f"drive file {uuid}",
            query=query,
            options=options,
        )

    def _fetcher(
        self,
        filter: DriveFilesFilter | None,
        with_: Iterable[str] | None,
        limit: int,
        options: CallOptions,
    ) -> Callable[[int], Awaitable[PageResult[DriveFile]]]:
        """Fetch page N; the query is checked now, the drive is found on the first fetch."""
        values = [with_] if isinstance(with_, str) else with_
        query = ListQuery(filter=filter, after=with_param(values, self.with_allowed), limit=limit)
        sent = request_options(options)

        async def fetch(page: int) -> PageResult[DriveFile]:
            reader = ListReader(await self._drive_for(options), self.path, "files", DriveFile)
            return await reader.fetcher(query, sent)(page)

        return fetch

    async def get(
        self,
        filter: DriveFilesFilter | None = None,
        *,
        page: int = 1,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Page[DriveFile]:
        """One page of files; an empty page (the drive's 204) has no items."""
        if page < 1:
            raise ValueError("page numbers start at 1")
        fetch = self._fetcher(filter, with_, limit, options)
        return Page(await fetch(page), fetch)

    def iterate(
        self,
        filter: DriveFilesFilter | None = None,
        *,
        limit: int = 250,
        with_: Iterable[str] | None = None,
        concurrency: int = 1,
        **options: Unpack[CallOptions],
    ) -> PageIterator[DriveFile]:
        """Every matching file, fetching pages as the loop consumes them."""
        fetch = self._fetcher(filter, with_, limit, options)
        return PageIterator(fetch, concurrency=concurrency)

    # -- changing --------------------------------------------------------------------------

    async def update_one(self, file: DriveFile, **options: Unpack[CallOptions]) -> DriveFile:
        """Rename a file or switch its current version: ``PATCH /v1.0/files/{uuid}``.

        Sends ``uuid``, ``name``, ``version_uuid`` and a ``request_id``; copies back what the
        drive answers (id, version, size, metadata, ``updated_at``) and returns ``file``.
        """
        payload = file.to_api()
        payload["request_id"] = file.request_id or "0"
        assert file.uuid is not None
        drive = await self._drive_for(options)
        answer = await drive.request_decoded(
            "PATCH",
            f"{self.path}/{key_segment(file.uuid, 'uuid')}",
            _file_of,
            json=payload,
            options=request_options(options),
            request_ids=[payload["request_id"]],
        )
        for name in _BACK_FILLED:
            value = getattr(answer, name)
            if value is not None:
                setattr(file, name, value)
        return file

    async def delete(
        self, files: Iterable[DriveFile | str], **options: Unpack[CallOptions]
    ) -> None:
        """Move files to the drive's trash: ``DELETE /v1.0/files`` with ``[{uuid}, ...]``."""
        uuids = _uuids(files)
        drive = await self._drive_for(options)
        response = await drive.request(
            "DELETE",
            self.path,
            json=[{"uuid": uuid} for uuid in uuids],
            options=request_options(options),
            request_ids=uuids,
        )
        body = response.json() if response.content else None
        if isinstance(body, Mapping) and body.get("result") is False:
            raise AmoCRMError(f"the drive did not delete the files {uuids}")

    async def delete_one(self, file: DriveFile | str, **options: Unpack[CallOptions]) -> None:
        """Move one file to the drive's trash (see :meth:`delete`)."""
        await self.delete([file], **options)

    # -- uploading -------------------------------------------------------------------------

    async def upload(
        self,
        source: UploadSource,
        *,
        name: str | None = None,
        size: int | None = None,
        content_type: str | None = None,
        file_uuid: str | None = None,
        with_preview: bool = False,
        created_by: FileActor | None = None,
        progress: UploadProgress | None = None,
        **options: Unpack[CallOptions],
    ) -> DriveFile:
        """Upload a file to the drive and return it.

        ``source`` is a path (read from disk part by part), ``bytes``, or an async iterator of
        bytes (then ``size=`` is required: the session needs it up front). ``name`` defaults to
        the path's base name; ``content_type`` to the MIME type guessed from the name.
        ``file_uuid=`` uploads a new version of that file; ``created_by`` names who added it.
        ``progress(sent, total)`` is called after every part. At most one part of a path or
        bytes source is held ahead of what has been sent (for a stream: one part plus one of
        its chunks); a stream is closed (``aclose``) when the upload ends.

        Bad arguments raise :class:`ValueError`/:class:`TypeError` before any request. A part
        whose answer is lost raises :class:`~amocrm_async.errors.OutcomeUnknownError` (it is
        never resent); an upload URL on another host than the drive raises
        :class:`~amocrm_async.errors.InvalidBaseDomainError` before anything goes there.
        """
        upload = await _Upload.prepare(
            source, name=name, size=size, content_type=content_type, progress=progress
        )
        session = _session_body(upload, file_uuid, with_preview, created_by)
        drive = await self._drive_for(options)
        sent = request_options(options)
        opened = await drive.request_decoded(
            "POST", "/v1.0/sessions", _mapping, json=session, options=sent
        )
        url, part_size = _session_answer(opened, upload.size)
        headers = {**(sent.extra_headers or {}), "Content-Type": upload.content_type}
        part_options = dataclasses.replace(sent, extra_headers=headers)
        answer: Mapping[str, Any] = {}
        async with aclosing(upload.parts(part_size)) as parts:
            async for part in parts:
                path, query = _on_drive(drive, url)
                answer = await drive.request_decoded(
                    "POST", path, _mapping, query=query, content=part, options=part_options
                )
                await upload.sent(len(part))
                if upload.done:
                    break
                next_url = answer.get("next_url")
                if not isinstance(next_url, str) or not next_url:
                    raise AmoCRMError(
                        f"the drive ended the upload of {upload.name!r} after "
                        f"{upload.sent_bytes} of {upload.size} bytes"
                    )
                url = next_url
        if answer.get("next_url"):
            raise AmoCRMError(
                f"the drive expects more than the {upload.size} bytes of {upload.name!r}"
            )
        file = DriveFile.model_validate(answer)
        if not file.uuid:
            raise AmoCRMError(f"the drive's last answer for {upload.name!r} is not a file")
        return file


class _Upload:
    """One file being uploaded: its name, size and type, and its parts as they are read."""

    def __init__(
        self,
        source: UploadSource,
        name: str,
        size: int,
        content_type: str,
        progress: UploadProgress | None,
    ) -> None:
        self.source = source
        self.name = name
        self.size = size
        self.content_type = content_type
        self.progress = progress
        self.sent_bytes = 0

    @classmethod
    async def prepare(
        cls,
        source: UploadSource,
        *,
        name: str | None,
        size: int | None,
        content_type: str | None,
        progress: UploadProgress | None,
    ) -> _Upload:
        """Check everything about the upload that can be checked before a request."""
        if size is not None and (isinstance(size, bool) or not isinstance(size, int)):
            raise TypeError(f"size: expected int, got {type(size).__name__}")
        if isinstance(source, str | os.PathLike):
            stat = await anyio.Path(source).stat()
            if size is not None and size != stat.st_size:
                raise ValueError(f"size: {size} given, but {source} has {stat.st_size} bytes")
            name = os.path.basename(os.fspath(source)) if name is None else name
            size = stat.st_size
        elif isinstance(source, bytes | bytearray | memoryview):
            length = memoryview(source).nbytes
            if size is not None and size != length:
                raise ValueError(f"size: {size} given, but the bytes are {length} long")
            size = length
        elif isinstance(source, AsyncIterable):
            if size is None:
                raise ValueError("size: required for a stream (the upload session needs it)")
        else:
            raise TypeError(
                "source: expected a path, bytes or an async iterator of bytes, "
                f"got {type(source).__name__}"
            )
        if not isinstance(name, str) or not name.strip():
            raise ValueError("name: required (a non-empty file name) unless source is a path")
        if size <= 0:
            raise ValueError(f"size: the drive takes no empty files (size={size})")
        if content_type is None:
            content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        elif not isinstance(content_type, str) or "/" not in content_type:
            raise ValueError(f"content_type: expected a MIME type, got {content_type!r}")
        if progress is not None and not callable(progress):
            raise TypeError("progress: expected a callable (sent, total)")
        return cls(source, name, size, content_type, progress)

    @property
    def done(self) -> bool:
        return self.sent_bytes >= self.size

    async def sent(self, count: int) -> None:
        self.sent_bytes += count
        if self.progress is not None:
            result = self.progress(self.sent_bytes, self.size)
            if inspect.isawaitable(result):
                await result

    def parts(self, part_size: int) -> AsyncGenerator[bytes, None]:
        source = self.source
        if isinstance(source, str | os.PathLike):
            return self._file_parts(source, part_size)
        if isinstance(source, bytes | bytearray | memoryview):
            return self._bytes_parts(memoryview(source), part_size)
        return self._stream_parts(source, part_size)

    async def _file_parts(
        self, path: str | os.PathLike[str], part_size: int
    ) -> AsyncGenerator[bytes, None]:
        async with await anyio.open_file(path, "rb") as file:
            left = self.size
            while left > 0:
                want = min(part_size, left)
                part = await file.read(want)
                while len(part) < want:
                    more = await file.read(want - len(part))
                    if not more:
                        raise ValueError(f"{path} shrank while it was uploaded")
                    part += more
                left -= want
                yield part

    async def _bytes_parts(self, view: memoryview, part_size: int) -> AsyncGenerator[bytes, None]:
        flat = view.cast("B") if view.ndim != 1 or view.format != "B" else view
        for start in range(0, len(flat), part_size):
            yield flat[start : start + part_size].tobytes()

    async def _stream_parts(
        self, stream: AsyncIterable[bytes], part_size: int
    ) -> AsyncGenerator[bytes, None]:
        buffer = bytearray()
        read = 0
        chunks = aiter(stream)
        try:
            async for chunk in chunks:
                if not isinstance(chunk, bytes | bytearray | memoryview):
                    raise TypeError(f"source: the stream yielded {type(chunk).__name__}, not bytes")
                view = memoryview(chunk).cast("B")
                read += len(view)
                if read > self.size:
                    raise ValueError(f"size: the stream has more than the {self.size} bytes given")
                while len(buffer) + len(view) >= part_size:
                    take = part_size - len(buffer)
                    buffer += view[:take]
                    view = view[take:]
                    part = bytes(buffer)
                    buffer.clear()
                    yield part
                buffer += view
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()
        if buffer:
            yield bytes(buffer)
        if read < self.size:
            raise ValueError(f"size: the stream ended after {read} of the {self.size} bytes given")


def _session_body(
    upload: _Upload, file_uuid: str | None, with_preview: bool, created_by: FileActor | None
) -> dict[str, Any]:
    """``POST /v1.0/sessions``, keys in the PHP library's order."""
    body: dict[str, Any] = {
        "file_name": upload.name,
        "file_size": upload.size,
        "content_type": upload.content_type,
    }
    if not isinstance(with_preview, bool):
        raise TypeError(f"with_preview: expected bool, got {type(with_preview).__name__}")
    if with_preview:
        body["with_preview"] = True
    if file_uuid is not None:
        if not isinstance(file_uuid, str) or not file_uuid.strip():
            raise ValueError(f"file_uuid: expected the uuid of a drive file, got {file_uuid!r}")
        body["file_uuid"] = file_uuid
    if created_by is not None:
        if not isinstance(created_by, FileActor):
            raise TypeError(f"created_by: expected FileActor, got {type(created_by).__name__}")
        body["created_by"] = created_by.to_api()
    return body


def _session_answer(answer: Mapping[str, Any], size: int) -> tuple[str, int]:
    url = answer.get("upload_url")
    part_size = answer.get("max_part_size")
    if not isinstance(url, str) or not url:
        raise AmoCRMError("the drive opened the upload session without an upload_url")
    if isinstance(part_size, bool) or not isinstance(part_size, int) or part_size <= 0:
        raise AmoCRMError(f"the drive's max_part_size is not a positive int: {part_size!r}")
    limit = answer.get("max_file_size")
    if isinstance(limit, int) and not isinstance(limit, bool) and size > limit:
        raise AmoCRMError(f"the file has {size} bytes; the drive takes at most {limit}")
    return url, part_size


def _on_drive(drive: Pipeline, url: str) -> tuple[str, str]:
    """Path and query of an upload URL, which must be on the drive's own host."""
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}".lower()
    relative = not parts.scheme and not parts.netloc and parts.path.startswith("/")
    if not relative and (origin != drive.origin or "@" in parts.netloc):
        raise InvalidBaseDomainError(
            f"the drive answered with an upload URL on {parts.netloc.rpartition('@')[2]!r}, not "
            f"on {drive.origin}; refusing to send the token and the file there"
        )
    return parts.path or "/", parts.query


def _drive_url_of(response: APIResponse) -> object:
    """``drive_url`` of the account's answer (None if it has none; bad JSON raises)."""
    body = response.json()
    return body.get("drive_url") if isinstance(body, Mapping) else None


def _mapping(response: APIResponse) -> Mapping[str, Any]:
    body = response.json()
    if not isinstance(body, Mapping):
        raise ValueError("the drive's answer is not a JSON object")
    return body


def _file_of(response: APIResponse) -> DriveFile:
    return DriveFile.model_validate(_mapping(response))


def _uuids(files: Iterable[DriveFile | str]) -> list[str]:
    uuids: list[str] = []
    for position, item in enumerate(files):
        uuid = item.uuid if isinstance(item, DriveFile) else item
        if not isinstance(uuid, str) or not uuid.strip():
            raise ValueError(f"files[{position}]: a drive file needs its uuid")
        uuids.append(uuid)
    if not uuids:
        raise ValueError("files: give at least one file or uuid")
    return uuids
