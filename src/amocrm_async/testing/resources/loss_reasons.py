"""Loss reasons: ``GET /api/v4/leads/loss_reasons[/{id}]``, and ``loss_reason_id`` on leads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from amocrm_async.testing._call import Call
from amocrm_async.testing._http import FakeResponse, json_response
from amocrm_async.testing._issues import is_int
from amocrm_async.testing._listing import collection
from amocrm_async.testing._resource import Resource, Route
from amocrm_async.testing._state import Account, IdAllocator
from amocrm_async.testing._writes import Draft

__all__ = ["RESOURCE", "LossReason", "loss_reason_ref", "loss_reasons_of"]


@dataclass(slots=True)
class LossReason:
    id: int
    name: str
    sort: int
    created_at: int


_NAMES = ["Дорого", "Выбрали конкурента", "Нет бюджета"]


def loss_reasons_of(account: Account) -> dict[int, LossReason]:
    return cast("dict[int, LossReason]", account.stores[LossReasons.name])


def loss_reason_ref(draft: Draft, key: str, value: Any) -> None:
    """A loss reason of the account, or null."""
    if value is not None and not is_int(value):
        draft.invalid(key, "int")
    elif value is not None and value not in loss_reasons_of(draft.call.account):
        draft.unsupported(key)
    else:
        draft.changes.fields[key] = value


class LossReasons(Resource):
    name = "loss_reasons"
    path = "/api/v4/leads/loss_reasons"
    id_bases = {"loss_reasons": 8_000_001}
    stores = ("loss_reasons",)

    def setup(self, account: Account, ids: IdAllocator) -> None:
        reasons = loss_reasons_of(account)
        for sort, reason_name in enumerate(_NAMES):
            reason_id = ids.next("loss_reasons")
            reasons[reason_id] = LossReason(
                reason_id, reason_name, 10 * (sort + 1), account.created_at
            )

    def routes(self, peers: Sequence[Resource]) -> list[Route]:
        return [(self.path, {"GET": self.list}), (rf"{self.path}/(\d+)", {"GET": self.one})]

    def render(self, reason: LossReason, base: str) -> dict[str, Any]:
        return {
            "id": reason.id,
            "name": reason.name,
            "sort": reason.sort,
            "created_at": reason.created_at,
            "updated_at": reason.created_at,
            "_links": {"self": {"href": f"{base}{self.path}/{reason.id}"}},
        }

    def list(self, call: Call) -> FakeResponse:
        reasons = loss_reasons_of(call.account).values()
        return collection(call.req, self.name, [self.render(r, call.base) for r in reasons])

    def one(self, call: Call, reason_id: str) -> FakeResponse:
        reason = loss_reasons_of(call.account).get(int(reason_id))
        if reason is None:
            return call.missing()
        return json_response(200, self.render(reason, call.base))


RESOURCE = LossReasons()
