"""Users: ``GET /api/v4/users[/{id}]``, and the user references entity writes carry.

Every account starts with five users, the first one the admin (the subject of tokens issued by
the fake); their logins and API keys serve ``/oauth2/exchange_api_key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from amocrm_async.testing._issues import is_int
from amocrm_async.testing._resource import ReferenceResource
from amocrm_async.testing._state import Account, IdAllocator
from amocrm_async.testing._writes import Draft, Rule, whole_number

__all__ = ["AUTHORSHIP_RULES", "RESOURCE", "User", "admin_of", "user_ref", "users_of"]


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
    return RESOURCE.items(account)


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


AUTHORSHIP_RULES: dict[str, Rule] = {
    "responsible_user_id": user_ref(allow_robot=False),
    "created_by": user_ref(allow_robot=True),
    "updated_by": user_ref(allow_robot=True),
    "created_at": whole_number,
    "updated_at": whole_number,
}
"""Who owns, made and last changed an entity, and when: write rules every entity shares."""


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


class Users(ReferenceResource[User]):
    name = "users"
    path = "/api/v4/users"
    id_bases = {"users": 9_000_001}
    paged = True

    def setup(self, account: Account, ids: IdAllocator) -> None:
        users = self.items(account)
        for user_name, login, is_admin in _USERS:
            user_id = ids.next("users")
            users[user_id] = User(
                id=user_id,
                name=user_name,
                email=f"{login}@{account.subdomain}.example.com",
                is_admin=is_admin,
                api_key=f"{user_id:x}{account.id:x}".rjust(40, "a"),
            )

    def render(self, user: User, account: Account, base: str) -> dict[str, Any]:
        return {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "lang": user.lang,
            "rights": _rights(user),
            "_links": {"self": {"href": f"{base}{self.path}/{user.id}"}},
        }


RESOURCE = Users()
