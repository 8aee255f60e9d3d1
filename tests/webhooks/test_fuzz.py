"""Random and hostile bodies: parse_webhook raises WebhookParseError or nothing at all, and
whatever it accepts encodes back to a body that parses to the same payload."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from amocrm_async.webhooks import (
    WebhookLimits,
    WebhookParseError,
    WebhookPayload,
    encode_webhook_form,
    parse_webhook,
)

from . import bodies

FUZZ = settings(
    max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
SMALL = WebhookLimits(max_body_bytes=20_000, max_fields=200, max_depth=8, max_list_length=50)


def _parse(body: Any, content_type: str | None = None, **kwargs: Any) -> WebhookPayload | None:
    try:
        return parse_webhook(body, content_type, **kwargs)
    except WebhookParseError as exc:
        message = str(exc)
    assert message
    return None


def _stable(payload: WebhookPayload | None) -> None:
    """parse ∘ encode is a fixpoint after one pass (encoding adds e.g. contacts' type)."""
    if payload is None:
        return
    once = parse_webhook(encode_webhook_form(payload))
    assert parse_webhook(encode_webhook_form(once)) == once


_roots = st.sampled_from(
    [
        "leads",
        "contacts",
        "companies",
        "customers",
        "task",
        "unsorted",
        "talk",
        "message",
        "account",
        "catalogs",
        "x",
    ]
)
_segments = st.one_of(
    st.sampled_from(
        [
            "add",
            "update",
            "delete",
            "restore",
            "status",
            "responsible",
            "note",
            "",
            "0",
            "1",
            "00",
            "7",
            "999999999",
            "99999999999999999999",
            "id",
            "type",
            "custom_fields",
            "values",
            "value",
            "enum",
            "status_id",
            "price",
            "account_id",
            "action",
            "accept_result",
            "leads",
            "_links",
            "self",
            "author",
            "result",
            "is_read",
            "element_type",
            "linked_leads_id",
        ]
    ),
    st.text(max_size=6),
)
_values = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "142",
            "company",
            "contact",
            "accept",
            "decline",
            "-1",
            "1e3",
            "9" * 30,
            "true",
            "null",
            "[]",
        ]
    ),
    st.text(max_size=12),
)
_keys = st.builds(
    lambda root, segs: root + "".join(f"[{s}]" for s in segs),
    _roots,
    st.lists(_segments, max_size=10),
)
_pairs = st.lists(st.tuples(st.one_of(_keys, st.text(max_size=10)), _values), max_size=40)


@FUZZ
@given(st.binary(max_size=2000))
@example(b"leads[add][0][id]=1&leads[add][0]=2")
@example(b"leads[add][0]=2&leads[add][0][id]=1")
@example(b"%5B%5D=1&[]=2&[=3&]=4&a[]]=5&a[[b]]=6")
def test_random_bytes(body: bytes) -> None:
    _stable(_parse(body))
    _parse(body, "application/json")


@FUZZ
@given(st.text(alphabet='[]=&%;+ab01_-lead{}"', max_size=300))
def test_bracket_soup(body: str) -> None:
    _stable(_parse(body))


@FUZZ
@given(_pairs)
def test_hostile_bracket_pairs(pairs: list[tuple[str, str]]) -> None:
    body = urlencode(pairs)
    _stable(_parse(body))
    _parse(body, limits=SMALL)


_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8), _values),
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.dictionaries(st.one_of(_segments, _keys), children, max_size=5),
    ),
    max_leaves=15,
)


@settings(FUZZ, max_examples=100)
@given(st.dictionaries(st.one_of(_roots, _keys), _json, max_size=6))
def test_random_json_objects(data: dict[str, Any]) -> None:
    text = json.dumps(data)
    _parse(text, "application/json")
    _parse(text.encode(), None, limits=SMALL)
    _parse(data)


@FUZZ
@given(st.integers(1, 5000), st.sampled_from(["[", "{", '{"a":', "[[", "leads[x]"]))
def test_bombs(size: int, unit: str) -> None:
    for content_type in (None, "application/json"):
        _parse(unit * size, content_type)
        _parse("a" + "[b]" * size + "=1", content_type)


@FUZZ
@given(st.data())
def test_mutated_real_bodies(data: st.DataObject) -> None:
    body = data.draw(
        st.sampled_from(
            [
                bodies.ZAPIER_STATUS_LEAD,
                bodies.DOC_UNSORTED_ADD,
                bodies.DOC_ADD_CONTACT,
                bodies.MESSAGE_ADD,
            ]
        )
    )
    cut = data.draw(st.integers(0, len(body)))
    junk = data.draw(st.text(alphabet="[]=&%5BD0x", max_size=8))
    _stable(_parse(body[:cut] + junk + body[cut:]))
