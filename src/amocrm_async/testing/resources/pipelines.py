"""Pipelines and their statuses: ``/api/v4/leads/pipelines[/{id}[/statuses[/{id}]]]`` — list
(unpaged, with ``_total_items``), get one, batch create, update one, delete one, for both.

Every account starts with two pipelines, each with an "unsorted" stage (type 1, where incoming
leads land), open stages and the system statuses 142 (won) and 143 (lost). As amoCRM documents:
an account has at most 50 pipelines and a pipeline at most 100 statuses; a new pipeline needs
``name``, ``sort``, ``is_main``, ``is_unsorted_on`` and at least one status of its own in
``_embedded.statuses`` (142/143 there only rename the system statuses); only one pipeline is the
main one. Colours come from the status palette. The system statuses can only be renamed, and
neither they, "unsorted", a status with leads, the main pipeline nor one with leads can be
deleted (400 ``NotSupportedChoice``). Neither has a batch update (``PATCH`` of a list: 405).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._crud import delete_one, not_allowed, record_writes
from amocrm_async.testing._http import FakeResponse, json_response, no_content, problem
from amocrm_async.testing._issues import (
    invalid_type,
    not_expected,
    not_supported,
    required,
    validation_failed,
)
from amocrm_async.testing._listing import collection
from amocrm_async.testing._resource import EntityResource, Resource, Route, SeedCtx
from amocrm_async.testing._state import Account, Entity, IdAllocator
from amocrm_async.testing._writes import (
    Changes,
    Draft,
    Mode,
    Rule,
    boolean,
    embedded,
    one_of,
    string,
    whole_number,
)
from amocrm_async.testing.resources.customer_statuses import PALETTE

__all__ = [
    "CLOSED",
    "LOST",
    "MAX_PIPELINES",
    "MAX_STATUSES",
    "RESOURCE",
    "WON",
    "Pipeline",
    "Status",
    "main_pipeline",
    "pipeline_of_status",
    "pipelines_of",
]

WON = 142
LOST = 143
CLOSED = frozenset({WON, LOST})
UNSORTED = 1
MAX_PIPELINES = 50
MAX_STATUSES = 100
LEVELS = ("newbie", "candidate", "master")
_STATUS_READ_ONLY = frozenset(
    {"id", "request_id", "type", "is_editable", "pipeline_id", "account_id", "_links"}
)


@dataclass(slots=True)
class Status:
    id: int
    name: str
    sort: int
    color: str
    type: int  # 0 regular, 1 "unsorted" (incoming leads)
    pipeline_id: int
    is_editable: bool = True
    descriptions: list[dict[str, Any]] = field(default_factory=list)


class Pipeline(Entity):
    """A stored pipeline: its wire fields in ``data``, its statuses by id in ``statuses``."""

    __slots__ = ("statuses",)

    def __init__(
        self, pipeline_id: int, data: dict[str, Any], statuses: dict[int, Status] | None = None
    ) -> None:
        super().__init__(pipeline_id, data)
        self.statuses: dict[int, Status] = statuses if statuses is not None else {}

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def is_main(self) -> bool:
        return bool(self.data["is_main"])

    @property
    def open_statuses(self) -> list[Status]:
        return [s for s in self.statuses.values() if s.type == 0 and s.id not in CLOSED]

    @property
    def first_open_status(self) -> Status:
        return self.open_statuses[0]

    @property
    def unsorted_status(self) -> Status:
        return next((s for s in self.statuses.values() if s.type == 1), self.first_open_status)


_PIPELINES = [
    (
        "Воронка",
        [
            ("Первичный контакт", "#98cbff"),
            ("Переговоры", "#fffd7f"),
            ("Принимают решение", "#ffce5a"),
            ("Согласование договора", "#ffc8c8"),
        ],
    ),
    (
        "Партнёры",
        [("Новая заявка", "#c1e0ff"), ("Квалификация", "#fffeb2"), ("Оплата", "#deff81")],
    ),
]
_SEEDED_STAGES = ("Новый", "Квалифицирован", "Счёт выставлен", "Ждём оплату")


def pipelines_of(account: Account) -> dict[int, Pipeline]:
    return RESOURCE.store(account)


def main_pipeline(account: Account) -> Pipeline:
    pipelines = pipelines_of(account)
    return next((p for p in pipelines.values() if p.is_main), next(iter(pipelines.values())))


def pipeline_of_status(account: Account, status_id: int) -> Pipeline | None:
    """The pipeline an open status belongs to (142/143 are in every pipeline)."""
    for pipeline in pipelines_of(account).values():
        if status_id in pipeline.statuses and status_id not in CLOSED:
            return pipeline
    return None


def _leads_in(account: Account, pipeline_id: int, status_id: int | None = None) -> list[Entity]:
    return [
        lead
        for lead in account.stores["leads"].values()
        if not lead.deleted
        and lead.data.get("pipeline_id") == pipeline_id
        and (status_id is None or lead.data.get("status_id") == status_id)
    ]


# -- status validation -----------------------------------------------------------------------


def _descriptions(draft: Draft, key: str, value: Any) -> None:
    """``[{id?, level, description}]``: one per level, 1000 characters at most."""
    if not isinstance(value, list):
        draft.invalid(key, "array")
        return
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        path = f"{key}.{index}"
        if not isinstance(item, dict):
            draft.invalid(path, "object")
            continue
        level, text = item.get("level"), item.get("description")
        unknown = [k for k in item if k not in ("id", "level", "description")]
        draft.issues.extend(not_expected(draft.path(f"{path}.{k}")) for k in unknown)
        if level not in LEVELS or level in seen:
            draft.unsupported(f"{path}.level")
        elif not isinstance(text, str) or len(text) > 1000:
            draft.invalid(f"{path}.description", "string")
        else:
            seen.add(level)
            out.append({"level": level, "description": text})
    draft.changes.fields[key] = out


_STATUS_RULES: dict[str, Rule] = {
    "name": string,
    "sort": whole_number,
    "color": one_of(PALETTE, str, "string"),
    "descriptions": _descriptions,
}


def status_draft(call: Call, item: object, index: int, mode: Mode, prefix: str = "") -> Draft:
    """Validate one status of a write; a new one (``mode="create"``) needs a ``name``."""
    draft = Draft(call, "statuses", {}, mode, prefix, Changes(str(index)))
    if not isinstance(item, dict):
        draft.issues.append(invalid_type(prefix.rstrip(".") or str(index), "object"))
        return draft
    draft.item = item
    if isinstance(item.get("request_id"), str):
        draft.changes.request_id = item["request_id"]
    for key, value in item.items():
        rule = _STATUS_RULES.get(key)
        if rule is not None:
            rule(draft, key, value)
        elif key not in _STATUS_READ_ONLY:
            draft.issues.append(not_expected(draft.path(key)))
    if mode == "create" and "name" not in item:
        draft.issues.append(required(draft.path("name")))
    return draft


def _embedded_statuses(draft: Draft, key: str, value: Any) -> None:
    """The statuses of a new pipeline: new ones, and 142/143 by ``id`` to rename them."""
    if not isinstance(value, list):
        draft.invalid(key, "array")
        return
    statuses: list[dict[str, Any]] = []
    for index, item in enumerate(value):
        prefix = draft.path(f"{key}.{index}.")
        system = isinstance(item, dict) and item.get("id") is not None
        if system and item.get("id") not in CLOSED:
            draft.unsupported(f"{key}.{index}.id")
            continue
        sub = status_draft(draft.call, item, index, "update" if system else "create", prefix)
        draft.issues.extend(sub.issues)
        if system:
            fixed = [k for k in sub.changes.fields if k != "name"]
            draft.issues.extend(not_supported(f"{prefix}{k}") for k in fixed)
        statuses.append({"id": item.get("id") if system else None, **sub.changes.fields})
    if not any(status["id"] is None for status in statuses):
        draft.issues.append(required(draft.path(f"{key}.0.name")))
    draft.changes.extra["statuses"] = statuses


class Pipelines(EntityResource):
    name = "pipelines"
    path = "/api/v4/leads/pipelines"
    id_base = 7_000_001
    id_bases = {"statuses": 60_000_001, "status_descriptions": 61_000_001}
    paged = False
    answers_in_full = True
    max_batch = MAX_PIPELINES
    max_live = MAX_PIPELINES
    read_only = frozenset({"id", "is_archive", "account_id", "_links"})
    rules = {
        "name": string,
        "sort": whole_number,
        "is_main": boolean,
        "is_unsorted_on": boolean,
        "_embedded": embedded({"statuses": _embedded_statuses}, create_only={"statuses"}),
    }
    _required = ("name", "sort", "is_main", "is_unsorted_on")

    def store(self, account: Account) -> dict[int, Pipeline]:  # type: ignore[override]
        return account.stores[self.name]

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        one = rf"{self.path}/(\d+)"
        status = rf"{one}/statuses/(\d+)"
        return [
            (self.path, {"PATCH": not_allowed}),
            (one, {"DELETE": partial(delete_one, self)}),
            (rf"{one}/statuses", {"GET": self.statuses, "POST": self.add_statuses}),
            (rf"{one}/statuses", {"PATCH": not_allowed}),
            (status, {"GET": self.status, "PATCH": self.update_status}),
            (status, {"DELETE": self.delete_status}),
        ]

    # -- pipelines -------------------------------------------------------------------------

    def setup(self, account: Account, ids: IdAllocator) -> None:
        for index, (pipeline_name, stages) in enumerate(_PIPELINES):
            self._make(account, ids, pipeline_name, index + 1, index == 0, stages)

    def _make(
        self,
        account: Account,
        ids: IdAllocator,
        name: str,
        sort: int,
        is_main: bool,
        stages: Sequence[tuple[str, str]],
        *,
        unsorted: bool = True,
        won: str = "Успешно реализовано",
        lost: str = "Закрыто и не реализовано",
    ) -> Pipeline:
        pipeline_id = ids.next(self.name)
        data = {
            "id": pipeline_id,
            "name": name,
            "sort": sort,
            "is_main": is_main,
            "is_unsorted_on": unsorted,
            "is_archive": False,
            "account_id": account.id,
        }
        pipeline = Pipeline(pipeline_id, data)
        if unsorted:
            self._add_unsorted(pipeline, ids)
        for number, (stage, color) in enumerate(stages, start=2):
            status = Status(ids.next("statuses"), stage, 10 * number, color, 0, pipeline_id)
            pipeline.statuses[status.id] = status
        pipeline.statuses[WON] = Status(WON, won, 10_000, "#c1e0ff", 0, pipeline_id, False)
        pipeline.statuses[LOST] = Status(LOST, lost, 11_000, "#e6e8ea", 0, pipeline_id, False)
        if is_main:
            for other in self.store(account).values():
                other.data["is_main"] = False
        self.store(account)[pipeline_id] = pipeline
        return pipeline

    def _add_unsorted(self, pipeline: Pipeline, ids: IdAllocator) -> None:
        status_id = ids.next("statuses")
        unsorted = Status(status_id, "Неразобранное", 10, "#ffc8c8", UNSORTED, pipeline.id, False)
        pipeline.statuses = {status_id: unsorted, **pipeline.statuses}

    def check(self, draft: Draft) -> None:
        if draft.mode == "create":
            draft.issues.extend(
                required(draft.path(key)) for key in self._required if key not in draft.item
            )
            if "statuses" not in draft.changes.extra:
                draft.issues.append(required(draft.path("_embedded.statuses")))

    def create(self, call: Call, changes: Changes) -> Entity:
        fields = changes.fields
        stages = changes.extra.get("statuses", [])
        new = [s for s in stages if s["id"] is None]
        renamed = {s["id"]: s["name"] for s in stages if s["id"] is not None and "name" in s}
        pipeline = self._make(
            call.account,
            call.ids,
            fields["name"],
            fields["sort"],
            fields["is_main"],
            [(s["name"], s.get("color", PALETTE[0])) for s in new],
            unsorted=fields["is_unsorted_on"],
            won=renamed.get(WON, "Успешно реализовано"),
            lost=renamed.get(LOST, "Закрыто и не реализовано"),
        )
        for stage, status in zip(new, pipeline.open_statuses, strict=True):
            status.sort = stage.get("sort", status.sort)
            status.descriptions = self._descriptions(call, status, stage.get("descriptions", []))
        self.notify(call, pipeline, None)
        return pipeline

    def before_update(self, call: Call, entity: Entity, fields: dict[str, Any]) -> None:
        if fields.get("is_main"):
            for other in self.store(call.account).values():
                other.data["is_main"] = False

    def after_write(self, call: Call, entity: Entity, changes: Changes) -> None:
        """Turning "unsorted" on adds the stage; turning it off removes it (its leads move to
        the first open stage)."""
        assert isinstance(entity, Pipeline)
        current = next((s for s in entity.statuses.values() if s.type == UNSORTED), None)
        wanted = entity.data["is_unsorted_on"]
        if wanted and current is None:
            self._add_unsorted(entity, call.ids)
        elif not wanted and current is not None:
            del entity.statuses[current.id]
            for lead in _leads_in(call.account, entity.id, current.id):
                lead.data["status_id"] = entity.first_open_status.id

    def before_delete(self, call: Call, entity: Entity) -> FakeResponse | None:
        if entity.data["is_main"] or _leads_in(call.account, entity.id):
            return validation_failed([("0", [not_supported("pipeline_id")])])
        return None

    def _sorted(self, rows: list[Entity], order: object) -> None:
        rows.sort(key=lambda pipeline: (pipeline.data["sort"], pipeline.id))

    def renderer(
        self, account: Account, base: str, with_: frozenset[str]
    ) -> Callable[[Entity], dict[str, Any]]:
        keys = ("id", "name", "sort", "is_main", "is_unsorted_on", "is_archive", "account_id")

        def render(pipeline: Entity) -> dict[str, Any]:
            assert isinstance(pipeline, Pipeline)
            statuses = sorted(pipeline.statuses.values(), key=lambda s: (s.sort, s.id))
            return {
                **{key: pipeline.data[key] for key in keys},
                "_links": {"self": {"href": f"{base}{self.path}/{pipeline.id}"}},
                "_embedded": {"statuses": [self.render_status(s, account, base) for s in statuses]},
            }

        return render

    def seed(self, ctx: SeedCtx, count: int) -> list[int]:
        """``count`` more pipelines, each with two to four stages."""
        created = []
        top = max((p.data["sort"] for p in self.store(ctx.account).values()), default=0)
        for n in range(1, count + 1):
            stages = [
                (name, PALETTE[ctx.rng.randrange(len(PALETTE))])
                for name in _SEEDED_STAGES[: ctx.rng.randint(2, len(_SEEDED_STAGES))]
            ]
            pipeline = self._make(ctx.account, ctx.ids, f"Воронка {n}", top + n, False, stages)
            created.append(pipeline.id)
        return created

    # -- statuses --------------------------------------------------------------------------

    def render_status(
        self, status: Status, account: Account, base: str, descriptions: bool = False
    ) -> dict[str, Any]:
        href = f"{base}{self.path}/{status.pipeline_id}/statuses/{status.id}"
        out = {
            "id": status.id,
            "name": status.name,
            "sort": status.sort,
            "is_editable": status.is_editable,
            "pipeline_id": status.pipeline_id,
            "color": status.color,
            "type": status.type,
            "account_id": account.id,
        }
        if descriptions:
            out["descriptions"] = [dict(d) for d in status.descriptions]
        out["_links"] = {"self": {"href": href}}
        return out

    def _descriptions(
        self, call: Call, status: Status, sent: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Descriptions sent replace those of the same level; the others are kept."""
        by_level = {d["level"]: d for d in status.descriptions}
        for item in sent:
            old = by_level.get(item["level"])
            by_level[item["level"]] = {
                "id": old["id"] if old else call.ids.next("status_descriptions"),
                "account_id": call.account.id,
                "created_at": old["created_at"] if old else call.now,
                "updated_at": call.now,
                "created_by": old["created_by"] if old else call.user_id,
                "updated_by": call.user_id,
                "pipeline_id": status.pipeline_id,
                "status_id": status.id,
                "level": item["level"],
                "description": item["description"],
            }
        return list(by_level.values())

    def _with_descriptions(self, call: Call) -> bool:
        """``with=descriptions`` (the only ``with=`` of statuses)."""
        raw = call.req.query.get("with")
        return isinstance(raw, str) and "descriptions" in raw.split(",")

    def _pipeline(self, call: Call, pipeline_id: str) -> Pipeline | None:
        return self.store(call.account).get(int(pipeline_id))

    def statuses(self, call: Call, pipeline_id: str) -> FakeResponse:
        pipeline = self._pipeline(call, pipeline_id)
        if pipeline is None:
            return call.missing()
        described = self._with_descriptions(call)
        statuses = sorted(pipeline.statuses.values(), key=lambda s: (s.sort, s.id))
        items = [self.render_status(s, call.account, call.base, described) for s in statuses]
        return collection(call.req, "statuses", items)

    def status(self, call: Call, pipeline_id: str, status_id: str) -> FakeResponse:
        pipeline = self._pipeline(call, pipeline_id)
        status = pipeline.statuses.get(int(status_id)) if pipeline is not None else None
        if status is None:
            return call.missing()
        described = self._with_descriptions(call)
        return json_response(200, self.render_status(status, call.account, call.base, described))

    def _status_answer(self, call: Call, status: Status, request_id: str) -> dict[str, Any]:
        rendered = self.render_status(status, call.account, call.base, bool(status.descriptions))
        return {**rendered, "request_id": request_id}

    def add_statuses(self, call: Call, pipeline_id: str) -> FakeResponse:
        pipeline = self._pipeline(call, pipeline_id)
        if pipeline is None:
            return problem(404, "Pipeline not found")
        items = call.req.json_array()
        if len(pipeline.statuses) + len(items) > MAX_STATUSES:
            return problem(400, f"A pipeline can have at most {MAX_STATUSES} statuses")
        drafts = [status_draft(call, item, i, "create") for i, item in enumerate(items)]
        errors = [(d.changes.request_id, d.issues) for d in drafts if d.issues]
        if errors:
            return validation_failed(errors)
        answers = []
        for draft in drafts:
            fields = draft.changes.fields
            top = max((s.sort for s in pipeline.open_statuses), default=10)
            status = Status(
                call.ids.next("statuses"),
                fields["name"],
                fields.get("sort", top + 10),
                fields.get("color", PALETTE[0]),
                0,
                pipeline.id,
            )
            status.descriptions = self._descriptions(call, status, fields.get("descriptions", []))
            pipeline.statuses[status.id] = status
            answers.append(self._status_answer(call, status, draft.changes.request_id))
        record_writes(call, call.stats.entities_created, "statuses", len(answers))
        embedded_json = {"statuses": answers}
        return json_response(200, {"_total_items": len(answers), "_embedded": embedded_json})

    def update_status(self, call: Call, pipeline_id: str, status_id: str) -> FakeResponse:
        pipeline = self._pipeline(call, pipeline_id)
        status = pipeline.statuses.get(int(status_id)) if pipeline is not None else None
        if status is None:
            return problem(404, "Status not found")
        body = call.req.json()
        if not isinstance(body, dict) or not body:
            return problem(400, "Request data can not be empty")
        draft = status_draft(call, body, 0, "update")
        fields = draft.changes.fields
        if not status.is_editable:
            draft.issues.extend(not_supported(key) for key in fields if key != "name")
        if draft.issues:
            return validation_failed([(draft.changes.request_id, draft.issues)])
        status.name = fields.get("name", status.name)
        status.sort = fields.get("sort", status.sort)
        status.color = fields.get("color", status.color)
        if "descriptions" in fields:
            status.descriptions = self._descriptions(call, status, fields["descriptions"])
        record_writes(call, call.stats.entities_updated, "statuses", 1)
        return json_response(200, self._status_answer(call, status, draft.changes.request_id))

    def delete_status(self, call: Call, pipeline_id: str, status_id: str) -> FakeResponse:
        pipeline = self._pipeline(call, pipeline_id)
        status = pipeline.statuses.get(int(status_id)) if pipeline is not None else None
        if pipeline is None or status is None:
            return problem(404, "Status not found")
        if not status.is_editable or _leads_in(call.account, pipeline.id, status.id):
            return validation_failed([("0", [not_supported("status_id")])])
        del pipeline.statuses[status.id]
        call.account.touch()
        return no_content()


RESOURCE = Pipelines()
