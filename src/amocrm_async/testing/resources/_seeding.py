"""Helpers the resources' ``seed`` methods share: time spreads, tag pools, link targets, fields.

Seeding writes plain dicts straight into the stores and shares immutable pieces (enum values,
tags) between entities, so that 100,000 leads take about a second.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from amocrm_async.testing._fields import FieldDef
from amocrm_async.testing._state import Account, IdAllocator
from amocrm_async.testing._tags import tag_named

__all__ = [
    "Dice",
    "enum_values",
    "field_def",
    "live_ids",
    "seed_tags",
    "seeded_fields",
    "tag_picker",
    "timestamps",
]

T = TypeVar("T")

YEAR = 365 * 86_400


class Dice:
    """Fast draws from a seeded generator, for the hot loops of large seeds.

    ``random.choice`` / ``randrange`` cost a microsecond each in pure Python; indexing by
    ``random()`` is several times cheaper, and 100,000 leads make half a million draws.
    """

    __slots__ = ("random",)

    def __init__(self, rng: random.Random) -> None:
        self.random = rng.random

    def chance(self, share: float) -> bool:
        return self.random() < share

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.random() * len(items))]

    def between(self, low: int, high: int) -> int:
        """An int in ``[low, high)``."""
        return low + int(self.random() * (high - low))


def timestamps(rand: Callable[[], float], now: int, span: int = YEAR) -> tuple[int, int]:
    """``created_at`` within the last ``span`` seconds, ``updated_at`` up to 45 days later."""
    created = now - int(rand() * span) - 3600
    return created, min(now, created + int(rand() * 45 * 86_400))


def seeded_fields(user: int, created: int, updated: int) -> dict[str, Any]:
    """The ownership and audit fields of a seeded contact or company."""
    return {
        "responsible_user_id": user,
        "group_id": 0,
        "created_by": user,
        "updated_by": user,
        "created_at": created,
        "updated_at": updated,
        "closest_task_at": None,
        "is_deleted": False,
    }


def seed_tags(
    account: Account, entity_type: str, tag_names: Iterable[str], ids: IdAllocator
) -> list[dict[str, Any]]:
    return [tag_named(account, entity_type, name, ids.next) for name in tag_names]


def tag_picker(
    rng: random.Random, pool: list[dict[str, Any]]
) -> Callable[[], list[dict[str, Any]]]:
    """Tags for one seeded entity: none (60 %), one (30 %) or two."""
    rand = rng.random

    def pick() -> list[dict[str, Any]]:
        roll = rand()
        if roll < 0.6:
            return []
        if roll < 0.9:
            return [pool[int(rand() * len(pool))]]
        return rng.sample(pool, 2)

    return pick


def live_ids(account: Account, entity_type: str) -> list[int]:
    """Ids of the entities of a type that are not in the trash (seeded links point at them)."""
    return [i for i, e in account.stores[entity_type].items() if not e.deleted]


def field_def(
    account: Account, entity_type: str, *, code: str | None = None, type_: str | None = None
) -> FieldDef:
    """The first custom field of a type with this code and/or field type (seeded values)."""
    for definition in account.fields[entity_type].values():
        if (code is None or definition.code == code) and (
            type_ is None or definition.type == type_
        ):
            return definition
    raise LookupError(f"no {entity_type} field with code={code} type={type_}")


def enum_values(definition: FieldDef) -> list[dict[str, Any]]:
    """Wire values of every enum of a field (shared by all seeded entities that use them)."""
    return [
        {"value": e["value"], "enum_id": e["id"], "enum_code": definition.enum_code(e)}
        for e in definition.enums or ()
    ]
