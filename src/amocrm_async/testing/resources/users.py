"""Users: ``GET /api/v4/users[/{id}]``, and the user references entity writes carry.

Every account starts with five users, the first one the admin (the subject of tokens issued by
the fake); their logins and API keys serve ``/oauth2/exchange_api_key``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._issues import is_int
from amocrm_async.testing._listing import paged
from amocrm_async.testing._resource import Resource, Route
from amocrm_async.testing._state import Account, IdAllocator
from amocrm_async.testing._writes import Draft, Rule

__all__ = ["RESOURCE", "User", "admin_of", "user_ref", "users_of"]


@dataclass(slots=True)
class User:
    id: int
    name: str
    email: str
    is_admin: bool
    api_key: str
    lang: str = "ru"
    is_active: bool = True


_USERS = [
    ("Администратор", "admin", True),
    ("Анна Смирнова", "anna", False),
    ("Иван Петров", "ivan", False),
    ("Мария Кузнецова", "maria", False),
    ("Олег Волков", "oleg", False),
]

ROBOT = 0
"""``created_by``/``updated_by`` 0: written by a robot (a trigger, a Salesbot)."""


def users_of(account: Account) -> dict[int, User]:
    return cast("dict[int, User]", account.stores[Users.name])


def admin_of(account: Account) -> User:
    users = users_of(account)
    return next((u for u in users.values() if u.is_admin), next(iter(users.values())))


def user_ref(*, allow_robot: bool) -> Rule:
    """A user id of the account (``allow_robot``: or 0, the robot)."""

    def rule(draft: Draft, key: str, value: Any) -> None:
        if not is_int(value):
            draft.invalid(key, "int")
        elif (allow_robot and value == ROBOT) or value in users_of(draft.call.account):
            draft.changes.fields[key] = value
        else:
            draft.unsupported(key)

    return rule


def _rights(user: User) -> dict[str, Any]:
    level = "A" if user.is_admin else "M"
    entity = {"view": "A", "edit": "A", "add": "A", "delete": level, "export": level}
    return {
        "leads": dict(entity),
        "contacts": dict(entity),
        "companies": dict(entity),
        "tasks": {"edit": "A", "delete": level},
        "mail_access": True,
        "catalog_access": True,
        "files_access": True,
        "status_rights": [],
        "catalog_rights": [],
        "is_admin": user.is_admin,
        "is_free": False,
        "is_active": user.is_active,
        "group_id": None,
        "role_id": None,
    }


class Users(Resource):
    name = "users"
    path = "/api/v4/users"
    id_bases = {"users": 9_000_001}
    stores = ("users",)

    def setup(self, account: Account, ids: IdAllocator) -> None:
        users = users_of(account)
        for user_name, login, is_admin in _USERS:
            user_id = ids.next("users")
            users[user_id] = User(
                id=user_id,
                name=user_name,
                email=f"{login}@{account.subdomain}.example.com",
                is_admin=is_admin,
                api_key=f"{user_id:x}{account.id:x}".rjust(40, "a"),
            )

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [(self.path, {"GET": self.list}), (rf"{self.path}/(\d+)", {"GET": self.one})]

    def render(self, user: User, base: str) -> dict[str, Any]:
        return {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "lang": user.lang,
            "rights": _rights(user),
            "_links": {"self": {"href": f"{base}{self.path}/{user.id}"}},
        }

    def list(self, call: Call) -> FakeResponse:
        rows = list(users_of(call.account).values())
        return paged(call.req, self.name, rows, lambda u: self.render(u, call.base), total=True)

    def one(self, call: Call, user_id: str) -> FakeResponse:
        user = users_of(call.account).get(int(user_id))
        if user is None:
            return call.missing()
        return json_response(200, self.render(user, call.base))


RESOURCE = Users()
