"""The examples run as documented (against the embedded fake)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("export_to_csv.py", "2000 leads written"),
        ("oauth_worker.py", "1 refresh for 10 concurrent requests"),
    ],
)
def test_example_runs(script: str, expected: str, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / script), str(tmp_path / "out.csv")],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert expected in result.stdout
