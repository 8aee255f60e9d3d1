"""Sources, loss reasons and currencies: what is parsed and what a write sends."""

from __future__ import annotations

import pytest

from amocrm_async.models import (
    Currency,
    LeadLossReason,
    LossReason,
    Source,
    SourceService,
    SourceServiceType,
    check_one_default,
)

SOURCE = {
    "id": 11070881,
    "name": "Новый источник",
    "pipeline_id": 3166396,
    "external_id": "my_unique_id",
    "default": False,
    "origin_code": None,
    "services": [
        {
            "type": "whatsapp",
            "pages": [{"id": "first_page", "name": "Первая страница", "link": "+79998887766"}],
            "params": {"waba": True, "is_supports_list_message": False},
        }
    ],
    "_links": {"self": {"href": "https://example.amocrm.ru/api/v4/sources/11070881"}},
}


def test_a_source_parses_and_writes_what_it_read() -> None:
    source = Source.model_validate(SOURCE)
    assert source.services is not None and source.services[0].type == SourceServiceType.WHATSAPP
    assert source.services[0].pages is not None
    assert source.services[0].pages[0].link == "+79998887766"
    expected = {k: v for k, v in SOURCE.items() if k not in ("_links", "origin_code")}
    assert source.to_api() == expected


def test_a_source_service_must_be_whatsapp() -> None:
    with pytest.raises(ValueError, match=r"services\[1\]\.type"):
        Source(name="x", services=[SourceService(type="whatsapp"), SourceService()]).to_api()


def test_one_default_per_batch() -> None:
    check_one_default([Source(default=True), Source(default=False), Source()])
    with pytest.raises(ValueError, match=r"positions \[0, 2\]"):
        check_one_default([Source(default=True), Source(), Source(default=True)])


def test_a_loss_reason_entity_is_a_loss_reason_that_writes_name_and_sort() -> None:
    reason = LeadLossReason.model_validate(
        {"id": 4203748, "name": "Too expensive", "sort": 2, "created_at": 1, "updated_at": 2}
    )
    assert isinstance(reason, LossReason)
    assert reason.to_api() == {"id": 4203748, "name": "Too expensive", "sort": 2}


def test_a_currency_is_read_only() -> None:
    currency = Currency.model_validate({"code": "RUB"})
    assert (currency.code, currency.id, currency.to_api()) == ("RUB", None, {})
