"""Files of one entity — ``/api/v4/{entity}/{entity_id}/files`` (api-surface.md §5.31).

``amo.leads.files(lead_id)`` (and contacts, companies, customers): list the attached drive
files, attach more by ``file_uuid`` (``PUT``) and detach them (``DELETE``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Unpack

from .._service import CallOptions, request_options
from ..models import EntityFile
from ._keyed import ParentList, embedded_models

__all__ = ["EntityFilesService"]


def _uuids(files: Iterable[str | EntityFile]) -> list[str]:
    uuids = []
    for position, item in enumerate(files):
        uuid = item.file_uuid if isinstance(item, EntityFile) else item
        if not isinstance(uuid, str) or not uuid:
            raise ValueError(f"files[{position}]: a file_uuid is a non-empty string")
        uuids.append(uuid)
    if not uuids:
        raise ValueError("files: give at least one file_uuid")
    if len(set(uuids)) < len(uuids):
        raise ValueError("files: the same file_uuid is given twice")
    return uuids


class EntityFilesService(ParentList[EntityFile]):
    """The files attached to one entity: ``get``, ``iterate``, ``add``, ``delete``."""

    path = "{parent}/{scope}/files"
    model = EntityFile
    embedded_key = "files"

    async def add(
        self, files: Iterable[str | EntityFile], **options: Unpack[CallOptions]
    ) -> list[EntityFile]:
        """Attach drive files by ``file_uuid``; returns the attachments amoCRM reports."""
        uuids = _uuids(files)
        payload: list[dict[str, Any]] = [{"file_uuid": uuid} for uuid in uuids]
        return await self._pipeline.request_decoded(
            "PUT",
            self.path,
            embedded_models("files", EntityFile),
            json=payload,
            options=request_options(options),
            request_ids=uuids,
        )

    async def delete(
        self, files: Iterable[str | EntityFile], **options: Unpack[CallOptions]
    ) -> None:
        """Detach files from the entity (the files stay in the drive; amoCRM answers 204)."""
        uuids = _uuids(files)
        await self._pipeline.request(
            "DELETE",
            self.path,
            json=[{"file_uuid": uuid} for uuid in uuids],
            options=request_options(options),
            request_ids=uuids,
        )
