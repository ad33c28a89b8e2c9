"""`monplan report --help` and `monplan tune --help` stay instant: none of matplotlib, jinja2,
ruamel or the plan models is imported to print them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import ROOT

HEAVY = ("matplotlib", "jinja2", "ruamel", "numpy", "yaml", "monplan.spec", "monplan.live.report", "monplan.live.tune",
         "monplan.live.prometheus_api", "monplan.generators")


@pytest.mark.parametrize("command", ["report", "tune"])
def test_help_imports_nothing_heavy_and_names_the_options(command: str) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "monplan", command, "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False, env={"COLUMNS": "200", "NO_COLOR": "1",
                                                                                         "PATH": "/usr/bin:/bin"})
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert sorted(name for name in imported if name.startswith(HEAVY)) == []
    options = {"report": ("--prometheus", "--period", "--at", "--format", "--out"),
               "tune": ("--prometheus", "--since", "--write-plan", "--format")}[command]
    assert all(option in proc.stdout for option in options)
