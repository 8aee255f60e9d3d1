"""``DriveFile``: the drive's answer parsed (types, actors, links, "never deleted" shapes),
what an update sends, and unknown values kept."""

from __future__ import annotations

from typing import Any

import pytest

from amocrm_async.models import DriveFile, FileActor, FilePreview, FileType

UPLOADED: dict[str, Any] = {
    "id": 7_000_001,
    "uuid": "6cbab3d5-c4c1-46ff-b710-ad59ad10805f",
    "version_uuid": "0bbd2f5b-6b4f-4b0d-9d35-4e1c8a3a2f10",
    "name": "photo.png",
    "sanitized_name": "photo.png",
    "type": "image",
    "size": 1024,
    "source_id": None,
    "is_trashed": False,
    "has_multiple_versions": False,
    "created_at": 1_700_000_000,
    "created_by": {"id": 5, "type": "user"},
    "updated_at": 1_700_000_000,
    "updated_by": {"id": 5, "type": "user"},
    "deleted_at": None,
    "deleted_by": {"id": None, "type": None},
    "metadata": {"extension": "png", "mime_type": "image/png"},
    "previews": [{"download_link": "https://drive-b.amocrm.ru/p/1", "width": 64, "height": 48}],
    "_links": {
        "download": {"href": "https://drive-b.amocrm.ru/download/a/b"},
        "download_version": {"href": "https://drive-b.amocrm.ru/download/a/b/v"},
    },
    "future_field": 1,
}


def test_the_drive_answer_parses() -> None:
    file = DriveFile.model_validate(UPLOADED)
    assert file.type is FileType.IMAGE and file.deleted_by is None
    assert file.created_by == FileActor(id=5, type="user")
    assert file.previews == [
        FilePreview(download_link="https://drive-b.amocrm.ru/p/1", width=64, height=48)
    ]
    assert file.download_url == "https://drive-b.amocrm.ru/download/a/b"
    assert file.links is not None and file.links.download_version is not None
    assert file.model_dump(by_alias=True)["future_field"] == 1


@pytest.mark.parametrize("value", [[], None, {"id": None, "type": None}])
def test_never_deleted_shapes(value: Any) -> None:
    assert DriveFile.model_validate({**UPLOADED, "deleted_by": value}).deleted_by is None


def test_deleted_by_and_unknown_types_are_kept() -> None:
    file = DriveFile.model_validate(
        {**UPLOADED, "type": "hologram", "deleted_by": {"id": 3, "type": "user"}}
    )
    assert file.type == "hologram" and file.deleted_by == FileActor(id=3, type="user")
    assert DriveFile(uuid="u").download_url is None


def test_update_payload_is_uuid_name_and_version_only() -> None:
    file = DriveFile.model_validate(UPLOADED)
    assert file.to_api() == {
        "uuid": UPLOADED["uuid"],
        "version_uuid": UPLOADED["version_uuid"],
        "name": "photo.png",
    }
    assert DriveFile(uuid="u", name="new.png").to_api() == {"uuid": "u", "name": "new.png"}
    with pytest.raises(ValueError, match="uuid"):
        DriveFile(name="x").to_api()
