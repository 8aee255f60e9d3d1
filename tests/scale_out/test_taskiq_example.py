"""examples/taskiq_worker.py runs end to end: two taskiq worker processes, Redis, the fake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "taskiq_worker.py"


@pytest.mark.slow
def test_taskiq_worker_example(redis_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "REDIS_URL": redis_url}
    env.pop("EXAMPLE_PREFIX", None)
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=tmp_path,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "exported 2000 leads in 4 jobs on" in result.stdout
    assert "1 token refresh; 0 rate-limited" in result.stdout
