"""Custom-field definitions and their groups — ``{parent}/custom_fields`` (api-surface.md §5.10,
§5.11).

One class serves every owner: ``amo.leads.custom_fields``, ``amo.contacts.custom_fields``,
``amo.companies.custom_fields``, ``amo.customers.custom_fields`` take their path from the service
they hang off, and ``amo.catalogs.custom_fields(catalog_id)`` is the same class scoped by a
catalog (``/api/v4/catalogs/{id}/custom_fields``). ``.groups`` are the field groups of the same
owner. amoCRM changes definitions one at a time, so there is ``update_one`` and no ``update``.

:meth:`CustomFieldsService.definitions` reads every definition once and keeps it on the service
(so per client); writes through the service drop the copy, ``refresh=True`` reloads it. It is what
``set_field(..., definitions=...)`` of the entities takes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from pydantic import TypeAdapter

from .._pagination import Page, PageIterator
from .._pipeline import APIResponse, Pipeline
from .._service import CallOptions, Service, request_options, service
from ..errors import NotFoundError, WriteReport
from ..filters.custom_fields import CustomFieldsFilter
from ..models.custom_field_definitions import (
    CustomFieldDefinition,
    CustomFieldGroup,
    FieldDefinitions,
)
from ._entity import Creatable, Deletable, ReadService, UpdatableOne
from ._pages import ListQuery, ListReader
from ._writes import check_sendable, new_request_id

__all__ = ["CustomFieldDefinitionsService", "CustomFieldGroupsService", "CustomFieldsService"]

_GROUP_OR_NONE: TypeAdapter[CustomFieldGroup | None] = TypeAdapter(CustomFieldGroup | None)
"""One group, or ``None`` for amoCRM's empty 204 answer."""


class CustomFieldGroupsService(Service):
    """Field groups of one entity type (or catalog): ``amo.leads.custom_fields.groups``.

    Group ids are strings. The list comes whole (no pages); groups are written one request each
    (``add`` sends them together), changed with ``update_one`` and removed with ``delete_one``.
    """

    path = "{parent}/groups"
    embedded_key = "custom_field_groups"

    def _reader(self) -> ListReader[CustomFieldGroup]:
        return ListReader(
            self._pipeline, self.path, self.embedded_key, CustomFieldGroup, paged=False
        )

    async def get(self, **options: Unpack[CallOptions]) -> Page[CustomFieldGroup]:
        """Every group (one page; amoCRM's 204 is an empty one)."""
        return await self._reader().get(ListQuery(paged=False), 1, request_options(options))

    def iterate(self, **options: Unpack[CallOptions]) -> PageIterator[CustomFieldGroup]:
        """Every group."""
        return self._reader().iterate(ListQuery(paged=False), 1, request_options(options))

    def _item_path(self, group_id: str) -> str:
        if not isinstance(group_id, str) or not group_id or "/" in group_id:
            raise ValueError(f"group id must be a non-empty string, got {group_id!r}")
        return f"{self.path}/{group_id}"

    async def get_one(self, group_id: str, **options: Unpack[CallOptions]) -> CustomFieldGroup:
        """One group by its (string) id; :class:`~amocrm_async.errors.NotFoundError` if none."""
        path = self._item_path(group_id)
        found = await self._pipeline.request_decoded(
            "GET",
            path,
            lambda answer: _GROUP_OR_NONE.validate_json(answer.content or b"null"),
            options=request_options(options),
        )
        if found is None:
            url, detail = self._pipeline.url(path), f"custom field group {group_id!r} not found"
            raise NotFoundError(
                status=204, method="GET", url=url, title="No Content", detail=detail
            )
        return found

    async def add(
        self, groups: Sequence[CustomFieldGroup], **options: Unpack[CallOptions]
    ) -> list[CustomFieldGroup]:
        """Create groups in one request; their ids are copied back (matched by request_id)."""
        if not groups:
            raise ValueError("add: give at least one group")
        payload = []
        for group in groups:
            group.request_id = group.request_id or new_request_id()
            payload.append(group.to_api())
        check_sendable(payload, "add: the groups")

        def decode(response: APIResponse) -> list[dict[str, Any]]:
            items = response.json()["_embedded"][self.embedded_key]
            if not isinstance(items, list) or len(items) != len(groups):
                raise ValueError(f"sent {len(groups)} groups, the answer lists another number")
            return items

        items = await self._pipeline.request_decoded(
            "POST",
            self.path,
            decode,
            json=payload,
            options=request_options(options),
            request_ids=[str(group.request_id) for group in groups],
        )
        by_rid = {group.request_id: group for group in groups}
        for position, item in enumerate(items):
            target = by_rid.get(str(item.get("request_id")), groups[position])
            target.id = str(item["id"])
        return list(groups)

    async def add_one(
        self, group: CustomFieldGroup, **options: Unpack[CallOptions]
    ) -> CustomFieldGroup:
        """Create one group."""
        [written] = await self.add([group], **options)
        return written

    async def update_one(
        self, group: CustomFieldGroup, **options: Unpack[CallOptions]
    ) -> CustomFieldGroup:
        """Rename, re-sort or refill one group: ``PATCH <path>/{id}``."""
        if group.id is None:
            raise ValueError("update_one: the CustomFieldGroup has no id")
        payload = group.to_api()
        payload.pop("id", None)
        payload.pop("request_id", None)
        check_sendable(payload, "update_one: the CustomFieldGroup")
        await self._pipeline.request(
            "PATCH", self._item_path(group.id), json=payload, options=request_options(options)
        )
        return group

    async def delete_one(self, group_id: str, **options: Unpack[CallOptions]) -> None:
        """Delete one group (its fields move to the main group; amoCRM answers 204)."""
        await self._pipeline.request(
            "DELETE", self._item_path(group_id), options=request_options(options)
        )


