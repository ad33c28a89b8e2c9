"""The CLI as users and CI drive it: exit codes, what is printed, what is written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import CASES, ROOT, run_monplan, tree
from monplan.cli import app

MINIMAL = CASES / "valid" / "minimal" / "plan.yaml"


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_the_repository_generated_folder_is_exactly_what_plan_yaml_builds() -> None:
    result = run_monplan("build", "--check")
    assert result.returncode == 0, result.stderr


def test_build_writes_the_outputs_and_says_what_it_did(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--plan", str(MINIMAL), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Built 1 alert from" in result.output
    assert (tmp_path / "out" / "prometheus" / "rules" / "availability.yml").is_file()
    assert (tmp_path / "out" / "prometheus" / "tests" / "availability.yml").is_file()


def test_a_second_build_changes_nothing(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner.invoke(app, ["build", "--plan", str(MINIMAL), "--out", str(out)])
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    result = runner.invoke(app, ["build", "--plan", str(MINIMAL), "--out", str(out)])
    assert "nothing changed since the last build" in result.output
    result = runner.invoke(app, ["-v", "build", "--plan", str(MINIMAL), "--out", str(out)])  # no shortcut
    assert "0 added, 0 changed, 0 removed" in result.output
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()} == mtimes


@pytest.mark.parametrize("damage", ["edit", "delete", "leftover"])
def test_check_fails_and_lists_the_file_when_output_is_stale(damage: str, runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copy(MINIMAL, tmp_path / "plan.yaml")
    assert runner.invoke(app, ["build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(out)]).exit_code == 0
    target = out / "prometheus" / "rules" / "availability.yml"
    if damage == "edit":
        target.write_text(target.read_text().replace("0.995", "0.99"))
    elif damage == "delete":
        target.unlink()
    else:  # the plan renames its section: the old files are no longer produced
        (tmp_path / "plan.yaml").write_text(MINIMAL.read_text().replace("Availability\n", "Uptime\n"))
    before = tree(out)
    result = run_monplan("build", "--check", "--plan", str(tmp_path / "plan.yaml"), "--out", str(out))
    assert result.returncode == 1
    assert "availability.yml" in result.stderr and "out of date" in result.stderr
    assert tree(out) == before, "--check must write nothing"


def test_files_the_plan_no_longer_produces_are_removed_but_the_users_files_stay(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text())
    runner.invoke(app, ["build", "--plan", str(plan), "--out", str(out)])
    (out / "prometheus" / "rules" / "team-extra.yml").write_text("groups: []\n")
    (out / "README.team.md").write_text("ours\n")
    plan.write_text(MINIMAL.read_text().replace("Availability\n", "Uptime\n"))
    result = runner.invoke(app, ["build", "--plan", str(plan), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert not (out / "prometheus" / "rules" / "availability.yml").exists()
    assert (out / "prometheus" / "rules" / "uptime.yml").exists()
    assert (out / "prometheus" / "rules" / "team-extra.yml").read_text() == "groups: []\n"
    assert (out / "README.team.md").read_text() == "ours\n"


def test_build_refuses_to_overwrite_a_file_it_did_not_write(runner: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "prometheus" / "rules").mkdir(parents=True)
    (out / "prometheus" / "rules" / "availability.yml").write_text("# hand written\n")
    result = run_monplan("build", "--plan", str(MINIMAL), "--out", str(out))
    assert result.returncode == 1
    assert "was not written by monplan" in result.stderr
    assert (out / "prometheus" / "rules" / "availability.yml").read_text() == "# hand written\n"


def test_a_missing_plan_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    result = run_monplan("build", "--plan", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "nope.yaml: error: no such file" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_validate_reports_placeholders_as_warnings_with_their_lines(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text().replace("tool: Uptime Monitor", "tool: \"[TOOL_NAME]\""))
    result = run_monplan("validate", "--no-tools", "--plan", str(plan))
    assert result.returncode == 0
    assert f"{plan}:7:15: warning: sections[0].metrics[0].tool: placeholder [TOOL_NAME] is still to be filled in" in result.stderr


def test_a_default_baseline_without_start_is_said_to_stay_silent_on_its_first_day(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text() + """\
      - {metric: Orders, threshold: "<80% of baseline", priority: Medium, query: sum(up)}
      - {metric: Carts, threshold: "<80% of baseline", baseline_start: 120, priority: Medium, query: sum(up)}
