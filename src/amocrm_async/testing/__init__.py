"""Test utilities: :class:`FakeAmoCRM`, an in-memory emulator of the amoCRM / Kommo API v4.

Use it through ``fake.transport`` (``httpx``, no sockets), ``fake.app`` (ASGI; ``fake.serving()``
runs it on loopback under uvicorn) or the pytest fixtures ``amocrm_fake`` / ``amocrm_client``.
See ``docs/testing.md``.
"""

from amocrm_async._clock import VirtualClock
from amocrm_async.testing._asgi import FakeASGIApp, serve
from amocrm_async.testing._fake import FakeAmoCRM
from amocrm_async.testing._faults import (
    ConnectFault,
    ConnectionDropped,
    Fault,
    FaultInjector,
    FaultKind,
    NetworkFault,
)
from amocrm_async.testing._http import FakeResponse
from amocrm_async.testing._oauth import Integration
from amocrm_async.testing._ratelimit import RateLimitSettings
from amocrm_async.testing._registry import SeedResult
from amocrm_async.testing._stats import FakeStats, RequestRecord
from amocrm_async.testing._transport import FakeTransport
from amocrm_async.testing._webhook_delivery import WebhookAttempt, WebhookDelivery, WebhookSender

LATENCY = FaultKind.LATENCY
STATUS = FaultKind.STATUS
RATE_LIMIT = FaultKind.RATE_LIMIT
CONNECTION_RESET = FaultKind.CONNECTION_RESET
CONNECT_ERROR = FaultKind.CONNECT_ERROR
APPLY_THEN_DROP = FaultKind.APPLY_THEN_DROP
TRUNCATED_BODY = FaultKind.TRUNCATED_BODY
HTML_BODY = FaultKind.HTML_BODY
EMPTY_BODY = FaultKind.EMPTY_BODY
EMPTY_OBJECT = FaultKind.EMPTY_OBJECT
NO_EMBEDDED = FaultKind.NO_EMBEDDED

__all__ = [
    "APPLY_THEN_DROP",
    "CONNECTION_RESET",
    "CONNECT_ERROR",
    "EMPTY_BODY",
    "EMPTY_OBJECT",
    "HTML_BODY",
    "LATENCY",
    "NO_EMBEDDED",
    "RATE_LIMIT",
    "STATUS",
    "TRUNCATED_BODY",
    "ConnectFault",
    "ConnectionDropped",
    "FakeASGIApp",
    "FakeAmoCRM",
    "FakeResponse",
    "FakeStats",
    "FakeTransport",
    "Fault",
    "FaultInjector",
    "FaultKind",
    "Integration",
    "NetworkFault",
    "RateLimitSettings",
    "RequestRecord",
    "SeedResult",
    "VirtualClock",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSender",
    "serve",
]
