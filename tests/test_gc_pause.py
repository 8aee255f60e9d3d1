"""The collector is paused while a list page is decoded, and restored as it was."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator

import pytest
from pydantic import BaseModel, field_validator

from amocrm_async import AmoCRMClient
from amocrm_async._gc_pause import paused_gc
from amocrm_async.testing import FakeAmoCRM


@pytest.fixture(autouse=True)
def collector_enabled() -> Iterator[None]:
    was = gc.isenabled()
    gc.enable()
    yield
    if not was:
        gc.disable()


def test_paused_inside_and_enabled_again_after() -> None:
    with paused_gc:
        assert not gc.isenabled()
        with paused_gc:
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer decode is still running
    assert gc.isenabled()


def test_a_collector_the_application_disabled_stays_disabled() -> None:
    gc.disable()
    with paused_gc:
        pass
    assert not gc.isenabled()


def test_enabled_again_only_when_the_last_overlapping_decode_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def other_decode() -> None:
        with paused_gc:
            inside.set()
            release.wait(5)

    thread = threading.Thread(target=other_decode)
    thread.start()
    inside.wait(5)
    with paused_gc:
        pass
    assert not gc.isenabled()  # the other thread is still decoding
    release.set()
    thread.join(5)
    assert gc.isenabled()


def test_an_error_while_decoding_restores_the_collector() -> None:
    with pytest.raises(ValueError), paused_gc:
        raise ValueError("bad page")
    assert gc.isenabled()


class Probe(BaseModel):
    """A list item that records whether the collector ran while it was validated."""

    id: int

    @field_validator("id")
    @classmethod
    def _record(cls, value: int) -> int:
        SEEN.append(gc.isenabled())
        return value


SEEN: list[bool] = []


@pytest.mark.anyio
async def test_list_pages_are_decoded_with_the_collector_paused(
    fake: FakeAmoCRM, fake_client: AmoCRMClient
) -> None:
    fake.seed(leads=300)
    SEEN.clear()
    items = [item async for item in fake_client.paginate("/api/v4/leads", model=Probe)]
    assert len(items) == 300
    assert SEEN == [False] * 300
    assert gc.isenabled()
