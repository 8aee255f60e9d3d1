"""amoCRM webhooks as typed events: :func:`parse_webhook` and :func:`encode_webhook_form`.

::

    from amocrm_async.webhooks import parse_webhook

    payload = parse_webhook(body, request.headers.get("content-type"))
    for event in payload.events:
        if event.entity_type == "leads" and event.action == "status":
            await on_status_change(event.data)  # .id, .old_status_id, .status_id

See docs/webhooks.md.
"""

from ._form import DEFAULT_LIMITS, WebhookLimits, WebhookParseError
from ._models import *
from ._models import __all__ as _models_all
from ._parse import WebhookPayload, encode_webhook_form, parse_webhook, webhook_wire_data

__all__ = [
    "DEFAULT_LIMITS",
    "WebhookLimits",
    "WebhookParseError",
    "WebhookPayload",
    "encode_webhook_form",
    "parse_webhook",
    "webhook_wire_data",
    *_models_all,
]
