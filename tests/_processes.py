"""Start worker processes so that they begin their work at the same moment.

Each worker writes its ``ready`` file once it is set up and waits for the ``go`` file; the
harness touches ``go`` only when every worker is ready, so the test measures them together.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}


def run_together(
    count: int,
    args: Callable[[int, Path, Path], Sequence[str]],
    tmp_path: Path,
    *,
    start_timeout: float = 60,
    timeout: float = 60,
    before_go: Callable[[], object] | None = None,
) -> list[tuple[int, str, str]]:
    """Run ``python *args(n, ready, go)`` for ``n`` in ``range(count)``; returns each worker's
    ``(returncode, stdout, stderr)``. A worker that fails before it is ready fails the test."""
    go = tmp_path / "go"
    ready = [tmp_path / f"ready-{n}" for n in range(count)]
    workers = [
        subprocess.Popen(
            [sys.executable, *args(n, ready[n], go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=ENV,
        )
        for n in range(count)
    ]
    try:
        deadline = time.monotonic() + start_timeout
        while not all(path.exists() for path in ready):
            failed = [w for w in workers if w.poll() not in (None, 0)]
            assert not failed, failed[0].communicate()[1][-3000:]
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.005)
        if before_go is not None:
            before_go()
        go.touch()
        outputs = [worker.communicate(timeout=timeout) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.communicate()
    return [(w.returncode, out, err) for w, (out, err) in zip(workers, outputs, strict=True)]
