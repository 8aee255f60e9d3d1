"""The constants as enums: one place to find them, the values the PHP library uses, accepted
wherever a plain value is (models, filters, ``with_=``), and never a reason for a read to fail."""

from __future__ import annotations

import json
from enum import Enum, IntEnum, StrEnum
from types import ModuleType
from typing import Any

import pytest
import respx

import amocrm_async.enums
from amocrm_async import AmoCRMClient, filters, models
from amocrm_async.filters import (
    CustomFieldsFilter,
    LeadsFilter,
    NotesFilter,
    Order,
    SortOrder,
    TasksFilter,
    UnsortedFilter,
)
from amocrm_async.models import (
    CUSTOM_FIELD_TYPES,
    DEFINITIONS_BY_TYPE,
    RIGHT_ACTIONS,
    RIGHT_ADD_VALUES,
    RIGHT_DEPENDENCIES,
    RIGHT_PRIORITY,
    RIGHT_VALUES,
    TASK_TYPE_CALL,
    TASK_TYPE_MEETING,
    CatalogElementWith,
    CompanyWith,
    ContactWith,
    CustomerWith,
    CustomFieldDefinition,
    EventWith,
    FieldType,
    GenericFieldDefinition,
    LeadWith,
    NoteWith,
    RightAction,
    RightScope,
    RightValue,
    SelectFieldDefinition,
    Tag,
    TagColor,
    Task,
    TaskTypeId,
    TextFieldDefinition,
    custom_field_definitions,
    customers,
    events,
    files,
    notes,
    rights,
    tags,
    tasks,
    unsorted,
    with_names,
    with_values,
)
from amocrm_async.models import (
    catalogs as catalogs_models,
)
from amocrm_async.services import EntityService
from amocrm_async.testing import FakeAmoCRM

ISSUE_9_MODULES: list[ModuleType] = [
    catalogs_models,
    custom_field_definitions,
    customers,
    events,
    files,
    notes,
    rights,
    tags,
    tasks,
    unsorted,
    with_names,
]


def enums_of(module: ModuleType) -> set[str]:
    return {
        name
        for name in module.__all__
        if isinstance(getattr(module, name), type) and issubclass(getattr(module, name), Enum)
    }


def test_every_enum_of_the_entity_modules_is_in_amocrm_async_enums() -> None:
    listed = set(amocrm_async.enums.__all__)
    for module in ISSUE_9_MODULES:
        missing = enums_of(module) - listed
        assert not missing, f"{module.__name__}: {sorted(missing)} not in amocrm_async.enums"


def test_every_public_enum_of_models_and_filters_is_listed() -> None:
    """One place to find them all: an enum added to a model module is added there too."""
    public = {
        name
        for package in (models, filters)
        for name in dir(package)
        if not name.startswith("_")
        and isinstance(getattr(package, name), type)
        and issubclass(getattr(package, name), Enum)
    }
    assert public - set(amocrm_async.enums.__all__) == set()


def test_amocrm_async_enums_re_exports_the_same_classes() -> None:
    for name in amocrm_async.enums.__all__:
        value = getattr(amocrm_async.enums, name)
        assert issubclass(value, StrEnum | IntEnum), name
        home = models if hasattr(models, name) else filters
        assert getattr(home, name) is value, name


# -- task types ----------------------------------------------------------------------------


def test_task_types_are_an_int_enum_with_the_old_names_as_aliases() -> None:
    assert (TaskTypeId.CALL, TaskTypeId.MEETING) == (1, 2)
    assert TaskTypeId["FOLLOW_UP"] is TaskTypeId.CALL  # PHP TASK_TYPE_ID_FOLLOW_UP = 1, sic
    assert TASK_TYPE_CALL is TaskTypeId.CALL
    assert TASK_TYPE_MEETING is TaskTypeId.MEETING


def test_task_type_id_reads_known_types_as_the_enum_and_keeps_account_types() -> None:
    system = Task.model_validate({"id": 1, "task_type_id": 2})
    custom = Task.model_validate({"id": 2, "task_type_id": 2_345_678})
    assert system.task_type_id is TaskTypeId.MEETING
    assert type(custom.task_type_id) is int and custom.task_type_id == 2_345_678
    assert custom.to_api() == {"id": 2, "task_type_id": 2_345_678}


