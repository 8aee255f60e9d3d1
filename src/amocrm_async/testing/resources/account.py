"""The account itself: ``GET /api/v4/account``, with every ``with=`` the API has.

Top-level extras: ``amojo_id``, ``uuid``, ``version``, ``is_api_filter_enabled``, ``drive_url``,
``invoices_settings``; under ``_embedded``: ``amojo_rights``, ``users_groups`` (the groups users
are in), ``task_types``, ``entity_names``, ``datetime_settings``. Unknown values are ignored, as
amoCRM does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._resource import Resource, Route
from amocrm_async.testing._state import Account
from amocrm_async.testing.resources._customers import mode_of
from amocrm_async.testing.resources.catalogs import catalog_of_type
from amocrm_async.testing.resources.tasks import TASK_TYPES
from amocrm_async.testing.resources.users import USER_GROUPS, admin_of

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

_CASES = ("default", "genitive", "dative", "accusative", "instrumental", "prepositional")
_RU_NAMES = {
    "leads": ("f", ["сделка", "сделки", "сделке", "сделку", "сделкой", "сделке"], "lead"),
    "contacts": (
        "m",
        ["контакт", "контакта", "контакту", "контакт", "контактом", "контакте"],
        "contact",
    ),
    "companies": (
        "f",
        ["компания", "компании", "компании", "компанию", "компанией", "компании"],
        "company",
    ),
    "customers": (
        "m",
        ["покупатель", "покупателя", "покупателю", "покупателя", "покупателем", "покупателе"],
        "customer",
    ),
}


def _entity_names(account: Account) -> dict[str, Any]:
    """The default names of the entities, in Russian (singular) and English."""
    return {
        entity: {
            "ru": {"gender": gender, "singular_form": dict(zip(_CASES, forms, strict=True))},
            "en": {
                "gender": "f",
                "singular_form": {"default": english},
                "plural_form": {"default": f"{english}s".replace("ys", "ies")},
            },
        }
        for entity, (gender, forms, english) in _RU_NAMES.items()
    }


def _invoices_settings(account: Account) -> dict[str, Any]:
    catalog = catalog_of_type(account, "invoices")
    return {"lang": "ru", "invoices_catalog_id": catalog.id if catalog is not None else None}


Extra = Callable[[Account], Any]

_FIELDS: dict[str, Extra] = {
    "amojo_id": lambda a: f"{a.id:08x}-0000-4000-8000-{a.id:012x}",
    "uuid": lambda a: f"{a.id:08x}-0000-4000-9000-{a.id:012x}",
    "version": lambda a: 12,
    "is_api_filter_enabled": lambda a: True,
    "drive_url": lambda a: f"https://drive-b.{a.tld}",
    "invoices_settings": _invoices_settings,
}
"""``with=`` values that add a top-level key."""

_EMBEDDED: dict[str, Extra] = {
    "amojo_rights": lambda a: {"can_direct": True, "can_create_groups": True},
    "users_groups": lambda a: [dict(group) for group in USER_GROUPS],
    "task_types": lambda a: [dict(t) for t in TASK_TYPES.values()],
    "entity_names": _entity_names,
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
        if "amojo_id" in with_:
            with_.add("uuid")  # the public sample answers uuid next to amojo_id unasked
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
