"""Incoming leads — ``/api/v4/leads/unsorted`` (api-surface.md §5.19).

Unsorted entries are keyed by ``uid``, a string, so the service is not a
:class:`~amocrm_async.services.Gettable`: ``get_one(uid)`` is its own (on
:func:`~amocrm_async.services._keyed.get_by_key`). The list is the generic
:class:`~amocrm_async.services.Listable` (``get``/``iterate`` with :class:`UnsortedFilter`), and
``add_forms``/``add_sip`` are the generic chunked write (:class:`ChunkedWrite`, with its
:class:`~amocrm_async.errors.BatchError` / ``WriteReport``) sent to the category's path, whose
answer is mapped back by ``request_id``: each entry gets its ``uid``, and its lead and contact
their new ids. ``accept``, ``decline`` and ``link`` change one entry per request.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar, Unpack

from .._pipeline import APIResponse
from .._service import CallOptions, entity_id, request_options
from ..errors import WriteReport
from ..filters import UnsortedFilter, UnsortedSummaryFilter
from ..models import Unsorted, UnsortedAction, UnsortedForm, UnsortedSip, UnsortedSummary
from ..models._base import AmoEntity
from ._entity import Listable
from ._keyed import get_by_key, key_segment
from ._writes import DEFAULT_BATCH, Apply

__all__ = ["UnsortedService"]

U = TypeVar("U", bound=Unsorted)


def _apply_unsorted(chunk: list[Unsorted], body: Any) -> None:
    """Copy ``uid`` and the new lead/contact/company ids back, matched by ``request_id``.

    Nothing is copied unless the whole answer maps back (as for every batch write).
    """
    embedded = body.get("_embedded") if isinstance(body, Mapping) else None
    items = embedded.get("unsorted") if isinstance(embedded, Mapping) else None
    if not isinstance(items, list) or len(items) != len(chunk):
        raise ValueError(f"sent {len(chunk)} entries, the response has no matching unsorted list")
    by_rid = {m.request_id: m for m in chunk}
    pairs: list[tuple[Unsorted, Mapping[str, Any]]] = []
    for position, item in enumerate(items):
        if not isinstance(item, Mapping) or not isinstance(item.get("uid"), str):
            raise ValueError(f"response item {position} has no uid")
        rid = item.get("request_id")
        target = by_rid.get(str(rid)) if rid is not None else None
        pairs.append((target if target is not None else chunk[position], item))
    for target, item in pairs:
        target.uid = item["uid"]
        created = item.get("_embedded")
        if target.embedded is not None and isinstance(created, Mapping):
            for key in ("leads", "contacts", "companies"):
                _copy_ids(getattr(target.embedded, key), created.get(key))


def _copy_ids(models: Sequence[AmoEntity] | None, answered: Any) -> None:
    if not models or not isinstance(answered, list):
        return
    for model, item in zip(models, answered, strict=False):
        new_id = item.get("id") if isinstance(item, Mapping) else None
        if isinstance(new_id, int) and not isinstance(new_id, bool):
            model.id = new_id


class UnsortedService(Listable[Unsorted, UnsortedFilter]):
    """Incoming leads: list, one by ``uid``, create (forms, sip), accept, decline, link, summary."""

    path = "/api/v4/leads/unsorted"

    def _apply(self) -> Apply[Unsorted]:
        return _apply_unsorted

    def _uid_path(self, uid: str, action: str = "") -> str:
        tail = f"/{action}" if action else ""
        return f"{self.path}/{key_segment(uid, 'uid')}{tail}"

    async def get_one(self, uid: str, **options: Unpack[CallOptions]) -> Unsorted:
        """One entry by ``uid``; raises :class:`~amocrm_async.errors.NotFoundError` if none."""
        path = self._uid_path(uid)
        return await get_by_key(
            self._pipeline, path, Unsorted, what=f"unsorted {uid}", options=options
        )

    async def _add(
        self,
        path: str,
        models: Sequence[U],
        chunk_size: int,
        report: WriteReport[Unsorted] | None,
        options: CallOptions,
    ) -> list[U]:
        await self._write("POST", models, chunk_size, options, report=report, path=path)
        return list(models)

    async def add_forms(
        self,
        models: Sequence[UnsortedForm],
        *,
        chunk_size: int = DEFAULT_BATCH,
        report: WriteReport[Unsorted] | None = None,
        **options: Unpack[CallOptions],
    ) -> list[UnsortedForm]:
        """Create web-form entries in chunks; each gets its ``uid``, its lead and contacts ids.

        Failures raise :class:`~amocrm_async.errors.BatchError` (written / failed / unknown /
        not sent), as for every batch write; ``report=`` keeps the books while it runs.
        """
        path = f"{self.path}/forms"
        return await self._add(path, models, chunk_size, report, options)

    async def add_sip(
        self,
        models: Sequence[UnsortedSip],
        *,
        chunk_size: int = DEFAULT_BATCH,
        report: WriteReport[Unsorted] | None = None,
        **options: Unpack[CallOptions],
    ) -> list[UnsortedSip]:
        """Create call entries in chunks; as :meth:`add_forms`."""
        return await self._add(f"{self.path}/sip", models, chunk_size, report, options)

    async def _act(
        self, method: str, uid: str, action: str, body: dict[str, Any], options: CallOptions
    ) -> UnsortedAction:
        response = await self._pipeline.request_decoded(
            method,
            self._uid_path(uid, action),
            APIResponse.json,
            json=body,
            options=request_options(options),
            request_ids=[uid],
        )
        return UnsortedAction.model_validate(response)

    async def accept(
        self,
        uid: str,
        *,
        user_id: int | None = None,
        status_id: int | None = None,
        **options: Unpack[CallOptions],
    ) -> UnsortedAction:
        """Accept an entry: its lead moves to ``status_id`` (default: the first working stage)."""
        body: dict[str, Any] = {}
        if user_id is not None:
            body["user_id"] = entity_id(user_id)
        if status_id is not None:
            body["status_id"] = entity_id(status_id)
        return await self._act("POST", uid, "accept", body, options)

    async def decline(
        self, uid: str, *, user_id: int | None = None, **options: Unpack[CallOptions]
    ) -> UnsortedAction:
        """Decline an entry (``DELETE .../{uid}/decline``): its lead is deleted."""
        body: dict[str, Any] = {} if user_id is None else {"user_id": entity_id(user_id)}
        return await self._act("DELETE", uid, "decline", body, options)

    async def link(
        self,
        uid: str,
        lead_id: int,
        *,
        user_id: int | None = None,
        contact_id: int | None = None,
        **options: Unpack[CallOptions],
    ) -> UnsortedAction:
        """Attach a ``chats`` or ``mail`` entry to an existing lead (amoCRM refuses others).

        ``contact_id`` names the contact a chat is attached to (``link.metadata.contact_id``).
        """
        link: dict[str, Any] = {"entity_id": entity_id(lead_id), "entity_type": "leads"}
        if contact_id is not None:
            link["metadata"] = {"contact_id": entity_id(contact_id)}
        body: dict[str, Any] = {"link": link}
        if user_id is not None:
            body["user_id"] = entity_id(user_id)
        return await self._act("POST", uid, "link", body, options)

    async def summary(
        self, filter: UnsortedSummaryFilter | None = None, **options: Unpack[CallOptions]
    ) -> UnsortedSummary:
        """Counts of incoming leads (total, accepted, declined, per category)."""
        query = filter.to_query() if filter is not None else []
        response = await self._pipeline.request_decoded(
            "GET",
            f"{self.path}/summary",
            APIResponse.json,
            query=query,
            options=request_options(options),
        )
        return UnsortedSummary.model_validate(response or {})
