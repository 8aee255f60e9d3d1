"""The account's drive on its own host, ``drive-b.<tld>`` (api-surface.md §5.30).

* ``POST /v1.0/sessions`` opens an upload session (``file_name``, ``file_size``,
  ``content_type``, optional ``file_uuid`` for a new version, ``with_preview``, ``created_by``)
  and answers ``upload_url``, ``max_part_size`` and ``max_file_size``;
* ``POST /upload/{token}`` takes one part of the raw bytes. Parts must come in order (each to
  the ``next_url`` of the previous answer), hold at most ``max_part_size`` bytes, and all but the
  last exactly that many; the last answer is the assembled file;
* ``GET /v1.0/files`` (paged, filtered), ``GET|PATCH /v1.0/files/{uuid}`` and
  ``DELETE /v1.0/files`` (``[{uuid}]``: to the trash) serve the files;
* ``GET /download/{uuid}/{version_uuid}`` (the ``_links.download`` of a file) returns its bytes.

Only the drive host serves these paths, and only for a token of an account whose drive it is.
"""

from __future__ import annotations

import base64
import json
import os
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import record_writes
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import filters_of, number, paged
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import Resource, Route

__all__ = ["MAX_FILE_SIZE", "MAX_PART_SIZE", "RESOURCE", "DriveFiles", "drive_host"]

MAX_PART_SIZE = 524_288
"""Bytes per part the fake's sessions allow (one of the sizes amoCRM documents)."""
MAX_FILE_SIZE = 314_572_800
"""The largest file a session takes (300 MiB, as amoCRM answers)."""
_FILES = "drive_files"
_SESSIONS = "drive_sessions"
_VERSIONS = "drive_versions"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_SESSION_KEYS = frozenset(
    {"file_name", "file_size", "content_type", "with_preview", "file_uuid", "created_by"}
)
_PATCH_KEYS = frozenset({"uuid", "name", "version_uuid", "request_id", "created_by", "updated_by"})


def drive_host(tld: str) -> str:
    """The drive host of the accounts of a top-level domain (what ``with=drive_url`` reports)."""
    return f"drive-b.{tld}"


def _file_type(mime: str) -> str:
    major = mime.split("/", 1)[0]
    if major in ("image", "video", "audio"):
        return major
    if mime.startswith("text/") or mime in ("application/pdf", "application/msword"):
        return "document"
    return "file"


