"""Talks — ``/api/v4/talks`` (api-surface.md §5.33): read one, close one. There is no list."""

from __future__ import annotations

from typing import Unpack

from .._service import CallOptions, entity_id, request_options
from ..models import Talk
from ._entity import Gettable

__all__ = ["TalksService"]


class TalksService(Gettable[Talk]):
    """Talks of the account's chats: ``get_one(talk_id)`` and ``close(talk_id)``."""

    path = "/api/v4/talks"

    async def close(
        self, talk_id: int, *, force_close: bool = False, **options: Unpack[CallOptions]
    ) -> None:
        """Close a talk. Without ``force_close`` amoCRM first starts the NPS bot (when the
        account has one) and closes the talk once the client has rated it; with it, the talk
        is closed at once."""
        if not isinstance(force_close, bool):
            raise ValueError(f"close: force_close must be a bool, got {force_close!r}")
        await self._pipeline.request(
            "POST",
            f"{self.path}/{entity_id(talk_id)}/close",
            json={"force_close": force_close},
            options=request_options(options),
        )
