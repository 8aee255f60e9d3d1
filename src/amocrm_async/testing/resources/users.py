"""Users: ``/api/v4/users`` — list (with ``_total_items``), get one, create, (de)activate.

Every account starts with five users, the first one the admin (the subject of tokens issued by
the fake); their logins and API keys serve ``/oauth2/exchange_api_key``. ``fake.seed(users=N)``
adds managers (in groups, some with a seeded role). A user is created with ``name``, ``email``
and ``password`` (all required, the email unused) and ``rights`` in one of the user forms:
``{"is_free": true}``, ``{"role_id": ...}`` (the role's rights) or the full rights, each with an
optional ``group_id``. Users cannot be changed (PATCH answers 405). The rights validation here is
shared with roles: letters per scope (``add`` and stages ``A``/``D``; catalogs ``A``/``L``/``D``),
and no action allowing more than the ones it needs (``edit``, ``export`` need ``view``, ``delete``
needs both), as amoCRM asks of ``rights[leads]`` and the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import not_allowed
from amocrm_async.testing._http import FakeResponse, no_content, problem
from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import paged
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity, IdAllocator
from amocrm_async.testing._writes import Changes, Draft, Rule, one_of, string, whole_number
from amocrm_async.testing.resources._seeding import Dice

__all__ = [
    "AUTHORSHIP_RULES",
    "RESOURCE",
    "ROLES",
    "USER_GROUPS",
    "User",
    "admin_of",
    "deny_all",
    "list_with_total",
    "rights_rule",
    "user_ref",
    "users_of",
]

ROLES = "roles"
"""The store of roles (``resources/roles.py``), read here for ``role_id`` and ``with=role``."""

USER_GROUPS: tuple[dict[str, Any], ...] = (
    {"id": 0, "name": "Отдел продаж", "uuid": None},
    {"id": 1, "name": "Отдел поддержки", "uuid": None},
)
"""The account's user groups (``account?with=users_groups``, a user's ``group_id``)."""

LANGS = ("ru", "en", "es", "pt")
RANKS = ("newbie", "candidate", "master")
ROBOT = 0
"""``created_by``/``updated_by`` 0: written by a robot (a trigger, a Salesbot)."""
_MAX_SWITCH = 10


class User(Entity):
    """A stored user: the wire ``data`` (``id``, ``name``, ``email``, ``lang``, ``rights``) and,
    in ``hidden``, its API key and what only ``with=`` shows."""

    __slots__ = ()

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def email(self) -> str:
        return str(self.data["email"])

    @property
    def rights(self) -> dict[str, Any]:
        return cast("dict[str, Any]", self.data["rights"])

    @property
    def is_admin(self) -> bool:
        return bool(self.rights["is_admin"])

    @property
    def api_key(self) -> str:
        assert self.hidden is not None
        return str(self.hidden["api_key"])


def users_of(account: Account) -> dict[int, User]:
    return cast("dict[int, User]", account.stores[RESOURCE.name])


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


# ----------------------------------------------------------------------------------------------
# Rights: validation shared with roles
# ----------------------------------------------------------------------------------------------

_ENTITY_ACTIONS = ("view", "edit", "add", "delete", "export")
_TASK_ACTIONS = ("edit", "delete")
_STATUS_ACTIONS = ("view", "edit", "delete", "export")
_ENTITY_SCOPES = ("leads", "contacts", "companies")

Check = Callable[[Draft, str, Any], Any]
"""Validate one value at a path: the value to store, or ``_INVALID`` (issues recorded)."""
_INVALID = object()


def _actions(actions: Sequence[str], letters: str, *, optional: Sequence[str] = ()) -> Check:
    """``{action: letter}`` with every action given (``optional`` ones may be left out)."""

    def check(draft: Draft, path: str, value: Any) -> Any:
        if not isinstance(value, dict):
            draft.invalid(path, "object")
            return _INVALID
        before = len(draft.issues)
        for action, letter in value.items():
            allowed = "AD" if action == "add" else letters
            if action not in actions:
                draft.issues.append(not_expected(draft.path(f"{path}.{action}")))
            elif not isinstance(letter, str) or letter not in allowed:
                draft.unsupported(f"{path}.{action}")
        draft.issues.extend(
            required(draft.path(f"{path}.{a}"))
            for a in actions
            if a not in value and a not in optional
        )
        if len(draft.issues) == before:
            _check_dependencies(draft, path, value)
        return dict(value) if len(draft.issues) == before else _INVALID

    return check


_RANK = {"A": 0, "L": 1, "G": 2, "M": 3, "D": 4}
_NEEDS = {"edit": ("view",), "delete": ("view", "edit"), "export": ("view",)}


def _check_dependencies(draft: Draft, path: str, rights: Mapping[str, str]) -> None:
    """An action may not allow more than the actions it needs (edit more than view …)."""
    for action, needed in _NEEDS.items():
        if action in rights and any(
            _RANK[rights[action]] < _RANK[rights[n]] for n in needed if n in rights
        ):
            draft.unsupported(f"{path}.{action}")


def _items(fields: Mapping[str, Check]) -> Check:
    """A list of objects with exactly these keys (all required)."""

    def check(draft: Draft, path: str, value: Any) -> Any:
        if not isinstance(value, list):
            draft.invalid(path, "array")
            return _INVALID
        before, out = len(draft.issues), []
        for index, item in enumerate(value):
            where = f"{path}.{index}"
            if not isinstance(item, dict):
                draft.invalid(where, "object")
                continue
            draft.issues.extend(
                not_expected(draft.path(f"{where}.{k}")) for k in item if k not in fields
            )
            draft.issues.extend(
                required(draft.path(f"{where}.{k}")) for k in fields if k not in item
            )
            out.append({k: fields[k](draft, f"{where}.{k}", item[k]) for k in fields if k in item})
        return out if len(draft.issues) == before else _INVALID

    return check


def _typed(test: Callable[[Any], bool], type_name: str) -> Check:
    def check(draft: Draft, path: str, value: Any) -> Any:
        if test(value):
            return value
        draft.invalid(path, type_name)
        return _INVALID

    return check


_int = _typed(is_int, "int")
_bool = _typed(lambda value: isinstance(value, bool), "bool")


def _leads(draft: Draft, path: str, value: Any) -> Any:
    if value != "leads":
        draft.unsupported(path)
        return _INVALID
    return value


def _role_id(draft: Draft, path: str, value: Any) -> Any:
    if value is not None and not is_int(value):
        draft.invalid(path, "int")
    elif value is not None and value not in draft.call.account.stores[ROLES]:
        draft.unsupported(path)
    else:
        return value
    return _INVALID


def _group_id(draft: Draft, path: str, value: Any) -> Any:
    if value is not None and not is_int(value):
        draft.invalid(path, "int")
    elif value is not None and value not in {g["id"] for g in USER_GROUPS}:
        draft.unsupported(path)
    else:
        return value
    return _INVALID


_ROLE_SCOPES: dict[str, Check] = {
    **{scope: _actions(_ENTITY_ACTIONS, "ADGM") for scope in _ENTITY_SCOPES},
    "tasks": _actions(_TASK_ACTIONS, "ADGM"),
    "mail_access": _bool,
    "catalog_access": _bool,
    "status_rights": _items(
        {
            "entity_type": _leads,
            "pipeline_id": _int,
            "status_id": _int,
            "rights": _actions(_STATUS_ACTIONS, "AD", optional=("export",)),
        }
    ),
    "catalog_rights": _items({"catalog_id": _int, "rights": _actions(_ENTITY_ACTIONS, "ADL")}),
}
_USER_SCOPES: dict[str, Check] = {
    **_ROLE_SCOPES,
    "role_id": _role_id,
    "group_id": _group_id,
    "is_free": _bool,
}


def rights_rule(*, per_user: bool) -> Rule:
    """``rights`` of a role (the full rights) or of a user (also ``role_id``, ``group_id``,
    ``is_free``); the validated keys are stored as sent, in ``fields["rights"]``."""
    scopes = _USER_SCOPES if per_user else _ROLE_SCOPES

    def rule(draft: Draft, key: str, value: Any) -> None:
        if not isinstance(value, dict):
            draft.invalid(key, "object")
            return
        sent: dict[str, Any] = {}
        for name, item in value.items():
            check = scopes.get(name)
            if check is None:
                draft.issues.append(not_expected(draft.path(f"{key}.{name}")))
                continue
            checked = check(draft, f"{key}.{name}", item)
            if checked is not _INVALID:
                sent[name] = checked
        draft.changes.fields[key] = sent

    return rule


def deny_all() -> dict[str, Any]:
    """The full rights with everything denied: what a scope not sent on create starts as."""
    entity = dict.fromkeys(_ENTITY_ACTIONS, "D")
    return {
        **{scope: dict(entity) for scope in _ENTITY_SCOPES},
        "tasks": dict.fromkeys(_TASK_ACTIONS, "D"),
        "mail_access": False,
        "catalog_access": False,
        "status_rights": [],
        "catalog_rights": [],
    }


def _manager_rights(level: str) -> dict[str, Any]:
    entity = {"view": "A", "edit": "A", "add": "A", "delete": level, "export": level}
    return {
        **{scope: dict(entity) for scope in _ENTITY_SCOPES},
        "tasks": {"edit": "A", "delete": level},
        "mail_access": True,
        "catalog_access": True,
        "status_rights": [],
        "catalog_rights": [],
    }


def _user_rights(
    account: Account, sent: Mapping[str, Any], *, is_admin: bool = False
) -> dict[str, Any]:
    """A new user's stored rights from the user form it was created with."""
    per_user = {"is_admin": is_admin, "is_free": False, "is_active": True}
    role_id = sent.get("role_id")
    if sent.get("is_free") is True:
        base, per_user["is_free"] = deny_all(), True
    elif role_id is not None:
        base = dict(account.stores[ROLES][role_id].data["rights"])
    else:
        base = {**deny_all(), **{k: v for k, v in sent.items() if k in _ROLE_SCOPES}}
    return {**base, **per_user, "group_id": sent.get("group_id"), "role_id": role_id}


