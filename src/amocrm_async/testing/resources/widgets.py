"""Widgets: ``GET /api/v4/widgets[/{code}]``, install (``POST /{code}``), uninstall (``DELETE``).

Every account has the same small catalogue. A widget is addressed by its ``code``; installing
one checks the settings against its ``settings_template`` (required keys must be given and
non-empty, unknown keys are refused) and stores them; uninstalling clears them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    not_expected,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import paged
from amocrm_async.testing._resource import ReferenceResource, Resource, Route
from amocrm_async.testing._state import Account, IdAllocator

__all__ = ["RESOURCE", "WidgetRow", "Widgets"]


@dataclass(slots=True)
class WidgetRow:
    id: int
    code: str
    version: str
    rating: str
    settings_template: list[dict[str, Any]]
    is_lead_source: bool = False
    settings: dict[str, Any] | None = None
    pipeline_id: int | None = None


def _setting(key: str, name: str, kind: str, required: bool) -> dict[str, Any]:
    return {"key": key, "name": name, "type": kind, "is_required": required}


_CATALOGUE: list[tuple[str, str, str, list[dict[str, Any]], bool]] = [
    ("amo_dropbox", "0.0.13", "2,8", [_setting("conf", "custom.conf", "custom", False)], False),
    (
        "amo_mailchimp",
        "1.2.0",
        "4,1",
        [
            _setting("api_key", "API key", "text", True),
            _setting("list_id", "List", "text", False),
        ],
        False,
    ),
    ("amo_wazzup", "3.0.4", "4,6", [_setting("token", "Token", "pass", True)], True),
]


class Widgets(ReferenceResource[WidgetRow]):
    name = "widgets"
    path = "/api/v4/widgets"
    id_bases = {"widgets": 742}

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (self.path, {"GET": self.list}),
            (
                rf"{self.path}/([^/]+)",
                {"GET": self.get_one, "POST": self.install, "DELETE": self.uninstall},
            ),
        ]

    def setup(self, account: Account, ids: IdAllocator) -> None:
        rows = self.items(account)
        for code, version, rating, template, lead_source in _CATALOGUE:
            widget_id = ids.next(self.name)
            rows[widget_id] = WidgetRow(widget_id, code, version, rating, template, lead_source)

    def by_code(self, account: Account, code: str) -> WidgetRow | None:
        return next((w for w in self.items(account).values() if w.code == code), None)

    def render(self, widget: WidgetRow, account: Account, base: str) -> dict[str, Any]:
        return {
            "id": widget.id,
            "code": widget.code,
            "version": widget.version,
            "rating": widget.rating,
            "settings_template": [dict(t) for t in widget.settings_template],
            "is_lead_source": widget.is_lead_source,
            "is_work_with_dp": False,
            "is_crm_template": False,
            "client_uuid": None,
            "is_active_in_account": widget.settings is not None,
            "pipeline_id": widget.pipeline_id,
            "settings": widget.settings,
            "_links": {"self": {"href": f"{base}{self.path}/{widget.code}"}},
        }

    def list(self, call: Call) -> FakeResponse:
        account, base = call.account, call.base
        rows = list(self.items(account).values())
        return paged(call.req, self.name, rows, lambda w: self.render(w, account, base))

    def get_one(self, call: Call, code: str) -> FakeResponse:
        widget = self.by_code(call.account, code)
        if widget is None:
            return call.missing()
        return json_response(200, self.render(widget, call.account, call.base))

    def install(self, call: Call, code: str) -> FakeResponse:
        widget = self.by_code(call.account, code)
        if widget is None:
            return problem(404, f"Widget {code} not found")
        settings = call.req.json()
        if not isinstance(settings, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        issues = _check_settings(widget, settings)
        if issues:
            return validation_failed([("0", issues)])
        widget.settings = settings
        call.account.touch()
        return json_response(200, self.render(widget, call.account, call.base))

    def uninstall(self, call: Call, code: str) -> FakeResponse:
        widget = self.by_code(call.account, code)
        if widget is None:
            return problem(404, f"Widget {code} not found")
        widget.settings = None
        call.account.touch()
        return no_content()


def _check_settings(widget: WidgetRow, settings: dict[str, Any]) -> list[Issue]:
    known = {t["key"]: t for t in widget.settings_template}
    issues = [not_expected(key) for key in settings if key not in known]
    for key, template in known.items():
        if template["is_required"] and settings.get(key) in (None, ""):
            issues.append(required(key))
    return issues


RESOURCE = Widgets()
