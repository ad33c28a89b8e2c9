"""The dashboards target Grafana 12.2 and later (and still load in 10 and 11): every panel's
`options` and `fieldConfig.defaults.custom` type-check against the panel types of Grafana
12.2's own release of @grafana/schema, with the TypeScript compiler's excess-property check,
so an option Grafana dropped (the table panel's `footer`, gone in 12.2) fails here.

@grafana/schema and typescript come from npm (tests/dashboards/js/package-lock.json), installed
by scripts/install-tools.sh or here (npm ci); without node they are skipped, except in CI."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

JS = Path(__file__).resolve().parent / "js"
PANEL_TYPES = JS / "node_modules" / "@grafana" / "schema" / "dist" / "esm" / "raw" / "composable"
# panel type -> the file of its generated types in @grafana/schema
KINDS = {"table": "TablePanelCfg", "stat": "StatPanelCfg", "timeseries": "TimeSeriesPanelCfg",
         "gauge": "GaugePanelCfg", "text": "TextPanelCfg"}
GRAFANA = "12.2"


def _unavailable(message: str) -> None:
    if os.environ.get("MONPLAN_REQUIRE_TOOLS") == "1":
        pytest.fail(message + "; MONPLAN_REQUIRE_TOOLS=1 (CI) requires it: scripts/install-tools.sh installs it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def node() -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        _unavailable("node and npm are not installed (Debian packages nodejs, npm)")
    if not (JS / "node_modules" / "typescript" / "package.json").exists():
        done = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=JS, capture_output=True, text=True,
                              timeout=300, check=False)
        if done.returncode != 0:
            _unavailable(f"npm could not install @grafana/schema into {JS}: "
                         + (done.stderr.strip().splitlines() or ["no output"])[-1])
    return str(node)


def test_the_installed_types_are_grafana_12_2s() -> None:
    package = json.loads((JS / "package.json").read_text())
    assert package["dependencies"]["@grafana/schema"].startswith(GRAFANA + ".")


def _panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _panels(panel.get("panels", []))


def _program(dashboards: dict[str, dict[str, Any]]) -> tuple[str, int]:
    """TypeScript declaring every panel's options and custom field config with its 12.2 type."""
    lines = [f'import type * as {kind} from "./node_modules/@grafana/schema/dist/esm/raw/composable/{kind}/panelcfg/x/{name}_types.gen";'
             for kind, name in KINDS.items()]
    # JSON holds an enum's value ("line"), which TypeScript's enum types do not accept as such
    lines.append("type Json<T> = T extends string ? `${T}` : T extends Array<infer U> ? Array<Json<U>> "
                 ": T extends object ? { [K in keyof T]: Json<T[K]> } : T;")
    count = 0
    for file, board in sorted(dashboards.items()):
        for panel in _panels(board.get("panels", [])):
            kind = panel.get("type")
            if kind == "row":
                continue
            assert kind in KINDS, f"{file}: panel type {kind} has no type check here"
            count += 1
            lines.append(f"// {json.dumps(file)} {json.dumps(panel.get('title', ''))}")
            lines.append(f"export const options{count}: Json<{kind}.Options> = {json.dumps(panel.get('options', {}))};")
            custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
            if custom is not None and kind != "text":
                lines.append(f"export const custom{count}: Json<{kind}.FieldConfig> = {json.dumps(custom)};")
    return "\n".join(lines) + "\n", count


def test_every_panel_type_checks_against_grafana_12_2(node: str, dashboards: dict[str, dict[str, Any]],
                                                     tmp_path: Path) -> None:
    source, count = _program(dashboards)
    assert count > 10
    (tmp_path / "node_modules").symlink_to(JS / "node_modules")
    (tmp_path / "dashboards.ts").write_text(source)
    tsc = JS / "node_modules" / "typescript" / "bin" / "tsc"
    done = subprocess.run([node, str(tsc), "--noEmit", "--strict", "--skipLibCheck", "--moduleResolution", "bundler",
                           "--module", "esnext", "--target", "es2022", "dashboards.ts"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_the_type_check_refuses_an_option_grafana_12_2_dropped(node: str, tmp_path: Path) -> None:
    """The check itself can fail: the table footer monplan wrote before 12.2 is refused."""
    board = {"panels": [{"type": "table", "title": "t", "options": {
        "frameIndex": 0, "showHeader": True, "footer": {"show": False, "reducer": ["sum"], "countRows": False}}}]}
    source, _ = _program({"old.json": board})
    (tmp_path / "node_modules").symlink_to(JS / "node_modules")
    (tmp_path / "dashboards.ts").write_text(source)
    tsc = JS / "node_modules" / "typescript" / "bin" / "tsc"
    done = subprocess.run([node, str(tsc), "--noEmit", "--strict", "--skipLibCheck", "--moduleResolution", "bundler",
                           "--module", "esnext", "--target", "es2022", "dashboards.ts"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode != 0 and "footer" in done.stdout