class CustomFieldDefinitionsService(
    ReadService[CustomFieldDefinition, CustomFieldsFilter],
    Creatable[CustomFieldDefinition],
    UpdatableOne[CustomFieldDefinition],
    Deletable[CustomFieldDefinition],
):
    """Custom-field definitions of one owner: read, page, create, update one, delete one, and
    :meth:`definitions` (cached). The base of :class:`CustomFieldsService` (which adds
    ``groups``) and of the fields of customer segments, which have no groups.

    Items parse as the class of their ``type`` (:class:`~amocrm_async.models.
    CustomFieldDefinition` is the base).
    """

    path = "{parent}/custom_fields"
    embedded_key = "custom_fields"

    def __init__(self, pipeline: Pipeline, *, parent: Service | None = None, scope: int = 0):
        super().__init__(pipeline, parent=parent, scope=scope)
        self._definitions: FieldDefinitions | None = None

    async def definitions(
        self, *, refresh: bool = False, **options: Unpack[CallOptions]
    ) -> FieldDefinitions:
        """Every definition of the owner, read once and kept (``refresh=True`` reads again).

        Pass the result to ``set_field(..., definitions=...)`` / ``field()`` of the entities.
        """
        if self._definitions is None or refresh:
            self._definitions = FieldDefinitions([d async for d in self.iterate(**options)])
        return self._definitions

    async def _write(
        self,
        method: str,
        models: Sequence[CustomFieldDefinition],
        chunk_size: int,
        options: CallOptions,
        *,
        require_id: bool = False,
        report: WriteReport[CustomFieldDefinition] | None = None,
        path: str | None = None,
    ) -> list[CustomFieldDefinition]:
        self._definitions = None
        return await super()._write(
            method, models, chunk_size, options, require_id=require_id, report=report, path=path
        )

    async def update_one(
        self, model: CustomFieldDefinition, **options: Unpack[CallOptions]
    ) -> CustomFieldDefinition:
        self._definitions = None
        return await super().update_one(model, **options)

    async def delete_one(self, entity_id: int, **options: Unpack[CallOptions]) -> None:
        self._definitions = None
        await super().delete_one(entity_id, **options)


class CustomFieldsService(CustomFieldDefinitionsService):
    """Custom-field definitions and their ``groups``: ``amo.leads.custom_fields`` (contacts,
    companies, customers) and ``amo.catalogs.custom_fields(catalog_id)``, whose path is
    ``<parent>/{catalog_id}/custom_fields``.
    """

    groups: CustomFieldGroupsService = service()

    def __init__(self, pipeline: Pipeline, *, parent: Service | None = None, scope: int = 0):
        super().__init__(pipeline, parent=parent, scope=scope)
        if scope:
            self.path = f"{parent.path if parent else ''}/{scope}/custom_fields"
