"""Webhook events through a queue to a pool of anyio workers.

The web part only receives: the integration answers amoCRM at once and puts every typed event
on an anyio memory stream. A few workers take events from the stream and do the slow part with
the SDK — here, a lead moved to "won" gets a task "Send the contract" for its responsible user,
and every event is counted by its code. The workers stop when the stream is closed and empty.
Runs on asyncio and on trio.

Against the embedded fake amoCRM (which posts the webhooks to the app in-process)::

    python examples/webhook_worker.py            # add --trio to run on trio
"""

from __future__ import annotations

import sys
import tempfile
from collections import Counter
from typing import Any

import anyio
from anyio.abc import ObjectReceiveStream

from amocrm_async import FileTokenStore, OAuthConfig
from amocrm_async.integrations.fastapi import AmoCRMIntegration
from amocrm_async.models import Lead, Task
from amocrm_async.models import WebhookEventCode as EventCode
from amocrm_async.webhooks import LeadEvent, WebhookEvent

WON = 142
TASK_TEXT = "Send the contract"


async def worker(
    events: ObjectReceiveStream[WebhookEvent],
    amo: AmoCRMIntegration,
    seen: Counter[str],
) -> None:
    """Take events until the stream is closed and drained."""
    async with events:
        async for event in events:
            seen[event.code] += 1
            if not isinstance(event, LeadEvent) or event.action != "status":
                continue
            if event.data.status_id == WON and event.data.id is not None:
                client = amo.client_for(event.account) if event.account else amo.client()
                task = Task(
                    text=TASK_TEXT,
                    complete_till=int(amo.clock.time()) + 86_400,
                    entity_id=event.data.id,
                    entity_type="leads",
                    responsible_user_id=event.data.responsible_user_id,
                )
                await client.tasks.add_one(task)


async def demo(token_dir: str, *, workers: int = 3) -> dict[str, Any]:
    from fastapi import FastAPI

    from amocrm_async import AmoCRMClient
    from amocrm_async.testing import FakeAmoCRM

    fake = FakeAmoCRM()
    integration = fake.register_integration("https://worker.example/amocrm/oauth/callback")
    send, receive = anyio.create_memory_object_stream[WebhookEvent](100)
    amo = AmoCRMIntegration(
        oauth=OAuthConfig(
            integration.client_id, integration.client_secret, integration.redirect_uri
        ),
        token_store=FileTokenStore(token_dir),
        accounts=[fake.base_domain],
        default_account=fake.base_domain,
        webhook_secret="demo-worker-webhook-secret",
        queue=send,
        client_options={"transport": fake.transport},
    )
    app = FastAPI(lifespan=amo.lifespan)
    app.include_router(amo.router())
    fake.deliver_webhooks_to(app)
    destination = "https://worker.example" + amo.webhook_path()
    fake.webhooks.subscribe(destination, [EventCode.ADD_LEAD, EventCode.STATUS_LEAD])
    seen: Counter[str] = Counter()

    async with (
        amo.lifespan(app),
        AmoCRMClient(
            fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
        ) as user,
        anyio.create_task_group() as pool,
    ):
        await amo.client().authorize(fake.issue_authorization_code(integration))
        for _ in range(workers):
            pool.start_soon(worker, receive.clone(), amo, seen)
        receive.close()
        leads = await user.leads.add([Lead(name=f"Deal {i}") for i in range(4)])
        await user.leads.update(
            [Lead(id=lead.id, status_id=WON, pipeline_id=lead.pipeline_id) for lead in leads[:2]]
        )
        await fake.webhooks.flush()
        await amo.drain()
        send.close()  # no more events: the workers finish what is queued and stop
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as user:
        tasks = [task async for task in user.tasks.iterate()]
    return {
        "seen": dict(seen),
        "deliveries": fake.webhooks.deliveries,
        "tasks": tasks,
        "won": [lead.id for lead in leads[:2]],
        "failures": amo.failures,
    }


async def main() -> None:
    with tempfile.TemporaryDirectory() as directory:
        result = await demo(directory)
    seen = ", ".join(f"{code}={count}" for code, count in sorted(result["seen"].items()))
    print(f"{len(result['deliveries'])} webhooks, events {seen}")
    print(f"{len(result['tasks'])} tasks created by the workers")


if __name__ == "__main__":
    anyio.run(main, backend="trio" if "--trio" in sys.argv else "asyncio")
