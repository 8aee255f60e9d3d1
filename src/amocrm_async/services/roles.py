"""User roles — ``/api/v4/roles`` (api-surface.md §5.13): read, page, create, update, delete."""

from __future__ import annotations

from ..filters import BaseFilter
from ..models.roles import Role
from ..models.with_names import RoleWith, with_values
from ._entity import CrudService, Deletable
from ._writes import Apply
from .pipelines import backfill

__all__ = ["RolesService"]


class RolesService(CrudService[Role, BaseFilter], Deletable[Role]):
    """Roles: named rights given to users. ``with_=["users"]`` adds the ids of their users.

    Rights are normalised as the PHP library does (see :class:`~amocrm_async.models.Rights`).
    """

    path = "/api/v4/roles"
    with_allowed = with_values(RoleWith)

    def _apply(self) -> Apply[Role]:
        """Ids, and the name and rights the answer carries (as PHP back-fills them)."""
        return backfill(self.embedded_key, ("name", "rights"))
