"""Client construction: base domains, auth choice, lazy services."""

from __future__ import annotations

import pytest

from amocrm_async import AmoCRMClient, errors
from amocrm_async._domains import normalize_base_domain

from .conftest import TOKEN


@pytest.mark.parametrize(
    ("given", "host"),
    [
        ("acme.amocrm.ru", "acme.amocrm.ru"),
        ("https://acme.amocrm.ru", "acme.amocrm.ru"),
        ("https://acme.amocrm.ru/", "acme.amocrm.ru"),
        ("ACME.amoCRM.com", "acme.amocrm.com"),
        ("acme.kommo.com", "acme.kommo.com"),
        ("https://my-shop-1.kommo.com/leads", "my-shop-1.kommo.com"),
    ],
)
def test_accepted_base_domains(given: str, host: str) -> None:
    assert normalize_base_domain(given) == host
    assert AmoCRMClient(given, access_token=TOKEN).base_domain == host


@pytest.mark.parametrize(
    "given",
    [
        "",
        "amocrm.ru",
        "www.amocrm.ru",
        "evil.com",
        "acme.amocrm.ru.evil.com",
        "http://acme.amocrm.ru",
        "a.b.amocrm.ru",
        "acme.kommo.ru",
        "127.0.0.1:8000",
    ],
)
def test_rejected_base_domains(given: str) -> None:
    with pytest.raises(errors.InvalidBaseDomainError) as info:
        AmoCRMClient(given, access_token=TOKEN)
    assert "allow_any_host" in str(info.value) or "empty" in str(info.value)


def test_local_host_needs_explicit_opt_in() -> None:
    amo = AmoCRMClient("http://127.0.0.1:8000", access_token=TOKEN, allow_any_host=True)
    assert amo.base_domain == "127.0.0.1:8000"
    assert amo._pipeline.scheme == "http"
    assert amo._pipeline.url("/api/v4/leads") == "http://127.0.0.1:8000/api/v4/leads"


def test_exactly_one_auth() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        AmoCRMClient("acme.amocrm.ru")
    with pytest.raises(ValueError, match="exactly one"):
        AmoCRMClient("acme.amocrm.ru", access_token=TOKEN, auth=object())  # type: ignore[arg-type]


def test_services_attach_lazily_and_once() -> None:
    amo = AmoCRMClient("acme.amocrm.ru", access_token=TOKEN)
    assert "leads" not in amo.__dict__
    assert amo.leads is amo.leads
    assert TOKEN not in repr(amo)
