"""amtool on the generated config: it loads, and every priority reaches exactly the plan's receivers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import run_monplan
from tests.delivery.conftest import PLAN, compile_plan

CONFIG = "alertmanager/alertmanager.yml"


def plan_says(spec: Any, priority: str) -> list[str]:
    """The receivers a priority must reach, read from the plan itself (not from the generator)."""
    routing = spec.alert_routing
    receivers = list(routing.routes[priority].receivers)
    if routing.critical_period and priority in routing.critical_period.priorities:
        receivers += [r for r in routing.critical_period.receivers if r not in receivers]
    return receivers


def test_amtool_check_config_accepts_the_generated_config(amtool: str, repo_files: dict[str, bytes], tmp_path: Path) -> None:
    config = tmp_path / "alertmanager.yml"
    config.write_bytes(repo_files[CONFIG])
    proc = subprocess.run([amtool, "check-config", str(config)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "SUCCESS" in proc.stdout


def test_each_priority_of_the_plan_reaches_exactly_its_receivers_per_amtool(
        amtool: str, repo_plan: Any, repo_files: dict[str, bytes], tmp_path: Path) -> None:
    from conftest import ROOT
    from monplan.app.pipeline import load_spec
    from monplan.generators.alertmanager import route_cases
    from monplan.verify.amtool import routes_test_args

    repo_spec = load_spec(ROOT / "plan.yaml")  # the plan's own words, not the model the generator read

    config = tmp_path / "alertmanager.yml"
    config.write_bytes(repo_files[CONFIG])
    cases = route_cases(repo_plan)
    assert {case.name for case in cases} >= {alert.name for alert in repo_plan.alerts}
    for case in cases:
        if case.priority in repo_spec.alert_routing.routes:
            assert list(case.receivers) == plan_says(repo_spec, case.priority), case.name
        proc = subprocess.run(routes_test_args(amtool, config, case), capture_output=True, text=True, check=False)
        assert proc.returncode == 0, f"{case.name}: amtool resolved {proc.stdout.strip()!r}, plan says {case.receivers}"
        assert proc.stdout.strip().splitlines()[0] == ",".join(case.receivers)


def test_the_checker_reports_a_priority_that_misses_a_receiver_at_its_alerts_plan_line(
        amtool: str, tmp_path: Path) -> None:
    from monplan.generators.alertmanager import generate
    from monplan.verify.amtool import check

    plan = compile_plan(tmp_path, PLAN)
    files = generate(plan)
    config = yaml.safe_load(files[CONFIG])
    config["route"]["routes"][0]["continue"] = False  # critical now stops at the first receiver
    results = check(plan, {CONFIG: yaml.safe_dump(config).encode()})
    assert [r.status for r in results] == ["passed", "failed"]
    critical = next(a for a in plan.alerts if a.priority == "critical")
    (problem,) = [d for d in results[1].diagnostics if d.line]
    assert problem.line == critical.line and problem.file == plan.file
    assert "reaches chat;" in problem.message and "chat,team-pager,deploy-watch" in problem.message


def test_the_checker_reports_a_config_alertmanager_cannot_load_with_its_line(amtool: str, tmp_path: Path) -> None:
    from monplan.generators.alertmanager import generate
    from monplan.verify.amtool import check

    plan = compile_plan(tmp_path, PLAN)
    text = generate(plan)[CONFIG].decode().replace("    max_alerts: 0\n", "    max_alerts: 0\n    url_file: /x\n")
    results = check(plan, {CONFIG: text.encode()})
    assert [r.status for r in results] == ["failed", "skipped"]
    (problem,) = results[0].diagnostics
    assert problem.line == text.splitlines().index("    url_file: /x") + 1
    assert "url_file" in problem.message


def test_monplan_validate_runs_amtool_on_what_it_would_build(amtool: str) -> None:
    result = run_monplan("validate", "--format", "json")
    report: dict[str, Any] = json.loads(result.stdout)
    checks = {c["tool"]: c for c in report["checks"]}
    assert checks["amtool check-config"]["status"] == "passed"
    assert checks["amtool config routes test"]["status"] == "passed"
    assert result.returncode == 0, result.stdout
