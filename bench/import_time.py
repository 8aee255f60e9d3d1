"""``import amocrm_async`` against ``import httpx``, in fresh interpreters (target: <= 2x).

Each module is imported in its own process with ``-X importtime``; the cumulative time of the
top-level module is taken, and the median over ``--runs`` processes is compared.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys


def import_seconds(module: str) -> float:
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True,
        text=True,
        check=True,
    )
    for line in done.stderr.splitlines():
        _, cumulative, name = (part.strip() for part in line.split("|"))
        if name == module:
            return int(cumulative) / 1e6
    raise RuntimeError(f"{module} not in the import log")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    ours = statistics.median(import_seconds("amocrm_async") for _ in range(runs))
    httpx = statistics.median(import_seconds("httpx") for _ in range(runs))
    print(f"import amocrm_async {ours * 1e3:.0f} ms, import httpx {httpx * 1e3:.0f} ms")
    print(f"ratio {ours / httpx:.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
