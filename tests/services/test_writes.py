"""The write path on the wire: request ids, sendable payloads, undecodable answers,
cancellation bookkeeping (``WriteReport``) and round trips of read leads."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import anyio
import httpx
import pytest
import respx
from pydantic import ValidationError

from amocrm_async import AmoCRMClient, errors
from amocrm_async.errors import WriteReport, WriteState
from amocrm_async.models import (
    Contact,
    Lead,
    LeadEmbedded,
    Tag,
    TextCustomFieldValues,
)
from amocrm_async.services._writes import (
    MAX_CHUNKS_IN_FLIGHT,
    _interrupt,
    check_sendable,
    new_request_id,
)

pytestmark = pytest.mark.anyio

ClientFactory = Callable[..., AmoCRMClient]
BASE = "https://acme.amocrm.ru"


def body(call: Any) -> Any:
    return json.loads(call.request.content)


def created(request: httpx.Request, key: str = "leads") -> httpx.Response:
    """amoCRM's answer to a batch create: an id per request_id (ids from the ``n<i>`` names)."""
    items = json.loads(request.content)
    answer = [
        {
            "id": item.get("id") or 1000 + int(item["name"][1:]),
            "request_id": item["request_id"],
            "updated_at": 7,
        }
        for item in items
    ]
    return httpx.Response(200, json={"_embedded": {key: answer}})


def rejected(request: httpx.Request) -> httpx.Response:
    return httpx.Response(400, json={"title": "Bad Request", "detail": "Request validation failed"})


def leads(n: int, start: int = 0) -> list[Lead]:
    return [Lead(name=f"n{i}") for i in range(start, start + n)]


# -- item 4: request ids ---------------------------------------------------------------------


