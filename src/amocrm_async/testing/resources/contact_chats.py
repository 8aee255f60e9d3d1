"""Chats of contacts: ``GET|POST /api/v4/contacts/chats``.

``POST`` links chats (Chats API conversation ids) to contacts: ``[{contact_id, chat_id,
request_id?}]``, answered with the links and their ids (linking a pair again answers the same
link). ``GET`` takes ``contact_id`` and/or ``chat_id`` (one value or a list) and answers the
matching links, or 204; neither of them is a 400 validation error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from amocrm_async.testing import _issues as check
from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import record_writes
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import Resource, Route

__all__ = ["RESOURCE", "ContactChats"]

_KEYS = frozenset({"contact_id", "chat_id", "request_id"})
_MAX_BATCH = 50


class ContactChats(Resource):
    name = "contact_chats"
    path = "/api/v4/contacts/chats"
    stores = ("contact_chats",)
    id_bases = {"contact_chats": 26_001}

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [(self.path, {"GET": self.list_items, "POST": self.link})]

    def _answer(self, items: list[dict[str, Any]]) -> FakeResponse:
        return json_response(200, {"_total_items": len(items), "_embedded": {"chats": items}})

    def list_items(self, call: Call) -> FakeResponse:
        query = call.req.query
        contacts = {int(v) for v in as_list(query.get("contact_id")) if str(v).isdigit()}
        chats = {str(v) for v in as_list(query.get("chat_id")) if str(v)}
        if not contacts and not chats:
            return check.validation_failed([("0", [check.required("contact_id")])])
        rows: dict[int, dict[str, Any]] = call.account.stores[self.name]
        found = [
            dict(row)
            for row in rows.values()
            if (not contacts or row["contact_id"] in contacts)
            and (not chats or row["chat_id"] in chats)
        ]
        return self._answer(found) if found else no_content()

    def _check(self, call: Call, item: Any) -> list[check.Issue]:
        if not isinstance(item, dict):
            return [check.invalid_type("", "object")]
        issues = [check.not_expected(key) for key in item if key not in _KEYS]
        contact_id = item.get("contact_id")
        if contact_id is None:
            issues.append(check.required("contact_id"))
        elif not check.is_int(contact_id):
            issues.append(check.invalid_type("contact_id", "int"))
        else:
            contact = call.account.stores["contacts"].get(contact_id)
            if contact is None or contact.deleted:
                issues.append(check.not_supported("contact_id"))
        chat_id = item.get("chat_id")
        if chat_id is None:
            issues.append(check.required("chat_id"))
        elif not isinstance(chat_id, str) or not chat_id.strip():
            issues.append(check.invalid_type("chat_id", "string"))
        return issues

    def link(self, call: Call) -> FakeResponse:
        items = call.req.json_array()
        if len(items) > _MAX_BATCH:
            return problem(422, f"Limit {_MAX_BATCH} per page", title="Unprocessable Entity")
        rids = [
            str(item["request_id"]) if isinstance(item, dict) and "request_id" in item else str(i)
            for i, item in enumerate(items)
        ]
        errors = [
            (rid, issues)
            for rid, item in zip(rids, items, strict=True)
            if (issues := self._check(call, item))
        ]
        if errors:
            return check.validation_failed(errors)
        rows: dict[int, dict[str, Any]] = call.account.stores[self.name]
        answered = []
        for rid, item in zip(rids, items, strict=True):
            pair = (item["contact_id"], item["chat_id"])
            row = next((r for r in rows.values() if (r["contact_id"], r["chat_id"]) == pair), None)
            if row is None:
                key = call.ids.next(self.name)
                row = rows[key] = {
                    "chat_id": item["chat_id"],
                    "contact_id": item["contact_id"],
                    "id": key,
                }
            answered.append({**row, "request_id": rid})
        record_writes(call, call.stats.entities_created, self.name, len(answered))
        return self._answer(answered)


RESOURCE = ContactChats()
