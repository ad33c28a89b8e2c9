#!/usr/bin/env python3
"""Draw each generated dashboard's layout on Grafana's 24-column grid, one PNG per dashboard.

    python scripts/render_dashboards.py [generated/grafana/dashboards] [--out build/dashboards]

A reviewer sees the arrangement without starting Grafana: row headers, every panel at
its gridPos with its title, type and size, coloured by type. Needs matplotlib (the
`test` extra).
"""

from __future__ import annotations

import argparse
import json
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

COLUMN_PX, ROW_PX = 80, 30  # a 1920-pixel wide screen: 24 columns of 80, rows of 30 pixels
COLOURS = {"timeseries": "#3274d9", "stat": "#56a64b", "gauge": "#e0b400", "bargauge": "#ff9830",
           "table": "#8f3bb8", "text": "#808080", "row": "#2f3136"}


def panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel and row header, with panels of collapsed rows after their header."""
    for panel in dashboard.get("panels", []):
        yield panel
        yield from panel.get("panels", []) if panel.get("type") == "row" else []


def render(dashboard: dict[str, Any], target: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    boxes = list(panels(dashboard))
    height = max((p["gridPos"]["y"] + p["gridPos"]["h"] for p in boxes), default=1)
    scale = 1 / 100  # inches per pixel at dpi 100
    fig = plt.figure(figsize=(24 * COLUMN_PX * scale, (height * ROW_PX + 60) * scale), dpi=100)
    ax = fig.add_axes((0, 0, 1, height * ROW_PX / (height * ROW_PX + 60)))
    ax.set_xlim(0, 24)
    ax.set_ylim(height, 0)
    ax.axis("off")
    fig.patch.set_facecolor("#111217")
    fig.text(0.01, 1 - 30 / (height * ROW_PX + 60), f'{dashboard.get("title", "")}  ·  uid {dashboard.get("uid", "")}',
             color="white", fontsize=16, weight="bold", va="center")
    for panel in boxes:
        pos = panel["gridPos"]
        kind = panel.get("type", "?")
        colour = COLOURS.get(kind, "#b0b0b0")
        if kind == "row":
            ax.add_patch(FancyBboxPatch((pos["x"] + 0.05, pos["y"] + 0.1), pos["w"] - 0.1, pos["h"] - 0.2,
                                        boxstyle="round,pad=0,rounding_size=0.1", color=colour))
            ax.text(pos["x"] + 0.3, pos["y"] + pos["h"] / 2, f'▾ {panel.get("title", "")}', color="white",
                    fontsize=12, weight="bold", va="center")
            continue
        ax.add_patch(FancyBboxPatch((pos["x"] + 0.08, pos["y"] + 0.12), pos["w"] - 0.16, pos["h"] - 0.24,
                                    boxstyle="round,pad=0,rounding_size=0.15", facecolor=colour, alpha=0.35,
                                    edgecolor=colour, linewidth=2))
        title = "\n".join(textwrap.wrap(panel.get("title", ""), width=max(8, pos["w"] * 4)))
        ax.text(pos["x"] + 0.35, pos["y"] + 0.45, title, color="white", fontsize=10, weight="bold", va="top")
        ax.text(pos["x"] + pos["w"] - 0.3, pos["y"] + pos["h"] - 0.4, f'{kind}  {pos["w"]}×{pos["h"]}',  # noqa: RUF001 - the multiplication sign
                color="#d8d9da", fontsize=8, ha="right", va="bottom")
    fig.savefig(target, facecolor=fig.get_facecolor())
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", nargs="?", default="generated/grafana/dashboards", type=Path,
                        help="folder of dashboard JSON files")
    parser.add_argument("--out", default=Path("build/dashboards"), type=Path, help="folder for the PNG files")
    args = parser.parse_args(argv)
    files = sorted(args.source.glob("*.json"))
    if not files:
        print(f"no dashboards (*.json) in {args.source}; run `monplan build` first", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    for file in files:
        target = args.out / f"{file.stem}.png"
        render(json.loads(file.read_text(encoding="utf-8")), target)
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
