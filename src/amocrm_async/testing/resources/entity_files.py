"""Files of an entity: ``GET|PUT|DELETE /api/v4/{leads|contacts|companies|customers}/{id}/files``.

``PUT`` attaches drive files by ``file_uuid`` (an already attached one is answered again, not
duplicated), ``DELETE`` detaches them (204; unknown uuids are ignored) and ``GET`` pages through
the attachments of the entity (204 when there are none). The drive itself is not emulated: any
well-formed uuid is accepted. A missing entity (of a type the fake keeps) answers 404 to writes
and 204 to a read.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import record_writes
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    not_expected,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import paged
from amocrm_async.testing._resource import Resource, Route

__all__ = ["RESOURCE", "EntityFiles"]

ENTITY_TYPES = ("leads", "contacts", "companies", "customers")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MAX_BATCH = 50


class EntityFiles(Resource):
    name = "entity_files"
    path = "/api/v4/{entity}/{id}/files"
    stores = ("entity_files",)
    id_bases = {"entity_files": 90_000_001}

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        pattern = rf"/api/v4/({'|'.join(ENTITY_TYPES)})/(\d+)/files"
        return [(pattern, {"GET": self.list_items, "PUT": self.add, "DELETE": self.delete})]

    def _exists(self, call: Call, entity_type: str, entity_id: int) -> bool:
        if not call.stores(entity_type):
            return True
        entity = call.account.stores[entity_type].get(entity_id)
        return entity is not None and not entity.deleted

    def _of(self, call: Call, entity_type: str, entity_id: int) -> list[dict[str, Any]]:
        rows: dict[int, dict[str, Any]] = call.account.stores[self.name]
        return [
            r
            for r in rows.values()
            if (r["entity_type"], r["entity_id"]) == (entity_type, entity_id)
        ]

    def _render(self, call: Call, row: dict[str, Any]) -> dict[str, Any]:
        href = (
            f"{call.base}/api/v4/{row['entity_type']}/{row['entity_id']}/files/{row['file_uuid']}"
        )
        return {"file_uuid": row["file_uuid"], "id": row["id"], "_links": {"self": {"href": href}}}

    def list_items(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        if not self._exists(call, entity_type, int(entity_id)):
            return call.missing()
        rows = self._of(call, entity_type, int(entity_id))
        return paged(call.req, "files", rows, lambda row: self._render(call, row), total=True)

    def _uuids(self, call: Call) -> tuple[list[str], FakeResponse | None]:
        items = call.req.json_array()
        if len(items) > _MAX_BATCH:
            return [], problem(422, f"Limit {_MAX_BATCH} per page", title="Unprocessable Entity")
        uuids: list[str] = []
        errors: list[tuple[str, list[Issue]]] = []
        for index, item in enumerate(items):
            if not isinstance(item, dict):
                errors.append((str(index), [invalid_type("", "object")]))
                continue
            issues = [not_expected(key) for key in item if key != "file_uuid"]
            uuid = item.get("file_uuid")
            if uuid is None:
                issues.append(required("file_uuid"))
            elif not isinstance(uuid, str) or not _UUID.fullmatch(uuid):
                issues.append(invalid_type("file_uuid", "uuid"))
            if issues:
                errors.append((str(index), issues))
            else:
                assert isinstance(uuid, str)
                uuids.append(uuid.lower())
        return uuids, validation_failed(errors) if errors else None

    def _write(
        self, call: Call, entity_type: str, entity_id: str
    ) -> tuple[int, list[str], FakeResponse | None]:
        """The owner and the uuids of a PUT/DELETE, or the error answer (404, 400)."""
        owner = int(entity_id)
        if not self._exists(call, entity_type, owner):
            return owner, [], problem(404, "Entity not found")
        uuids, error = self._uuids(call)
        return owner, uuids, error

    def add(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        owner, uuids, error = self._write(call, entity_type, entity_id)
        if error is not None:
            return error
        rows: dict[int, dict[str, Any]] = call.account.stores[self.name]
        attached = {row["file_uuid"]: row for row in self._of(call, entity_type, owner)}
        answered = []
        for uuid in uuids:
            row = attached.get(uuid)
            if row is None:
                key = call.ids.next(self.name)
                row = rows[key] = attached[uuid] = {
                    "id": key,
                    "entity_type": entity_type,
                    "entity_id": owner,
                    "file_uuid": uuid,
                }
            answered.append(self._render(call, row))
        record_writes(call, call.stats.entities_created, self.name, len(answered))
        return json_response(200, {"_total_items": len(answered), "_embedded": {"files": answered}})

    def delete(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        owner, uuids, error = self._write(call, entity_type, entity_id)
        if error is not None:
            return error
        rows: dict[int, dict[str, Any]] = call.account.stores[self.name]
        for row in self._of(call, entity_type, owner):
            if row["file_uuid"] in uuids:
                del rows[row["id"]]
        call.account.touch()
        return no_content()


RESOURCE = EntityFiles()
