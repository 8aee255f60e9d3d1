"""Files attached to an entity, and the users subscribed to one (api-surface.md §5.31, §5.37).

``GET|PUT|DELETE /api/v4/{entity}/{id}/files`` attach files of the account's drive by
``file_uuid``; ``GET /api/v4/{leads|customers}/{id}/subscriptions`` lists who follows an entity.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, field_validator

from ._base import AmoModel
from ._hal import HalLinks

__all__ = ["EntityFile", "SubscriberType", "Subscription"]


class EntityFile(AmoModel):
    """A drive file attached to an entity: ``file_uuid`` (what is sent) and the link's ``id``."""

    __read_only__ = frozenset({"id", "links"})

    file_uuid: str
    id: int | None = None
    links: HalLinks | None = Field(default=None, alias="_links")


class SubscriberType(StrEnum):
    """Who a subscription is for."""

    USER = "user"
    GROUP = "group"


class Subscription(AmoModel):
    """A subscriber of a lead or customer (read-only)."""

    __read_only__ = frozenset({"subscriber_id", "type"})

    subscriber_id: int
    type: SubscriberType | str | None = None

    @field_validator("type", mode="before")
    @classmethod
    def _known_type(cls, value: Any) -> Any:
        if isinstance(value, str) and value in SubscriberType._value2member_map_:
            return SubscriberType(value)
        return value
