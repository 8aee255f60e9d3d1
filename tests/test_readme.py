"""The README's Quickstart stays true: CI runs exactly its test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def quickstart_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_quickstart_has_exactly_two_commands() -> None:
    demo, tests = quickstart_commands()
    assert demo.endswith("amocrm-async demo")
    assert tests.endswith("pytest -q")


def test_ci_runs_the_readme_test_command() -> None:
    _, tests = quickstart_commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert tests in ci
