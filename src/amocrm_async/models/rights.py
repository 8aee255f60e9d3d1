"""The constants of user and role rights (api-surface.md §7.10; PHP ``RightModel``).

A right is an action (:class:`RightAction`) on a scope (:class:`RightScope`: leads, contacts,
companies, tasks, a pipeline stage, a catalog) with a permission letter (:class:`RightValue`).
Which letters and actions a scope takes, and how an action is bounded by the ones it needs, are
the tables below, so that a model of rights can check and normalise a value the way the PHP
library does before it is sent. Values read from amoCRM are never checked against them: a new
letter or action must not break a read.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Final

__all__ = [
    "RIGHT_ACTIONS",
    "RIGHT_ADD_VALUES",
    "RIGHT_DEPENDENCIES",
    "RIGHT_PRIORITY",
    "RIGHT_VALUES",
    "RightAction",
    "RightScope",
    "RightValue",
]


class RightValue(StrEnum):
    """A permission letter (PHP ``RightModel::RIGHTS_*``)."""

    FULL = "A"
    """Allowed on every entity."""
    LINKED = "L"
    """Only entities linked to the user's (catalogs' rights only)."""
    GROUP = "G"
    """Only entities of the user's group."""
    ONLY_RESPONSIBLE = "M"
    """Only entities the user is responsible for ("main")."""
    DENIED = "D"
    """Not allowed."""


class RightAction(StrEnum):
    """What a right allows (PHP ``RightModel::ACTION_*``)."""

    ADD = "add"
    EDIT = "edit"
    VIEW = "view"
    DELETE = "delete"
    EXPORT = "export"


class RightScope(StrEnum):
    """The keys of a rights object that hold actions."""

    LEADS = "leads"
    CONTACTS = "contacts"
    COMPANIES = "companies"
    TASKS = "tasks"
    STATUS_RIGHTS = "status_rights"
    """Per pipeline stage: ``[{entity_type, pipeline_id, status_id, rights}]``."""
    CATALOG_RIGHTS = "catalog_rights"
    """Per catalog: ``[{catalog_id, rights}]``."""


_ENTITY_VALUES = frozenset(
    {RightValue.FULL, RightValue.GROUP, RightValue.ONLY_RESPONSIBLE, RightValue.DENIED}
)
_ALL_ACTIONS = (
    RightAction.VIEW,
    RightAction.EDIT,
    RightAction.ADD,
    RightAction.DELETE,
    RightAction.EXPORT,
)

RIGHT_VALUES: Final[Mapping[RightScope, frozenset[RightValue]]] = MappingProxyType(
    {
        RightScope.LEADS: _ENTITY_VALUES,
        RightScope.CONTACTS: _ENTITY_VALUES,
        RightScope.COMPANIES: _ENTITY_VALUES,
        RightScope.TASKS: _ENTITY_VALUES,
        RightScope.STATUS_RIGHTS: frozenset({RightValue.FULL, RightValue.DENIED}),
        RightScope.CATALOG_RIGHTS: frozenset(
            {RightValue.FULL, RightValue.LINKED, RightValue.DENIED}
        ),
    }
)
"""The letters each scope takes (anything else is normalised to ``D`` by PHP)."""

RIGHT_ADD_VALUES: Final = frozenset({RightValue.FULL, RightValue.DENIED})
"""``add`` is all or nothing, whatever the scope."""

RIGHT_ACTIONS: Final[Mapping[RightScope, tuple[RightAction, ...]]] = MappingProxyType(
    {
        RightScope.LEADS: _ALL_ACTIONS,
        RightScope.CONTACTS: _ALL_ACTIONS,
        RightScope.COMPANIES: _ALL_ACTIONS,
        RightScope.TASKS: (RightAction.EDIT, RightAction.DELETE),
        RightScope.STATUS_RIGHTS: (
            RightAction.VIEW,
            RightAction.EDIT,
            RightAction.DELETE,
            RightAction.EXPORT,
        ),
        RightScope.CATALOG_RIGHTS: _ALL_ACTIONS,
    }
)
"""The actions of each scope, in PHP's order (a stage's ``export`` may be absent)."""

RIGHT_DEPENDENCIES: Final[Mapping[RightAction, tuple[RightAction, ...]]] = MappingProxyType(
    {
        RightAction.ADD: (),
        RightAction.VIEW: (),
        RightAction.EDIT: (RightAction.VIEW,),
        RightAction.DELETE: (RightAction.VIEW, RightAction.EDIT),
        RightAction.EXPORT: (RightAction.VIEW,),
    }
)
"""An action is never more permissive than the actions it needs (edit needs view …)."""

RIGHT_PRIORITY: Final[Mapping[RightValue, int]] = MappingProxyType(
    {
        RightValue.FULL: 0,
        RightValue.LINKED: 1,
        RightValue.GROUP: 2,
        RightValue.ONLY_RESPONSIBLE: 3,
        RightValue.DENIED: 4,
    }
)
"""From most to least permissive; lowering an action to its dependency takes the larger."""
