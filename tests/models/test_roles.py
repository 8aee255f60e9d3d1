"""Rights and roles: normalisation as the PHP library's RightModel, write forms, refusals."""

from __future__ import annotations

from typing import Any

import pytest

from amocrm_async.models import (
    CatalogActions,
    CatalogRight,
    EntityRights,
    Rights,
    RightValue,
    Role,
    StatusActions,
    StatusRight,
    TaskRights,
)


def full_rights(level: str = "A") -> Rights:
    """Every scope given (what a role read back from amoCRM carries)."""
    entity = {"view": level, "edit": level, "add": "A", "delete": level, "export": level}
    return Rights(
        leads=EntityRights(**entity),
        contacts=EntityRights(**entity),
        companies=EntityRights(**entity),
        tasks=TaskRights(edit=level, delete=level),
        mail_access=True,
        catalog_access=True,
        status_rights=[],
        catalog_rights=[],
    )


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        # the PHP library's own example (examples/users_actions.php): edit/delete/export
        # are lowered to what view allows
        (
            {"add": "D", "view": "M", "delete": "A", "export": "M", "edit": "A"},
            {"view": "M", "edit": "M", "add": "D", "delete": "M", "export": "M"},
        ),
        ({"view": "A"}, {"view": "A", "edit": "D", "add": "D", "delete": "D", "export": "D"}),
        ({}, dict.fromkeys(("view", "edit", "add", "delete", "export"), "D")),
        (
            {"view": "G", "edit": "A", "add": "A", "delete": "M", "export": "A"},
            {"view": "G", "edit": "G", "add": "A", "delete": "M", "export": "G"},
        ),
        (
            {"view": "A", "edit": "M", "add": "A", "delete": "A", "export": "A"},
            {"view": "A", "edit": "M", "add": "A", "delete": "M", "export": "A"},
        ),
    ],
)
def test_entity_rights_are_completed_and_lowered(
    given: dict[str, str], normalised: dict[str, str]
) -> None:
    assert EntityRights(**given).to_api() == normalised
    assert EntityRights.model_validate(given).to_api() == normalised


def test_letters_are_right_values() -> None:
    parsed = EntityRights.model_validate({"view": "M", "edit": "A"})
    assert (parsed.view, parsed.edit, parsed.add) == (
        RightValue.ONLY_RESPONSIBLE,
        RightValue.ONLY_RESPONSIBLE,
        RightValue.DENIED,
    )
    assert isinstance(parsed.view, RightValue)
    built = TaskRights(edit=RightValue.GROUP, delete=RightValue.FULL)
    assert built.to_api() == {"edit": "G", "delete": "G"}


def test_tasks_have_no_view_to_depend_on() -> None:
    assert TaskRights(edit="A").to_api() == {"edit": "A", "delete": "D"}
    assert TaskRights(edit="M", delete="A").to_api() == {"edit": "M", "delete": "M"}


def test_a_stage_keeps_export_absent_unless_given() -> None:
    assert StatusActions(view="A", edit="A", delete="A").to_api() == {
        "view": "A",
        "edit": "A",
        "delete": "A",
    }
    assert StatusActions(view="D", edit="A", export="A").to_api() == {
        "view": "D",
        "edit": "D",
        "delete": "D",
        "export": "D",
    }
    right = StatusRight(pipeline_id=3166396, status_id=142)
    assert right.to_api() == {
        "entity_type": "leads",
        "pipeline_id": 3166396,
        "status_id": 142,
        "rights": {"view": "D", "edit": "D", "delete": "D"},
    }


def test_catalog_rights_take_linked() -> None:
    actions = CatalogActions(view="L", add="A", edit="A", delete="A", export="A")
    assert actions.to_api() == {"view": "L", "add": "A", "edit": "L", "delete": "L", "export": "L"}
    assert CatalogRight(catalog_id=1001, rights=actions).to_api()["catalog_id"] == 1001


def test_assignment_normalises_again() -> None:
    rights = EntityRights(view="A", edit="A", add="A", delete="A", export="A")
    rights.view = "M"
    assert rights.to_api() == {"view": "M", "edit": "M", "add": "A", "delete": "M", "export": "M"}
    rights.edit = "A"  # still bounded by view
    assert rights.edit == "M"


@pytest.mark.parametrize(
    ("rights", "message"),
    [
        (Rights(leads=EntityRights(add="G")), r"Role.rights.leads.add: 'G' .* use one of A, D"),
        (Rights(tasks=TaskRights(edit="L")), r"Role.rights.tasks.edit: 'L' .* A, D, G, M"),
        (
            Rights(status_rights=[StatusRight(rights=StatusActions(view="M"))]),
            r"Role.rights.status_rights.0.rights.view: 'M' .* use one of A, D",
        ),
        (
            Rights(catalog_rights=[CatalogRight(rights=CatalogActions(view="G"))]),
            r"Role.rights.catalog_rights.0.rights.view: 'G' .* A, D, L",
        ),
        (Rights(contacts=EntityRights(view="X")), r"Role.rights.contacts.view: 'X'"),
    ],
)
def test_a_letter_the_scope_does_not_take_is_refused_before_sending(
    rights: Rights, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Role(name="r", rights=rights).to_api()


def test_letters_read_from_amocrm_are_kept_as_they_are() -> None:
    role = Role.model_validate(
        {"id": 5, "name": "r", "rights": {"leads": {"view": "Z", "edit": "A", "add": "G"}}}
    )
    assert role.rights is not None and role.rights.leads is not None
    assert (role.rights.leads.view, role.rights.leads.add) == ("Z", "G")
    assert role.rights.leads.edit == "D"  # bounded by a view it does not know


def test_role_write_form_is_the_full_rights_without_per_user_keys() -> None:
    rights = full_rights("G")
    rights.role_id, rights.group_id, rights.is_free = 3, 4, False
    rights.is_admin = rights.is_active = True
    payload = Role(id=9, name="Sales", rights=rights).to_api()
    expected = full_rights("G").to_api()
    assert payload == {"id": 9, "name": "Sales", "rights": expected}
    assert set(expected) == {
        *("leads", "contacts", "companies", "tasks", "mail_access", "catalog_access"),
        *("status_rights", "catalog_rights"),
    }
    assert "catalog_access" not in Role(rights=Rights(mail_access=False)).to_api()["rights"]


def _role_json(**extra: Any) -> dict[str, Any]:
    return {"id": 7, "name": "Manager", "rights": full_rights().to_api(), **extra}


def test_role_sample_read_back_sends_only_name_and_rights() -> None:
    links = {"self": {"href": "https://acme.amocrm.ru/api/v4/roles/7"}}
    role = Role.model_validate(_role_json(_links=links, _embedded={"users": [{"id": 1}]}))
    assert role.to_api() == {"id": 7, "name": "Manager", "rights": full_rights().to_api()}
    assert role.links is not None and role.links.self_ is not None


def test_a_role_without_users_listed() -> None:
    role = Role.model_validate(_role_json(_embedded={"users": None}))
    assert role.embedded is not None and role.embedded.users is None


@pytest.mark.parametrize("users", [[11, 12], [{"id": 11}, {"id": 12}]])
def test_users_of_a_role_are_ids(users: list[Any]) -> None:
    role = Role.model_validate(_role_json(_embedded={"users": users}))
    assert role.embedded is not None and role.embedded.users is not None
    assert [user.id for user in role.embedded.users] == [11, 12]
