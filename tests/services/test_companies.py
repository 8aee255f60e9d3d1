"""Companies: everything is the contract; companies have no special endpoint."""

from __future__ import annotations

from amocrm_async.models import Company

from .contract import ServiceContract, ServiceSpec


class TestContract(ServiceContract):
    spec = ServiceSpec(
        "companies",
        make=lambda i: Company(name=f"Acme {i}"),
        change=lambda company: setattr(company, "name", "Acme Holding"),
    )
