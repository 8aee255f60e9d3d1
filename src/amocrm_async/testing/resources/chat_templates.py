"""Chat templates: ``/api/v4/chats/templates`` — CRUD, deletes and WhatsApp (WABA) reviews.

A template has a ``name`` and ``content`` (both required to create one), buttons of one type
(``inline`` text buttons, or ``url`` buttons that also need a ``url``), an optional drive
attachment and WABA fields. ``filter[external_id]`` takes one id or a list. Deletes are
``DELETE /{id}`` and ``DELETE`` of the collection with ``[{"id": …}]``, both answering 204.
A WABA template is sent for review with ``POST /{id}/review`` (one review per WhatsApp source;
the fake has one, source ``WABA_SOURCE_ID``) and a review's status is set with
``POST /{id}/review/{review_id}``; reviews show with ``with=reviews``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import crud_routes
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import (
    Issue,
    invalid_type,
    is_int,
    not_expected,
    not_supported,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import Predicate
from amocrm_async.testing._query import as_list
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity
from amocrm_async.testing._writes import (
    Changes,
    Draft,
    boolean,
    nullable,
    one_of,
    string,
)
from amocrm_async.testing.resources._seeding import Dice

__all__ = ["RESOURCE", "REVIEW_STATUSES", "WABA_SOURCE_ID", "ChatTemplates"]

BUTTON_TYPES = ("inline", "url")
TEMPLATE_TYPES = ("amocrm", "waba")
WABA_CATEGORIES = ("UTILITY", "AUTHENTICATION", "MARKETING")
ATTACHMENT_TYPES = ("picture", "file", "document", "video")
REVIEW_STATUSES = ("draft", "review", "rejected", "approved", "paused")
WABA_SOURCE_ID = 1
"""The one WhatsApp source the fake's reviews come from."""


def _button(draft: Draft, path: str, value: Any) -> str | None:
    """One button's issues; its type when it is valid."""
    if not isinstance(value, dict):
        draft.invalid(path, "object")
        return None
    draft.issues.extend(
        not_expected(draft.path(f"{path}.{k}")) for k in value if k not in ("type", "text", "url")
    )
    kind, text, url = value.get("type"), value.get("text"), value.get("url")
    if kind not in BUTTON_TYPES:
        draft.unsupported(f"{path}.type")
        return None
    if not isinstance(text, str) or not text:
        draft.issues.append(required(draft.path(f"{path}.text")))
    if kind == "url" and (not isinstance(url, str) or not url):
        draft.issues.append(required(draft.path(f"{path}.url")))
    elif kind == "inline" and url is not None:
        draft.issues.append(not_expected(draft.path(f"{path}.url")))
    return str(kind)


def _buttons(draft: Draft, key: str, value: Any) -> None:
    """A list of buttons, all of one type; null removes them."""
    if value is None:
        draft.changes.fields[key] = None
        return
    if not isinstance(value, list):
        draft.invalid(key, "array")
        return
    before = len(draft.issues)
    kinds = {_button(draft, f"{key}.{i}", button) for i, button in enumerate(value)}
    if len(kinds) > 1 and None not in kinds:
        draft.unsupported(f"{key}.1.type")
    if len(draft.issues) == before:
        draft.changes.fields[key] = [dict(button) for button in value] or None


def _attachment(draft: Draft, key: str, value: Any) -> None:
    if value is None:
        draft.changes.fields[key] = None
        return
    if not isinstance(value, dict):
        draft.invalid(key, "object")
        return
    issues: list[Issue] = [
        not_expected(draft.path(f"{key}.{k}")) for k in value if k not in ("id", "name", "type")
    ]
    for sub in ("id", "name"):
        if not isinstance(value.get(sub), str) or not value[sub]:
            issues.append(required(draft.path(f"{key}.{sub}")))
    if value.get("type") not in ATTACHMENT_TYPES:
        issues.append(not_supported(draft.path(f"{key}.type")))
    draft.issues.extend(issues)
    if not issues:
        draft.changes.fields[key] = dict(value)


