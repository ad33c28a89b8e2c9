"""The layout on Grafana's 24-column grid: nothing overlaps, nothing is left empty, and
the render script draws it for people."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from monplan.generators.grafana.layout import place_row
from tests.conftest import ROOT
from tests.dashboards.test_schema import DASHBOARD_FILES

COLUMNS = 24


def occupancy(dashboard: dict) -> dict[tuple[int, int], list[str]]:
    """Which panels cover each (x, y) cell of the grid."""
    cells: dict[tuple[int, int], list[str]] = {}
    for panel in dashboard["panels"]:
        pos = panel["gridPos"]
        for x in range(pos["x"], pos["x"] + pos["w"]):
            for y in range(pos["y"], pos["y"] + pos["h"]):
                cells.setdefault((x, y), []).append(f'{panel["id"]} "{panel.get("title")}"')
    return cells


@pytest.mark.parametrize("name", DASHBOARD_FILES)
def test_no_two_panels_overlap(dashboards, name):
    overlaps = {cell: who for cell, who in occupancy(dashboards[name]).items() if len(who) > 1}
    assert not overlaps, f"{name}: overlapping panels at {sorted(overlaps.items())[:5]}"


@pytest.mark.parametrize("name", DASHBOARD_FILES)
def test_the_panels_fill_the_grid_without_holes(dashboards, name):
    cells = occupancy(dashboards[name])
    bottom = max(y for _, y in cells) + 1
    holes = [(x, y) for y in range(bottom) for x in range(COLUMNS) if (x, y) not in cells]
    assert not holes, f"{name}: empty grid cells (x, y) {holes[:10]}"
    assert all(0 <= x < COLUMNS for x, _ in cells), f"{name}: a panel reaches past column 24"


@pytest.mark.parametrize("name", DASHBOARD_FILES)
def test_every_panel_sits_under_its_row_header(dashboards, name):
    current = None
    for panel in dashboards[name]["panels"]:
        if panel["type"] == "row":
            current = panel
            continue
        if current is not None:
            assert panel["gridPos"]["y"] > current["gridPos"]["y"], f'{name}: "{panel["title"]}" above its row'


@pytest.mark.parametrize("kinds", [
    ["timeseries"], ["stat"], ["stat", "stat", "timeseries"], ["gauge", "timeseries"],
    ["stat"] * 5 + ["timeseries"] * 7, ["gauge", "stat", "stat"], ["timeseries"] * 4, ["table", "bargauge", "stat"],
])
def test_any_mix_of_panels_fills_whole_lines(kinds):
    order, boxes, bottom = place_row(kinds, 0)
    assert sorted(order) == list(range(len(kinds)))
    covered = {(x, y) for b in boxes for x in range(b.x, b.x + b.w) for y in range(b.y, b.y + b.h)}
    assert sum(b.w * b.h for b in boxes) == len(covered), "boxes overlap"
    assert covered == {(x, y) for x in range(COLUMNS) for y in range(1, bottom)}, "holes in the row"


def test_five_graphs_are_balanced_three_and_two():
    _, boxes, _ = place_row(["timeseries"] * 5, 0)
    assert [b.w for b in boxes] == [8, 8, 8, 12, 12]


def test_the_render_script_draws_one_png_per_dashboard(built, tmp_path: Path):
    source = tmp_path / "dashboards"
    source.mkdir()
    for path, data in built.items():
        if path.startswith("grafana/dashboards/"):
            (source / Path(path).name).write_bytes(data)
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_dashboards.py"), str(source),
                          "--out", str(tmp_path / "png")], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    pngs = sorted((tmp_path / "png").glob("*.png"))
    assert [p.stem for p in pngs] == sorted(Path(n).stem for n in DASHBOARD_FILES)
    for png in pngs:
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
        rows = max(p["gridPos"]["y"] + p["gridPos"]["h"] for p in json.loads((source / f"{png.stem}.json").read_text())["panels"])
        assert width == 1920 and height == rows * 30 + 60, f"{png.name}: {width}x{height}"


def test_the_render_script_says_when_there_is_nothing_to_draw(tmp_path: Path):
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "render_dashboards.py"), str(tmp_path)],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "monplan build" in run.stderr
