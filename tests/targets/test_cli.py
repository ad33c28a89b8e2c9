"""Targets on the command line and in the plan, as users and CI drive them: exit codes and messages."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from monplan.cli import app
from tests.conftest import CASES, ROOT, run_monplan, tree
from tests.targets.conftest import big_plan, under

MINIMAL = (CASES / "valid" / "minimal" / "plan.yaml").read_text()


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    (tmp_path / "plan.yaml").write_text(MINIMAL)
    return tmp_path / "plan.yaml"


def test_a_target_given_on_the_command_line_is_built_and_ci_would_flag_it(plan: Path) -> None:
    out = plan.parent / "out"
    result = run_monplan("build", "--plan", str(plan), "--out", str(out), "--target", "mimir", "-t", "prometheus-operator")
    assert result.returncode == 0, result.stderr
    assert (out / "mimir" / "rules" / "shop.yaml").is_file()
    assert (out / "kubernetes" / "prometheus-rules" / "availability.yaml").is_file()
    assert "not in" in result.stderr and "targets:" in result.stderr  # the note: CI checks the plan's targets
    # CI runs `build --check` on the plan alone: the extra files are reported...
    check = run_monplan("build", "--check", "--plan", str(plan), "--out", str(out))
    assert check.returncode == 1
    assert f"{out / 'mimir' / 'rules' / 'shop.yaml'}: no longer produced" in check.stderr
    # ...until the plan says so; then the plan alone builds the same tree.
    plan.write_text(MINIMAL + "targets:\n  mimir:\n  prometheus-operator:\n")
    check = run_monplan("build", "--check", "--plan", str(plan), "--out", str(out))
    assert check.returncode == 0, check.stderr
    assert "not in" not in check.stderr


def test_a_target_the_plan_lists_is_built_without_the_flag_and_the_flag_changes_nothing(plan: Path) -> None:
    plan.write_text(MINIMAL + "targets:\n  mimir: {namespace: shop-rules}\n")
    runner = CliRunner()
    result = runner.invoke(app, ["build", "--plan", str(plan), "--out", str(plan.parent / "a")])
    assert result.exit_code == 0, result.output
    again = runner.invoke(app, ["build", "--plan", str(plan), "--out", str(plan.parent / "b"), "--target", "mimir"])
    assert again.exit_code == 0 and "not in" not in again.output
    assert tree(plan.parent / "a") == tree(plan.parent / "b")
    assert load_namespace(plan.parent / "a") == "shop-rules", "the plan's settings, not the defaults"


def load_namespace(out: Path) -> str:
    import yaml

    [path] = (out / "mimir" / "rules").iterdir()
    return yaml.safe_load(path.read_text())["namespace"]


def test_an_unknown_target_is_a_usage_error_naming_the_known_ones(plan: Path) -> None:
    result = run_monplan("build", "--plan", str(plan), "--out", str(plan.parent / "out"), "--target", "helm")
    assert result.returncode == 2
    assert "prometheus-operator" in result.stderr and "mimir" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (plan.parent / "out").exists()


@pytest.mark.parametrize("targets, where, words", [
    ("targets:\n  prometheus_operator:\n", "prometheus_operator", 'did you mean "prometheus-operator"'),
    ("targets:\n  prometheus-operator: {namespace: Monitoring}\n", "namespace", "not a Kubernetes namespace name"),
    ("targets:\n  prometheus-operator:\n    rule_labels: {release: kube prometheus}\n", "release",
     "not a Kubernetes label value"),
    ("targets:\n  prometheus-operator: {max_object_bytes: 2000000}\n", "max_object_bytes", "at most 1048576"),
    ("targets:\n  mimir: {namespaces: per-service}\n", "namespaces", "per-section"),
])
def test_bad_target_settings_are_errors_at_their_plan_line(plan: Path, targets: str, where: str, words: str) -> None:
    text = MINIMAL + targets
    plan.write_text(text)
    line = next(i for i, content in enumerate(text.splitlines(), start=1) if where in content)
    for result in (run_monplan("build", "--plan", str(plan), "--out", str(plan.parent / "out")),):
        assert result.returncode == 1
        assert f"plan.yaml:{line}:" in result.stderr and words in result.stderr, result.stderr
        assert "Traceback" not in result.stderr
    runner = CliRunner().invoke(app, ["validate", "--plan", str(plan), "--no-tools"])
    assert runner.exit_code == 1 and words in runner.output


def test_validate_runs_the_target_checks_and_reports_them_as_json(plan: Path) -> None:
    plan.write_text(MINIMAL + "targets:\n  mimir:\n")
    result = run_monplan("validate", "--plan", str(plan), "--format", "json", "--target", "prometheus-operator")
    report = json.loads(result.stdout)  # stdout is only the JSON: no progress display
    checks = {(c["tool"], c["target"]): c["status"] for c in report["checks"]}
    assert checks["promtool check rules", "1 PrometheusRule object"] == "passed"
    assert checks["promtool check rules", "1 Mimir namespace"] == "passed"
    assert checks["namespace layout", "1 Mimir namespace"] == "passed"
    assert next(s for (tool, _), s in checks.items() if tool == "object size and shape") == "passed"
    assert result.returncode == 0 and report["ok"]


def test_validate_fails_naming_the_manifest_over_the_plan_s_size_limit(plan: Path) -> None:
    # The smallest limit the plan accepts: the rules split under it, a dashboard of 20 panels cannot.
    plan.write_text(big_plan(20, note_chars=100, targets="prometheus-operator: {max_object_bytes: 16384}\n"))
    result = CliRunner().invoke(app, ["validate", "--plan", str(plan), "--format", "json"])
    report = json.loads(result.output)
    assert result.exit_code == 1 and not report["ok"]
    [size] = [c for c in report["checks"] if c["tool"] == "object size and shape"]
    assert size["status"] == "failed"
    assert [d["file"] for d in size["diagnostics"]] == ["kubernetes/grafana-dashboards/operations-dashboard.yaml"]
    assert "over the limit of 16.0 KiB" in size["diagnostics"][0]["message"]


def test_parts_of_a_split_section_never_take_another_section_s_names(tmp_path: Path) -> None:
    # "Latency" splits into big-shop-latency and big-shop-latency-2; a section "Latency 2" would be big-shop-latency-2 too.
    text = big_plan(40, targets="prometheus-operator: {max_object_bytes: 65536}\n", tool=False)
    text += "  - title: Latency 2\n    metrics:\n      - {metric: Other, threshold: \">1\", priority: high, query: queue_depth}\n"
    (tmp_path / "plan.yaml").write_text(text)
    result = CliRunner().invoke(app, ["build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    objects = under(tree(tmp_path / "out"), "kubernetes/prometheus-rules/")
    names = [obj["metadata"]["name"] for obj in objects.values()]
    assert len(objects) >= 3 and len(set(names)) == len(names)
    titles = {g["name"] for obj in objects.values() for g in obj["spec"]["groups"]}
    assert "latency-2" in titles, "the other section's group is there, in an object of its own"


def run_on_terminal(*args: str) -> tuple[int, str]:
    """The real CLI with a pseudo-terminal as stdout and stderr, as a person runs it."""
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm", "COLUMNS": "120"}
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen([sys.executable, "-m", "monplan", *args], cwd=ROOT, stdin=terminal, stdout=terminal,
                            stderr=terminal, env=env)
    os.close(terminal)
    chunks = []
    while True:
        ready, _, _ = select.select([controller], [], [], 300)
        if not ready:
            proc.kill()
            break
        try:
            data = os.read(controller, 65536)
        except OSError:  # the terminal closed: the process is done
            break
        if not data:
            break
        chunks.append(data)
    os.close(controller)
    return proc.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


STEP = "targets: PrometheusRules, manifests, Mimir namespaces"  # what the display says while those checks run


def test_validate_shows_progress_on_a_terminal_only() -> None:
    code, shown = run_on_terminal("validate")
    assert code == 0, shown[-3000:]
    assert STEP in shown and "promtool: rules and their unit tests" in shown
    piped = run_monplan("validate")
    assert piped.returncode == 0
    assert STEP not in piped.stdout + piped.stderr
    code, shown = run_on_terminal("validate", "--format", "json")
    assert code == 0 and STEP not in shown
    assert json.loads(shown[shown.index("{"):])["ok"] is True
