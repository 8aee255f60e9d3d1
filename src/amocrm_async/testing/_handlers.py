"""Route table and endpoint handlers of the fake (CRM REST API v4 and the OAuth endpoints)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from amocrm_async.testing._entities import (
    SPECS,
    Changes,
    Spec,
    WriteCtx,
    add_link,
    apply_complex,
    create_entity,
    link_json,
    link_targets_ok,
    parse_with,
    remove_link,
    render_entity,
    select_entities,
    update_entity,
    validate_item,
)
from amocrm_async.testing._fields import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    render_definition,
)
from amocrm_async.testing._http import (
    PLAIN_JSON,
    PROBLEM_JSON,
    BadBody,
    FakeResponse,
    Request,
    json_response,
    no_content,
    problem,
)
from amocrm_async.testing._oauth import AccessToken, Integration, OAuthError
from amocrm_async.testing._query import as_list, replace_params
from amocrm_async.testing._state import Account, Entity, IdAllocator, Pipeline, Status, User

if TYPE_CHECKING:
    from amocrm_async.testing._fake import FakeAmoCRM

__all__ = ["Api", "Call", "oauth_problem"]

MAX_BATCH = 250
MAX_COMPLEX = 50
MAX_LIMIT = 250
DEFAULT_LIMIT = 50
OAUTH_PROBLEM_TYPE = "https://developers.amocrm.ru/v3/errors/OAuthProblemJson"
_BAD_REQUEST_DETAIL = "В запросе отсутствует ряд параметров или параметры невалидны"  # noqa: RUF001


def oauth_problem(error: OAuthError) -> FakeResponse:
    payload = {
        "hint": error.hint,
        "title": error.title,
        "type": OAUTH_PROBLEM_TYPE,
        "status": error.status,
        "detail": error.detail,
    }
    return json_response(error.status, payload, PROBLEM_JSON)


def validation_failed(errors: list[tuple[str, list[Issue]]]) -> FakeResponse:
    return problem(
        400,
        "Request validation failed",
        extra={
            "validation-errors": [
                {"request_id": request_id, "errors": [issue.as_json() for issue in issues]}
                for request_id, issues in errors
            ]
        },
    )


def _int_param(value: object, default: int) -> int:
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value.strip())
    return default


def _paging(query: dict[str, Any]) -> tuple[int, int]:
    page = _int_param(query.get("page"), 1)
    limit = _int_param(query.get("limit"), DEFAULT_LIMIT)
    if page < 1:
        page = 1
    if limit < 1:
        limit = DEFAULT_LIMIT
    return page, min(limit, MAX_LIMIT)


def _modified_since(req: Request) -> int | None:
    raw = req.headers.get("if-modified-since")
    if not raw:
        return None
    try:
        return int(parsedate_to_datetime(raw).timestamp())
    except (TypeError, ValueError, IndexError):
        return None


@dataclass(slots=True)
class Call:
    """An authenticated API call: the request plus who makes it, where, and when."""

    req: Request
    account: Account
    token: AccessToken
    user_id: int
    now: int
    ids: IdAllocator

    def ctx(self) -> WriteCtx:
        return WriteCtx(self.account, self.ids, self.now, self.user_id, self.req.base)


Handler = Callable[..., FakeResponse]

_ENTITY = r"(leads|contacts|companies)"


class Api:
    """CRM REST API v4 handlers over the fake's state."""

    def __init__(self, fake: FakeAmoCRM) -> None:
        self.fake = fake
        routes: list[tuple[str, dict[str, Handler]]] = [
            (r"/api/v4/account", {"GET": self.account_info}),
            (r"/api/v4/users", {"GET": self.users}),
            (r"/api/v4/users/(\d+)", {"GET": self.user}),
            (r"/api/v4/leads/pipelines", {"GET": self.pipelines}),
            (r"/api/v4/leads/pipelines/(\d+)", {"GET": self.pipeline}),
            (r"/api/v4/leads/pipelines/(\d+)/statuses", {"GET": self.statuses}),
            (r"/api/v4/leads/pipelines/(\d+)/statuses/(\d+)", {"GET": self.status}),
            (r"/api/v4/leads/loss_reasons", {"GET": self.loss_reasons}),
            (r"/api/v4/leads/loss_reasons/(\d+)", {"GET": self.loss_reason}),
            (r"/api/v4/leads/complex", {"POST": self.complex}),
            (rf"/api/v4/{_ENTITY}/custom_fields", {"GET": self.custom_fields}),
            (rf"/api/v4/{_ENTITY}/custom_fields/(\d+)", {"GET": self.custom_field}),
            (rf"/api/v4/{_ENTITY}/tags", {"GET": self.tags}),
            (rf"/api/v4/{_ENTITY}/links", {"GET": self.mass_links}),
            (rf"/api/v4/{_ENTITY}/link", {"POST": self.mass_link}),
            (rf"/api/v4/{_ENTITY}/unlink", {"POST": self.mass_unlink}),
            (rf"/api/v4/{_ENTITY}/(\d+)/links", {"GET": self.entity_links}),
            (rf"/api/v4/{_ENTITY}/(\d+)/link", {"POST": self.entity_link}),
            (rf"/api/v4/{_ENTITY}/(\d+)/unlink", {"POST": self.entity_unlink}),
            (
                rf"/api/v4/{_ENTITY}",
                {"GET": self.list_entities, "POST": self.add, "PATCH": self.update_many},
            ),
            (rf"/api/v4/{_ENTITY}/(\d+)", {"GET": self.get_one, "PATCH": self.update_one}),
        ]
        self.routes = [(re.compile(pattern), methods) for pattern, methods in routes]

    def dispatch(self, call: Call) -> FakeResponse:
        req = call.req
        for pattern, methods in self.routes:
            match = pattern.fullmatch(req.path)
            if match is None:
                continue
            handler = methods.get(req.method)
            if handler is None:
                return problem(405, f"Method {req.method} is not allowed for {req.path}")
            try:
                return handler(call, *match.groups())
            except BadBody as exc:
                return exc.response
        return problem(404, f"Cannot {req.method} {req.path}")

    # -- helpers -----------------------------------------------------------------------------

    def _page(
        self,
        req: Request,
        key: str,
        items: list[dict[str, Any]],
        page: int,
        limit: int,
        has_next: bool,
        total: int | None = None,
    ) -> FakeResponse:
        url = f"{req.base}{req.path}"

        def href(number: int) -> dict[str, str]:
            return {"href": f"{url}?{replace_params(req.raw_query, limit=limit, page=number)}"}

        links: dict[str, Any] = {"self": href(page)}
        if has_next:
            links["next"] = href(page + 1)
        if page > 1:
            links["first"] = href(1)
            links["prev"] = href(page - 1)
        payload: dict[str, Any] = {}
        if total is not None:
            payload["_total_items"] = total
        payload["_page"] = page
        payload["_links"] = links
        payload["_embedded"] = {key: items}
        return json_response(200, payload)

    def _paged(
        self, req: Request, key: str, rows: list[dict[str, Any]], *, total: bool = False
    ) -> FakeResponse:
        page, limit = _paging(req.query)
        start = (page - 1) * limit
        chunk = rows[start : start + limit]
        if not chunk:
            return no_content()
        return self._page(
            req, key, chunk, page, limit, len(rows) > start + limit, len(rows) if total else None
        )

    def _collection(self, req: Request, key: str, items: list[dict[str, Any]]) -> FakeResponse:
        return json_response(
            200,
            {
                "_total_items": len(items),
                "_links": {"self": {"href": f"{req.base}{req.path}"}},
                "_embedded": {key: items},
            },
        )

    def _missing(self) -> FakeResponse:
        status = self.fake.missing_entity_status
        if status == 204:
            return no_content()
        return problem(status, "Entity not found")

    # -- account, users, pipelines, loss reasons -------------------------------------------

    def account_info(self, call: Call) -> FakeResponse:
        account, req = call.account, call.req
        with_ = {w.strip() for w in str(req.query.get("with", "")).split(",") if w.strip()}
        payload: dict[str, Any] = {
            "id": account.id,
            "name": account.name,
            "subdomain": account.subdomain,
            "created_at": account.created_at,
            "created_by": account.admin.id,
            "updated_at": account.created_at,
            "updated_by": account.admin.id,
            "current_user_id": call.user_id,
            "country": "RU",
            "currency": "RUB",
            "currency_symbol": "₽",
            "customers_mode": "disabled",
            "is_unsorted_on": True,
            "mobile_feature_version": 0,
            "is_loss_reason_enabled": True,
            "is_helpbot_enabled": False,
            "is_technical_account": True,
            "contact_name_display_order": 1,
        }
        if "amojo_id" in with_:
            payload["amojo_id"] = f"{account.id:08x}-0000-4000-8000-{account.id:012x}"
        if "uuid" in with_:
            payload["uuid"] = f"{account.id:08x}-0000-4000-9000-{account.id:012x}"
        if "version" in with_:
            payload["version"] = 12
        if "is_api_filter_enabled" in with_:
            payload["is_api_filter_enabled"] = True
        if "drive_url" in with_:
            payload["drive_url"] = f"https://drive-b.{account.tld}"
        payload["_links"] = {"self": {"href": f"{req.base}/api/v4/account"}}
        embedded: dict[str, Any] = {}
        if "users_groups" in with_:
            embedded["users_groups"] = [{"id": 0, "name": "Отдел продаж", "uuid": None}]
        if "task_types" in with_:
            embedded["task_types"] = [
                {"id": 1, "name": "Связаться", "color": None, "icon_id": None, "code": "FOLLOW_UP"},
                {"id": 2, "name": "Встреча", "color": None, "icon_id": None, "code": "MEETING"},
            ]
        if "datetime_settings" in with_:
            embedded["datetime_settings"] = {
                "date_pattern": "d.m.Y H:i",
                "short_date_pattern": "d.m.Y",
                "short_time_pattern": "H:i",
                "date_format": "d.m.Y",
                "time_format": "H:i:s",
                "timezone": "Europe/Moscow",
                "timezone_offset": "+03:00",
            }
        if embedded:
            payload["_embedded"] = embedded
        return json_response(200, payload)

    def _user_json(self, user: User, base: str) -> dict[str, Any]:
        level = "A" if user.is_admin else "M"
        return {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "lang": user.lang,
            "rights": {
                "leads": {"view": "A", "edit": "A", "add": "A", "delete": level, "export": level},
                "contacts": {
                    "view": "A",
                    "edit": "A",
                    "add": "A",
                    "delete": level,
                    "export": level,
                },
                "companies": {
                    "view": "A",
                    "edit": "A",
                    "add": "A",
                    "delete": level,
                    "export": level,
                },
                "tasks": {"edit": "A", "delete": level},
                "mail_access": True,
                "catalog_access": True,
                "files_access": True,
                "status_rights": [],
                "catalog_rights": [],
                "is_admin": user.is_admin,
                "is_free": False,
                "is_active": user.is_active,
                "group_id": None,
                "role_id": None,
            },
            "_links": {"self": {"href": f"{base}/api/v4/users/{user.id}"}},
        }

    def users(self, call: Call) -> FakeResponse:
        rows = [self._user_json(u, call.req.base) for u in call.account.users.values()]
        return self._paged(call.req, "users", rows, total=True)

    def user(self, call: Call, user_id: str) -> FakeResponse:
        user = call.account.users.get(int(user_id))
        if user is None:
            return self._missing()
        return json_response(200, self._user_json(user, call.req.base))

    def _status_json(self, status: Status, account: Account, base: str) -> dict[str, Any]:
        pipe = status.pipeline_id
        return {
            "id": status.id,
            "name": status.name,
            "sort": status.sort,
            "is_editable": status.is_editable,
            "pipeline_id": status.pipeline_id,
            "color": status.color,
            "type": status.type,
            "account_id": account.id,
            "_links": {
                "self": {"href": f"{base}/api/v4/leads/pipelines/{pipe}/statuses/{status.id}"}
            },
        }

    def _pipeline_json(self, pipeline: Pipeline, account: Account, base: str) -> dict[str, Any]:
        return {
            "id": pipeline.id,
            "name": pipeline.name,
            "sort": pipeline.sort,
            "is_main": pipeline.is_main,
            "is_unsorted_on": pipeline.is_unsorted_on,
            "is_archive": pipeline.is_archive,
            "account_id": account.id,
            "_links": {"self": {"href": f"{base}/api/v4/leads/pipelines/{pipeline.id}"}},
            "_embedded": {
                "statuses": [
                    self._status_json(s, account, base) for s in pipeline.statuses.values()
                ]
            },
        }

    def pipelines(self, call: Call) -> FakeResponse:
        items = [
            self._pipeline_json(p, call.account, call.req.base)
            for p in call.account.pipelines.values()
        ]
        return self._collection(call.req, "pipelines", items)

    def pipeline(self, call: Call, pipeline_id: str) -> FakeResponse:
        pipeline = call.account.pipelines.get(int(pipeline_id))
        if pipeline is None:
            return self._missing()
        return json_response(200, self._pipeline_json(pipeline, call.account, call.req.base))

    def statuses(self, call: Call, pipeline_id: str) -> FakeResponse:
        pipeline = call.account.pipelines.get(int(pipeline_id))
        if pipeline is None:
            return self._missing()
        items = [
            self._status_json(s, call.account, call.req.base) for s in pipeline.statuses.values()
        ]
        return self._collection(call.req, "statuses", items)

    def status(self, call: Call, pipeline_id: str, status_id: str) -> FakeResponse:
        pipeline = call.account.pipelines.get(int(pipeline_id))
        status = pipeline.statuses.get(int(status_id)) if pipeline is not None else None
        if status is None:
            return self._missing()
        return json_response(200, self._status_json(status, call.account, call.req.base))

    def _loss_reason_json(self, call: Call, reason_id: int) -> dict[str, Any]:
        reason = call.account.loss_reasons[reason_id]
        return {
            "id": reason.id,
            "name": reason.name,
            "sort": reason.sort,
            "created_at": reason.created_at,
            "updated_at": reason.created_at,
            "_links": {"self": {"href": f"{call.req.base}/api/v4/leads/loss_reasons/{reason.id}"}},
        }

    def loss_reasons(self, call: Call) -> FakeResponse:
        items = [self._loss_reason_json(call, rid) for rid in call.account.loss_reasons]
        return self._collection(call.req, "loss_reasons", items)

    def loss_reason(self, call: Call, reason_id: str) -> FakeResponse:
        if int(reason_id) not in call.account.loss_reasons:
            return self._missing()
        return json_response(200, self._loss_reason_json(call, int(reason_id)))

    # -- custom fields and tags -----------------------------------------------------------------

    def custom_fields(self, call: Call, entity_type: str) -> FakeResponse:
        query = call.req.query
        raw_filter = query.get("filter")
        filters: dict[str, Any] = raw_filter if isinstance(raw_filter, dict) else {}
        ids = {int(v) for v in as_list(filters.get("id")) if str(v).isdigit()}
        types = {str(v) for v in as_list(filters.get("type")) if v}
        rows = [
            render_definition(d, call.account, call.req.base)
            for d in call.account.fields[entity_type].values()
            if (not ids or d.id in ids) and (not types or d.type in types)
        ]
        return self._paged(call.req, "custom_fields", rows, total=True)

    def custom_field(self, call: Call, entity_type: str, field_id: str) -> FakeResponse:
        definition = call.account.fields[entity_type].get(int(field_id))
        if definition is None:
            return self._missing()
        return json_response(200, render_definition(definition, call.account, call.req.base))

    def tags(self, call: Call, entity_type: str) -> FakeResponse:
        query = call.req.query
        raw_filter = query.get("filter")
        filters: dict[str, Any] = raw_filter if isinstance(raw_filter, dict) else {}
        ids = {int(v) for v in as_list(filters.get("id")) if str(v).isdigit()}
        name = filters.get("name")
        text = query.get("query")
        rows = []
        for tag in call.account.tags_by_id[entity_type].values():
            if ids and tag["id"] not in ids:
                continue
            if isinstance(name, str) and name and tag["name"].casefold() != name.casefold():
                continue
            if isinstance(text, str) and text and text.casefold() not in tag["name"].casefold():
                continue
            rows.append(dict(tag))
        return self._paged(call.req, "tags", rows)

    # -- leads / contacts / companies -----------------------------------------------------------

    def list_entities(self, call: Call, entity_type: str) -> FakeResponse:
        spec = SPECS[entity_type]
        req = call.req
        with_ = parse_with(spec, req.query.get("with"))
        rows = select_entities(call.account, spec, req.query, with_, _modified_since(req))
        page, limit = _paging(req.query)
        start = (page - 1) * limit
        chunk = rows[start : start + limit]
        if not chunk:
            return no_content()
        items = [render_entity(call.account, spec, e, req.base, with_) for e in chunk]
        return self._page(req, entity_type, items, page, limit, len(rows) > start + limit)

    def get_one(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        spec = SPECS[entity_type]
        with_ = parse_with(spec, call.req.query.get("with"))
        entity = call.account.stores[entity_type].get(int(entity_id))
        if entity is None or entity.deleted != ("only_deleted" in with_):
            return self._missing()
        return json_response(200, render_entity(call.account, spec, entity, call.req.base, with_))

    def _validate_batch(
        self, call: Call, spec: Spec, items: list[Any], mode: str
    ) -> tuple[list[Changes], FakeResponse | None]:
        if len(items) > (MAX_COMPLEX if mode == "complex" else MAX_BATCH):
            limit = MAX_COMPLEX if mode == "complex" else MAX_BATCH
            return [], problem(422, f"Limit {limit} per page", title="Unprocessable Entity")
        ctx = call.ctx()
        results = [validate_item(ctx, spec, item, index, mode) for index, item in enumerate(items)]
        errors = [(rid, issues) for rid, issues, _ in results if issues]
        if errors:
            return [], validation_failed(errors)
        return [changes for _, _, changes in results], None

    def _self_link(self, call: Call, entity_type: str, entity_id: int) -> dict[str, Any]:
        return {"self": {"href": f"{call.req.base}/api/v4/{entity_type}/{entity_id}"}}

    def add(self, call: Call, entity_type: str) -> FakeResponse:
        spec = SPECS[entity_type]
        changes, error = self._validate_batch(call, spec, call.req.json_array(), "create")
        if error is not None:
            return error
        ctx = call.ctx()
        created = [(ch.request_id, create_entity(ctx, spec, ch)) for ch in changes]
        call.account.touch()
        stats = self.fake.stats
        stats.entities_created[entity_type] += len(created)
        stats.batch_sizes.append(len(created))
        items = [
            {"id": e.id, "request_id": rid, "_links": self._self_link(call, entity_type, e.id)}
            for rid, e in created
        ]
        return json_response(
            200,
            {
                "_links": {"self": {"href": f"{call.req.base}/api/v4/{entity_type}"}},
                "_embedded": {entity_type: items},
            },
        )

    def update_many(self, call: Call, entity_type: str) -> FakeResponse:
        spec = SPECS[entity_type]
        changes, error = self._validate_batch(call, spec, call.req.json_array(), "update")
        if error is not None:
            return error
        ctx = call.ctx()
        updated = [update_entity(ctx, spec, ch) for ch in changes]
        call.account.touch()
        stats = self.fake.stats
        stats.entities_updated[entity_type] += len(updated)
        stats.batch_sizes.append(len(updated))
        items = [
            {
                "id": e.id,
                "updated_at": e.data["updated_at"],
                "_links": self._self_link(call, entity_type, e.id),
            }
            for e in updated
        ]
        return json_response(
            200,
            {
                "_links": {"self": {"href": f"{call.req.base}/api/v4/{entity_type}"}},
                "_embedded": {entity_type: items},
            },
        )

    def update_one(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        spec = SPECS[entity_type]
        body = call.req.json()
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        if not body:
            return problem(400, "Request data can not be empty")
        existing = call.account.stores[entity_type].get(int(entity_id))
        if existing is None or existing.deleted:
            return problem(404, "Entity not found")
        item = dict(body)
        item["id"] = int(entity_id)
        request_id, issues, changes = validate_item(call.ctx(), spec, item, 0, "update")
        if issues:
            return validation_failed([(request_id, issues)])
        entity = update_entity(call.ctx(), spec, changes)
        call.account.touch()
        self.fake.stats.entities_updated[entity_type] += 1
        self.fake.stats.batch_sizes.append(1)
        return json_response(
            200,
            {
                "id": entity.id,
                "updated_at": entity.data["updated_at"],
                "_links": self._self_link(call, entity_type, entity.id),
            },
        )

    def complex(self, call: Call) -> FakeResponse:
        changes, error = self._validate_batch(
            call, SPECS["leads"], call.req.json_array(), "complex"
        )
        if error is not None:
            return error
        ctx = call.ctx()
        results = []
        stats = self.fake.stats
        for ch in changes:
            results.append(apply_complex(ctx, ch))
            stats.entities_created["leads"] += 1
            if ch.contact is not None and ch.contact.entity_id is None:
                stats.entities_created["contacts"] += 1
            if ch.company is not None and ch.company.entity_id is None:
                stats.entities_created["companies"] += 1
        call.account.touch()
        stats.batch_sizes.append(len(results))
        return json_response(200, results)

    # -- links ------------------------------------------------------------------------------

    def _link_meta(
        self, account: Account, entity_type: str, entity_id: int, to_type: str, to_id: int
    ) -> Any:
        if {entity_type, to_type} == {"leads", "contacts"}:
            lead_id, contact_id = (
                (entity_id, to_id) if entity_type == "leads" else (to_id, entity_id)
            )
            meta = account.links.get(("leads", lead_id), {}).get(("contacts", contact_id))
            return {"main_contact": bool(meta and meta.get("is_main"))}
        meta = account.links.get((entity_type, entity_id), {}).get((to_type, to_id))
        return dict(meta) if meta else None

    def _links_of(
        self, call: Call, entity_type: str, entity_id: int, filters: dict[str, Any]
    ) -> list[dict[str, Any]]:
        account = call.account
        to_type = filters.get("to_entity_type")
        to_ids = {int(v) for v in as_list(filters.get("to_entity_id")) if str(v).isdigit()}
        catalog = filters.get("to_catalog_id")
        out = []
        for (ttype, tid), meta in account.links.get((entity_type, entity_id), {}).items():
            if isinstance(to_type, str) and to_type and ttype != to_type:
                continue
            if to_ids and tid not in to_ids:
                continue
            if (
                isinstance(catalog, str)
                and catalog
                and str((meta or {}).get("catalog_id")) != catalog
            ):
                continue
            out.append(
                link_json(
                    entity_type,
                    entity_id,
                    ttype,
                    tid,
                    self._link_meta(account, entity_type, entity_id, ttype, tid),
                )
            )
        return out

    def _links_response(self, call: Call, href: str, links: list[dict[str, Any]]) -> FakeResponse:
        if not links:
            return no_content()
        return json_response(
            200,
            {
                "_total_items": len(links),
                "_links": {"self": {"href": href}},
                "_embedded": {"links": links},
            },
        )

    def _parse_links(
        self, call: Call, spec: Spec, entity_id: int | None
    ) -> tuple[list[tuple[int, str, int, Any]], FakeResponse | None]:
        """Validate a link/unlink body; ``entity_id=None`` is the mass form (ids in the items)."""
        items = call.req.json_array()
        if len(items) > MAX_BATCH:
            return [], problem(422, f"Limit {MAX_BATCH} per page", title="Unprocessable Entity")
        store = call.account.stores[spec.name]
        parsed: list[tuple[int, str, int, Any]] = []
        errors: list[tuple[str, list[Issue]]] = []
        allowed_keys = {
            "to_entity_id",
            "to_entity_type",
            "metadata",
            "entity_id",
            "entity_type",
            "request_id",
        }
        for index, item in enumerate(items):
            issues: list[Issue] = []
            if not isinstance(item, dict):
                errors.append((str(index), [invalid_type("", "object")]))
                continue
            issues.extend(not_expected(key) for key in item if key not in allowed_keys)
            source_id = entity_id
            if source_id is None:
                raw = item.get("entity_id")
                if not is_int(raw):
                    issues.append(invalid_type("entity_id", "int"))
                elif raw not in store or store[raw].deleted:
                    issues.append(not_supported("entity_id"))
                else:
                    source_id = raw
            to_type = item.get("to_entity_type")
            to_id = item.get("to_entity_id")
            if not isinstance(to_type, str) or to_type not in spec.link_targets:
                issues.append(not_supported("to_entity_type"))
            if not isinstance(to_id, int) or isinstance(to_id, bool):
                issues.append(invalid_type("to_entity_id", "int"))
            elif (
                isinstance(to_type, str)
                and to_type in spec.link_targets
                and not link_targets_ok(call.account, to_type, to_id)
            ):
                issues.append(not_supported("to_entity_id"))
            meta = item.get("metadata")
            if meta is not None and not isinstance(meta, dict):
                issues.append(invalid_type("metadata", "object"))
            if issues:
                errors.append((str(item.get("request_id", index)), issues))
                continue
            assert source_id is not None and isinstance(to_type, str) and isinstance(to_id, int)
            parsed.append((source_id, to_type, to_id, meta))
        if errors:
            return [], validation_failed(errors)
        return parsed, None

    def _do_link(self, call: Call, spec: Spec, entity_id: int | None, href: str) -> FakeResponse:
        parsed, error = self._parse_links(call, spec, entity_id)
        if error is not None:
            return error
        account = call.account
        out = []
        for source_id, to_type, to_id, meta in parsed:
            add_link(account, spec.name, source_id, to_type, to_id, meta)
            out.append(
                link_json(
                    spec.name,
                    source_id,
                    to_type,
                    to_id,
                    self._link_meta(account, spec.name, source_id, to_type, to_id),
                )
            )
        account.touch()
        return json_response(
            200,
            {
                "_total_items": len(out),
                "_links": {"self": {"href": href}},
                "_embedded": {"links": out},
            },
        )

    def _do_unlink(self, call: Call, spec: Spec, entity_id: int | None) -> FakeResponse:
        parsed, error = self._parse_links(call, spec, entity_id)
        if error is not None:
            return error
        for source_id, to_type, to_id, _ in parsed:
            remove_link(call.account, spec.name, source_id, to_type, to_id)
        call.account.touch()
        return no_content()

    def _entity_or_missing(self, call: Call, entity_type: str, entity_id: str) -> Entity | None:
        entity = call.account.stores[entity_type].get(int(entity_id))
        if entity is None or entity.deleted:
            return None
        return entity

    def entity_links(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        entity = self._entity_or_missing(call, entity_type, entity_id)
        if entity is None:
            return no_content()
        raw_filter = call.req.query.get("filter")
        filters: dict[str, Any] = raw_filter if isinstance(raw_filter, dict) else {}
        links = self._links_of(call, entity_type, entity.id, filters)
        href = f"{call.req.base}{call.req.path}" + (
            f"?{call.req.raw_query}" if call.req.raw_query else ""
        )
        return self._links_response(call, href, links)

    def entity_link(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        entity = self._entity_or_missing(call, entity_type, entity_id)
        if entity is None:
            return problem(404, "Entity not found")
        href = f"{call.req.base}/api/v4/{entity_type}/{entity.id}/links"
        return self._do_link(call, SPECS[entity_type], entity.id, href)

    def entity_unlink(self, call: Call, entity_type: str, entity_id: str) -> FakeResponse:
        entity = self._entity_or_missing(call, entity_type, entity_id)
        if entity is None:
            return problem(404, "Entity not found")
        return self._do_unlink(call, SPECS[entity_type], entity.id)

    def mass_links(self, call: Call, entity_type: str) -> FakeResponse:
        raw_filter = call.req.query.get("filter")
        filters: dict[str, Any] = raw_filter if isinstance(raw_filter, dict) else {}
        ids = [int(v) for v in as_list(filters.get("entity_id")) if str(v).isdigit()]
        if not ids:
            return validation_failed(
                [("0", [Issue("NotBlank", "filter.entity_id", "This value should not be blank.")])]
            )
        links: list[dict[str, Any]] = []
        for entity_id in dict.fromkeys(ids):
            entity = call.account.stores[entity_type].get(entity_id)
            if entity is not None and not entity.deleted:
                links.extend(self._links_of(call, entity_type, entity_id, filters))
        href = f"{call.req.base}{call.req.path}" + (
            f"?{call.req.raw_query}" if call.req.raw_query else ""
        )
        return self._links_response(call, href, links)

    def mass_link(self, call: Call, entity_type: str) -> FakeResponse:
        return self._do_link(
            call, SPECS[entity_type], None, f"{call.req.base}/api/v4/{entity_type}/links"
        )

    def mass_unlink(self, call: Call, entity_type: str) -> FakeResponse:
        return self._do_unlink(call, SPECS[entity_type], None)


# ------------------------------------------------------------------------------------------------
# OAuth endpoints
# ------------------------------------------------------------------------------------------------


def subdomain_json(account: Account) -> FakeResponse:
    return json_response(
        200,
        {
            "id": account.id,
            "subdomain": account.subdomain,
            "domain": account.base_domain,
            "top_level_domain": account.tld.rsplit(".", 1)[-1],
        },
        PLAIN_JSON,
    )


def bad_request(hint: str, detail: str = _BAD_REQUEST_DETAIL) -> OAuthError:
    return OAuthError(400, hint, "Некорректный запрос", detail)


def check_redirect(integration: Integration, body: dict[str, Any]) -> None:
    redirect_uri = body.get("redirect_uri")
    if redirect_uri not in (None, "") and redirect_uri != integration.redirect_uri:
        raise bad_request("Redirect URI mismatch")
