"""`monplan --help` stays instant: the help path imports none of the heavy libraries.
(How fast it is lives in the benchmarks, not in a timed test.)"""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

# pydantic itself is allowed: typer (0.2x) imports it to read command parameters. Our own
# pydantic models (monplan.spec) are not.
HEAVY = ("jinja2", "grafanalib", "icalendar", "yaml", "promql_parser", "matplotlib",
         "ruamel", "jsonschema", "monplan.spec", "monplan.generators", "monplan.model.plan")


def imported_modules(*args: str) -> set[str]:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "monplan", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    names = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            names.add(line.rsplit("|", 1)[1].strip())
    assert "monplan.cli" in names
    return names


@pytest.mark.parametrize("args", [("--help",), ("build", "--help"), ("validate", "--help"), ("--version",)])
def test_help_imports_no_heavy_library(args: tuple[str, ...]) -> None:
    names = imported_modules(*args)
    heavy = sorted(n for n in names if n.startswith(HEAVY))
    assert heavy == []
