"""Customers — ``/api/v4/customers`` and what hangs off it (api-surface.md §5.4, §5.15, §5.24,
§5.25, §5.26): ``amo.customers.segments`` (with ``.custom_fields``), ``.statuses``,
``.transactions`` and ``.bonus_points``, and switching the customers mode.

Statuses work in periodicity mode and segments in segments mode (``set_mode``); in the other
mode amoCRM answers them with an error.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Unpack

from .._pipeline import APIResponse
from .._service import CallOptions, Service, entity_id, request_options, scoped, service
from ..errors import BatchError, WriteReport
from ..filters import BaseFilter
from ..filters.customers import CustomersFilter
from ..filters.transactions import TransactionsFilter
from ..models.customers import (
    Customer,
    CustomersMode,
    CustomersModeSettings,
    CustomerStatus,
    Segment,
    Transaction,
)
from ..models.with_names import CustomerWith, with_values
from ._crm import CrmEntityService
from ._entity import (
    Creatable,
    Deletable,
    ReadService,
    UpdatableOne,
)
from ._writes import DEFAULT_BATCH, assign_request_ids, check_sendable
from .custom_fields import CustomFieldDefinitionsService
from .subscriptions import SubscriptionsService

__all__ = [
    "BonusPointsService",
    "CustomerStatusesService",
    "CustomersService",
    "SegmentCustomFieldsService",
    "SegmentsService",
    "TransactionsService",
]

SETTABLE_MODES = frozenset({CustomersMode.PERIODICITY, CustomersMode.SEGMENTS})


def _int_field(data: Any, key: str) -> int | None:
    """``data[key]`` when the answer is an object holding an int there (``None`` if absent)."""
    value = data.get(key) if isinstance(data, dict) else None
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"the answer's {key} is not an integer: {value!r}")
    return value


class SegmentCustomFieldsService(CustomFieldDefinitionsService):
    """The custom-field definitions of segments: ``amo.customers.segments.custom_fields``.

    The same methods as the fields of any entity (typed definitions, ``definitions()`` for
    ``Segment.set_field``); segments have no field groups.
    """


class SegmentsService(ReadService[Segment, BaseFilter], UpdatableOne[Segment], Deletable[Segment]):
    """Customer segments (segments mode): read, page, create one, update one, delete one.

    The API creates segments one at a time (a single object, not an array) and has no batch
    update, so there is no ``add`` or ``update`` here.
    """

    path = "{parent}/segments"
    custom_fields: SegmentCustomFieldsService = service()

    async def add_one(self, model: Segment, **options: Unpack[CallOptions]) -> Segment:
        """Create one segment (``POST`` of the object itself); ``id`` and ``updated_at`` are
        copied back onto ``model``.

        A bad ``color`` raises :class:`ValueError` before the request; an answer that cannot
        be read raises :class:`~amocrm_async.errors.OutcomeUnknownError`.
        """
        [rid] = assign_request_ids([model])
        previous = model._request_id_state()
        model._assign_request_id(rid, generated=rid != model.caller_request_id)
        try:
            payload = model.to_api()
            check_sendable(payload, "add_one: the Segment")
        except Exception:
            model._restore_request_id(previous)
            raise

        def decode(response: APIResponse) -> tuple[int, int | None]:
            data = response.json()
            new_id = _int_field(data, "id")
            if new_id is None:
                raise ValueError("the answer names no id")
            return new_id, _int_field(data, "updated_at")

        model.id, updated_at = await self._pipeline.request_decoded(
            "POST",
            self.path,
            decode,
            json=payload,
            options=request_options(options),
            request_ids=[rid],
        )
        if updated_at is not None:
            model.updated_at = updated_at
        return model


class CustomerStatusesService(
    ReadService[CustomerStatus, BaseFilter],
    Creatable[CustomerStatus],
    UpdatableOne[CustomerStatus],
    Deletable[CustomerStatus],
):
    """Customer statuses (periodicity mode): an unpaged collection; create in batches,
    update and delete one at a time (system statuses cannot be deleted)."""

    path = "{parent}/statuses"
    paged = False


class TransactionsService(ReadService[Transaction, TransactionsFilter], Deletable[Transaction]):
    """Transactions (purchases): read those of every customer from
    ``/api/v4/customers/transactions``, add them to one customer, delete one.

    Transactions cannot be changed; ``add`` takes the customer they belong to.
    """

    path = "{parent}/transactions"

    def _customer_path(self, customer_id: int) -> str:
        parent, _, tail = self.path.rpartition("/")
        return f"{parent}/{entity_id(customer_id)}/{tail}"

    async def add(
        self,
        customer_id: int,
        transactions: Sequence[Transaction],
        *,
        accrue_bonus: bool | None = None,
        chunk_size: int = DEFAULT_BATCH,
        report: WriteReport[Transaction] | None = None,
        **options: Unpack[CallOptions],
    ) -> list[Transaction]:
        """Add purchases to a customer (``POST /api/v4/customers/{id}/transactions``), in
        chunks; ids are filled in. ``accrue_bonus`` sends ``accrue_bonus=true|false`` (whether
        the purchases earn bonus points). Failures and ``report=`` work as for ``add`` of
        any entity (:class:`~amocrm_async.errors.BatchError`)."""
        path = self._customer_path(customer_id)
        if accrue_bonus is not None:
            if not isinstance(accrue_bonus, bool):
                raise TypeError(f"accrue_bonus must be a bool, got {accrue_bonus!r}")
            flag = "true" if accrue_bonus else "false"
            options["extra_query"] = {**(options.get("extra_query") or {}), "accrue_bonus": flag}
        return await self._write(
            "POST", transactions, chunk_size, options, report=report, path=path
        )

    async def add_one(
        self,
        customer_id: int,
        transaction: Transaction,
        *,
        accrue_bonus: bool | None = None,
        **options: Unpack[CallOptions],
    ) -> Transaction:
        """Add one purchase to a customer; its error is raised as itself."""
        try:
            [written] = await self.add(
                customer_id, [transaction], accrue_bonus=accrue_bonus, **options
            )
        except BatchError as exc:
            raise exc.errors[0] from exc
        return written


class BonusPointsService(Service):
    """Bonus points of customers: ``POST /api/v4/customers/{id}/bonus_points``.

    Both methods return the customer's new balance.
    """

    path = "{parent}"

    async def earn_points(
        self, customer_id: int, points: int, **options: Unpack[CallOptions]
    ) -> int:
        """Credit ``points`` (a positive int) to a customer; returns the new balance."""
        return await self._change("earn", customer_id, points, options)

    async def redeem_points(
        self, customer_id: int, points: int, **options: Unpack[CallOptions]
    ) -> int:
        """Take ``points`` (a positive int) from a customer; returns the new balance."""
        return await self._change("redeem", customer_id, points, options)

    async def _change(
        self, action: str, customer_id: int, points: int, options: CallOptions
    ) -> int:
        if isinstance(points, bool) or not isinstance(points, int) or points <= 0:
            raise ValueError(f"{action}_points: points must be a positive int, got {points!r}")

        def decode(response: APIResponse) -> int:
            balance = _int_field(response.json(), "bonus_points")
            if balance is None:
                raise ValueError("the answer has no bonus_points")
            return balance

        return await self._pipeline.request_decoded(
            "POST",
            f"{self.path}/{entity_id(customer_id)}/bonus_points",
            decode,
            json={action: points},
            options=request_options(options),
        )


class CustomersService(CrmEntityService[Customer, CustomersFilter]):
    """Customers: read, page, create, update, link; switch the customers mode."""

    path = "/api/v4/customers"
    with_allowed = with_values(CustomerWith)
    link_targets = frozenset({"contacts", "companies", "catalog_elements"})
    subscriptions = scoped(SubscriptionsService)
    segments: SegmentsService = service()
    statuses: CustomerStatusesService = service()
    transactions: TransactionsService = service()
    bonus_points: BonusPointsService = service()

    async def set_mode(
        self,
        mode: CustomersMode | str,
        is_enabled: bool = True,
        **options: Unpack[CallOptions],
    ) -> CustomersModeSettings:
        """Turn customers on or off and choose the mode: ``PATCH /api/v4/customers/mode``.

        ``mode`` is ``"periodicity"`` or ``"segments"`` (:class:`CustomersMode`); anything
        else raises :class:`ValueError` before sending. Returns the settings amoCRM answers.
        Needs an administrator; a tariff without customers answers 402
        (:class:`~amocrm_async.errors.PaymentRequiredError`).
        """
        if mode not in SETTABLE_MODES:
            raise ValueError(f"set_mode: mode must be 'periodicity' or 'segments', got {mode!r}")
        if not isinstance(is_enabled, bool):
            raise TypeError(f"set_mode: is_enabled must be a bool, got {is_enabled!r}")
        return await self._pipeline.request_decoded(
            "PATCH",
            f"{self.path}/mode",
            lambda response: CustomersModeSettings.model_validate_json(response.content),
            json={"mode": str(CustomersMode(mode)), "is_enabled": is_enabled},
            options=request_options(options),
        )