""")
    result = run_monplan("validate", "--no-tools", "--plan", str(plan))
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "first day" in line]
    assert len(said) == 1 and "warning: sections[0].metrics[1].threshold: Orders has no baseline during its first day" in said[0]
    assert "baseline_start" in said[0]


def test_a_row_reading_last_week_is_said_to_stay_silent_until_prometheus_holds_a_week(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(MINIMAL.read_text() + """\
      - {metric: Traffic vs Last Week, threshold: "<50%", priority: High,
         query: 'sum(rate(requests_total[5m])) / sum(rate(requests_total[5m] offset 1w))'}
      - {metric: Orders, threshold: "<80% of baseline", baseline_query: 'sum(orders offset 1d)', priority: Medium, query: sum(orders)}
""")
    result = run_monplan("validate", "--no-tools", "--plan", str(plan))
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stderr.splitlines() if "[alerts/first-day]" in line]
    assert len(said) == 2, result.stderr
    assert "sections[0].metrics[1].query: TrafficVsLastWeek cannot fire until Prometheus holds 7d of history" in said[0]
    assert "sections[0].metrics[2].baseline_query: Orders cannot fire until Prometheus holds 1d of history" in said[1]


def test_validate_json_is_machine_readable_and_lists_errors(tmp_path: Path) -> None:
    bad = CASES / "invalid" / "bad-thresholds" / "plan.yaml"
    result = run_monplan("validate", "--format", "json", "--plan", str(bad))
    assert result.returncode == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert {d["line"] for d in report["diagnostics"]} == set(range(6, 15))  # a row per line of the case
    assert all(d["file"] == str(bad) and d["severity"] == "error" for d in report["diagnostics"])


def test_validate_runs_promtool_on_what_the_plan_builds(promtool: str) -> None:
    result = run_monplan("validate", "--format", "json")
    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout
    checks = {c["tool"]: c["status"] for c in report["checks"]}
    assert checks["promtool check rules"] == "passed"
    assert checks["promtool test rules"] == "passed"


def test_validate_reports_the_time_of_each_checker(tmp_path: Path) -> None:
    """--timings (or -v) prints seconds per step: loading, resolving, each of monplan's own
    checks by id, building, every external checker."""
    from monplan.checks import checks
    from monplan.verify.validate import CHECKERS

    own = ["load: read and parse the YAML", "check spec/secrets", "check spec/schema", "resolve: the model of the plan",
           *(f"check {check.id}" for check in checks())]
    result = run_monplan("validate", "--timings", "--plan", str(MINIMAL), env={"PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "Time per check" in result.stderr
    for step in [*own, "building the output", *(what for _, what in CHECKERS)]:
        assert step in result.stderr
    document = json.loads(run_monplan("validate", "--timings", "--format", "json", "--plan", str(MINIMAL),
                                      env={"PATH": str(tmp_path)}).stdout)
    steps = [t["step"] for t in document["timings"]]
    assert steps[:4] == own[:4] and set(own) <= set(steps)
    assert steps.index("building the output") > max(steps.index(step) for step in own)
    assert all(t["seconds"] >= 0 for t in document["timings"])
    plain = run_monplan("validate", "--plan", str(MINIMAL), env={"PATH": str(tmp_path)})
    assert "Time per check" not in plain.stderr  # only when asked


def test_validate_says_clearly_when_promtool_is_missing(tmp_path: Path) -> None:
    result = run_monplan("validate", "--plan", str(MINIMAL), env={"PATH": str(tmp_path)})
    assert result.returncode == 0
    assert "missing" in result.stdout and "apt-get install prometheus" in result.stderr + result.stdout


def test_version_and_help(runner: CliRunner) -> None:
    assert runner.invoke(app, ["--version"]).output.startswith("monplan ")
    result = runner.invoke(app, ["build", "--help"])
    assert result.exit_code == 0 and "--check" in result.output


def test_unknown_options_are_usage_errors_with_exit_code_2() -> None:
    result = run_monplan("build", "--plna", "x")
    assert result.returncode == 2


def test_list_shows_every_alert_with_its_route(tmp_path: Path) -> None:
    result = run_monplan("list", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    # The counts are those of the committed rule files (which test_generated keeps current).
    rules = [rule for path in sorted((ROOT / "generated/prometheus/rules").glob("*.yml"))
             for group in yaml.safe_load(path.read_text())["groups"] for rule in group["rules"] if "alert" in rule]
    watches = sum(1 for rule in rules if "alert_kind" in rule["labels"])
    assert watches, "the repository's plan has missing-data alerts"
    assert f"{len(rules) - watches} alerts and {watches} missing-data alerts in plan.yaml" in result.stdout
    lines = result.stdout.splitlines()
    row = next(line for line in lines if "APIEndpointAvailability " in line)
    assert "<99.9%" in row and "critical" in row and "emergency-channel, team-pager" in row
    no_data = next(line for line in lines[lines.index(row):] if "APIEndpointAvailabilityNoData" in line)
    assert "no data for 15m" in no_data and "high" in no_data and "oncall-pager" in no_data
    down = next(line for line in lines if "NodeTargetDown" in line)
    assert "Collection: scrape targets" in down and "up == 0" in down


def test_explain_a_no_data_alert_names_its_row_rule_tests_and_the_target_alerts_holding_it_back() -> None:
    result = run_monplan("explain", "APIResponseTimeNoData", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Plan row plan.yaml:" in out and "metric: API Response Time" in out
    assert "expr: absent(monplan:api_response_time:seconds)" in out and "alert: APIResponseTime\n" not in out
    assert "APIResponseTimeNoData after 15m" in out
    assert "Route high -> oncall-pager" in out and "UwsApiTargetDown, UwsApiTargetMissing" in out
    assert "runbooks/APIResponseTimeNoData.md" in out


def test_explain_a_target_alert_names_its_job() -> None:
    result = run_monplan("explain", "NodeTargetMissing", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    assert "Plan job plan.yaml:" in result.stdout and "job: node" in result.stdout
    assert 'expr: absent(up{job="node"})' in result.stdout and "prometheus/tests/collection.yml" in result.stdout


def test_explain_shows_the_plan_row_rule_tests_and_route(tmp_path: Path) -> None:
    result = run_monplan("explain", "HTTP5xxErrors", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Plan row plan.yaml:" in out and "metric: HTTP 5xx Errors" in out
    assert "alert: HTTP5xxErrors" in out and "record: monplan:http_5xx_errors:ratio" in out
    assert "alert: HTTP4xxErrors" not in out
    assert "HTTP5xxErrors >0.1% for 5m" in out and "each alert stays quiet" in out
    assert "Route critical -> emergency-channel, team-pager" in out


def test_explain_names_the_kubernetes_and_mimir_objects_holding_the_rules() -> None:
    from monplan.app.pipeline import load_plan, render

    result = run_monplan("explain", "HTTP5xxErrors", env={"COLUMNS": "250"})
    assert result.returncode == 0, result.stderr
    targets = result.stdout.split("Targets", 1)[1].split("Runbook", 1)[0]
    files = render(load_plan(ROOT / "plan.yaml"))
    named = [line.strip()[2:].split(": ", 1) for line in targets.strip().splitlines()]
    assert {file.split("/")[0] for file, _ in named} == {"kubernetes", "mimir"}
    for file, where in named:  # each named file really holds the alert, in the named group
        group = where.rsplit("group ", 1)[1]
        text = files[file].decode()
        assert "alert: HTTP5xxErrors\n" in text and f"- name: {group}\n" in text


def test_explain_an_unknown_alert_suggests_near_names() -> None:
    result = run_monplan("explain", "HTTP5xxError")
    assert result.returncode == 1
    assert "no alert named HTTP5xxError" in result.stderr and "HTTP5xxErrors" in result.stderr


def test_pre_commit_hooks_run_real_monplan_commands() -> None:
    import yaml

    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} >= {"monplan-check", "monplan-build"}
    for hook in hooks:
        command = hook["entry"].split()
        assert command[0] == "monplan"
        assert run_monplan(*command[1:], "--help").returncode == 0


def test_the_build_record_never_hides_a_change(tmp_path: Path) -> None:
    """An unchanged tree is recognised without rendering; any change means a full check."""
    plan, out = tmp_path / "plan.yaml", tmp_path / "out"
    plan.write_text(MINIMAL.read_text())
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    quick = run_monplan("build", "--check", "--plan", str(plan), "--out", str(out))
    assert quick.returncode == 0 and "nothing changed since the last build" in quick.stdout
    rules = out / "prometheus" / "rules" / "availability.yml"
    rules.write_text(rules.read_text().replace("0.995", "0.99"))  # an edit of a generated file
    assert run_monplan("build", "--check", "--plan", str(plan), "--out", str(out)).returncode == 1
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    plan.write_text(plan.read_text().replace("<99.5%", "<99%"))  # a change of the plan
    stale = run_monplan("build", "--check", "--plan", str(plan), "--out", str(out))
    assert stale.returncode == 1 and "availability.yml: stale" in stale.stderr
    (out / "prometheus" / "tests" / "availability.yml").unlink()  # a deleted file, after a fresh build
    assert run_monplan("-q", "build", "--plan", str(plan), "--out", str(out)).returncode == 0
    (out / "prometheus" / "tests" / "availability.yml").unlink()
    assert run_monplan("build", "--check", "--plan", str(plan), "--out", str(out)).returncode == 1


@pytest.mark.parametrize(("args", "option"), [
    (["build", "--out", ""], "'--out' / '-o'"), (["build", "--plan", ""], "'--plan' / '-p'"),
    (["build", "-o", ""], "'--out' / '-o'"), (["build", "--out="], "'--out' / '-o'"),
    (["validate", "--no-tools", "--out", ""], "'--out' / '-o'"), (["validate", "--plan", ""], "'--plan' / '-p'"),
    (["init", "--out", ""], "'--out' / '-o'"), (["init", "--plan", ""], "'--plan' / '-p'"),
    (["import", "PLAN.md", "--out", ""], "'--out' / '-o'"), (["import", "PLAN.md", "--force", "--out", ""], "'--out' / '-o'"),
    (["import", ""], "'document'"), (["list", "--out", ""], "'--out' / '-o'"),
    (["explain", "Orders", "--out", ""], "'--out' / '-o'"), (["oncall", "--plan", ""], "'--plan' / '-p'"),
    (["diff", "--plan", ""], "'--plan' / '-p'"),
    (["report", "--prometheus", "http://127.0.0.1:9", "--out", ""], "'--out' / '-o'"),
    (["tune", "--prometheus", "http://127.0.0.1:9", "--write-plan", ""], "'--write-plan'"),
    (["build", "--out", " "], "'--out' / '-o'"), (["build", "--out", "\t "], "'--out' / '-o'"),
    (["init", "--plan", "  "], "'--plan' / '-p'"),
])
def test_an_empty_path_is_refused_as_wrong_usage_and_nothing_is_written(tmp_path: Path, args: list[str],
                                                                         option: str) -> None:
    # An unset CI variable (`--out "$OUT"`) gives an empty path, which would be read as the
    # current folder: build would write its output there and clean it up as its own.
    shutil.copy(MINIMAL, tmp_path / "plan.yaml")
    (tmp_path / "PLAN.md").write_text("## Alerts\n\n| Metric | Threshold | Priority |\n|---|---|---|\n| Orders | >5 | high |\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    before = tree(tmp_path)
    result = run_monplan(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"Invalid value for {option}: is empty" in result.stderr, result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert tree(tmp_path) == before
