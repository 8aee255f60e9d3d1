"""Pipelines and their statuses: ``GET /api/v4/leads/pipelines[/{id}[/statuses[/{id}]]]``.

Every account starts with two pipelines, each with an "unsorted" stage (type 1, where incoming
leads land), open stages and the system statuses 142 (won) and 143 (lost).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._listing import collection
from amocrm_async.testing._resource import ReferenceResource, Resource, Route
from amocrm_async.testing._state import Account, IdAllocator

__all__ = [
    "CLOSED",
    "LOST",
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


@dataclass(slots=True)
class Status:
    id: int
    name: str
    sort: int
    color: str
    type: int  # 0 regular, 1 "unsorted" (incoming leads)
    pipeline_id: int
    is_editable: bool = True


@dataclass(slots=True)
class Pipeline:
    id: int
    name: str
    sort: int
    is_main: bool
    statuses: dict[int, Status] = field(default_factory=dict)
    is_unsorted_on: bool = True
    is_archive: bool = False

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
            ("Неразобранное", "#c1c1c1", 1),
            ("Первичный контакт", "#99ccff", 0),
            ("Переговоры", "#ffff99", 0),
            ("Принимают решение", "#ffcc66", 0),
            ("Согласование договора", "#ffcccc", 0),
        ],
    ),
    (
        "Партнёры",
        [
            ("Неразобранное", "#c1c1c1", 1),
            ("Новая заявка", "#98cbff", 0),
            ("Квалификация", "#fffeb2", 0),
            ("Оплата", "#ccff66", 0),
        ],
    ),
]


def pipelines_of(account: Account) -> dict[int, Pipeline]:
    return RESOURCE.items(account)


def main_pipeline(account: Account) -> Pipeline:
    pipelines = pipelines_of(account)
    return next((p for p in pipelines.values() if p.is_main), next(iter(pipelines.values())))


def pipeline_of_status(account: Account, status_id: int) -> Pipeline | None:
    """The pipeline an open status belongs to (142/143 are in every pipeline)."""
    for pipeline in pipelines_of(account).values():
        if status_id in pipeline.statuses and status_id not in CLOSED:
            return pipeline
    return None


class Pipelines(ReferenceResource[Pipeline]):
    name = "pipelines"
    path = "/api/v4/leads/pipelines"
    id_bases = {"pipelines": 7_000_001, "statuses": 60_000_001}

    def setup(self, account: Account, ids: IdAllocator) -> None:
        for index, (pipeline_name, statuses) in enumerate(_PIPELINES):
            pipeline = Pipeline(
                ids.next("pipelines"), pipeline_name, sort=index + 1, is_main=index == 0
            )
            for sort, (status_name, color, status_type) in enumerate(statuses):
                status_id = ids.next("statuses")
                pipeline.statuses[status_id] = Status(
                    status_id, status_name, 10 * (sort + 1), color, status_type, pipeline.id
                )
            pipeline.statuses[WON] = Status(
                WON, "Успешно реализовано", 10_000, "#CCFF66", 0, pipeline.id, False
            )
            pipeline.statuses[LOST] = Status(
                LOST, "Закрыто и не реализовано", 11_000, "#D5D8DB", 0, pipeline.id, False
            )
            self.items(account)[pipeline.id] = pipeline

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        one = rf"{self.path}/(\d+)"
        return [
            *super().routes(peers),
            (rf"{one}/statuses", {"GET": self.statuses}),
            (rf"{one}/statuses/(\d+)", {"GET": self.status}),
        ]

    def render_status(self, status: Status, account: Account, base: str) -> dict[str, Any]:
        href = f"{base}{self.path}/{status.pipeline_id}/statuses/{status.id}"
        return {
            "id": status.id,
            "name": status.name,
            "sort": status.sort,
            "is_editable": status.is_editable,
            "pipeline_id": status.pipeline_id,
            "color": status.color,
            "type": status.type,
            "account_id": account.id,
            "_links": {"self": {"href": href}},
        }

    def render(self, pipeline: Pipeline, account: Account, base: str) -> dict[str, Any]:
        statuses = [self.render_status(s, account, base) for s in pipeline.statuses.values()]
        return {
            "id": pipeline.id,
            "name": pipeline.name,
            "sort": pipeline.sort,
            "is_main": pipeline.is_main,
            "is_unsorted_on": pipeline.is_unsorted_on,
            "is_archive": pipeline.is_archive,
            "account_id": account.id,
            "_links": {"self": {"href": f"{base}{self.path}/{pipeline.id}"}},
            "_embedded": {"statuses": statuses},
        }

    def statuses(self, call: Call, pipeline_id: str) -> FakeResponse:
        pipeline = pipelines_of(call.account).get(int(pipeline_id))
        if pipeline is None:
            return call.missing()
        statuses = pipeline.statuses.values()
        items = [self.render_status(s, call.account, call.base) for s in statuses]
        return collection(call.req, "statuses", items)

    def status(self, call: Call, pipeline_id: str, status_id: str) -> FakeResponse:
        pipeline = pipelines_of(call.account).get(int(pipeline_id))
        status = pipeline.statuses.get(int(status_id)) if pipeline is not None else None
        if status is None:
            return call.missing()
        return json_response(200, self.render_status(status, call.account, call.base))


RESOURCE = Pipelines()
