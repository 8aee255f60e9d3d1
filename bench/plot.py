"""Draw ``docs/assets/bench.svg`` from the recorded numbers in ``bench/results.json``.

Left: throughput of each scenario as a fraction of the rate-limit bound (pages or chunks / R),
one bar per recorded run, with the 0.95 target. Right: the cost of typed models against
``json.loads`` and of ``import amocrm_async`` against ``import httpx`` (ratios; lower is better).
The SVG is written by hand (no plotting library), so the output is byte-for-byte reproducible.

    python bench/plot.py            # rewrite docs/assets/bench.svg
    python bench/plot.py --check    # exit 1 if the SVG is not what results.json gives
"""

from __future__ import annotations

import argparse
import json
import sys
from html import escape
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results.json"
OUTPUT = ROOT / "docs" / "assets" / "bench.svg"

COLOURS = ("#3f51b5", "#ff9800", "#009688", "#9c27b0", "#607d8b")
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif"'
WIDTH = 1000
BAR = 14
GAP = 4
LABEL_W = 360
PLOT_W = 250
RIGHT_X = 700
RIGHT_W = 230


def _text(
    x: float, y: float, text: str, *, size: int = 12, anchor: str = "start", **kw: str
) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in kw.items())
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" {FONT}{extra}>'
        f"{escape(text)}</text>"
    )


def _rect(x: float, y: float, w: float, h: float, fill: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{max(w, 0):.1f}" height="{h:.1f}" fill="{fill}"/>'


def _line(x1: float, y1: float, x2: float, y2: float, **kw: str) -> str:
    extra = "".join(f' {key.replace("_", "-")}="{value}"' for key, value in kw.items())
    return f'<line x1="{x1:.1f}" y1="{y1:.1f}" x2="{x2:.1f}" y2="{y2:.1f}"{extra}/>'


def _scenarios(runs: list[dict[str, Any]]) -> list[str]:
    seen: list[str] = []
    for run in runs:
        seen.extend(name for name in run.get("throughput", {}) if name not in seen)
    return seen


def render(results: dict[str, Any]) -> str:
    """The SVG document for ``results`` (the parsed ``results.json``)."""
    runs: list[dict[str, Any]] = results["runs"]
    if not runs or len(runs) > len(COLOURS):
        raise ValueError(f"results.json needs 1 to {len(COLOURS)} runs")
    target = float(results.get("bound_target", 0.95))
    scenarios = _scenarios(runs)
    group = len(runs) * (BAR + GAP) + 14
    top = 70
    legend = 18 * len(runs)
    height = max(top + len(scenarios) * group, top + 2 * group + 40) + 50 + legend
    x0 = LABEL_W

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="amocrm_async benchmarks">',
        _rect(0, 0, WIDTH, height, "#ffffff"),
        _text(
            20,
            28,
            "Throughput, as a fraction of the rate-limit bound (higher is better)",
            size=15,
            font_weight="600",
        ),
        _text(RIGHT_X - 20, 28, "Cost ratios (lower is better)", size=15, font_weight="600"),
    ]
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = x0 + tick * PLOT_W
        out.append(_line(x, top - 8, x, top + len(scenarios) * group - 8, stroke="#e0e0e0"))
        out.append(_text(x, top - 14, f"{tick:.2f}", size=10, anchor="middle", fill="#616161"))
    xt = x0 + target * PLOT_W
    out.append(
        _line(
            xt,
            top - 8,
            xt,
            top + len(scenarios) * group - 8,
            stroke="#d32f2f",
            stroke_dasharray="4 3",
        )
    )
    out.append(
        _text(
            xt + 3,
            top + len(scenarios) * group + 6,
            f"target {target:.2f}",
            size=10,
            fill="#d32f2f",
        )
    )

    for row, scenario in enumerate(scenarios):
        y = top + row * group
        out.append(_text(x0 - 10, y + (len(runs) * (BAR + GAP)) / 2 + 2, scenario, anchor="end"))
        for index, run in enumerate(runs):
            value = run.get("throughput", {}).get(scenario)
            by = y + index * (BAR + GAP)
            if value is None:
                out.append(_text(x0 + 4, by + BAR - 3, "not recorded", size=10, fill="#9e9e9e"))
                continue
            ratio = float(value["ratio"])
            out.append(_rect(x0, by, min(ratio, 1.1) * PLOT_W, BAR, COLOURS[index]))
            note = f"{ratio:.3f}, {value.get('429s', 0)} x 429"
            out.append(_text(x0 + min(ratio, 1.1) * PLOT_W + 4, by + BAR - 3, note, size=10))

    ratios = [
        ("typed models vs json.loads", "decode_ratio"),
        ("import amocrm_async vs httpx", "import_ratio"),
    ]
    scale = max(float(run.get(key, 0)) for run in runs for _, key in ratios) * 1.15 or 1.0
    for row, (label, key) in enumerate(ratios):
        y = top + row * (group + 10)
        out.append(_text(RIGHT_X, y - 4, label))
        for index, run in enumerate(runs):
            by = y + 2 + index * (BAR + GAP)
            if key not in run:
                out.append(
                    _text(RIGHT_X + 4, by + BAR - 3, "not recorded", size=10, fill="#9e9e9e")
                )
                continue
            value = float(run[key])
            out.append(_rect(RIGHT_X, by, value / scale * RIGHT_W, BAR, COLOURS[index]))
            out.append(
                _text(RIGHT_X + value / scale * RIGHT_W + 4, by + BAR - 3, f"{value:.2f}x", size=10)
            )

    legend_y = height - 22 - legend
    for index, run in enumerate(runs):
        y = legend_y + index * 18
        out.append(_rect(20, y - 10, 12, 12, COLOURS[index]))
        out.append(_text(38, y, f"{run['name']} — {run['when']}", size=11))
    out.append(
        _text(
            20,
            height - 14,
            "R = 7 req/s, 200 ms latency at a fake amoCRM in its own "
            "process on loopback; 2-core machine. Numbers: bench/results.json.",
            size=10,
            fill="#616161",
        )
    )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--check", action="store_true", help="fail if the SVG is out of date")
    args = parser.parse_args(argv)
    svg = render(json.loads(RESULTS.read_text(encoding="utf-8")))
    if args.check:
        if not OUTPUT.exists() or OUTPUT.read_text(encoding="utf-8") != svg:
            print(f"{OUTPUT.relative_to(ROOT)} is out of date: run python bench/plot.py")
            return 1
        return 0
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(svg, encoding="utf-8")
    print(f"wrote {OUTPUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
