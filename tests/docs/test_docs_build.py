"""The documentation site builds with ``mkdocs build --strict`` (what ``nox -s docs`` runs): no
broken link or anchor, no page left out of the nav, every docstring of the API reference
rendered. The benchmark plot matches its recorded numbers."""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        importlib.util.find_spec("mkdocs") is None
        or importlib.util.find_spec("mkdocstrings_handlers") is None,
        reason="the docs extra is not installed (pip install -e '.[docs]')",
    ),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-6000:]
    return out


def test_every_page_of_the_nav_is_built(site: Path) -> None:
    docs = ROOT / "docs"
    for source in sorted(docs.rglob("*.md")):
        page = source.relative_to(docs).with_suffix("")
        built = page.parent if page.name == "index" else page
        assert (site / built / "index.html").is_file(), f"docs/{page}.md was not built"


def test_the_api_reference_renders_docstrings(site: Path) -> None:
    client = (site / "reference" / "client" / "index.html").read_text(encoding="utf-8")
    assert "Create it once and share it" in client  # AmoCRMClient's docstring
    services = (site / "reference" / "services" / "index.html").read_text(encoding="utf-8")
    assert "LeadsService" in services and "DriveFilesService" in services
    for page in (site / "reference").rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        # Sphinx roles are turned into links or code, not shown raw
        assert ":class:`" not in text and ":meth:`" not in text, page


PUBLIC_MODULES = (
    "amocrm_async",
    "amocrm_async.enums",
    "amocrm_async.errors",
    "amocrm_async.integrations",
    "amocrm_async.integrations.aiohttp",
    "amocrm_async.integrations.fastapi",
    "amocrm_async.postgres",
    "amocrm_async.redis",
    "amocrm_async.testing",
    "amocrm_async.webhooks",
)


def _public_modules() -> list[str]:
    found = list(PUBLIC_MODULES)
    for package in ("models", "filters", "services"):
        module = importlib.import_module(f"amocrm_async.{package}")
        found += [
            f"amocrm_async.{package}.{info.name}"
            for info in pkgutil.iter_modules(module.__path__)
            if not info.name.startswith("_")
        ]
    return found


def test_the_api_reference_covers_every_public_name(site: Path) -> None:
    """A new public class or function shows up in the reference without editing a page, or
    this names the module to add to docs/reference/."""
    anchors: set[str] = set()
    for page in (site / "reference").rglob("*.html"):
        anchors |= {
            anchor.rsplit(".", 1)[-1]
            for anchor in re.findall(r'id="(amocrm_async[^"]+)"', page.read_text(encoding="utf-8"))
        }
    missing = []
    for name in _public_modules():
        module = importlib.import_module(name)
        for public in getattr(module, "__all__", ()):
            if public.startswith("__") or inspect.ismodule(getattr(module, public, None)):
                continue
            if public not in anchors:
                missing.append(f"{name}.{public}")
    assert not missing, missing


def test_the_benchmark_plot_is_current() -> None:
    done = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "plot.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    svg = (ROOT / "docs" / "assets" / "bench.svg").read_text(encoding="utf-8")
    assert svg.startswith("<svg") and "target 0.95" in svg
