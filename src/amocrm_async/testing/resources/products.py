"""Products settings: ``GET``/``PATCH /api/v4/catalogs/products/settings`` — ``{is_enabled}``.

Every account starts with products on. ``PATCH`` takes ``{"is_enabled": bool}`` (anything else
is a 400 with ``validation-errors``) and answers the new settings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._issues import invalid_type, not_expected, validation_failed
from amocrm_async.testing._resource import Resource, Route
from amocrm_async.testing._state import Account, IdAllocator

__all__ = ["RESOURCE", "ProductsSettings", "products_settings"]

_STORE = "products_settings"


def products_settings(account: Account) -> dict[str, Any]:
    """The account's settings (the stored dict)."""
    return cast("dict[str, Any]", account.stores[_STORE][0])


class ProductsSettings(Resource):
    name = "products_settings"
    path = "/api/v4/catalogs/products/settings"
    stores = (_STORE,)

    def setup(self, account: Account, ids: IdAllocator) -> None:
        account.stores[_STORE][0] = {"is_enabled": True}

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [(self.path, {"GET": self.get, "PATCH": self.update})]

    def _answer(self, call: Call) -> FakeResponse:
        links = {"self": {"href": f"{call.base}{self.path}"}}
        return json_response(200, {**products_settings(call.account), "_links": links})

    def get(self, call: Call) -> FakeResponse:
        return self._answer(call)

    def update(self, call: Call) -> FakeResponse:
        body = call.req.json()
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        issues = [not_expected(key) for key in body if key != "is_enabled"]
        if not isinstance(body.get("is_enabled"), bool):
            issues.append(invalid_type("is_enabled", "bool"))
        if issues:
            return validation_failed([("0", issues)])
        products_settings(call.account)["is_enabled"] = body["is_enabled"]
        call.account.touch()
        return self._answer(call)


RESOURCE = ProductsSettings()