def test_a_task_takes_the_enum_and_sends_the_number() -> None:
    task = Task(text="Call back", complete_till=1_900_000_000, task_type_id=TaskTypeId.CALL)
    payload = task.to_api()
    assert payload["task_type_id"] == 1 and type(payload["task_type_id"]) is int
    assert json.dumps(payload) == (
        '{"text": "Call back", "task_type_id": 1, "complete_till": 1900000000}'
    )
    assert TasksFilter(task_type_ids=[TaskTypeId.MEETING]).to_query() == [
        ("filter[task_type][0]", "2")
    ]


# -- custom-field types --------------------------------------------------------------------


def test_field_types_are_the_26_codes_and_type_every_definition_class() -> None:
    assert len(FieldType) == 26
    assert set(CUSTOM_FIELD_TYPES) == {member.value for member in FieldType}
    for member in FieldType:
        cls = DEFINITIONS_BY_TYPE[member]
        assert cls.model_fields["type"].default is member
        assert DEFINITIONS_BY_TYPE[member.value] is cls


def test_a_definition_parses_its_type_as_the_enum_and_an_unknown_type_as_str() -> None:
    select = CustomFieldDefinition.model_validate(
        {"id": 1, "type": "select", "enums": [{"id": 1, "value": "A", "sort": 1}]}
    )
    newer = CustomFieldDefinition.model_validate({"id": 2, "type": "hologram"})
    assert isinstance(select, SelectFieldDefinition) and select.type is FieldType.SELECT
    assert isinstance(newer, GenericFieldDefinition) and newer.type == "hologram"
    assert type(newer.type) is str


def test_a_definition_sends_its_type_as_a_plain_string() -> None:
    payload = TextFieldDefinition(name="Note").to_api()
    assert payload == {"type": "text", "name": "Note"}
    assert type(payload["type"]) is str


def test_filters_send_enum_members_as_their_plain_values() -> None:
    query = CustomFieldsFilter(types=[FieldType.SELECT, "text"]).to_query()
    assert query == [("filter[type][0]", "select"), ("filter[type][1]", "text")]
    assert all(type(value) is str for _, value in query)


# -- sort orders ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("make", "field"),
    [
        (lambda order: LeadsFilter(order=order), "created_at"),
        (lambda order: NotesFilter(order=order), "updated_at"),
        (lambda order: TasksFilter(order=order), "complete_till"),
        (lambda order: UnsortedFilter(order=order), "created_at"),
        (lambda order: CustomFieldsFilter(order=order), "sort"),
    ],
)
def test_order_takes_sort_order_members(make: Any, field: str) -> None:
    assert (SortOrder.ASC, SortOrder.DESC) == ("asc", "desc")
    by_enum = make(Order(field, SortOrder.DESC))
    assert by_enum.to_query_string() == make((field, "desc")).to_query_string()
    assert by_enum.to_query_string() == f"order%5B{field}%5D=desc"
    assert all(type(value) is str for _, value in make((field, SortOrder.ASC)).to_query())


def test_a_direction_outside_sort_order_is_refused() -> None:
    with pytest.raises(ValueError, match="direction"):
        LeadsFilter(order=("id", "descending"))


# -- with= names ---------------------------------------------------------------------------

WITH_BY_SERVICE = [
    ("leads", LeadWith),
    ("contacts", ContactWith),
    ("companies", CompanyWith),
    ("customers", CustomerWith),
    ("leads.notes", NoteWith),
    ("contacts.notes", NoteWith),
    ("companies.notes", NoteWith),
    ("customers.notes", NoteWith),
]


def service_at(amo: AmoCRMClient, dotted: str) -> Any:
    found: Any = amo
    for name in dotted.split("."):
        found = getattr(found, name)
    return found


@pytest.mark.anyio
@pytest.mark.parametrize(("attribute", "names"), WITH_BY_SERVICE)
async def test_with_allowed_is_the_enum_of_the_service(
    amo: AmoCRMClient, attribute: str, names: type[StrEnum]
) -> None:
    service = service_at(amo, attribute)
    assert isinstance(service, EntityService)
    assert service.with_allowed == with_values(names)
    assert all(type(value) is str for value in service.with_allowed)


