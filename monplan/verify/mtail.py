"""`mtail --compile_only` over the generated mtail programs."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

from monplan.diagnostics import Diagnostic
from monplan.generators.mtail import PROGRAMS_DIR
from monplan.model.plan import Plan
from monplan.verify import CheckResult, find_tool

PACKAGE_HINT = "mtail is not installed; install Debian's mtail package (apt-get install mtail)"
# mtail's compile errors read "<program>:<line>:<column>: <message>".
_ERROR = re.compile(r"^(?P<prog>[\w.-]+\.mtail):(?P<line>\d+):(?P<col>\d+)(?:-\d+)?: (?P<message>.+)$")


def compile_args(mtail: str, progs: Path) -> list[str]:
    # --port 0: mtail opens its HTTP listener even when it only compiles; never clash on 3903.
    return [mtail, "--compile_only", "--progs", str(progs), "--address", "127.0.0.1", "--port", "0",
            "--logtostderr"]


def problems(output: str) -> list[Diagnostic]:
    out = []
    for line in output.splitlines():
        line = line.strip()
        match = _ERROR.match(line)
        if match:
            out.append(Diagnostic(f"{PROGRAMS_DIR}/{match['prog']}", int(match["line"]), int(match["col"]),
                                  f"mtail: {match['message']}"))
        elif line.startswith("E") and "compile failed" not in line:
            out.append(Diagnostic(PROGRAMS_DIR, 0, 0, f"mtail: {line}"))
    return out


def check(plan: Plan, files: dict[str, bytes]) -> list[CheckResult]:
    programs = sorted(p for p in files if p.startswith(f"{PROGRAMS_DIR}/") and p.endswith(".mtail"))
    if not programs:
        return []
    target = f"{len(programs)} programs in {PROGRAMS_DIR}"
    mtail = find_tool("mtail")
    if mtail is None:
        return [CheckResult("mtail --compile_only", target, "missing", PACKAGE_HINT)]
    with tempfile.TemporaryDirectory(prefix="monplan-mtail-") as tmp:
        progs = Path(tmp)
        for path in programs:
            (progs / path.rsplit("/", 1)[-1]).write_bytes(files[path])
        proc = subprocess.run(compile_args(mtail, progs), capture_output=True, text=True, timeout=60, check=False)
    if proc.returncode == 0:
        return [CheckResult("mtail --compile_only", target, "passed", ", ".join(p.rsplit("/", 1)[-1] for p in programs))]
    found = problems(proc.stdout + proc.stderr) or [Diagnostic(PROGRAMS_DIR, 0, 0, f"mtail exited with {proc.returncode}")]
    return [CheckResult("mtail --compile_only", target, "failed", "", found)]
