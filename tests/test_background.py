"""BackgroundTasks: closing cancels every task and waits for it, for every caller."""

from __future__ import annotations

import anyio
import pytest

from amocrm_async._background import BackgroundTasks

pytestmark = pytest.mark.anyio


async def test_two_callers_closing_at_once_both_see_every_task_end() -> None:
    background = BackgroundTasks()
    ended: list[str] = []

    async def forever() -> None:
        try:
            await anyio.sleep_forever()
        finally:
            ended.append("task")

    background.start_soon(forever)
    background.start_soon(forever)
    await anyio.sleep(0)

    async def close(name: str) -> None:
        await background.aclose()
        ended.append(name)

    with anyio.fail_after(5):  # a caller left waiting would hang here
        async with anyio.create_task_group() as tg:
            tg.start_soon(close, "first")
            tg.start_soon(close, "second")
    assert sorted(ended) == ["first", "second", "task", "task"]
    assert ended[:2] == ["task", "task"]
    assert not background.available
    with pytest.raises(RuntimeError, match="closed"):
        background.start_soon(forever)
