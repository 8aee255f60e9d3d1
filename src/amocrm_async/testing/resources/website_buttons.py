"""Website buttons: list and read (by ``source_id``), create, add trusted sites, online chat.

``POST /api/v4/website_buttons`` takes ``{pipeline_id, trusted_websites, is_used_in_app,
name?}`` and answers ``{source_id, trusted_websites, name}`` (amoCRM builds the button in the
background; the fake builds it at once). ``PATCH /{source_id}`` takes
``{trusted_websites: {add: [...]}, name?}`` and answers the button; ``POST
/{source_id}/online_chat`` answers 202. ``with=scripts`` adds the ``script`` to paste into a
site, ``with=deleted`` lists deleted buttons too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import not_allowed, record_writes
from amocrm_async.testing._http import FakeResponse, json_response, problem
from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import paged
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing.resources.pipelines import main_pipeline, pipelines_of

__all__ = ["RESOURCE", "WebsiteButtons"]

_CREATE_KEYS = ("pipeline_id", "trusted_websites", "is_used_in_app", "name")
_SCRIPT = (
    '<script>(function(a,m,o,c,r,m){{a[m]={{id:"{source_id}",hash:"{button_id:x}",'
    'locale:"ru"}};}})(window,"amoSocialButton");</script>'
)


def _sites(value: Any, path: str, issues: list[Issue]) -> list[str]:
    if not isinstance(value, list):
        issues.append(invalid_type(path, "array"))
        return []
    bad = [i for i, site in enumerate(value) if not isinstance(site, str) or not site.strip()]
    issues.extend(invalid_type(f"{path}.{i}", "string") for i in bad)
    return [] if bad else list(value)


def _name(body: dict[str, Any], issues: list[Issue]) -> str | None:
    name = body.get("name")
    if name is not None and (not isinstance(name, str) or not name.strip()):
        issues.append(invalid_type("name", "string"))
    return name if isinstance(name, str) else None


class WebsiteButtons(EntityResource):
    name = "website_buttons"
    path = "/api/v4/website_buttons"
    id_base = 5_520_001
    rules = {}
    with_allowed = frozenset({"scripts", "deleted"})

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [
            (
                self.path,
                {"GET": self.list_buttons, "POST": self.create_button, "PATCH": not_allowed},
            ),
            (rf"{self.path}/(\d+)", {"PATCH": self.update_button}),
            (rf"{self.path}/(\d+)/online_chat", {"POST": self.online_chat}),
        ]

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        def render(button: Entity) -> dict[str, Any]:
            out = dict(button.data)
            if "scripts" in with_:
                out["script"] = _SCRIPT.format(**button.data)
            return out

        return render

    def list_buttons(self, call: Call) -> FakeResponse:
        """Deleted buttons only show with ``with=deleted`` (alongside the others)."""
        with_ = self.parse_with(call.req.query.get("with"))
        rows = [b for b in self.store(call.account).values() if "deleted" in with_ or not b.deleted]
        return paged(call.req, self.name, rows, self.renderer(call.account, call.base, with_))

    def _button(self, call: Call, source_id: str) -> Entity | None:
        button = self.store(call.account).get(int(source_id))
        return None if button is None or button.deleted else button

    def create_button(self, call: Call) -> FakeResponse:
        body = call.req.json()
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        issues = [not_expected(key) for key in body if key not in _CREATE_KEYS]
        pipeline_id = body.get("pipeline_id")
        if pipeline_id is None:
            issues.append(required("pipeline_id"))
        elif not is_int(pipeline_id):
            issues.append(invalid_type("pipeline_id", "int"))
        elif pipeline_id not in pipelines_of(call.account):
            issues.append(not_supported("pipeline_id"))
        sites = _sites(body.get("trusted_websites", []), "trusted_websites", issues)
        in_app = body.get("is_used_in_app", False)
        if not isinstance(in_app, bool):
            issues.append(invalid_type("is_used_in_app", "bool"))
        name = _name(body, issues)
        if issues:
            return validation_failed([("0", issues)])
        assert isinstance(pipeline_id, int)
        source_id = call.ids.next(self.name)
        button = self._new(call.account, source_id, pipeline_id, sites, name)
        self.store(call.account)[source_id] = button
        record_writes(call, call.stats.entities_created, self.name, 1)
        data = button.data
        return json_response(
            200,
            {
                "source_id": source_id,
                "trusted_websites": data["trusted_websites"],
                "name": data["name"],
            },
        )

    def _new(
        self, account: Account, source_id: int, pipeline_id: int, sites: list[str], name: str | None
    ) -> Entity:
        return Entity(
            source_id,
            {
                "account_id": account.id,
                "source_id": source_id,
                "button_id": source_id + 700_000,
                "is_duplication_control_enabled": False,
                "name": name or f"Кнопка на сайт {source_id}",
                "creation_status": "created",
                "pipeline_id": pipeline_id,
                "trusted_websites": sites,
                "is_deleted": False,
            },
        )

    def update_button(self, call: Call, source_id: str) -> FakeResponse:
        button = self._button(call, source_id)
        if button is None:
            return problem(404, f"Website button {source_id} not found")
        body = call.req.json()
        if not isinstance(body, dict) or not body:
            return problem(400, "Request data can not be empty")
        issues = [not_expected(key) for key in body if key not in ("trusted_websites", "name")]
        added: list[str] = []
        websites = body.get("trusted_websites")
        if websites is not None:
            if not isinstance(websites, dict) or set(websites) != {"add"}:
                issues.append(invalid_type("trusted_websites", "object"))
            else:
                added = _sites(websites["add"], "trusted_websites.add", issues)
        name = _name(body, issues)
        if issues:
            return validation_failed([("0", issues)])
        data = button.data
        data["trusted_websites"] = list(dict.fromkeys([*data["trusted_websites"], *added]))
        if name is not None:
            data["name"] = name
        record_writes(call, call.stats.entities_updated, self.name, 1)
        return json_response(200, self.render(call.account, button, call.base, frozenset()))

    def online_chat(self, call: Call, source_id: str) -> FakeResponse:
        button = self._button(call, source_id)
        if button is None:
            return problem(404, f"Website button {source_id} not found")
        if button.hidden is not None and button.hidden.get("online_chat"):
            return problem(400, f"Website button {source_id} already has an online chat")
        button.hidden = {"online_chat": True}
        call.account.touch()
        return FakeResponse(202, [], b"")

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """Buttons in the main pipeline, trusting one site each; every fourth one deleted."""
        pipeline = main_pipeline(ctx.account)
        store, created = self.store(ctx.account), []
        for n in range(count):
            source_id = ctx.ids.next(self.name)
            site = [f"https://shop{n + 1}.example.com"]
            store[source_id] = self._new(ctx.account, source_id, pipeline.id, site, None)
            store[source_id].data["is_deleted"] = n % 4 == 3
            created.append(source_id)
        return created


RESOURCE = WebsiteButtons()