def _token(session_id: int, part: int) -> str:
    raw = json.dumps({"session_id": session_id, "part_num": part}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _untoken(token: str) -> tuple[int, int] | None:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        return int(data["session_id"]), int(data["part_num"])
    except (ValueError, KeyError, TypeError):
        return None


def _actor(value: Any, path: str) -> list[Issue]:
    if not isinstance(value, dict):
        return [invalid_type(path, "object")]
    issues = [not_expected(f"{path}.{key}") for key in value if key not in ("id", "type")]
    if not is_int(value.get("id")):
        issues.append(invalid_type(f"{path}.id", "int"))
    if not isinstance(value.get("type"), str):
        issues.append(invalid_type(f"{path}.type", "string"))
    return issues


class DriveFiles(Resource):
    name = "drive_files"
    path = "/v1.0/files"
    stores = (_FILES, _SESSIONS)
    id_bases = {_FILES: 7_000_001, _SESSIONS: 26_136_001, _VERSIONS: 1}
    max_part_size: ClassVar[int] = MAX_PART_SIZE

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            ("/v1.0/sessions", {"POST": self.open_session}),
            (r"/upload/([A-Za-z0-9_-]+)", {"POST": self.upload_part}),
            (self.path, {"GET": self.list_files, "DELETE": self.delete}),
            (rf"{self.path}/({_UUID})", {"GET": self.get_file, "PATCH": self.update}),
            (rf"/download/({_UUID})/({_UUID})", {"GET": self.download}),
        ]

    # -- helpers ---------------------------------------------------------------------------

    def _foreign(self, call: Call) -> FakeResponse | None:
        """401 for a token of an account this drive host does not serve."""
        if call.req.hostname != drive_host(call.account.tld):
            return problem(401, "Token was issued for another account")
        return None

    def _files(self, call: Call) -> dict[int, dict[str, Any]]:
        files: dict[int, dict[str, Any]] = call.account.stores[_FILES]
        return files

    def _by_uuid(self, call: Call, file_uuid: str) -> dict[str, Any] | None:
        return next((f for f in self._files(call).values() if f["uuid"] == file_uuid), None)

    def _new_uuid(self, call: Call, kind: str) -> str:
        return str(uuidlib.UUID(int=(call.account.id << 64) | call.ids.next(kind), version=4))

    def _render(self, call: Call, row: dict[str, Any]) -> dict[str, Any]:
        current = row["versions"][-1]
        base = f"{call.base}/download/{row['uuid']}/{current['uuid']}"
        name, mime = current["name"], current["mime_type"]
        return {
            "id": row["id"],
            "uuid": row["uuid"],
            "version_uuid": current["uuid"],
            "name": name,
            "sanitized_name": name.encode("ascii", "replace").decode().replace("?", "_"),
            "type": _file_type(mime),
            "size": len(current["content"]),
            "source_id": None,
            "is_trashed": row["deleted_at"] is not None,
            "has_multiple_versions": len(row["versions"]) > 1,
            "created_at": row["created_at"],
            "created_by": row["created_by"],
            "updated_at": row["updated_at"],
            "updated_by": row["updated_by"],
            "deleted_at": row["deleted_at"],
            "deleted_by": row["deleted_by"],
            "metadata": {
                "extension": os.path.splitext(name)[1].lstrip(".") or None,
                "mime_type": mime,
            },
            "previews": [],
            "_links": {"download": {"href": base}, "download_version": {"href": base}},
        }

    # -- uploads ---------------------------------------------------------------------------

    def open_session(self, call: Call) -> FakeResponse:
        if (foreign := self._foreign(call)) is not None:
            return foreign
        body = call.req.json()
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        issues = [not_expected(key) for key in body if key not in _SESSION_KEYS]
        name, size = body.get("file_name"), body.get("file_size")
        if not isinstance(name, str) or not name.strip():
            issues.append(required("file_name"))
        if not is_int(size) or not 0 < size <= MAX_FILE_SIZE:
            issues.append(invalid_type("file_size", f"int in 1..{MAX_FILE_SIZE}"))
        mime = body.get("content_type", "application/octet-stream")
        if not isinstance(mime, str) or "/" not in mime:
            issues.append(invalid_type("content_type", "MIME type"))
        if not isinstance(body.get("with_preview", False), bool):
            issues.append(invalid_type("with_preview", "bool"))
        if "created_by" in body:
            issues += _actor(body["created_by"], "created_by")
        target = body.get("file_uuid")
        if target is not None and self._by_uuid(call, str(target)) is None:
            issues.append(invalid_type("file_uuid", "uuid of a file of the account"))
        if issues:
            return validation_failed([("0", issues)])
        session_id = call.ids.next(_SESSIONS)
        call.account.stores[_SESSIONS][session_id] = {
            "name": name,
            "size": size,
            "mime_type": mime,
            "file_uuid": target,
            "created_by": body.get("created_by") or {"id": call.user_id, "type": "user"},
            "content": bytearray(),
            "next_part": 1,
        }
        return json_response(
            200,
            {
                "max_file_size": MAX_FILE_SIZE,
                "max_part_size": self.max_part_size,
                "session_id": session_id,
                "upload_url": f"{call.base}/upload/{_token(session_id, 1)}",
            },
            "application/json",
        )

    def upload_part(self, call: Call, token: str) -> FakeResponse:
        if (foreign := self._foreign(call)) is not None:
            return foreign
        found = _untoken(token)
        sessions: dict[int, dict[str, Any]] = call.account.stores[_SESSIONS]
        session = sessions.get(found[0]) if found is not None else None
        if found is None or session is None:
            return problem(404, "Upload session not found")
        part, data = found[1], call.req.body
        content: bytearray = session["content"]
        if part != session["next_part"]:
            return problem(400, f"Part {part} is out of order: expected {session['next_part']}")
        if call.req.headers.get("content-type") != session["mime_type"]:
            return problem(400, f"Content-Type of a part must be {session['mime_type']}")
        if not data or len(data) > self.max_part_size:
            return problem(400, f"A part holds 1 to {self.max_part_size} bytes, got {len(data)}")
        left = session["size"] - len(content)
        if len(data) > left:
            return problem(400, f"The part is {len(data)} bytes; only {left} are left")
        if len(data) < min(left, self.max_part_size):
            return problem(400, f"Only the last part may be under {self.max_part_size} bytes")
        content += data
        session["next_part"] = part + 1
        if len(content) < session["size"]:
            return json_response(
                200,
                {
                    "session_id": found[0],
                    "next_url": f"{call.base}/upload/{_token(found[0], part + 1)}",
                },
                "application/json",
            )
        del sessions[found[0]]
        return json_response(
            200, self._render(call, self._store(call, session)), "application/json"
        )

    def _store(self, call: Call, session: dict[str, Any]) -> dict[str, Any]:
        version = {
            "uuid": self._new_uuid(call, _VERSIONS),
            "name": session["name"],
            "mime_type": session["mime_type"],
            "content": bytes(session["content"]),
        }
        actor = session["created_by"]
        row = self._by_uuid(call, session["file_uuid"]) if session["file_uuid"] else None
        if row is None:
            file_id = call.ids.next(_FILES)
            row = self._files(call)[file_id] = {
                "id": file_id,
                "uuid": self._new_uuid(call, _FILES),
                "versions": [],
                "created_at": call.now,
                "created_by": actor,
                "deleted_at": None,
                "deleted_by": None,
            }
        row["versions"].append(version)
        row["updated_at"], row["updated_by"] = call.now, actor
        record_writes(call, call.stats.entities_created, self.name, 1)
        return row

    # -- files -----------------------------------------------------------------------------

    def list_files(self, call: Call) -> FakeResponse:
        if (foreign := self._foreign(call)) is not None:
            return foreign
        conditions = filters_of(call.req.query)
        rows = [
            row
            for row in self._files(call).values()
            if self._matches(self._render(call, row), conditions)
        ]
        return paged(call.req, "files", rows, lambda row: self._render(call, row))

    def _matches(self, item: dict[str, Any], conditions: Mapping[str, Any]) -> bool:
        if item["is_trashed"] and "deleted" not in conditions:
            return False
        if "uuid" in conditions and item["uuid"] not in str(conditions["uuid"]).split(","):
            return False
        if "name" in conditions and item["name"] != conditions["name"]:
            return False
        if "term" in conditions and str(conditions["term"]).lower() not in item["name"].lower():
            return False
        extensions = conditions.get("extensions")
        if extensions is not None and item["metadata"]["extension"] not in as_list(extensions):
            return False
        for key in ("created_by", "updated_by"):
            wanted = conditions.get(key)
            if wanted is not None and str(item[key]["id"]) not in as_list(wanted):
                return False
        size = conditions.get("size")
        if isinstance(size, dict):
            unit = number(size.get("unit")) or 1
            low, high = number(size.get("from")), number(size.get("to"))
            if (low is not None and item["size"] < low * unit) or (
                high is not None and item["size"] > high * unit
            ):
                return False
        return True

    def get_file(self, call: Call, file_uuid: str) -> FakeResponse:
        if (foreign := self._foreign(call)) is not None:
            return foreign
        row = self._by_uuid(call, file_uuid)
        if row is None:
            return call.missing()
        return json_response(200, self._render(call, row), "application/json")

    def download(self, call: Call, file_uuid: str, version_uuid: str) -> FakeResponse:
        if (foreign := self._foreign(call)) is not None:
            return foreign
        row = self._by_uuid(call, file_uuid)
        version = (
            next((v for v in row["versions"] if v["uuid"] == version_uuid), None) if row else None
        )
        if version is None:
            return problem(404, "File not found")
        return FakeResponse(200, [("Content-Type", version["mime_type"])], version["content"])

    def update(self, call: Call, file_uuid: str) -> FakeResponse:
        if (foreign := self._foreign(call)) is not None:
            return foreign
        row = self._by_uuid(call, file_uuid)
        if row is None:
            return problem(404, "File not found")
        body = call.req.json()
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        rid = str(body.get("request_id", "0"))
        issues = [not_expected(key) for key in body if key not in _PATCH_KEYS]
        if body.get("uuid", file_uuid) != file_uuid:
            issues.append(invalid_type("uuid", "the uuid of the file in the path"))
        name = body.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            issues.append(invalid_type("name", "non-empty string"))
        versions = {v["uuid"]: v for v in row["versions"]}
        version = body.get("version_uuid")
        if version is not None and version not in versions:
            issues.append(invalid_type("version_uuid", "a version of the file"))
        for key in ("created_by", "updated_by"):
            if key in body:
                issues += _actor(body[key], key)
        if issues:
            return validation_failed([(rid, issues)])
        if version is not None and version != row["versions"][-1]["uuid"]:
            chosen = versions[version]
            row["versions"] = [v for v in row["versions"] if v is not chosen] + [chosen]
        if name is not None:
            row["versions"][-1]["name"] = name
        row["updated_at"] = call.now
        row["updated_by"] = body.get("updated_by") or {"id": call.user_id, "type": "user"}
        record_writes(call, call.stats.entities_updated, self.name, 1)
        return json_response(
            200, {**self._render(call, row), "request_id": rid}, "application/json"
        )

    def delete(self, call: Call) -> FakeResponse:
        if (foreign := self._foreign(call)) is not None:
            return foreign
        items = call.req.json_array()
        errors: list[tuple[str, list[Issue]]] = []
        rows: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            key = item.get("uuid") if isinstance(item, dict) else None
            row = self._by_uuid(call, key) if isinstance(key, str) else None
            if row is None:
                errors.append((str(index), [invalid_type("uuid", "uuid of a file of the account")]))
            else:
                rows.append(row)
        if errors:
            return validation_failed(errors)
        for row in rows:
            row["deleted_at"] = call.now
            row["deleted_by"] = {"id": call.user_id, "type": "user"}
        call.account.touch()
        return no_content()


RESOURCE = DriveFiles()
