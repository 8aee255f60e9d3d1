"""Users of the account (``/api/v4/users``; api-surface.md §5.14, §7.10)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import Field, SecretStr, SerializationInfo, field_serializer

from ._base import AmoEntity, AmoModel, is_write
from ._hal import HalLinks
from .roles import Rights, Role

__all__ = ["User", "UserEmbedded", "UserGroup", "UserRank"]


class UserRank(StrEnum):
    """``user_rank`` (``with=user_rank``), also the levels of status descriptions."""

    NEWBIE = "newbie"
    CANDIDATE = "candidate"
    MASTER = "master"


class UserGroup(AmoModel):
    """A group of users (``_embedded.groups`` with ``with=group``; account ``users_groups``)."""

    __read_only__ = frozenset({"id", "name", "uuid"})

    id: int | None = None
    name: str | None = None
    uuid: str | None = None


class UserEmbedded(AmoModel):
    """``_embedded`` of a user: its roles (``with=role``) and groups (``with=group``)."""

    __read_only__ = frozenset({"roles", "groups"})

    roles: list[Role] | None = None
    groups: list[UserGroup] | None = None


class User(AmoEntity):
    """A user. Create one with ``name``, ``email``, ``password`` and ``rights``.

    ``rights`` go out in the form the API takes for a user (see :class:`Rights`):
    ``Rights(is_free=True)`` for a free user, ``Rights(role_id=...)`` for a role's rights, or
    the full rights. ``password`` is write-only and never shown (it is a ``SecretStr`` in
    ``repr()`` and in ``model_dump()``; only the write payload carries it). ``lang`` is read-only
    as in the PHP library. Users cannot be updated or deleted through the API.
    """

    __read_only__ = frozenset(
        {"lang", "uuid", "amojo_id", "user_rank", "phone_number", "updated_at", "embedded", "links"}
    )

    name: str | None = None
    email: str | None = None
    password: SecretStr | None = Field(default=None, repr=False)
    lang: str | None = None
    rights: Rights | None = None
    uuid: str | None = None
    amojo_id: str | None = None
    user_rank: UserRank | str | None = None
    phone_number: str | None = None
    embedded: UserEmbedded | None = Field(default=None, alias="_embedded")
    links: HalLinks | None = Field(default=None, alias="_links")

    @field_serializer("password")
    def _password(self, value: SecretStr | None, info: SerializationInfo) -> str | None:
        if value is None:
            return None
        return value.get_secret_value() if is_write(info) else str(value)

    def _check_writable(self) -> None:
        if self.rights is not None:
            self.rights.check("User.rights")

    def _write_filter(self, data: dict[str, Any]) -> dict[str, Any]:
        payload = super()._write_filter(data)
        if isinstance(payload.get("rights"), dict):
            payload["rights"] = Rights.user_form(payload["rights"])
        return payload
