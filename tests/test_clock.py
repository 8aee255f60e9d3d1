"""VirtualClock: sleepers wake in deadline order, whatever order the scheduler runs them in."""

from __future__ import annotations

import anyio
import pytest

from amocrm_async import VirtualClock

pytestmark = pytest.mark.anyio


async def test_sleeping_moves_virtual_time_to_the_deadline() -> None:
    clock = VirtualClock(start=10.0)
    await clock.sleep(2.5)
    assert clock.monotonic() == 12.5
    await clock.sleep(0)
    assert clock.monotonic() == 12.5


@pytest.mark.parametrize("round_", range(16))  # trio shuffles each batch: both orders occur
async def test_a_woken_sleeper_gets_its_turn_before_a_later_deadline(round_: int) -> None:
    """B wakes at 0.1 and sleeps again until 0.15, before A's deadline of 0.2. A and B start
    in one scheduler batch, so they finish settling in one batch too; B must still get to
    sleep again before time jumps to A's deadline."""
    clock = VirtualClock()
    woke: list[tuple[str, float]] = []

    async def sleeper(name: str, *seconds: float) -> None:
        for pause in seconds:
            await clock.sleep(pause)
        woke.append((name, clock.monotonic()))

    async with anyio.create_task_group() as tg:
        tg.start_soon(sleeper, "A", 0.2)
        tg.start_soon(sleeper, "B", 0.1, 0.05)
    assert woke == [("B", pytest.approx(0.15)), ("A", 0.2)]
