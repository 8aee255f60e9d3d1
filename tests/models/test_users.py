"""Users: the user forms of rights (PHP ``toUsersApi``), the write-only password, with= parts."""

from __future__ import annotations

import json

import pytest

from amocrm_async.models import EntityRights, Rights, User, UserRank, collection_adapter

from .test_roles import full_rights


def test_free_user_sends_only_is_free() -> None:
    rights = full_rights()
    rights.is_free, rights.role_id, rights.group_id = True, 3, 4
    assert User(name="Free", rights=rights).to_api()["rights"] == {"is_free": True}


def test_user_with_a_role_sends_the_role_and_group() -> None:
    rights = full_rights()
    rights.role_id, rights.group_id = 3, 4
    assert User(rights=rights).to_api()["rights"] == {"role_id": 3, "group_id": 4}
    assert User(rights=Rights(role_id=3)).to_api()["rights"] == {"role_id": 3}


def test_user_with_own_rights_sends_them_with_the_group() -> None:
    rights = full_rights("M")
    rights.group_id, rights.is_free = 2, False
    assert User(rights=rights).to_api()["rights"] == {
        **full_rights("M").to_api(),
        "group_id": 2,
    }


def test_php_example_user_payload() -> None:
    """examples/users_actions.php: a named user with leads rights, in group 286084."""
    leads = EntityRights(add="D", view="M", delete="A", export="M", edit="A")
    user = User(
        name="Иван Петров",
        email="example3@example.test",
        password="ExAmPlE2o20!",
        rights=Rights(leads=leads, mail_access=False, catalog_access=True, group_id=286084),
    )
    assert user.to_api() == {
        "name": "Иван Петров",
        "email": "example3@example.test",
        "password": "ExAmPlE2o20!",
        "rights": {
            "leads": {"view": "M", "edit": "M", "add": "D", "delete": "M", "export": "M"},
            "mail_access": False,
            "catalog_access": True,
            "group_id": 286084,
        },
    }


def test_password_is_write_only_and_never_shown() -> None:
    user = User(name="A", email="a@example.com", password="hunter2-SECRET")
    assert "hunter2" not in repr(user) and "hunter2" not in str(user)
    assert "hunter2" not in json.dumps(user.model_dump(mode="json"))
    assert user.model_dump()["password"] == "**********"
    assert user.to_api()["password"] == "hunter2-SECRET"
    assert "password" not in User(name="A").to_api()


def test_rights_letters_are_checked_for_users_too() -> None:
    with pytest.raises(ValueError, match=r"User.rights.leads.add: 'M'"):
        User(rights=Rights(leads=EntityRights(add="M"))).to_api()


def test_a_listed_user_with_every_with_parses() -> None:
    body = {
        "_total_items": 1,
        "_page": 1,
        "_embedded": {
            "users": [
                {
                    "id": 504141,
                    "name": "Admin",
                    "email": "admin@example.com",
                    "lang": "ru",
                    "rights": {
                        **full_rights().to_api(),
                        "is_admin": True,
                        "is_free": False,
                        "is_active": True,
                        "group_id": None,
                        "role_id": 7,
                    },
                    "uuid": "0f5b6b4e-0000",
                    "amojo_id": "7e1b2e1a-0000",
                    "user_rank": "master",
                    "phone_number": "+7 900 000-00-00",
                    "_embedded": {
                        "roles": [{"id": 7, "name": "Manager"}],
                        "groups": [{"id": 1, "name": "Sales", "uuid": None}],
                    },
                }
            ]
        },
    }
    page = collection_adapter("users", User).validate_python(body)
    [user] = page.items
    assert page.total_items == 1
    assert user.user_rank == UserRank.MASTER and user.phone_number == "+7 900 000-00-00"
    assert user.rights is not None and user.rights.is_admin is True
    assert user.embedded is not None and user.embedded.roles is not None
    assert [(r.id, r.name, r.rights) for r in user.embedded.roles] == [(7, "Manager", None)]
    assert user.embedded.groups is not None and user.embedded.groups[0].name == "Sales"
    # read back and sent: only what a create takes, in the role form of the user's rights
    assert user.to_api() == {
        "id": 504141,
        "name": "Admin",
        "email": "admin@example.com",
        "rights": {"role_id": 7},
    }
