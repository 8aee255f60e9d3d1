"""Calls: the contract for ``add``, and by hand what is special: at most 50 per request, calls
amoCRM could not place reported one by one (the rest written), and placement against the fake."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from amocrm_async import AmoCRMClient, errors
from amocrm_async.errors import WriteReport, WriteState
from amocrm_async.models import Call, CallDirection, CallInNote, CallStatus
from amocrm_async.services import CallNotAddedError
from amocrm_async.testing import FakeAmoCRM

from .contract import ServiceContract, ServiceSpec, body

pytestmark = pytest.mark.anyio

PATH = "/api/v4/calls"


def call(i: int, **fields: Any) -> Call:
    values: dict[str, Any] = {
        "direction": CallDirection.INBOUND,
        "duration": 30 + i,
        "source": "pbx",
        "phone": f"+7 900 {i:07d}",
        **fields,
    }
    return Call(**values)


class TestContract(ServiceContract):
    spec = ServiceSpec("calls", make=call)


def placed(rid: str, call_id: int, entity_id: int, entity_type: str = "contact") -> dict[str, Any]:
    return {
        "id": call_id,
        "entity_id": entity_id,
        "entity_type": entity_type,
        "account_id": 1,
        "request_id": rid,
        "_embedded": {"entity": {"id": entity_id, "_links": {"self": {"href": "https://x"}}}},
    }


def answer(calls: list[dict[str, Any]], errors_: list[dict[str, Any]], *, top: bool = False) -> Any:
    if top:
        return {"_total_items": len(calls), "errors": errors_, "_embedded": {"calls": calls}}
    return {"_total_items": len(calls), "_embedded": {"calls": calls, "errors": errors_}}


async def test_body_is_the_documented_call(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.post(PATH).mock(
        side_effect=lambda r: httpx.Response(
            200, json=answer([placed(json.loads(r.content)[0]["request_id"], 9, 77)], [])
        )
    )
    one = call(
        1,
        uniq="u-1",
        link="https://pbx.example.com/r.mp3",
        call_status=CallStatus.SUCCESS_CONVERSATION,
        call_result="Договорились",
        call_responsible="Оператор",
        responsible_user_id=5,
        created_at=1_700_000_000,
    )
    await amo.calls.add_one(one)
    assert body(route.calls.last) == [
        {
            "direction": "inbound",
            "uniq": "u-1",
            "duration": 31,
            "source": "pbx",
            "link": "https://pbx.example.com/r.mp3",
            "phone": "+7 900 0000001",
            "call_result": "Договорились",
            "call_status": 4,
            "call_responsible": "Оператор",
            "responsible_user_id": 5,
            "created_at": 1_700_000_000,
            "request_id": one.request_id,
        }
    ]
    assert (one.id, one.entity_id, one.entity_type) == (9, 77, "contact")
    assert one.embedded is not None and one.embedded.entity is not None
    assert one.embedded.entity.id == 77


async def test_fifty_per_request_at_most(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    with pytest.raises(ValueError, match="between 1 and 50"):
        await amo.calls.add([call(1)], chunk_size=51)
    assert not router.calls


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"phone": None}, "Call.phone is required"),
        ({"source": ""}, "Call.source is required"),
        ({"direction": "sideways"}, "Call.direction must be"),
        ({"duration": -1}, "duration must not be negative"),
    ],
)
async def test_bad_calls_fail_before_any_request(
    router: respx.MockRouter, amo: AmoCRMClient, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        await amo.calls.add([call(1), call(2, **fields)])
    assert not router.calls


@pytest.mark.parametrize("top", [False, True])
async def test_unplaced_calls_fail_one_by_one_and_the_rest_is_written(
    router: respx.MockRouter, amo: AmoCRMClient, top: bool
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        rids = [item["request_id"] for item in json.loads(request.content)]
        rejected = [{"request_id": rids[1], "msg": "Entity not found", "code": 404}]
        return httpx.Response(200, json=answer([placed(rids[0], 1, 10)], rejected, top=top))

    router.post(PATH).mock(side_effect=respond)
    calls = [call(1), call(2)]
    report: WriteReport[Call] = WriteReport()
    with pytest.raises(errors.BatchError) as caught:
        await amo.calls.add(calls, report=report)
    batch = caught.value
    assert batch.written == [calls[0]] and calls[0].id == 1
    [failure] = batch.failed
    assert failure.item is calls[1] and calls[1].id is None
    assert isinstance(failure.error, CallNotAddedError)
    assert [(i.request_id, i.code, i.detail) for i in failure.issues] == [
        (calls[1].request_id, "404", "Entity not found")
    ]
    assert failure.error.entry["msg"] == "Entity not found"
    assert "not added: Entity not found" in str(failure.error)
    assert report.states == [WriteState.WRITTEN, WriteState.FAILED]


async def test_a_rejection_does_not_stop_the_next_chunk(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        rids = [item["request_id"] for item in json.loads(request.content)]
        ok = [placed(rid, 100 + n, 5) for n, rid in enumerate(rids[1:])]
        return httpx.Response(200, json=answer(ok, [{"request_id": rids[0], "title": "Nope"}]))

    route = router.post(PATH).mock(side_effect=respond)
    calls = [call(i) for i in range(60)]
    with pytest.raises(errors.BatchError) as caught:
        await amo.calls.add(calls)
    assert [len(body(c)) for c in route.calls] == [50, 10]
    assert len(caught.value.written) == 58
    assert [f.item for f in caught.value.failed] == [calls[0], calls[50]]
    assert [f.issues[0].detail for f in caught.value.failed] == ["Nope", "Nope"]


async def test_add_one_raises_the_rejection_itself(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.post(PATH).mock(
        side_effect=lambda r: httpx.Response(
            200,
            json=answer([], [{"request_id": json.loads(r.content)[0]["request_id"], "code": 7}]),
        )
    )
    with pytest.raises(CallNotAddedError) as caught:
        await amo.calls.add_one(call(1))
    assert (caught.value.issue.code, caught.value.issue.detail) == ("7", None)


@pytest.mark.parametrize(
    "reply",
    [
        {"_embedded": {"calls": []}},
        {"_embedded": {"calls": [{"request_id": "no-such"}]}},
        {"_embedded": {"calls": [], "errors": [{"msg": "no request id"}]}},
        [],
    ],
)
async def test_an_answer_that_does_not_account_for_each_call_is_unknown(
    router: respx.MockRouter, amo: AmoCRMClient, reply: Any
) -> None:
    router.post(PATH).respond(200, json=reply)
    calls = [call(1)]
    with pytest.raises(errors.BatchError) as caught:
        await amo.calls.add(calls)
    assert caught.value.unknown == calls
    assert isinstance(caught.value.errors[0], errors.OutcomeUnknownError)


async def test_calls_are_placed_by_phone_on_the_fake() -> None:
    fake = FakeAmoCRM()
    fake.seed(contacts=2)
    contact = fake.entities("contacts")[0]
    phone = contact["custom_fields_values"][0]["values"][0]["value"]
    digits = "".join(ch for ch in phone if ch.isdigit())
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as amo:
        known = call(1, phone=f"8{digits[1:]}", call_status=CallStatus.FAIL_BUSY)
        unknown = call(2, phone="+1 555 0100")
        with pytest.raises(errors.BatchError) as caught:
            await amo.calls.add([known, unknown])
    assert caught.value.written == [known]
    assert (known.entity_type, known.entity_id) == ("contact", contact["id"])
    assert [f.item for f in caught.value.failed] == [unknown]
    [stored] = fake.entities("calls")
    assert (stored["id"], stored["phone"], stored["call_status"]) == (known.id, known.phone, 7)
    async with AmoCRMClient(
        fake.base_domain, access_token=fake.long_lived_token(), transport=fake.transport
    ) as amo:
        [note] = await amo.contacts.notes.get_by_parent_id(contact["id"])
    assert isinstance(note, CallInNote) and note.params is not None
    assert (note.params.phone, note.params.call_status) == (known.phone, CallStatus.FAIL_BUSY)
