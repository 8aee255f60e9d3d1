"""examples/fastapi_app.py end to end against the fake amoCRM, in-process: the admin's browser
login through the fake's /oauth page, the app subscribing itself, a lead created in "amoCRM"
delivered once as a webhook and tagged by the app, a stage change that adds a note, and the
widget endpoint accepting a one-time token once."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from amocrm_async.models import CommonNote

from ._load import load_example

pytestmark = pytest.mark.anyio

example = load_example("fastapi_app")


async def test_install_webhooks_and_widget(tmp_path: Path) -> None:
    result = await example.demo(str(tmp_path))
    assert result["authorized"] == {"status": "authorized", "account": "acme.amocrm.ru"}
    (subscription,) = result["subscriptions"]
    assert subscription["destination"].startswith("https://app.example/amocrm/webhook/")
    assert subscription["settings"] == ["add_lead", "status_lead"]
    deliveries = result["deliveries"]
    assert [(d.events, d.state, len(d.attempts)) for d in deliveries] == [
        (("add_lead",), "delivered", 1),
        (("status_lead",), "delivered", 1),
    ]
    assert result["tags"] == ["webhook"]
    (note,) = result["notes"]
    assert isinstance(note, CommonNote) and note.params is not None
    assert note.params.text == "Won 🎉"
    status, body = result["widget"]
    assert (status, body["leads"]) == (200, ["Website request"])
    assert body["account_id"] > 0 and body["user_id"] > 0
    assert result["replayed"] == 401
    assert result["failures"] == 0
    assert list(tmp_path.iterdir()), "the token pair was stored"


def test_the_script_runs_as_documented(capsys: pytest.CaptureFixture[str]) -> None:
    anyio.run(example.main)
    out = capsys.readouterr().out
    assert "2 webhooks delivered, lead tagged ['webhook']" in out
    assert "a replayed token got 401" in out
