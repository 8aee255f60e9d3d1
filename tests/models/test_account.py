"""Account: the public samples parse into typed parts and dump back to the same JSON."""

from __future__ import annotations

from typing import Any

import pytest

from amocrm_async.models import (
    Account,
    AccountWith,
    AmojoRights,
    CustomersMode,
    DatetimeSettings,
    TaskType,
    UserGroup,
)

from ..samples import sample


def _without_nulls(value: Any) -> Any:
    """JSON with every null dropped: HAL links dump their absent relations as null."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


@pytest.mark.parametrize("name", ["with_all", "kommo_200_example"])
def test_samples_round_trip(name: str) -> None:
    body = sample("account", name)
    account = Account.model_validate(body)
    dumped = account.model_dump(mode="json", by_alias=True, exclude_unset=True)
    assert _without_nulls(dumped) == _without_nulls(body)
    assert account.model_extra == {}


def test_with_all_sample_is_typed() -> None:
    account = Account.model_validate(sample("account", "with_all"))
    assert (account.id, account.subdomain, account.version) == (1231414, "example", 11)
    assert account.customers_mode == CustomersMode.SEGMENTS
    assert account.amojo_id == "f3c6340d-410e-4ad1-9f7e-c5e663599909"
    embedded = account.embedded
    assert embedded is not None
    assert embedded.amojo_rights == AmojoRights(can_direct=True, can_create_groups=True)
    assert account.users_groups == [UserGroup(id=1, name="Отдел продаж", uuid=None)]
    assert [t.code for t in account.task_types] == ["FOLLOW_UP", "MEETING"]
    assert isinstance(account.task_types[0], TaskType)
    assert isinstance(embedded.datetime_settings, DatetimeSettings)
    assert embedded.datetime_settings.timezone == "Europe/Moscow"
    names = embedded.entity_names
    assert names is not None
    ru = names["leads"]["ru"]
    assert ru.gender == "m" and ru.plural_form is not None and ru.singular_form is not None
    assert (ru.singular_form.dative, ru.plural_form.genitive) == ("клиенту", "клиентов")
    assert names["leads"]["en"].plural_form is not None
    assert names["leads"]["en"].plural_form.default == "leads"


def test_without_with_the_extras_are_empty() -> None:
    account = Account.model_validate(sample("account", "kommo_200_example"))
    assert (account.currency, account.currency_symbol) == ("BRL", "R$")
    assert account.task_types == [] and account.users_groups == []
    assert account.embedded is None and account.drive_url is None


def test_unknown_customers_mode_is_kept_as_text() -> None:
    account = Account.model_validate({"id": 1, "customers_mode": "something_new"})
    assert account.customers_mode == "something_new"


def test_the_account_is_never_written() -> None:
    with pytest.raises(TypeError, match="read-only"):
        Account(id=1).to_api()


def test_every_with_value_of_the_api_is_known() -> None:
    assert {str(w) for w in AccountWith} == {
        *("amojo_id", "uuid", "amojo_rights", "users_groups", "task_types", "version"),
        *("entity_names", "datetime_settings", "invoices_settings"),
        *("is_api_filter_enabled", "drive_url"),
    }
