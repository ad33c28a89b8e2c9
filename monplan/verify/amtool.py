"""amtool over the generated Alertmanager config: it loads, and each priority reaches exactly its receivers.

`amtool check-config` loads the file as Alertmanager would. `amtool config routes test
--verify.receivers=...` then runs one case per alert of the plan (and one per priority):
the receivers the routing tree resolves must be exactly those the plan names, in order.
A failing case is reported at the plan line of its alert.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import yaml

from monplan.diagnostics import Diagnostic
from monplan.generators.alertmanager import CONFIG_PATH, RouteCase, route_cases
from monplan.model.plan import Plan
from monplan.verify import CheckResult, find_tool

PACKAGE_HINT = "amtool is not installed; install Debian's prometheus-alertmanager package (apt-get install prometheus-alertmanager)"
_LINE = re.compile(r"line (\d+):")


def label_args(case: RouteCase) -> list[str]:
    """name="value" arguments; quoting keeps spaces, quotes and commas in values intact."""
    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'

    return [f"{name}={quoted(value)}" for name, value in case.labels]


def routes_test_args(amtool: str, config: Path, case: RouteCase) -> list[str]:
    return [amtool, "config", "routes", "test", f"--config.file={config}",
            f"--verify.receivers={','.join(case.receivers)}", *label_args(case)]


def _config_problems(output: str) -> list[Diagnostic]:
    out = []
    for line in output.splitlines():
        line = line.strip()
        if not line or line.startswith(("Checking", "Found:", "- ", "Warning:")) or "failed to validate" in line:
            continue
        match = _LINE.search(line)
        out.append(Diagnostic(CONFIG_PATH, int(match.group(1)) if match else 0, 0, f"amtool check-config: {line}"))
    return out or [Diagnostic(CONFIG_PATH, 0, 0, "amtool check-config failed")]


def _run_case(amtool: str, config: Path, case: RouteCase) -> tuple[RouteCase, subprocess.CompletedProcess[str]]:
    return case, subprocess.run(routes_test_args(amtool, config, case), capture_output=True, text=True,
                                timeout=60, check=False)


def _case_problem(plan: Plan, case: RouteCase, proc: subprocess.CompletedProcess[str]) -> Diagnostic:
    got = proc.stdout.strip().splitlines()[0] if proc.stdout.strip() else "(nothing)"
    expected = ",".join(case.receivers)
    message = (f"amtool config routes test: a {case.priority} alert {case.name} reaches {got}; "
               f"the plan says {expected}")
    return Diagnostic(plan.file if case.line else CONFIG_PATH, case.line, 0, message, case.name)


def check(plan: Plan, files: dict[str, bytes]) -> list[CheckResult]:
    if CONFIG_PATH not in files:
        return []
    amtool = find_tool("amtool")
    cases = route_cases(plan)
    if amtool is None:
        return [CheckResult("amtool check-config", CONFIG_PATH, "missing", PACKAGE_HINT),
                CheckResult("amtool config routes test", f"{len(cases)} routing cases", "missing", PACKAGE_HINT)]
    with tempfile.TemporaryDirectory(prefix="monplan-amtool-") as tmp:
        config = Path(tmp) / "alertmanager.yml"
        config.write_bytes(files[CONFIG_PATH])
        proc = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True, timeout=60,
                              check=False)
        if proc.returncode != 0:
            return [CheckResult("amtool check-config", CONFIG_PATH, "failed", "", _config_problems(proc.stdout + proc.stderr)),
                    CheckResult("amtool config routes test", f"{len(cases)} routing cases", "skipped",
                                "the config does not load")]
        receivers = len(yaml.safe_load(files[CONFIG_PATH]).get("receivers") or [])
        results = [CheckResult("amtool check-config", CONFIG_PATH, "passed", f"{receivers} receivers")]
        with ThreadPoolExecutor(max_workers=8) as pool:
            outcomes = list(pool.map(lambda case: _run_case(amtool, config, case), cases))
    problems = [_case_problem(plan, case, run) for case, run in outcomes if run.returncode != 0]
    status = "failed" if problems else "passed"
    detail = f"{len(cases) - len(problems)} of {len(cases)} cases reach exactly the plan's receivers"
    results.append(CheckResult("amtool config routes test", f"{len(cases)} routing cases", status, detail, problems))
    return results
