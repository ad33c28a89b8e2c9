"""`promtool check config` over the generated prometheus.yml (and the rule files it names)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from monplan.diagnostics import Diagnostic
from monplan.model.plan import Plan
from monplan.verify import CheckResult, find_tool
from monplan.verify.promtool import PACKAGE_HINT, write_tree

CONFIG = "prometheus/prometheus.yml"


def problems(output: str, target: str) -> list[Diagnostic]:
    """promtool's complaint lines, as diagnostics on the generated file."""
    keep = [line.strip() for line in output.splitlines()
            if line.strip() and not line.strip().startswith(("Checking", "SUCCESS"))]
    return [Diagnostic(target, 0, 0, f"promtool check config: {line}") for line in keep]


def check(plan: Plan, files: dict[str, bytes]) -> list[CheckResult]:
    if CONFIG not in files:
        return []
    promtool = find_tool("promtool")
    if promtool is None:
        return [CheckResult("promtool check config", CONFIG, "missing", PACKAGE_HINT)]
    with tempfile.TemporaryDirectory(prefix="monplan-promconfig-") as tmp:
        root = Path(tmp)
        write_tree({p: data for p, data in files.items() if p.startswith("prometheus/")}, root)
        proc = subprocess.run([promtool, "check", "config", CONFIG], cwd=root, capture_output=True, text=True,
                              timeout=120, check=False)
    output = proc.stdout + proc.stderr
    if proc.returncode == 0:
        jobs = files[CONFIG].count(b"\n- job_name: ")
        return [CheckResult("promtool check config", CONFIG, "passed", f"{jobs} scrape jobs")]
    return [CheckResult("promtool check config", CONFIG, "failed", "", problems(output, CONFIG))]
