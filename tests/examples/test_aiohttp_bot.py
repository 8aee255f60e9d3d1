"""examples/aiohttp_bot.py end to end over loopback HTTP: the bot listens on 127.0.0.1, the
fake posts the new-lead webhook to it over HTTP (delivered once), the bot creates the task,
and a Salesbot call with an HS512 token is answered once (a replay is refused)."""

from __future__ import annotations

import pytest

from amocrm_async.models import CommonNote

from ._load import load_example

example = load_example("aiohttp_bot")


@pytest.mark.parametrize("anyio_backend", ["asyncio"])  # aiohttp runs on asyncio only
@pytest.mark.anyio
async def test_webhook_over_loopback_and_salesbot_call() -> None:
    result = await example.demo()
    lead = result["lead"]
    (delivery,) = result["deliveries"]
    assert delivery.destination.startswith("http://127.0.0.1:")
    assert (delivery.events, delivery.state, len(delivery.attempts)) == (
        ("add_lead",),
        "delivered",
        1,
    )
    (task,) = result["tasks"]
    assert (task.text, task.entity_id, task.entity_type) == (
        example.TASK_TEXT,
        lead.id,
        "leads",
    )
    sent = dict(delivery.form())
    assert sent["leads[add][0][id]"] == str(lead.id)
    assert str(task.responsible_user_id) == sent["leads[add][0][responsible_user_id]"]
    assert result["answer"] == (200, {"status": "ok", "entity_id": lead.id})
    assert result["replay"] == 401
    (note,) = result["notes"]
    assert isinstance(note, CommonNote) and note.params is not None
    assert note.params.text == "Bot heard: hi"
    assert result["failures"] == 0


def test_the_script_runs_as_documented(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.argv", ["aiohttp_bot.py"])
    example.main()
    out = capsys.readouterr().out
    assert "1 webhook over loopback, 1 task created" in out
    assert "salesbot answer 200, replayed token 401" in out
