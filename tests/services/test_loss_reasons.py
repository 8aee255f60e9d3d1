"""Loss reasons: the contract of ``amo.loss_reasons``, the back-fill of write answers, and the
writes end to end against the fake amoCRM (a deleted reason leaves its leads without one)."""

from __future__ import annotations

import json

import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.models import LeadLossReason, LossReason
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec

pytestmark = pytest.mark.anyio

LOST = 143


class TestContract(ServiceContract):
    spec = ServiceSpec("loss_reasons", make=lambda i: LeadLossReason(name=f"Too late #{i}"))


async def test_add_fills_in_what_the_server_decided(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    answer = {
        "_embedded": {
            "loss_reasons": [
                {
                    "id": 8,
                    "name": "Дорого",
                    "sort": 30,
                    "created_at": 5,
                    "updated_at": 5,
                    "request_id": "a",
                }
            ]
        }
    }
    route = router.post("/api/v4/leads/loss_reasons").respond(200, json=answer)
    reason = LeadLossReason(name="Дорого", request_id="a")
    await amo.loss_reasons.add_one(reason)
    assert json.loads(route.calls.last.request.content) == [{"name": "Дорого", "request_id": "a"}]
    assert (reason.id, reason.sort, reason.created_at, reason.updated_at) == (8, 30, 5, 5)
    assert isinstance(reason, LossReason)
    assert reason.to_api() == {"id": 8, "name": "Дорого", "sort": 30, "request_id": "a"}


async def test_writes_end_to_end(fake: FakeAmoCRM, on_fake: AmoCRMClient) -> None:
    first = [reason.name for reason in await on_fake.loss_reasons.get()]
    assert first == ["Дорого", "Выбрали конкурента", "Нет бюджета"]
    late = LeadLossReason(name="Опоздали", sort=5)
    await on_fake.loss_reasons.add_one(late)
    assert late.id is not None and late.created_at is not None
    assert next(r.name for r in await on_fake.loss_reasons.get()) == "Опоздали"
    late.name = "Опоздали на день"
    await on_fake.loss_reasons.update_one(late)
    assert (await on_fake.loss_reasons.get_one(late.id)).name == "Опоздали на день"
    [lead_id] = fake.seed(leads=1).leads
    lead = await on_fake.leads.get_one(lead_id)
    lead.status_id, lead.loss_reason_id = LOST, late.id
    await on_fake.leads.update_one(lead)
    await on_fake.loss_reasons.delete_one(late.id)
    with pytest.raises(errors.NotFoundError):
        await on_fake.loss_reasons.get_one(late.id)
    assert (await on_fake.leads.get_one(lead_id)).loss_reason_id is None
    with pytest.raises(errors.RequestValidationError) as caught:
        await on_fake.loss_reasons.add_one(LeadLossReason(sort=1))
    assert [issue.path for issue in caught.value.errors] == ["name"]
    with pytest.raises(errors.NotFoundError):
        await on_fake.loss_reasons.delete_one(late.id)
