"""The account itself: ``GET /api/v4/account`` (with ``with=`` extras)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._resource import Resource, Route
from amocrm_async.testing._state import Account
from amocrm_async.testing.resources._customers import mode_of
from amocrm_async.testing.resources.tasks import TASK_TYPES
from amocrm_async.testing.resources.users import admin_of

__all__ = ["RESOURCE"]

_DATETIME_SETTINGS = {
    "date_pattern": "d.m.Y H:i",
    "short_date_pattern": "d.m.Y",
    "short_time_pattern": "H:i",
    "date_format": "d.m.Y",
    "time_format": "H:i:s",
    "timezone": "Europe/Moscow",
    "timezone_offset": "+03:00",
}

Extra = Callable[[Account], Any]

_FIELDS: dict[str, Extra] = {
    "amojo_id": lambda a: f"{a.id:08x}-0000-4000-8000-{a.id:012x}",
    "uuid": lambda a: f"{a.id:08x}-0000-4000-9000-{a.id:012x}",
    "version": lambda a: 12,
    "is_api_filter_enabled": lambda a: True,
    "drive_url": lambda a: f"https://drive-b.{a.tld}",
}
"""``with=`` values that add a top-level key."""

_EMBEDDED: dict[str, Extra] = {
    "users_groups": lambda a: [{"id": 0, "name": "Отдел продаж", "uuid": None}],
    "task_types": lambda a: [dict(t) for t in TASK_TYPES.values()],
    "datetime_settings": lambda a: dict(_DATETIME_SETTINGS),
}
"""``with=`` values that add a key to ``_embedded``."""


class AccountInfo(Resource):
    name = "account"
    path = "/api/v4/account"

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [(self.path, {"GET": self.get})]

    def get(self, call: Call) -> FakeResponse:
        account = call.account
        with_ = {w.strip() for w in str(call.req.query.get("with", "")).split(",") if w.strip()}
        admin = admin_of(account).id
        payload: dict[str, Any] = {
            "id": account.id,
            "name": account.name,
            "subdomain": account.subdomain,
            "created_at": account.created_at,
            "created_by": admin,
            "updated_at": account.created_at,
            "updated_by": admin,
            "current_user_id": call.user_id,
            "country": "RU",
            "currency": "RUB",
            "currency_symbol": "₽",
            "customers_mode": _customers_mode(account),
            "is_unsorted_on": True,
            "mobile_feature_version": 0,
            "is_loss_reason_enabled": True,
            "is_helpbot_enabled": False,
            "is_technical_account": True,
            "contact_name_display_order": 1,
        }
        payload.update({key: extra(account) for key, extra in _FIELDS.items() if key in with_})
        payload["_links"] = {"self": {"href": f"{call.base}{self.path}"}}
        embedded = {key: extra(account) for key, extra in _EMBEDDED.items() if key in with_}
        if embedded:
            payload["_embedded"] = embedded
        return json_response(200, payload)


RESOURCE = AccountInfo()


def _customers_mode(account: Account) -> str:
    """``periodicity`` / ``segments`` while customers are on, else ``disabled``."""
    mode = mode_of(account)
    return str(mode["mode"]) if mode["is_enabled"] else "disabled"
