"""Contacts: everything is the contract; contacts have no special endpoint."""

from __future__ import annotations

from amocrm_async.models import Contact

from .contract import ServiceContract, ServiceSpec


class TestContract(ServiceContract):
    spec = ServiceSpec(
        "contacts",
        make=lambda i: Contact(name=f"Ivan {i}", first_name="Ivan", last_name=str(i)),
        change=lambda contact: setattr(contact, "last_name", "Petrov"),
    )