async def test_leftovers_of_two_failed_batches_are_resent_together(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads").mock(side_effect=rejected)
    first, second = leads(3), leads(3, start=3)
    for batch in (first, second):
        with pytest.raises(errors.BatchError):
            await amo.leads.add(batch, chunk_size=2)
    old = {m.request_id for m in first + second}
    assert all(m.request_id_is_generated for m in first + second)
    # a copy carries the SDK's id too: it is the same generated id, never a duplicate error
    copy = first[0].model_copy()
    assert copy.request_id == first[0].request_id

    route.mock(side_effect=created)
    again = [*first, *second, copy]
    await amo.leads.add(again)
    sent = [item["request_id"] for item in body(route.calls.last)]
    assert len(set(sent)) == len(again) == 7
    assert not set(sent) & old
    assert [m.request_id for m in again] == sent
    assert [m.id for m in again] == [1000, 1001, 1002, 1003, 1004, 1005, 1000]


async def test_generated_ids_are_unique_across_calls_and_never_zero(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads").mock(side_effect=created)
    async with anyio.create_task_group() as tg:
        for start in range(0, 300, 60):
            tg.start_soon(amo.leads.add, leads(60, start))
    sent = [item["request_id"] for call in route.calls for item in body(call)]
    assert len(sent) == len(set(sent)) == 300
    assert all(rid.isdigit() and not rid.startswith("0") for rid in sent)


async def test_caller_ids_are_kept_and_checked(router: respx.MockRouter, amo: AmoCRMClient) -> None:
    route = router.post("/api/v4/leads").mock(side_effect=created)
    upcoming = str(int(new_request_id()) + 1)  # the id the SDK would generate next
    mine = [Lead(name="n0"), Lead(name="n1", request_id=upcoming), Lead(name="n2", request_id="x")]
    await amo.leads.add(mine)
    sent = [item["request_id"] for item in body(route.calls.last)]
    assert sent[1:] == [upcoming, "x"] and sent[0] not in {upcoming, "x", "0"}
    assert [m.request_id_is_generated for m in mine] == [True, False, False]
    assert mine[0].caller_request_id is None and mine[1].caller_request_id == upcoming

    calls = route.call_count
    duplicate = [Lead(name="n3", request_id="x"), Lead(name="n4", request_id="x"), Lead(name="n5")]
    with pytest.raises(ValueError, match=r"duplicate request_id\(s\) \['x'\]"):
        await amo.leads.add(duplicate)
    with pytest.raises(ValueError, match="must not be empty"):
        await amo.leads.add([Lead(name="n6", request_id="")])
    assert route.call_count == calls
    assert [m.request_id for m in duplicate] == ["x", "x", None]


async def test_the_same_model_twice_is_refused_before_sending(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads").mock(side_effect=created)
    lead = Lead(name="n0")
    with pytest.raises(ValueError, match="given twice"):
        await amo.leads.add([lead, lead])
    assert route.call_count == 0 and lead.request_id is None


async def test_an_id_set_over_a_generated_one_is_the_callers(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads").mock(side_effect=created)
    lead = Lead(name="n0")
    await amo.leads.add([lead])
    assert lead.request_id_is_generated
    lead.id = None
    lead.request_id = "external-7"
    assert not lead.request_id_is_generated
    await amo.leads.add([lead])
    assert body(route.calls.last)[0]["request_id"] == "external-7"


async def test_a_failed_prepare_leaves_ids_as_they_were(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.post("/api/v4/leads").mock(side_effect=created)
    lead = Lead(name="n0")
    await amo.leads.add([lead])
    before = lead.request_id
    bad = Lead(name="n1\ud800")
    lead.id = None
    with pytest.raises(ValueError, match="surrogate"):
        await amo.leads.add([lead, bad])
    assert (lead.request_id, lead.request_id_is_generated) == (before, True)
    assert bad.request_id is None


# -- item 5: every failure classified --------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "where"),
    [
        (Lead(name="Deal \ud83d"), "name: lone surrogate '\\ud83d' at character 5"),
        (
            Lead(custom_fields_values=[TextCustomFieldValues.of("x\udc00", field_id=3)]),
            "custom_fields_values.0.values.0.value: lone surrogate '\\udc00' at character 1",
        ),
        (
            Lead(id=9, embedded=LeadEmbedded(tags=[Tag(name="\ud800vip")])),
            "_embedded.tags.0.name: lone surrogate",
        ),
    ],
)
async def test_an_unsendable_model_fails_before_any_request_naming_the_field(
    router: respx.MockRouter, amo: AmoCRMClient, lead: Lead, where: str
) -> None:
    route = router.route(method__in=["POST", "PATCH"]).mock(side_effect=created)
    models = [Lead(name="n0"), lead]
    write = amo.leads.update if lead.id else amo.leads.add
    if lead.id:
        models[0].id = 1
    with pytest.raises(ValueError) as info:
        await write(models)
    assert f"Lead at position 1 cannot be sent: {where}" in str(info.value)
    assert not isinstance(info.value, errors.AmoCRMError)
    assert route.call_count == 0
    assert [m.request_id for m in models] == [None, None]
    if lead.id:
        with pytest.raises(
            ValueError, match=r"update_one: the Lead cannot be sent: _embedded\.tags"
        ):
            await amo.leads.update_one(lead)
        assert route.call_count == 0


async def test_an_unsendable_complex_lead_names_the_nested_field(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    route = router.post("/api/v4/leads/complex").respond(200, json=[])
    lead = Lead(
        name="deal",
        embedded=LeadEmbedded(
            contacts=[Contact(first_name="Ann\udfff")], metadata={"form\ud800": "x"}
        ),
    )
    with pytest.raises(ValueError, match=r"_embedded\.contacts\.0\.first_name: lone surrogate"):
        await amo.leads.add_complex([lead])
    assert lead.embedded is not None
    lead.embedded.contacts = None
    with pytest.raises(ValueError, match=r"_embedded\.metadata: key 'form\\ud800': lone surrogate"):
        await amo.leads.add_complex([lead])
    assert route.call_count == 0


def test_a_non_finite_price_is_refused_when_set() -> None:
    with pytest.raises(ValidationError) as info:
        Lead(price=float("nan"))
    assert info.value.errors()[0]["loc"][0] == "price"
    lead = Lead(price=1)
    with pytest.raises(ValidationError, match="price"):
        lead.price = float("inf")


def nested(depth: int) -> list[Any]:
    payload: list[Any] = []
    for _ in range(depth):
        payload = [payload]
    return payload


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"params": {"x": [1.5, float("nan")]}}, r"params\.x\.1: nan is not a JSON number"),
        ({"params": {"tags": {1, 2}}}, r"params\.tags: set is not JSON"),
        ({"params": nested(100_000)}, "nested too deeply"),
        ({(1, 2): "a tuple key"}, "keys must be str"),
    ],
    ids=["nan", "set", "too deep", "tuple key"],
)
def test_check_sendable_names_what_json_cannot_carry(payload: Any, message: str) -> None:
    """The last resort before a request: a hook's payload that JSON cannot carry fails here,
    naming the path where it can (for a key JSON refuses, with json's own words)."""
    with pytest.raises(ValueError, match=rf"the note cannot be sent: .*{message}"):
        check_sendable(payload, "the note")
    check_sendable({"params": {"x": [1.5, None, True, "ok"]}}, "the note")


async def test_an_unexpected_error_of_a_chunk_is_reported_and_stops_the_batch(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    """Not an SDK error (a bug in a transport, say): the batch stops, the chunk is unknown
    (it may have left), the rest is not sent, and the error says what it was."""
    route = router.post("/api/v4/leads").mock(side_effect=RuntimeError("transport bug"))
    models = leads(3)
    with pytest.raises(errors.BatchError) as info:
        await amo.leads.add(models, chunk_size=2)
    error = info.value
    assert (error.written, error.unknown, error.not_sent) == ([], models[:2], models[2:])
    [cause] = error.errors
    assert type(cause) is errors.AmoCRMError
    assert str(cause) == "POST /api/v4/leads failed unexpectedly: RuntimeError"
    assert isinstance(cause.__cause__, RuntimeError)
    assert route.call_count == 1


@pytest.mark.parametrize("anyio_backend", ["trio"])
async def test_ctrl_c_in_a_chunk_is_raised_as_itself_and_keeps_the_books(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    """trio delivers Ctrl-C to whichever task runs, so it reaches the batch's task group in an
    exception group; the caller sees the ``KeyboardInterrupt`` itself, the report its chunk."""

    def interrupt(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    router.post("/api/v4/leads").mock(side_effect=interrupt)
    report: WriteReport[Lead] = WriteReport()
    models = leads(2)
    with pytest.raises(KeyboardInterrupt):
        await amo.leads.add(models, report=report)
    assert report.cancelled
    assert report.unknown == models


def test_only_a_group_of_interrupts_is_unwrapped() -> None:
    """What the batch re-raises when its task group fails with a BaseException."""
    ctrl_c = KeyboardInterrupt()
    assert _interrupt(BaseExceptionGroup("", [BaseExceptionGroup("", [ctrl_c])])) is ctrl_c
    assert _interrupt(BaseExceptionGroup("", [ctrl_c, GeneratorExit()])) is None
    assert _interrupt(ctrl_c) is None


UNDECODABLE = {
    "not JSON": b"<html>oops</html>",
    "invalid UTF-8": b'{"_embedded": {"leads": [{"id": 1, "request_id": "\xff"}]}}',
    "nested 100,000 deep": b"[" * 100_000,
    "another shape": b'{"_embedded": {}}',
    "ids that are not ints": b'{"_embedded": {"leads": [{"id": "x"}, {"id": "y"}]}}',
}


@pytest.mark.parametrize(
    "answer", [*UNDECODABLE.values(), b"[]"], ids=[*UNDECODABLE, "a list, not an object"]
)
async def test_a_stored_chunk_whose_answer_cannot_be_read_is_unknown(
    router: respx.MockRouter, amo: AmoCRMClient, answer: bytes
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        if json.loads(request.content)[0]["name"] == "n2":
            return httpx.Response(200, content=answer)
        return created(request)

    router.post("/api/v4/leads").mock(side_effect=respond)
    models = leads(4)
    with pytest.raises(errors.BatchError) as info:
        await amo.leads.add(models, chunk_size=2)
    error = info.value
    assert type(error) is errors.BatchError
    assert (error.written, error.unknown, error.failed, error.not_sent) == (
        models[:2],
        models[2:],
        [],
        [],
    )
    assert [m.id for m in models] == [1000, 1001, None, None]  # nothing half-applied
    (cause,) = error.errors
    assert type(cause) is errors.OutcomeUnknownError
    assert cause.request_ids == [m.request_id for m in models[2:]]
    assert isinstance(cause.cause, errors.ResponseDecodeError)
    assert cause.cause.status == 200


@pytest.mark.parametrize("answer", UNDECODABLE.values(), ids=UNDECODABLE.keys())
async def test_single_writes_raise_outcome_unknown_for_an_unreadable_answer(
    router: respx.MockRouter, amo: AmoCRMClient, answer: bytes
) -> None:
    router.post("/api/v4/leads").respond(200, content=answer)
    with pytest.raises(errors.OutcomeUnknownError) as added:
        await amo.leads.add_one(Lead(name="n0"))
    assert isinstance(added.value.cause, errors.ResponseDecodeError)
    router.patch("/api/v4/leads/5").respond(200, content=answer)
    lead = Lead(id=5, name="x", updated_at=1)
    if answer.startswith(b'{"_embedded"') and b"\xff" not in answer:
        await amo.leads.update_one(lead)  # valid JSON without updated_at: nothing to copy back
        assert lead.updated_at == 1
        return
    with pytest.raises(errors.OutcomeUnknownError) as updated:
        await amo.leads.update_one(lead)
    assert type(updated.value) is errors.OutcomeUnknownError
    assert isinstance(updated.value.cause, errors.ResponseDecodeError)
    assert updated.value.request_ids == ["5"]


# -- item 6: cancellation keeps the books ----------------------------------------------------


class Hang:
    """A server that answers the chunk starting with ``n0`` and leaves every other one hanging;
    once ``hang`` requests hang, ``then`` runs (it cancels the caller's scope)."""

    def __init__(self, hang: int, then: Callable[[], None], key: str = "leads") -> None:
        self.hang, self.then, self.key = hang, then, key
        self.hanging: list[list[str]] = []
        self.seen: WriteReport[Lead] | None = None
        self.snapshot: dict[WriteState, int] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        if items[0]["name"] == "n0":
            return created(request, self.key)
        self.hanging.append([item["request_id"] for item in items])
        if len(self.hanging) == self.hang:
            if self.seen is not None:
                self.snapshot = self.seen.counts()
            self.then()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")


@pytest.mark.parametrize("method", ["add", "update"])
async def test_a_cancelled_write_reports_written_unknown_and_not_sent(
    make_client: ClientFactory, router: respx.MockRouter, method: str
) -> None:
    # chunk 0 is answered, the next MAX_CHUNKS_IN_FLIGHT chunks hang, the last one never starts
    chunks = MAX_CHUNKS_IN_FLIGHT + 2
    models = leads(2 * chunks)
    if method == "update":
        for number, model in enumerate(models, start=1):
            model.id = number
    scope = anyio.CancelScope()
    server = Hang(MAX_CHUNKS_IN_FLIGHT, scope.cancel)
    report: WriteReport[Lead] = WriteReport()
    server.seen = report
    router.route(method__in=["POST", "PATCH"], path="/api/v4/leads").mock(side_effect=server)
    async with make_client() as amo:
        write = amo.leads.add if method == "add" else amo.leads.update
        with scope:
            await write(models, chunk_size=2, report=report)
    assert scope.cancelled_caught
    assert server.snapshot == {
        WriteState.PENDING: 2,
        WriteState.IN_FLIGHT: 2 * MAX_CHUNKS_IN_FLIGHT,
        WriteState.WRITTEN: 2,
        WriteState.FAILED: 0,
        WriteState.UNKNOWN: 0,
        WriteState.NOT_SENT: 0,
    }
    assert report.finished and report.cancelled and not report.complete
    assert report.written == models[:2]
    assert [m.id for m in report.written] == ([1000, 1001] if method == "add" else [1, 2])
    assert [m.updated_at for m in report.written] == [7, 7]
    assert report.unknown == models[2:-2]
    assert report.not_sent == models[-2:]
    assert report.failed == [] and report.errors == [] and report.in_flight == []
    hanging = sorted(rid for chunk in server.hanging for rid in chunk)
    assert hanging == sorted(m.request_id or "" for m in report.unknown)
    assert report.state_of(models[0]) is WriteState.WRITTEN
    assert report.states.count(WriteState.UNKNOWN) == 2 * MAX_CHUNKS_IN_FLIGHT


async def test_a_deadline_keeps_the_books_and_what_never_left_can_be_resent(
    make_client: ClientFactory, router: respx.MockRouter
) -> None:
    models = leads(6)
    deadline: list[anyio.CancelScope] = []

    def expire() -> None:
        deadline[0].deadline = anyio.current_time()  # the deadline passes while two chunks hang

    route = router.post("/api/v4/leads").mock(side_effect=Hang(2, expire))
    report: WriteReport[Lead] = WriteReport()
    async with make_client() as amo:
        with pytest.raises(TimeoutError), anyio.fail_after(3600) as scope:  # noqa: PT012
            deadline.append(scope)
            await amo.leads.add(models, chunk_size=2, report=report)
    assert report.cancelled
    assert (report.written, report.unknown, report.not_sent) == (models[:2], models[2:], [])

    route.mock(side_effect=created)
    resend: WriteReport[Lead] = WriteReport()
    async with make_client() as amo:
        await amo.leads.add(report.unknown, report=resend)  # after looking them up: not stored
    assert resend.complete and not resend.cancelled
    assert [m.id for m in models] == [1000 + i for i in range(6)]
    with pytest.raises(ValueError, match="one call"):
        async with make_client() as amo:
            await amo.leads.add(models, report=resend)


async def test_the_report_of_a_call_that_ends_normally(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        items = json.loads(request.content)
        if items[0]["name"] == "n2":
            return httpx.Response(
                400,
                json={
                    "title": "Bad Request",
                    "validation-errors": [
                        {"request_id": items[1]["request_id"], "errors": [{"path": "name"}]}
                    ],
                },
            )
        return created(request)

    router.post("/api/v4/leads").mock(side_effect=respond)
    ok: WriteReport[Lead] = WriteReport()
    await amo.leads.add(leads(2), report=ok)
    assert ok.complete and ok.counts()[WriteState.WRITTEN] == 2
    assert repr(ok) == "<WriteReport 2 models: written=2>"

    report: WriteReport[Lead] = WriteReport()
    models = leads(4)
    with pytest.raises(errors.BatchError) as info:
        await amo.leads.add(models, chunk_size=2, report=report)
    assert info.value.report is report and not report.cancelled
    assert [f.item for f in report.failed] == models[2:]
    assert [issue.path for issue in report.failed[1].issues] == ["name"]
    assert report.written == models[:2] == info.value.written
    assert report.errors == info.value.errors

    empty: WriteReport[Lead] = WriteReport()
    assert await amo.leads.add([], report=empty) == []
    assert empty.complete and empty.models == []
    invalid: WriteReport[Lead] = WriteReport()
    with pytest.raises(ValueError, match="surrogate"):
        await amo.leads.add([Lead(name="\ud800")], report=invalid)
    assert invalid.not_sent == invalid.models and not invalid.cancelled


async def test_a_cancelled_complex_add_is_just_cancelled(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    scope = anyio.CancelScope()

    async def respond(request: httpx.Request) -> httpx.Response:
        scope.cancel()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    router.post("/api/v4/leads/complex").mock(side_effect=respond)
    with scope:
        await amo.leads.add_complex(leads(3))
    assert scope.cancelled_caught


# -- item 10: round trips keep the server's data ---------------------------------------------


def stored_lead(**changes: Any) -> dict[str, Any]:
    return {
        "id": 42,
        "name": "Old name",
        "price": 300,
        "price_with_minor_units": 300.99,
        "responsible_user_id": 5,
        "group_id": 0,
        "status_id": 7,
        "pipeline_id": 3,
        "loss_reason_id": None,
        "created_by": 11,
        "updated_by": 12,
        "created_at": 1_700_000_000,
        "updated_at": 1_700_000_100,
        "closed_at": None,
        "closest_task_at": None,
        "is_deleted": False,
        "custom_fields_values": None,
        "score": None,
        "account_id": 9,
        "labor_cost": None,
        "_links": {"self": {"href": f"{BASE}/api/v4/leads/42"}},
        "_embedded": {"tags": [], "companies": []},
        **changes,
    }


WRITABLE_OF_STORED = {"id": 42, "price": 300.99, "responsible_user_id": 5, "status_id": 7}


async def test_read_rename_update_one_sends_only_what_can_change(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.get("/api/v4/leads/42").respond(200, json=stored_lead())
    patch = router.patch("/api/v4/leads/42").respond(200, json={"id": 42, "updated_at": 5})
    lead = await amo.leads.get_one(42)
    lead.name = "New name"
    await amo.leads.update_one(lead)
    assert body(patch.calls.last) == {**WRITABLE_OF_STORED, "name": "New name", "pipeline_id": 3}
    assert lead.updated_at == 5


async def test_sync_one_then_update_one_sends_only_what_can_change(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    earlier = Lead.model_validate(stored_lead(updated_at=1, group_id=4))
    router.get("/api/v4/leads/42").respond(
        200,
        json=stored_lead(
            price=450,
            price_with_minor_units=450.5,
            updated_by=99,
            _embedded={"tags": [{"id": 1, "name": "added since"}]},
        ),
    )
    patch = router.patch("/api/v4/leads/42").respond(200, json={"id": 42, "updated_at": 6})
    earlier.name = "New name"

    kept = await amo.leads.sync_one(earlier, keep={"name"})
    assert (kept.updated_at, kept.group_id, kept.updated_by) == (1_700_000_100, 0, 99)
    await amo.leads.update_one(kept)
    assert body(patch.calls.last) == {
        "id": 42,
        "name": "New name",
        "price": 450.5,
        "responsible_user_id": 5,
        "status_id": 7,
        "pipeline_id": 3,
        "_embedded": {"tags": [{"id": 1, "name": "added since"}]},
    }

    synced = await amo.leads.sync_one(earlier)  # local values win, as in the PHP library
    assert (synced.updated_at, synced.group_id) == (1_700_000_100, 0)  # read-only: the server's
    assert synced.embedded is not None and synced.embedded.tags == []
    await amo.leads.update_one(synced)
    assert body(patch.calls.last) == {**WRITABLE_OF_STORED, "name": "New name", "pipeline_id": 3}

    with pytest.raises(ValueError, match=r"\['created_at', 'updated_at'\] cannot be kept"):
        await amo.leads.sync_one(earlier, keep={"updated_at", "created_at", "name"})


async def test_sync_one_keeps_a_local_price_change(
    router: respx.MockRouter, amo: AmoCRMClient
) -> None:
    router.get("/api/v4/leads/42").respond(200, json=stored_lead())
    earlier = Lead.model_validate(stored_lead())
    earlier.price = 500
    synced = await amo.leads.sync_one(earlier)
    assert (synced.price, synced.price_with_minor_units, synced.to_api()["price"]) == (
        500,
        None,
        500,
    )
    earlier.price_with_minor_units = 10.25
    synced = await amo.leads.sync_one(earlier, keep={"price"})
    assert (synced.price, synced.to_api()["price"]) == (10, 10.25)