@pytest.mark.anyio
async def test_with_of_events_and_catalog_elements(amo: AmoCRMClient) -> None:
    assert amo.events.with_allowed == with_values(EventWith)
    assert amo.catalogs.elements(1001).with_allowed == with_values(CatalogElementWith)


@pytest.mark.anyio
async def test_with_takes_members_and_strings_alike(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.get("/api/v4/leads").respond(204)
    await amo.leads.get(with_=[LeadWith.CONTACTS, LeadWith.LOSS_REASON])
    await amo.leads.get(with_=["contacts", "loss_reason"])
    await amo.leads.get(with_=LeadWith.SOURCE_ID)
    sent = [call.request.url.params["with"] for call in route.calls]
    assert sent == ["contacts,loss_reason", "contacts,loss_reason", "source_id"]


@pytest.mark.anyio
async def test_a_member_of_another_service_is_refused_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="social_profiles"):
        await amo.leads.get(with_=[ContactWith.SOCIAL_PROFILES])
    with pytest.raises(ValueError, match="with_"):
        await amo.customers.get_one(1, with_=[LeadWith.LOSS_REASON])
    assert not router.calls


@pytest.mark.anyio
async def test_with_members_end_to_end_on_the_fake() -> None:
    fake = FakeAmoCRM()
    fake.seed(leads=2, contacts=2)
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as amo:
        [lead, *_] = [lead async for lead in amo.leads.iterate(with_=[LeadWith.CONTACTS])]
        again = await amo.leads.get_one(lead.id or 0, with_=[LeadWith.CONTACTS])
    assert again.id == lead.id
    assert again.embedded is not None and again.embedded.contacts is not None


# -- rights --------------------------------------------------------------------------------


def test_right_letters_and_actions_are_the_php_constants() -> None:
    assert {m.name: m.value for m in RightValue} == {
        "FULL": "A",
        "LINKED": "L",
        "GROUP": "G",
        "ONLY_RESPONSIBLE": "M",
        "DENIED": "D",
    }
    assert [m.value for m in RightAction] == ["add", "edit", "view", "delete", "export"]
    assert sorted(RIGHT_PRIORITY, key=RIGHT_PRIORITY.__getitem__) == list(RightValue)


def test_right_tables_follow_right_model() -> None:
    entity = {RightValue.FULL, RightValue.GROUP, RightValue.ONLY_RESPONSIBLE, RightValue.DENIED}
    for scope in (RightScope.LEADS, RightScope.CONTACTS, RightScope.COMPANIES, RightScope.TASKS):
        assert RIGHT_VALUES[scope] == entity
    assert RIGHT_VALUES[RightScope.STATUS_RIGHTS] == {RightValue.FULL, RightValue.DENIED}
    assert RIGHT_VALUES[RightScope.CATALOG_RIGHTS] == {"A", "L", "D"}
    assert {"A", "D"} == RIGHT_ADD_VALUES
    assert RIGHT_ACTIONS[RightScope.TASKS] == ("edit", "delete")
    assert RightAction.ADD not in RIGHT_ACTIONS[RightScope.STATUS_RIGHTS]
    assert RIGHT_DEPENDENCIES[RightAction.DELETE] == (RightAction.VIEW, RightAction.EDIT)
    assert set(RIGHT_ACTIONS) == set(RIGHT_VALUES) == set(RightScope)
    with pytest.raises(TypeError):
        RIGHT_VALUES[RightScope.LEADS] = frozenset()  # type: ignore[index]


# -- tag colours ---------------------------------------------------------------------------


def test_tag_colours_are_the_palette_and_a_tag_takes_them() -> None:
    assert len(TagColor) == 23
    assert all(len(c.value) == 6 and c.value == c.value.upper() for c in TagColor)
    payload = Tag(name="VIP", color=TagColor.C832161).to_api()
    assert payload == {"name": "VIP", "color": "832161"} and type(payload["color"]) is str
    assert Tag.model_validate({"id": 1, "name": "x", "color": "123ABC"}).color == "123ABC"


def test_rights_module_lists_its_tables() -> None:
    assert set(rights.__all__) >= {"RightValue", "RightAction", "RightScope", "RIGHT_VALUES"}
