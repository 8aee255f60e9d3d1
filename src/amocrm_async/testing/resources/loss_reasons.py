"""Loss reasons: ``GET /api/v4/leads/loss_reasons[/{id}]``, and ``loss_reason_id`` on leads."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from amocrm_async.testing._issues import is_int
from amocrm_async.testing._resource import ReferenceResource
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
    return RESOURCE.items(account)


def loss_reason_ref(draft: Draft, key: str, value: Any) -> None:
    """A loss reason of the account, or null."""
    if value is not None and not is_int(value):
        draft.invalid(key, "int")
    elif value is not None and value not in loss_reasons_of(draft.call.account):
        draft.unsupported(key)
    else:
        draft.changes.fields[key] = value


class LossReasons(ReferenceResource[LossReason]):
    name = "loss_reasons"
    path = "/api/v4/leads/loss_reasons"
    id_bases = {"loss_reasons": 8_000_001}

    def setup(self, account: Account, ids: IdAllocator) -> None:
        reasons = self.items(account)
        for sort, reason_name in enumerate(_NAMES):
            reason_id = ids.next("loss_reasons")
            reasons[reason_id] = LossReason(
                reason_id, reason_name, 10 * (sort + 1), account.created_at
            )

    def render(self, reason: LossReason, account: Account, base: str) -> dict[str, Any]:
        links = {"self": {"href": f"{base}{self.path}/{reason.id}"}}
        return {**asdict(reason), "updated_at": reason.created_at, "_links": links}


RESOURCE = LossReasons()