# ----------------------------------------------------------------------------------------------
# The resource
# ----------------------------------------------------------------------------------------------


def list_with_total(resource: EntityResource, call: Call) -> FakeResponse:
    """A list page that carries ``_total_items`` (users, roles)."""
    req = call.req
    with_ = resource.parse_with(req.query.get("with"))
    rows = resource.select(call.account, req.query, with_, None)
    render = resource.renderer(call.account, req.base, with_)
    return paged(req, resource.key, rows, render, total=True)


_DEFAULT_USERS = [
    ("Администратор", "admin", True),
    ("Анна Смирнова", "anna", False),
    ("Иван Петров", "ivan", False),
    ("Мария Кузнецова", "maria", False),
    ("Олег Волков", "oleg", False),
]
_WITH_FIELDS = ("uuid", "amojo_id", "user_rank", "phone_number")
_REQUIRED = ("name", "email", "password")


class Users(EntityResource):
    name = "users"
    path = "/api/v4/users"
    id_base = 9_000_001
    rules = {
        "name": string,
        "email": string,
        "password": string,
        "lang": one_of(LANGS, str, "string"),
        "rights": rights_rule(per_user=True),
    }
    with_allowed = frozenset({"role", "group", *_WITH_FIELDS})
    sortable = ()
    max_batch = 10
    answers_in_full = True

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"GET": self.list_page, "PATCH": not_allowed}),
            (rf"{self.path}/(\d+)", {"PATCH": not_allowed}),
            (rf"{self.path}/(activate|deactivate)", {"POST": self.switch}),
        ]

    def list_page(self, call: Call) -> FakeResponse:
        return list_with_total(self, call)

    def setup(self, account: Account, ids: IdAllocator) -> None:
        for user_name, login, is_admin in _DEFAULT_USERS:
            rights = {**_manager_rights("A" if is_admin else "M"), "is_admin": is_admin}
            self._store_user(account, ids.next(self.name), user_name, login, rights)

    def _store_user(
        self,
        account: Account,
        user_id: int,
        user_name: str,
        login: str,
        rights: dict[str, Any],
        *,
        lang: str = "ru",
        rank: str = "newbie",
        phone: str | None = None,
    ) -> User:
        """A user with rights in the stored shape (per-user keys filled in)."""
        stored = {"is_admin": False, "is_free": False, "is_active": True, **rights}
        stored.setdefault("group_id", None)
        stored.setdefault("role_id", None)
        email = login if "@" in login else f"{login}@{account.subdomain}.example.com"
        user = User(user_id, {"id": user_id, "name": user_name, "email": email, "lang": lang})
        user.data["rights"] = stored
        user.hidden = {
            "api_key": f"{user_id:x}{account.id:x}".rjust(40, "a"),
            "uuid": f"{user_id:08x}-0000-4000-8000-{account.id:012x}",
            "amojo_id": f"{user_id:08x}-0000-4000-9000-{account.id:012x}",
            "user_rank": rank,
            "phone_number": phone,
        }
        users_of(account)[user_id] = user
        return user

    # -- writes ----------------------------------------------------------------------------

    def check(self, draft: Draft) -> None:
        draft.issues.extend(
            required(draft.path(key)) for key in _REQUIRED if draft.item.get(key, "") == ""
        )
        email = draft.changes.fields.get("email")
        if isinstance(email, str) and email:
            taken = {u.email.casefold() for u in users_of(draft.call.account).values()}
            if "@" not in email or email.casefold() in taken:
                draft.unsupported("email")

    def create(self, call: Call, changes: Changes) -> Entity:
        fields = changes.fields
        rights = _user_rights(call.account, fields.get("rights", {}))
        user = self._store_user(
            call.account,
            call.ids.next(self.name),
            fields["name"],
            fields["email"],
            rights,
            lang=fields.get("lang", "ru"),
        )
        self.notify(call, user, None)
        return user

    def switch(self, call: Call, action: str) -> FakeResponse:
        """``POST /users/activate|deactivate`` with ``[{"id": ...}]`` (1 to 10): 204."""
        items = call.req.json_array()
        if len(items) > _MAX_SWITCH:
            return problem(422, f"Limit {_MAX_SWITCH} per request", title="Unprocessable Entity")
        users, errors = users_of(call.account), []
        for index, item in enumerate(items):
            issues: list[Issue] = []
            user_id = item.get("id") if isinstance(item, dict) else None
            if not is_int(user_id):
                issues.append(invalid_type("id", "int"))
            elif user_id not in users or users[user_id].is_admin:
                issues.append(not_supported("id"))
            if issues:
                errors.append((str(index), issues))
        if errors:
            return validation_failed(errors)
        for item in items:
            users[item["id"]].rights["is_active"] = action == "activate"
        call.account.touch()
        return no_content()

    # -- reading ---------------------------------------------------------------------------

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        href = f"{base}{self.path}/"
        extras = [key for key in _WITH_FIELDS if key in with_]
        roles, groups = account.stores[ROLES], {g["id"]: g for g in USER_GROUPS}

        def render(entity: Entity) -> dict[str, Any]:
            user = cast("User", entity)
            out = {**user.data, "rights": dict(user.rights)}
            assert user.hidden is not None
            out.update({key: user.hidden[key] for key in extras})
            out["_links"] = {"self": {"href": f"{href}{user.id}"}}
            embedded: dict[str, Any] = {}
            if "role" in with_:
                role = roles.get(user.rights["role_id"])
                embedded["roles"] = [] if role is None else [_role_ref(role, base)]
            if "group" in with_:
                group = groups.get(user.rights["group_id"])
                embedded["groups"] = [] if group is None else [dict(group)]
            if embedded:
                out["_embedded"] = embedded
            return out

        return render

    # -- seeding ---------------------------------------------------------------------------

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        dice, account = Dice(ctx.rng), ctx.account
        roles = list(account.stores[ROLES])
        created = []
        for _ in range(count):
            user_id = ctx.ids.next(self.name)
            role_id = dice.pick(roles) if roles and dice.chance(0.5) else None
            if role_id is not None:
                rights = dict(account.stores[ROLES][role_id].data["rights"])
            else:
                rights = _manager_rights(dice.pick(("M", "G", "D")))
            rights["group_id"] = dice.pick(USER_GROUPS)["id"]
            rights["role_id"] = role_id
            phone = f"+7 9{dice.between(10, 99)} {dice.between(100, 999)}-{dice.between(10, 99)}"
            self._store_user(
                account,
                user_id,
                dice.pick(_NAMES),
                f"user{user_id}",
                rights,
                rank=dice.pick(RANKS),
                phone=phone if dice.chance(0.7) else None,
            )
            created.append(user_id)
        return created


def _role_ref(role: Entity, base: str) -> dict[str, Any]:
    """A role as a user's ``_embedded.roles`` shows it: id, name, link (no rights)."""
    link = {"self": {"href": f"{base}/api/v4/roles/{role.id}"}}
    return {"id": role.id, "name": role.data["name"], "_links": link}


_NAMES = [
    "Алексей Соколов",
    "Елена Лебедева",
    "Дмитрий Новиков",
    "Ольга Морозова",
    "Сергей Фёдоров",
    "Наталья Егорова",
    "Павел Козлов",
    "Ирина Павлова",
]


RESOURCE = Users()
