"""Access rights and user roles (``/api/v4/roles``; api-surface.md §5.13, §7.10, §7.11).

Rights are letters per action: ``A`` everything, ``G`` the user's group, ``M`` only what the
user is responsible for ("main"), ``L`` linked (catalogs only), ``D`` denied. Every rights object
is normalised the way the PHP library's ``RightModel`` normalises it, on construction and on
every assignment: a missing action becomes ``D`` (a stage's ``export`` stays absent), and an
action is lowered to the permissiveness of the actions it depends on (``edit`` and ``export``
need ``view``, ``delete`` needs ``view`` and ``edit``), in the order ``A`` < ``L`` < ``G`` <
``M`` < ``D``. Where PHP silently turns a letter the scope does not allow into ``D`` (``G``
for ``add``, ``M`` for a stage), the SDK refuses to send it and names the field, so a role is
never written with rights other than the ones asked for.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Self

from pydantic import Field, field_validator, model_validator

from ._base import AmoEntity, AmoModel
from ._hal import HalLinks
from .rights import (
    RIGHT_ACTIONS,
    RIGHT_ADD_VALUES,
    RIGHT_DEPENDENCIES,
    RIGHT_PRIORITY,
    RIGHT_VALUES,
    RightAction,
    RightScope,
    RightValue,
)

__all__ = [
    "CatalogActions",
    "CatalogRight",
    "EntityRights",
    "Letter",
    "Rights",
    "Role",
    "RoleEmbedded",
    "RoleUser",
    "StatusActions",
    "StatusRight",
    "TaskRights",
]

Letter = Annotated[RightValue | str | None, Field(default=None, union_mode="left_to_right")]
"""A permission letter: a :class:`RightValue`, or the text of one amoCRM added since."""

_BY_PRIORITY = {rank: letter for letter, rank in RIGHT_PRIORITY.items()}


def _rank(letter: RightValue | str) -> int:
    """Permissiveness of a letter; one the SDK does not know counts as denied."""
    try:
        return RIGHT_PRIORITY[RightValue(letter)]
    except ValueError:
        return RIGHT_PRIORITY[RightValue.DENIED]


class _ActionRights(AmoModel):
    """Rights of one scope: an action → letter map with the PHP library's normalisation."""

    _scope: ClassVar[RightScope]
    _optional: ClassVar[frozenset[str]] = frozenset()
    """Actions left absent when not given (a stage's ``export``) instead of denied."""

    @model_validator(mode="after")
    def _normalise(self) -> Self:
        actions = RIGHT_ACTIONS[self._scope]
        values: dict[str, RightValue | str] = {}
        for action in actions:
            value = self.__dict__.get(action)
            if value is None:
                if action in self._optional:
                    continue
                value = RightValue.DENIED
            values[action] = value
        for action in actions:
            if action not in values:
                continue
            ranks = [_rank(values[action])]
            ranks += [
                _rank(values.get(needed, RightValue.DENIED))
                for needed in RIGHT_DEPENDENCIES[action]
                if needed in actions
            ]
            if max(ranks) > ranks[0]:
                values[action] = _BY_PRIORITY[max(ranks)]
        # written past validation: the values are checked and assigning would re-enter here
        self.__dict__.update(values)
        return self

    def check(self, where: str) -> None:
        """Raise :class:`ValueError` naming the action whose letter this scope does not take."""
        for action in RIGHT_ACTIONS[self._scope]:
            value = self.__dict__.get(action)
            allowed = RIGHT_ADD_VALUES if action == RightAction.ADD else RIGHT_VALUES[self._scope]
            if value is not None and value not in allowed:
                letters = ", ".join(sorted(str(letter) for letter in allowed))
                raise ValueError(
                    f"{where}.{action}: {str(value)!r} is not allowed here; use one of {letters}"
                )


class EntityRights(_ActionRights):
    """Rights on leads, contacts or companies: ``view``/``edit``/``add``/``delete``/``export``
    (``A``, ``G``, ``M`` or ``D``; ``add`` only ``A`` or ``D``)."""

    _scope = RightScope.LEADS

    view: Letter = None
    edit: Letter = None
    add: Letter = None
    delete: Letter = None
    export: Letter = None


class TaskRights(_ActionRights):
    """Rights on tasks: ``edit`` and ``delete`` (``A``, ``G``, ``M`` or ``D``)."""

    _scope = RightScope.TASKS

    edit: Letter = None
    delete: Letter = None


class StatusActions(_ActionRights):
    """Rights on the leads in one stage: ``view``/``edit``/``delete`` and, when given,
    ``export`` (``A`` or ``D`` only)."""

    _scope = RightScope.STATUS_RIGHTS
    _optional = frozenset({RightAction.EXPORT})

    view: Letter = None
    edit: Letter = None
    delete: Letter = None
    export: Letter = None