def _examples(draft: Draft, key: str, value: Any) -> None:
    """``waba_examples``: placeholder → example text."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        draft.invalid(key, "object")
    else:
        draft.changes.fields[key] = dict(value)


def _external_ids(account: Account, condition: Any, filters: Mapping[str, Any]) -> Predicate | None:
    """``filter[external_id]``: one id, or a list of them."""
    wanted = {str(v) for v in as_list(condition) if str(v)}
    if not wanted:
        return None
    return lambda template: template.data.get("external_id") in wanted


class ChatTemplates(EntityResource):
    name = "chat_templates"
    path = "/api/v4/chats/templates"
    id_base = 31_000_001
    read_only = frozenset({"id", "account_id", "created_at", "updated_at", "_links", "_embedded"})
    rules = {
        "name": string,
        "content": string,
        "buttons": _buttons,
        "is_editable": boolean,
        "external_id": nullable(string),
        "attachment": _attachment,
        "type": one_of(TEMPLATE_TYPES, str, "string"),
        "waba_header": nullable(string),
        "waba_footer": nullable(string),
        "waba_category": nullable(one_of(WABA_CATEGORIES, str, "string")),
        "waba_language": nullable(string),
        "waba_examples": _examples,
    }
    filters = {"external_id": _external_ids}
    with_allowed = frozenset({"reviews"})
    update_echoes_request_id = True

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        item = rf"{self.path}/(\d+)"
        return [
            *crud_routes(self),
            (self.path, {"DELETE": self.delete_many}),
            (item, {"DELETE": self.delete_one}),
            (rf"{item}/review", {"POST": self.send_on_review}),
            (rf"{item}/review/(\d+)", {"POST": self.set_review}),
        ]

    def check(self, draft: Draft) -> None:
        if draft.mode == "create":
            flagged = {issue.path for issue in draft.issues}
            draft.issues.extend(
                required(draft.path(key))
                for key in ("name", "content")
                if draft.item.get(key) in (None, "") and draft.path(key) not in flagged
            )

    def new_data(self, call: Call, changes: Changes, entity_id: int) -> dict[str, Any]:
        fields = changes.fields
        return {
            "id": entity_id,
            "account_id": call.account.id,
            "name": fields["name"],
            "content": fields["content"],
            "buttons": fields.get("buttons"),
            "created_at": call.now,
            "updated_at": call.now,
            "is_editable": fields.get("is_editable", True),
            "external_id": fields.get("external_id"),
            "attachment": fields.get("attachment"),
            "type": fields.get("type", "amocrm"),
            **{k: v for k, v in fields.items() if k.startswith("waba_")},
        }

    def before_update(self, call: Call, entity: Entity, fields: dict[str, Any]) -> None:
        fields.pop("updated_by", None)

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        render = super().renderer(account, base, with_)

        def with_reviews(template: Entity) -> dict[str, Any]:
            out = render(template)
            out.pop("updated_by", None)
            if "reviews" in with_:
                reviews = (template.hidden or {}).get("reviews", [])
                out["_embedded"] = {"reviews": [dict(r) for r in reviews]}
            return out

        return with_reviews

    # -- deletes ---------------------------------------------------------------------------

    def delete_one(self, call: Call, template_id: str) -> FakeResponse:
        template = self.live(call.account, int(template_id))
        if template is None:
            return problem(404, f"Template {template_id} not found")
        self.trash(call.account, template, call.now)
        call.account.touch()
        return no_content()

    def delete_many(self, call: Call) -> FakeResponse:
        items = call.req.json_array()
        errors: list[tuple[str, list[Issue]]] = []
        found: list[Entity] = []
        for index, item in enumerate(items):
            template_id = item.get("id") if isinstance(item, dict) else None
            template = self.live(call.account, template_id) if is_int(template_id) else None
            if template is None:
                issue = (
                    invalid_type("id", "int") if not is_int(template_id) else not_supported("id")
                )
                errors.append((str(index), [issue]))
            else:
                found.append(template)
        if errors:
            return validation_failed(errors)
        for template in found:
            self.trash(call.account, template, call.now)
        call.account.touch()
        return no_content()

    # -- reviews ---------------------------------------------------------------------------

    def send_on_review(self, call: Call, template_id: str) -> FakeResponse:
        template = self.live(call.account, int(template_id))
        if template is None:
            return problem(404, f"Template {template_id} not found")
        if template.data["type"] != "waba":
            return problem(400, "Only WABA templates are sent for review")
        hidden = template.hidden = template.hidden or {}
        reviews: list[dict[str, Any]] = hidden.setdefault("reviews", [])
        if not reviews:
            review_id = call.ids.next("chat_template_reviews")
            reviews.append(
                {
                    "id": review_id,
                    "source_id": WABA_SOURCE_ID,
                    "status": "review",
                    "reject_reason": None,
                }
            )
        call.account.touch()
        return json_response(200, {"_embedded": {"reviews": [dict(r) for r in reviews]}})

    def set_review(self, call: Call, template_id: str, review_id: str) -> FakeResponse:
        template = self.live(call.account, int(template_id))
        reviews = (template.hidden or {}).get("reviews", []) if template is not None else []
        review = next((r for r in reviews if r["id"] == int(review_id)), None)
        if review is None:
            return problem(404, f"Review {review_id} of template {template_id} not found")
        body = call.req.json()
        if not isinstance(body, dict):
            return validation_failed([("0", [invalid_type("", "object")])])
        status, reason = body.get("status"), body.get("reject_reason")
        issues = [not_expected(k) for k in body if k not in review]
        if status not in REVIEW_STATUSES:
            issues.append(not_supported("status"))
        if reason is not None and not isinstance(reason, str):
            issues.append(invalid_type("reject_reason", "string"))
        if issues:
            return validation_failed([("0", issues)])
        review.update(status=status, reject_reason=reason if status == "rejected" else None)
        call.account.touch()
        return json_response(
            200, {"status": review["status"], "reject_reason": review["reject_reason"]}
        )

    def counters(self) -> Mapping[str, int]:
        return {**super().counters(), "chat_template_reviews": 9_100_001}

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """Templates with quick-reply buttons, every third one a link button instead."""
        dice, store, created = Dice(ctx.rng), self.store(ctx.account), []
        for n in range(1, count + 1):
            template_id = ctx.ids.next(self.name)
            at = ctx.now - dice.between(3600, 60 * 86_400)
            url = n % 3 == 0
            button = {"type": "url", "text": "Открыть", "url": f"https://example.com/t/{n}"}
            store[template_id] = Entity(
                template_id,
                {
                    "id": template_id,
                    "account_id": ctx.account.id,
                    "name": f"Шаблон {n}",
                    "content": f"Здравствуйте! Это шаблон {n}.",
                    "buttons": [button] if url else [{"type": "inline", "text": "Да"}],
                    "created_at": at,
                    "updated_at": at,
                    "is_editable": True,
                    "external_id": f"seed-{n}",
                    "attachment": None,
                    "type": "amocrm",
                },
            )
            created.append(template_id)
        return created


RESOURCE = ChatTemplates()
