"""promtool over the generated rules and their unit tests, with failures traced to plan rows."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from monplan.diagnostics import Diagnostic
from monplan.model.plan import Alert, Plan, Watch
from monplan.verify import CheckResult, find_tool

PACKAGE_HINT = "promtool is not installed; install Debian's prometheus package (apt-get install prometheus)"
_QUOTED = re.compile(r'"([^"]+)"')


def write_tree(files: dict[str, bytes], root: Path) -> None:
    for rel, data in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def _trace(plan: Plan, text: str, fallback_file: str) -> list[Diagnostic]:
    """Turn promtool's complaint lines into diagnostics at the plan rows they concern."""
    by_name: dict[str, Alert | Watch] = {}
    for alert in plan.alerts:
        by_name[alert.name] = alert
        by_name.update({name: alert for name in alert.alert_names})
        by_name[alert.record] = alert
        if alert.baseline_record:
            by_name[alert.baseline_record] = alert
    for watch in plan.watches:
        by_name[watch.name] = watch
    out: list[Diagnostic] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("Checking", "Unit Testing", "SUCCESS")) or line == "FAILED:":
            continue
        named = next((by_name[q] for q in _QUOTED.findall(line) if q in by_name), None)
        if named is None:
            match = re.search(r"alertname:\s*(\w+)", line)
            named = by_name.get(match.group(1)) if match else None
        if named is not None:
            out.append(Diagnostic(plan.file, named.line, 0, f"promtool: {line}", f"{named.name}"))
        else:
            out.append(Diagnostic(fallback_file, 0, 0, f"promtool: {line}"))
    return out


TIMEOUT_VARIABLE = "MONPLAN_PROMTOOL_TIMEOUT"


def timeout() -> int | str:
    """Seconds promtool may run (MONPLAN_PROMTOOL_TIMEOUT, default 900), or why the setting is wrong."""
    text = os.environ.get(TIMEOUT_VARIABLE, "").strip() or "900"
    if not text.isdecimal() or not 0 < len(text) <= 9 or int(text) == 0:
        return f"{TIMEOUT_VARIABLE}={text[:40]!r}: expected a whole number of seconds, from 1 to 999999999"
    return int(text)


def _run(args: list[str], cwd: Path, files: list[str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run promtool on `files`, split across the machine's cores (a large plan has hundreds
    of rule files); a run past the timeout is a failure that says so, never a traceback."""
    files = files or []
    cores = max(1, min(os.cpu_count() or 1, len(files)))
    chunks = [files[i::cores] for i in range(cores)] if files else [[]]

    wait = timeout()
    if isinstance(wait, str):
        return subprocess.CompletedProcess(args, 1, "", f"FAILED: {wait}")

    def one(chunk: list[str]) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run([*args, *chunk], cwd=cwd, capture_output=True, text=True, timeout=wait, check=False)
        except subprocess.TimeoutExpired:
            return subprocess.CompletedProcess(args, 1, "", f"FAILED: promtool did not finish within {wait} s "
                                               f"(set {TIMEOUT_VARIABLE} to wait longer)")

    with ThreadPoolExecutor(len(chunks)) as pool:
        done = list(pool.map(one, chunks))
    return subprocess.CompletedProcess(args, max(p.returncode for p in done), "".join(p.stdout for p in done),
                                       "".join(p.stderr for p in done))


def check(plan: Plan, files: dict[str, bytes]) -> list[CheckResult]:
    """`promtool check rules --lint=all --lint-fatal` and `promtool test rules` on the output."""
    promtool = find_tool("promtool")
    rules = sorted(p for p in files if p.startswith("prometheus/rules/"))
    tests = sorted(p for p in files if p.startswith("prometheus/tests/"))
    if promtool is None:
        return [CheckResult("promtool check rules", f"{len(rules)} rule files", "missing", PACKAGE_HINT),
                CheckResult("promtool test rules", f"{len(tests)} test files", "missing", PACKAGE_HINT)]
    results = []
    with tempfile.TemporaryDirectory(prefix="monplan-promtool-") as tmp:
        root = Path(tmp)
        write_tree({p: files[p] for p in rules + tests}, root)
        if rules:
            proc = _run([promtool, "check", "rules", "--lint=all", "--lint-fatal"], root, rules)
            output = proc.stdout + proc.stderr
            ok = proc.returncode == 0
            results.append(CheckResult(
                "promtool check rules", f"{len(rules)} rule files", "passed" if ok else "failed",
                f"{_rule_count(output)} rules",
                [] if ok else _trace(plan, _failures(output), "prometheus/rules")))
        if tests:
            proc = _run([promtool, "test", "rules"], root, tests)
            output = proc.stdout + proc.stderr
            ok = proc.returncode == 0
            results.append(CheckResult(
                "promtool test rules", f"{len(tests)} test files", "passed" if ok else "failed",
                f"{len(plan.alerts)} alerts and {len(plan.watches)} missing-data alerts proven" if ok else "",
                [] if ok else _trace(plan, _failures(output), "prometheus/tests")))
            results.append(_query_coverage(plan))
    return results


def _query_coverage(plan: Plan) -> CheckResult:
    """Which rows' queries the tests feed raw series (a wrong query fails them), and which are
    only checked against their recorded series (the comparison is proven, not the query)."""
    from monplan.lang import durations
    from monplan.lang.query_shapes import recorded_only

    raw, recorded = recorded_only(plan.alerts, durations.parse_ms(plan.evaluation_interval) / 1000)
    names = list(dict.fromkeys(a.name for a in recorded))
    detail = f"{len(raw)} of {len(plan.alerts)} row queries tested on raw series"
    if names:
        detail += "; recorded series only: " + ", ".join(names)
    return CheckResult("query tests", f"{len(plan.alerts)} rows", "passed", detail)


def _rule_count(output: str) -> int:
    return sum(int(n) for n in re.findall(r"SUCCESS: (\d+) rules found", output))


def _failures(output: str) -> str:
    """The lines of promtool's output that describe failures."""
    keep = []
    for line in output.splitlines():
        stripped = line.strip()
        if stripped.startswith(("FAILED", "alertname:")) or ("error" in stripped.lower()) or '"' in stripped:
            keep.append(stripped)
    return "\n".join(keep)
