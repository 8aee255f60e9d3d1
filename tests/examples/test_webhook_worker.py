"""examples/webhook_worker.py on asyncio and trio: webhook events go through the queue to the
worker pool, each once; the two leads moved to "won" get exactly one task each."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest

from ._load import load_example

pytestmark = pytest.mark.anyio

example = load_example("webhook_worker")


async def test_workers_consume_every_event_once(tmp_path: Path) -> None:
    result = await example.demo(str(tmp_path), workers=3)
    assert result["seen"] == {"add_lead": 4, "status_lead": 2}
    assert [(d.events, d.state) for d in result["deliveries"]] == [
        (("add_lead",), "delivered"),
        (("status_lead",), "delivered"),
    ]
    tasks = result["tasks"]
    assert sorted(task.entity_id for task in tasks) == sorted(result["won"])
    assert {task.text for task in tasks} == {example.TASK_TEXT}
    assert result["failures"] == 0


@pytest.mark.parametrize("backend", ["asyncio", "trio"])
def test_the_script_runs_as_documented(capsys: pytest.CaptureFixture[str], backend: str) -> None:
    anyio.run(example.main, backend=backend)
    out = capsys.readouterr().out
    assert "2 webhooks, events add_lead=4, status_lead=2" in out
    assert "2 tasks created by the workers" in out
