"""`prometheus-blackbox-exporter --config.check` over the generated blackbox modules."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from monplan.diagnostics import Diagnostic
from monplan.generators.blackbox import CONFIG_PATH
from monplan.model.plan import Plan
from monplan.verify import CheckResult, find_tool

TOOL = "prometheus-blackbox-exporter"
PACKAGE_HINT = (f"{TOOL} is not installed; install Debian's prometheus-blackbox-exporter package "
                "(apt-get install prometheus-blackbox-exporter)")


def check(plan: Plan, files: dict[str, bytes]) -> list[CheckResult]:
    if CONFIG_PATH not in files:
        return []
    exporter = find_tool(TOOL, "MONPLAN_BLACKBOX_EXPORTER")
    if exporter is None:
        return [CheckResult(f"{TOOL} --config.check", CONFIG_PATH, "missing", PACKAGE_HINT)]
    with tempfile.TemporaryDirectory(prefix="monplan-blackbox-") as tmp:
        config = Path(tmp) / "blackbox.yml"
        config.write_bytes(files[CONFIG_PATH])
        proc = subprocess.run([exporter, "--config.check", f"--config.file={config}"], capture_output=True,
                              text=True, timeout=60, check=False)
    modules = files[CONFIG_PATH].count(b"\n    prober: ")
    if proc.returncode == 0:
        return [CheckResult(f"{TOOL} --config.check", CONFIG_PATH, "passed", f"{modules} modules")]
    # Its log lines are logfmt; the err= field says what is wrong.
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if "level=error" in line or "err=" in line]
    diagnostics = [Diagnostic(CONFIG_PATH, 0, 0, f"blackbox_exporter: {line.strip()}") for line in lines or
                   [(proc.stdout + proc.stderr).strip() or f"exit status {proc.returncode}"]]
    return [CheckResult(f"{TOOL} --config.check", CONFIG_PATH, "failed", "", diagnostics)]
