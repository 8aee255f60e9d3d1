"""Subscribers of a lead or customer — ``/api/v4/{leads|customers}/{id}/subscriptions`` (§5.37).

``amo.leads.subscriptions(lead_id)`` and ``amo.customers.subscriptions(customer_id)``:
read-only, paged.
"""

from __future__ import annotations

from ..models import Subscription
from ._keyed import ParentList

__all__ = ["SubscriptionsService"]


class SubscriptionsService(ParentList[Subscription]):
    """Who follows one lead or customer (users and groups): ``get`` and ``iterate``."""

    path = "{parent}/{scope}/subscriptions"
    model = Subscription
    embedded_key = "subscriptions"
