"""``Call``: one authenticated API request with everything a resource handler may touch."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from amocrm_async.testing._http import FakeResponse, Request, no_content, problem
from amocrm_async.testing._links import LinkRules
from amocrm_async.testing._state import Account, IdAllocator
from amocrm_async.testing._stats import FakeStats

__all__ = ["Call"]


@dataclass(slots=True)
class Call:
    """The request plus who makes it, where and when, and the fake's counters and settings."""

    req: Request
    account: Account
    user_id: int
    now: int
    ids: IdAllocator
    stats: FakeStats
    link_rules: Mapping[str, LinkRules]
    """Link rules of every entity type the fake keeps."""
    missing_status: int = 204
    """Status of a ``GET`` for a missing id (204 like amoCRM, or 404)."""

    @property
    def base(self) -> str:
        """Scheme and host of the request: every ``_links`` href starts with it."""
        return self.req.base

    def stores(self, entity_type: str) -> bool:
        """Whether the fake keeps entities of this type (customers, catalog elements: no)."""
        return entity_type in self.link_rules

    def missing(self) -> FakeResponse:
        if self.missing_status == 204:
            return no_content()
        return problem(self.missing_status, "Entity not found")
