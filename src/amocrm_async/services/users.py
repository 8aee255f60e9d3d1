"""Users — ``/api/v4/users`` (api-surface.md §5.14): read, page, create, activate, deactivate.

The API cannot update or delete a user, so the service has no ``update``/``update_one``;
``sync_one`` re-reads one and lays local values over it, as the PHP library's ``syncOne``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Unpack

from .._service import CallOptions, entity_id, request_options
from ..errors import WriteReport
from ..filters import BaseFilter
from ..models.users import User
from ..models.with_names import UserWith, with_values
from ._entity import Creatable, ReadService, Syncable
from ._writes import Apply
from .pipelines import backfill

__all__ = ["UsersService"]

MAX_ADD = 10
"""Users per create request (the API's limit; it refuses to add any past 100 users)."""
MAX_ACTIVATE = 10
"""Users per activate/deactivate request (the API's limit)."""


class UsersService(ReadService[User, BaseFilter], Creatable[User], Syncable[User]):
    """Users of the account (the methods need an admin's token).

    ``with_`` takes ``role``, ``group``, ``uuid``, ``amojo_id``, ``user_rank`` and
    ``phone_number``.
    """

    path = "/api/v4/users"
    with_allowed = with_values(UserWith)
    max_chunk = MAX_ADD

    def _apply(self) -> Apply[User]:
        """Ids, and the name, email and rights the answer carries (as PHP back-fills them)."""
        return backfill(self.embedded_key, ("name", "email", "rights"))

    async def add(
        self,
        models: Sequence[User],
        *,
        chunk_size: int = MAX_ADD,
        report: WriteReport[User] | None = None,
        **options: Unpack[CallOptions],
    ) -> list[User]:
        """Create users, 10 per request (the API's limit); see ``Creatable.add``."""
        return await super().add(models, chunk_size=chunk_size, report=report, **options)

    async def activate(self, user_ids: Sequence[int], **options: Unpack[CallOptions]) -> None:
        """Activate 1 to 10 users (``POST /api/v4/users/activate``; amoCRM answers 204)."""
        await self._switch("activate", user_ids, options)

    async def deactivate(self, user_ids: Sequence[int], **options: Unpack[CallOptions]) -> None:
        """Deactivate 1 to 10 users (``POST /api/v4/users/deactivate``)."""
        await self._switch("deactivate", user_ids, options)

    async def _switch(
        self,
        action: Literal["activate", "deactivate"],
        user_ids: Sequence[int],
        options: CallOptions,
    ) -> None:
        if isinstance(user_ids, int) or not 1 <= len(user_ids) <= MAX_ACTIVATE:
            raise ValueError(f"{action}: pass 1 to {MAX_ACTIVATE} user ids in a list")
        body = [{"id": entity_id(user_id)} for user_id in user_ids]
        await self._pipeline.request(
            "POST", f"{self.path}/{action}", json=body, options=request_options(options)
        )
