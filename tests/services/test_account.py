"""amo.account.get_current: with= on the wire, the public sample, every with= on the fake."""

from __future__ import annotations

import pytest
import respx

from amocrm_async import AmoCRMClient
from amocrm_async.models import Account, AccountWith, CustomersMode
from amocrm_async.testing import FakeAmoCRM

from ..samples import sample

pytestmark = pytest.mark.anyio


async def test_with_values_go_out_comma_joined(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get("/api/v4/account").respond(200, json=sample("account", "with_all"))
    with_ = ["amojo_id", "amojo_rights", "users_groups", "task_types", "version"]
    account = await amo.account.get_current(with_=[*with_, "entity_names", "datetime_settings"])
    request = route.calls.last.request
    assert request.method == "GET"
    assert request.url.params.multi_items() == [
        (
            "with",
            "amojo_id,amojo_rights,users_groups,task_types,version,entity_names,datetime_settings",
        )
    ]
    assert isinstance(account, Account) and account.id == 1231414
    assert [t.name for t in account.task_types] == ["Связаться", "Встреча"]


async def test_without_with_nothing_is_sent(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.get("/api/v4/account").respond(200, json=sample("account", "kommo_200_example"))
    account = await amo.account.get_current()
    assert route.calls.last.request.url.query == b""
    assert account.country == "BR"
    assert amo.account is amo.account


async def test_unknown_with_is_refused_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    with pytest.raises(ValueError, match="with_: unsupported value"):
        await amo.account.get_current(with_=["amojo_id", "users"])
    assert not router.calls


async def test_every_with_on_the_fake(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    account = await on_fake.account.get_current(with_=list(AccountWith))
    assert (account.id, account.subdomain) == (fake.account_id, "acme")
    assert account.current_user_id == fake.users()[0]["id"]
    assert account.customers_mode in set(CustomersMode)
    assert account.amojo_id and account.uuid and account.version
    assert account.is_api_filter_enabled is True
    assert account.drive_url is not None and account.drive_url.startswith("https://drive")
    assert account.invoices_settings is not None
    assert account.invoices_settings.invoices_catalog_id is not None
    embedded = account.embedded
    assert embedded is not None and embedded.amojo_rights is not None
    assert embedded.amojo_rights.can_direct is True
    assert {g.id for g in account.users_groups} == {0, 1}
    assert [t.code for t in account.task_types] == ["FOLLOW_UP", "MEETING"]
    assert embedded.datetime_settings is not None
    assert embedded.datetime_settings.timezone_offset == "+03:00"
    assert embedded.entity_names is not None
    leads = embedded.entity_names["leads"]
    assert leads["ru"].singular_form is not None
    assert leads["ru"].singular_form.genitive == "сделки"
    assert leads["en"].plural_form is not None and leads["en"].plural_form.default == "leads"
    assert embedded.entity_names["companies"]["en"].plural_form is not None
    assert embedded.entity_names["companies"]["en"].plural_form.default == "companies"


async def test_only_what_was_asked_for_on_the_fake(on_fake: AmoCRMClient) -> None:
    plain = await on_fake.account.get_current()
    assert (plain.amojo_id, plain.drive_url, plain.embedded) == (None, None, None)
    one = await on_fake.account.get_current(with_=["drive_url", "task_types"])
    assert one.drive_url is not None and one.amojo_id is None
    assert one.embedded is not None and one.embedded.datetime_settings is None
    assert len(one.task_types) == 2
