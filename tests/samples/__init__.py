"""Public request and response bodies of the amoCRM API (see README.md here)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def sample(entity: str, name: str) -> Any:
    """The ``body`` of sample ``name`` in ``<entity>.json``."""
    data = json.loads((HERE / f"{entity}.json").read_text(encoding="utf-8"))
    return data["samples"][name]["body"]
