"""Every ```python block of README.md and docs/**/*.md runs against the fake amoCRM.

The convention (also in docs/contributing.md, "Examples in the docs run"):

* Each block runs on its own, on a fresh, lightly seeded ``FakeAmoCRM`` on a ``VirtualClock``,
  as if it began with ``PRELUDE`` below and with these names set: ``fake``, ``clock``,
  ``TOKEN`` (a long-lived token of the fake), ``CLIENT_ID`` / ``CLIENT_SECRET`` /
  ``REDIRECT_URI`` (an integration registered on the fake), ``WEBHOOK_SECRET``, ``BASE_DOMAIN``.
* Top-level ``await`` works; such a block also has ``amo``, an opened ``AmoCRMClient`` on the fake.
  A block without it runs as a script, so ``anyio.run(main)`` works.
* ``AmoCRMClient`` defaults ``transport=`` and ``clock=`` to the fake's while a block runs (unless
  it is given an ``http://`` loopback URL), so an example written for ``acme.amocrm.ru`` (the
  fake's default account) talks to the fake.
* An ``async def`` the block defines whose parameters are all among ``amo``, ``fake``,
  ``clock``, ``amocrm_fake`` and ``amocrm_client`` is then called with them (the last two are a
  fresh unseeded fake and its client, as the pytest fixtures give).
* The working directory is a temporary one (relative token-store paths land there).
* A block that cannot run here (a live account, a server, a fragment) is preceded by a line
  ``<!-- skip: <reason> -->``; it is skipped with that reason.
"""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import CodeType
from typing import Any

import anyio
import pytest

import amocrm_async
from amocrm_async import AmoCRMClient, VirtualClock
from amocrm_async.testing import FakeAmoCRM

ROOT = Path(__file__).resolve().parents[2]
PAGES = (
    "README.md",
    *sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").rglob("*.md")),
)

PRELUDE = """\
import anyio
import httpx
import pytest
from amocrm_async import *
from amocrm_async.errors import *
from amocrm_async.filters import *
from amocrm_async.models import *
from amocrm_async.testing import FakeAmoCRM, VirtualClock
"""

FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```", re.M | re.S
)
SKIP = re.compile(r"^[ \t]*<!--\s*skip:(?P<reason>.*?)-->[ \t]*$", re.S | re.M)
FIXTURE_NAMES = frozenset({"amo", "fake", "clock", "amocrm_fake", "amocrm_client"})
WEBHOOK_SECRET = "doc-webhook-secret-0123456789"
TIMEOUT = 30.0


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    source: str
    skip: str | None

    @property
    def name(self) -> str:
        return f"{self.page}:L{self.line}"


def _dedent(body: str, indent: str) -> str:
    return "".join(
        line[len(indent) :] if line.startswith(indent) else line
        for line in body.splitlines(keepends=True)
    )


def _marker(before: str) -> str | None:
    """The reason of a skip marker that ends ``before`` (the text up to a fence), if any."""
    if not before.endswith("-->"):
        return None
    start = before.rfind("<!--")
    marker = SKIP.fullmatch(before[before.rfind("\n", 0, start) + 1 :])
    return " ".join(marker["reason"].split()) if marker else None


def blocks(page: str) -> Iterator[Block]:
    text = (ROOT / page).read_text(encoding="utf-8")
    for match in FENCE.finditer(text):
        if match["lang"] not in ("python", "py", "python3"):
            continue
        before = text[: match.start()]
        skip = _marker(before.rstrip())
        line = before.count("\n") + 1
        yield Block(page, line, _dedent(match["body"], match["indent"]), skip)


ALL_BLOCKS = [block for page in PAGES for block in blocks(page)]


def _params() -> list[Any]:
    return [
        pytest.param(
            block,
            id=block.name,
            marks=[pytest.mark.skip(reason=f"{block.name}: {block.skip}")] if block.skip else [],
        )
        for block in ALL_BLOCKS
    ]


def _fake() -> FakeAmoCRM:
    return FakeAmoCRM(clock=VirtualClock())


def _client(fake: FakeAmoCRM) -> AmoCRMClient:
    return AmoCRMClient(
        fake.base_domain,
        access_token=fake.long_lived_token(),
        transport=fake.transport,
        clock=fake.clock,
    )


def _bind_clients(monkeypatch: pytest.MonkeyPatch, fake: FakeAmoCRM) -> None:
    """``AmoCRMClient`` defaults to the fake's transport and clock, wherever a block makes one."""

    class DocClient(AmoCRMClient):
        def __init__(self, base_domain: str, **kwargs: Any) -> None:
            served = base_domain.startswith("http://")  # a fake served on loopback
            if not served and kwargs.get("transport") is None and kwargs.get("http_client") is None:
                kwargs["transport"] = fake.transport
                kwargs.setdefault("clock", fake.clock)
            super().__init__(base_domain, **kwargs)

    DocClient.__name__ = DocClient.__qualname__ = "AmoCRMClient"
    from amocrm_async import _clients
    from amocrm_async.integrations import _core

    for module in (amocrm_async, _clients, _core):
        monkeypatch.setattr(module, "AmoCRMClient", DocClient)


def _namespace(fake: FakeAmoCRM) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "__doc_block__"}
    exec(PRELUDE, namespace)
    integration = fake.register_integration()
    namespace.update(
        fake=fake,
        clock=fake.clock,
        TOKEN=fake.long_lived_token(),
        CLIENT_ID=integration.client_id,
        CLIENT_SECRET=integration.client_secret,
        REDIRECT_URI=integration.redirect_uri,
        WEBHOOK_SECRET=WEBHOOK_SECRET,
        BASE_DOMAIN=fake.base_domain,
    )
    return namespace


def _callables(namespace: dict[str, Any], filename: str) -> list[Callable[..., Awaitable[Any]]]:
    """The block's own ``async def``s that take only fixture-like parameters."""
    found = []
    for value in list(namespace.values()):
        if not inspect.iscoroutinefunction(value) or value.__code__.co_filename != filename:
            continue
        params = inspect.signature(value).parameters
        if params and set(params) <= FIXTURE_NAMES:
            found.append(value)
    return found


async def _call(
    functions: list[Callable[..., Awaitable[Any]]], namespace: dict[str, Any], fake: FakeAmoCRM
) -> None:
    if functions and "amo" not in namespace:
        async with _client(fake) as amo:
            await _call(functions, {**namespace, "amo": amo}, fake)
        return
    for function in functions:
        own = _fake()
        async with _client(own) as own_client:
            values = {**namespace, "amocrm_fake": own, "amocrm_client": own_client}
            names = inspect.signature(function).parameters
            await function(**{name: values[name] for name in names})


async def _run_async(code: CodeType, namespace: dict[str, Any], fake: FakeAmoCRM) -> None:
    with anyio.fail_after(TIMEOUT):
        async with _client(fake) as amo:
            namespace["amo"] = amo
            await eval(code, namespace)
            await _call(_callables(namespace, code.co_filename), namespace, fake)


def test_blocks_are_found() -> None:
    """The collector sees the blocks (a changed fence style would silently test nothing)."""
    pages = {block.page for block in ALL_BLOCKS}
    assert "README.md" in pages and "docs/testing.md" in pages
    assert sum(block.skip is None for block in ALL_BLOCKS) > len(ALL_BLOCKS) // 2


@pytest.mark.parametrize("page", PAGES)
def test_skip_markers_stand_before_a_python_block(page: str) -> None:
    text = (ROOT / page).read_text(encoding="utf-8")
    marked = {block.line for block in blocks(page) if block.skip}
    for match in SKIP.finditer(text):
        line = text[: match.start()].count("\n") + 1
        assert match["reason"].strip(), f"{page}:{line}: a skip marker needs a reason"
        after = text[match.end() :]
        fence = text[: match.end()].count("\n") + after[: len(after) - len(after.lstrip())].count(
            "\n"
        )
        assert fence + 1 in marked, f"{page}:{line}: a skip marker not followed by a python block"


@pytest.mark.parametrize("block", _params())
def test_block_runs(block: Block, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    fake = _fake()
    fake.seed(leads=5, contacts=3, companies=2, tasks=3)
    _bind_clients(monkeypatch, fake)
    namespace = _namespace(fake)
    filename = f"<{block.name}>"
    code = compile(
        block.source, filename, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    if code.co_flags & inspect.CO_COROUTINE:
        anyio.run(_run_async, code, namespace, fake)
        return
    exec(code, namespace)
    functions = _callables(namespace, filename)
    if functions:
        anyio.run(_call, functions, namespace, fake)
