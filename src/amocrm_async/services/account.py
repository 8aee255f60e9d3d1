"""The account — ``GET /api/v4/account`` (api-surface.md §5.12): ``amo.account.get_current()``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Unpack

from .._service import CallOptions, Service, request_options, with_param
from ..models.account import Account, AccountWith
from ..models.with_names import with_values

__all__ = ["AccountService"]


class AccountService(Service):
    """The one account a client works with; the PHP library's ``account()->getCurrent()``."""

    path = "/api/v4/account"
    with_allowed = with_values(AccountWith)

    async def get_current(
        self, *, with_: Iterable[str] | None = None, **options: Unpack[CallOptions]
    ) -> Account:
        """The account, with what ``with_`` asks for (any of :class:`AccountWith`).

        ``await amo.account.get_current(with_=["drive_url", "task_types"])``; an unknown value
        is refused before sending (the PHP library drops it silently).
        """
        return await self._pipeline.request_decoded(
            "GET",
            self.path,
            lambda response: Account.model_validate_json(response.content),
            query=with_param(with_, self.with_allowed),
            options=request_options(options),
        )