class CatalogActions(_ActionRights):
    """Rights on the elements of one catalog (``A``, ``L`` or ``D``; ``add`` ``A`` or ``D``)."""

    _scope = RightScope.CATALOG_RIGHTS

    view: Letter = None
    add: Letter = None
    edit: Letter = None
    delete: Letter = None
    export: Letter = None


class StatusRight(AmoModel):
    """Rights on one stage of a pipeline (``entity_type`` is ``leads``, the only one)."""

    entity_type: str = "leads"
    pipeline_id: int | None = None
    status_id: int | None = None
    rights: StatusActions = Field(default_factory=StatusActions)


class CatalogRight(AmoModel):
    """Rights on one catalog (list)."""

    catalog_id: int | None = None
    rights: CatalogActions = Field(default_factory=CatalogActions)


_USER_FORM_KEYS = ("role_id", "group_id", "is_free")


class Rights(AmoModel):
    """What a user (or every user of a role) may do: the PHP library's ``RightModel``.

    A role is written with the full rights (without ``role_id``/``group_id``/``is_free``); a
    user with ``{"is_free": true}`` alone when ``is_free`` is True, else with
    ``{"role_id": ...}`` when a role is given, else with the full rights — plus ``group_id``
    when set (as ``RightModel::toUsersApi``; a ``False`` ``is_free`` read from the server is not
    taken for a request to make the user free, which PHP would send on its own).
    ``is_admin`` and ``is_active`` are read-only.
    """

    __read_only__ = frozenset({"is_admin", "is_active"})

    leads: EntityRights | None = None
    contacts: EntityRights | None = None
    companies: EntityRights | None = None
    tasks: TaskRights | None = None
    mail_access: bool | None = None
    catalog_access: bool | None = None
    status_rights: list[StatusRight] | None = None
    catalog_rights: list[CatalogRight] | None = None
    role_id: int | None = None
    group_id: int | None = None
    is_free: bool | None = None
    is_admin: bool | None = None
    is_active: bool | None = None

    def check(self, where: str = "rights") -> None:
        """Raise :class:`ValueError` naming the first letter its scope does not take."""
        for name in ("leads", "contacts", "companies", "tasks"):
            scope: _ActionRights | None = getattr(self, name)
            if scope is not None:
                scope.check(f"{where}.{name}")
        for index, status in enumerate(self.status_rights or ()):
            status.rights.check(f"{where}.status_rights.{index}.rights")
        for index, catalog in enumerate(self.catalog_rights or ()):
            catalog.rights.check(f"{where}.catalog_rights.{index}.rights")

    @staticmethod
    def role_form(payload: dict[str, Any]) -> dict[str, Any]:
        """The rights of a role's write payload: everything but the per-user keys."""
        return {k: v for k, v in payload.items() if k not in _USER_FORM_KEYS}

    @staticmethod
    def user_form(payload: dict[str, Any]) -> dict[str, Any]:
        """The rights of a user's write payload (see the class docstring)."""
        if payload.get("is_free") is True:
            return {"is_free": True}
        if payload.get("role_id") is not None:
            form: dict[str, Any] = {"role_id": payload["role_id"]}
        else:
            form = Rights.role_form(payload)
        if payload.get("group_id") is not None:
            form["group_id"] = payload["group_id"]
        return form


class RoleUser(AmoModel):
    """A user who has the role (``with=users``: ids only)."""

    __read_only__ = frozenset({"id"})

    id: int | None = None


class RoleEmbedded(AmoModel):
    """``_embedded`` of a role: its users (``with=users``)."""

    __read_only__ = frozenset({"users"})

    users: list[RoleUser] | None = None

    @field_validator("users", mode="before")
    @classmethod
    def _ids(cls, value: Any) -> Any:
        """Bare ids are taken as ``{"id": ...}`` (the API documents "IDs of users")."""
        if isinstance(value, list):
            return [{"id": item} if isinstance(item, int) else item for item in value]
        return value


class Role(AmoEntity):
    """A role: a named set of rights given to users (``Rights.role_id`` of a user).

    ``name`` and ``rights`` are written; the rights go out in the full form.
    """

    __read_only__ = frozenset({"updated_at", "embedded", "links"})

    name: str | None = None
    rights: Rights | None = None
    embedded: RoleEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    def _check_writable(self) -> None:
        if self.rights is not None:
            self.rights.check("Role.rights")

    def _write_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        payload = super()._write_filter(data)
        if isinstance(payload.get("rights"), dict):
            payload["rights"] = Rights.role_form(payload["rights"])
        return payload
