"""Files of the account's drive (api-surface.md §5.30, §7.19): ``amo.files``.

The drive is a separate service on its own host (``drive_url`` of the account); a file there is
keyed by ``uuid`` and has versions (``version_uuid`` is the current one). These are not the
attachments of an entity (:class:`~amocrm_async.models.EntityFile`), which only point at drive
files by uuid.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from ._base import AmoEntity, AmoStruct, struct
from ._hal import HalLink, HalLinks

__all__ = ["DriveFile", "DriveFileLinks", "FileActor", "FileMetadata", "FilePreview", "FileType"]


class FileType(StrEnum):
    """What kind of file the drive says a version is."""

    IMAGE = "image"
    VIDEO = "video"
    AUDIO = "audio"
    DOCUMENT = "document"
    FILE = "file"


@struct
class FileActor(AmoStruct):
    """Who created, changed or deleted a file: ``{"id": 5, "type": "user"}``."""

    id: int
    type: str


@struct
class FileMetadata(AmoStruct):
    extension: str | None = None
    mime_type: str | None = None


@struct
class FilePreview(AmoStruct):
    download_link: str | None = None
    width: int | None = None
    height: int | None = None


@struct
class DriveFileLinks(HalLinks):
    """``_links`` of a file: ``download`` (current version) and ``download_version``."""

    download: HalLink | None = None
    download_version: HalLink | None = None


class DriveFile(AmoEntity):
    """A file in the account's drive.

    An update (``amo.files.update_one``) is addressed by ``uuid`` and sends ``uuid``, ``name``
    (rename) and ``version_uuid`` (which version is current) with a ``request_id``. Unlike the
    PHP library, ``created_by``/``updated_by`` are never sent back: an echoed actor would
    re-attribute the file to whoever read it last.
    """

    __read_only__ = frozenset(
        {
            "id",
            "updated_at",
            "size",
            "sanitized_name",
            "type",
            "source_id",
            "is_trashed",
            "has_multiple_versions",
            "created_at",
            "created_by",
            "updated_by",
            "deleted_at",
            "deleted_by",
            "metadata",
            "previews",
            "links",
        }
    )

    uuid: str | None = None
    version_uuid: str | None = None
    name: str | None = None
    size: int | None = None
    sanitized_name: str | None = None
    type: FileType | str | None = Field(default=None, union_mode="left_to_right")
    source_id: int | None = None
    is_trashed: bool | None = None
    has_multiple_versions: bool | None = None
    created_at: int | None = None
    created_by: FileActor | None = None
    updated_by: FileActor | None = None
    deleted_at: int | None = None
    deleted_by: FileActor | None = None
    metadata: FileMetadata | None = None
    previews: list[FilePreview] | None = None
    links: DriveFileLinks | None = Field(default=None, alias="_links")

    @field_validator("deleted_by", mode="before")
    @classmethod
    def _no_actor(cls, value: Any) -> Any:
        """The drive sends ``{"id": null, "type": null}`` (or ``[]``) for a file never deleted."""
        if value == [] or (isinstance(value, dict) and value.get("id") is None):
            return None
        return value

    @property
    def download_url(self) -> str | None:
        """Where the current version can be downloaded (``_links.download.href``)."""
        link = self.links.download if self.links is not None else None
        return link.href if link is not None else None

    def _check_writable(self) -> None:
        if not isinstance(self.uuid, str) or not self.uuid:
            raise ValueError("DriveFile.uuid is required to update a drive file")
