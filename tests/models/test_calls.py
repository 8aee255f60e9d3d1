"""Call model: enums on read (unknown codes kept), the write payload, what is never sent."""

from __future__ import annotations

from amocrm_async.models import Call, CallDirection, CallStatus


def test_known_codes_parse_as_enums_and_unknown_ones_are_kept() -> None:
    known = Call.model_validate({"direction": "outbound", "call_status": 7})
    assert (known.direction, known.call_status) == (CallDirection.OUTBOUND, CallStatus.FAIL_BUSY)
    odd = Call.model_validate({"direction": "transfer", "call_status": 42})
    assert (odd.direction, odd.call_status) == ("transfer", 42)
    assert not isinstance(odd.call_status, CallStatus)


def test_what_an_added_call_answers_is_never_sent_back() -> None:
    call = Call.model_validate(
        {
            "id": 6104257,
            "direction": "inbound",
            "duration": 10,
            "source": "pbx",
            "phone": "+79000000000",
            "entity_id": 7104251,
            "entity_type": "contact",
            "account_id": 28805383,
            "request_id": "0",
            "_embedded": {"entity": {"id": 7104251, "_links": {"self": {"href": "https://x"}}}},
        }
    )
    assert call.embedded is not None and call.embedded.entity is not None
    assert call.embedded.entity.id == 7104251
    assert call.to_api() == {
        "direction": "inbound",
        "duration": 10,
        "source": "pbx",
        "phone": "+79000000000",
        "request_id": "0",
    }
