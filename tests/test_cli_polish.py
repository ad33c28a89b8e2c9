"""The CLI's rough edges a new user hits first (issue 18): options where people type them,
output readable at 80 columns and in pipes, errors that say what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import CASES, ROOT, run_monplan

MINIMAL = CASES / "valid" / "minimal" / "plan.yaml"


@pytest.mark.parametrize("where", ["before", "after"])
def test_quiet_and_verbose_work_before_and_after_the_command(where: str, tmp_path: Path) -> None:
    def build(flag: str) -> tuple[str, str]:
        args = [flag, "build"] if where == "before" else ["build", flag]
        result = run_monplan(*args, "--out", str(tmp_path / flag))
        assert result.returncode == 0, result.stderr
        return result.stdout, result.stderr

    out, err = build("-q")
    assert out == "" and err == ""
    out, err = build("-v")  # plan.yaml has [BASELINE] rows: -v prints their warnings
    assert "warning:" in err and "Built 24 alerts" in out
    out, err = build("--verbose")
    assert "warning:" in err


def _alerts_of_plan_yaml() -> list[dict[str, object]]:
    result = run_monplan("list", "--format", "json")
    assert result.returncode == 0, result.stderr
    import json

    return json.loads(result.stdout)


@pytest.mark.parametrize("columns", ["80", "120", "250", "400"])
def test_list_fits_the_width_and_never_cuts_a_name_or_url(columns: str) -> None:
    alerts = _alerts_of_plan_yaml()
    result = run_monplan("list", env={"COLUMNS": columns})  # piped, as in CI logs
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    url_lines = [line for line in lines if "https://" in line]
    # every line fits, except one that holds a whole URL and nothing cut
    assert all(len(line) <= int(columns) for line in lines if line not in url_lines)
    words = result.stdout.split()
    for alert in alerts:
        assert alert["alert"] in words  # whole, never folded or cut with an ellipsis
        runbook = str(alert["runbook"])
        assert runbook in words or any(line.startswith("Runbooks: ") and
                                       runbook == line.split()[1].replace("<alert>", str(alert["alert"]))
                                       for line in url_lines)
    for line in url_lines:  # a URL is one word, never wrapped onto the next line
        assert line.split()[-1].startswith("https://") or line.split()[-1].endswith(".md")
    first = next(a for a in alerts if a["alert"] == "APIEndpointAvailability")
    row = next(line for line in lines if "APIEndpointAvailability" in line)
    assert "<99.9%" in row and "critical" in row
    # the receivers are on the alert's row, or said once for its priority (wrapped at words)
    said = " ".join(result.stdout.split())
    assert first["receivers"] in row or ("\ncritical alerts go to " in result.stdout and \
        f"critical alerts go to {first['receivers']} high alerts go to" in said)


def test_list_json_and_csv_carry_every_alert_and_field(tmp_path: Path) -> None:
    import csv

    from monplan.app.diff import receivers
    from monplan.app.pipeline import load_plan

    plan = load_plan(ROOT / "plan.yaml")
    alerts = _alerts_of_plan_yaml()
    rows = [a for a in alerts if a["kind"] == "row"]  # the others: each row's missing-data alerts
    assert [a["alert"] for a in rows] == [a.name for a in plan.alerts]
    for row, alert in zip(rows, plan.alerts, strict=True):
        assert (row["threshold"], row["priority"], row["for"], row["section"], row["line"]) == (
            alert.threshold.text, alert.priority, alert.for_, alert.group, alert.line)
        assert row["receivers"] == receivers(plan, alert.priority) and row["runbook"] == alert.runbook_url
    out = tmp_path / "reports" / "alerts.csv"
    result = run_monplan("list", "--format", "csv", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert str(out) in result.stdout
    with out.open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["alert"] for r in rows] == [a["alert"] for a in alerts]
    assert rows[0]["receivers"] == alerts[0]["receivers"]  # a comma inside a cell stays one cell


def test_list_of_a_per_service_plan_names_each_service() -> None:
    result = run_monplan("list", "--plan", str(CASES / "valid" / "services" / "plan.yaml"), env={"COLUMNS": "80"})
    assert result.returncode == 0, result.stderr
    assert "Latency (checkout)" in result.stdout


def test_explain_takes_any_case_suggests_near_names_and_writes_a_file(tmp_path: Path) -> None:
    exact = run_monplan("explain", "HTTP5xxErrors")
    lower = run_monplan("explain", "http5xxerrors")
    assert lower.returncode == 0, lower.stderr
    assert lower.stdout == exact.stdout
    near = run_monplan("explain", "http5xxerror")
    assert near.returncode == 1 and "did you mean HTTP5xxErrors" in near.stderr
    nothing = run_monplan("explain", "Zebra")
    assert nothing.returncode == 1 and "monplan list" in nothing.stderr
    out = tmp_path / "explained.txt"
    written = run_monplan("explain", "HTTP5XXERRORS", "--out", str(out))
    assert written.returncode == 0, written.stderr
    assert out.read_text() == exact.stdout
    assert "\x1b[" not in out.read_text()  # plain text, no colour codes


def _problems(tmp_path: Path, text: str) -> list[str]:
    from monplan.app.pipeline import load_plan
    from monplan.diagnostics import PlanError

    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    with pytest.raises(PlanError) as error:
        load_plan(plan)
    return [str(d).replace(str(plan), "plan.yaml") for d in error.value.diagnostics]


UNKNOWN_RECEIVER = (CASES / "invalid" / "unknown-receiver" / "plan.yaml").read_text()


def test_an_unknown_receiver_is_reported_with_the_rows_that_fail_to_validate(tmp_path: Path) -> None:
    alone = _problems(tmp_path, UNKNOWN_RECEIVER)
    text = UNKNOWN_RECEIVER.replace('threshold: "<99%"', 'threshold: "<<99"')
    problems = _problems(tmp_path, text)
    assert any("threshold: cannot read threshold" in p for p in problems)
    assert set(alone) <= set(problems)  # the receiver and the missing medium route, as before
    assert len(problems) == len(alone) + 1


def test_a_value_that_failed_never_causes_an_invented_cross_reference_problem(tmp_path: Path) -> None:
    # B is the only medium row: with its priority unreadable, no route is known to be missing
    text = UNKNOWN_RECEIVER.replace("priority: Medium", "priority: Huge")
    problems = _problems(tmp_path, text)
    assert any('got "Huge"' in p for p in problems) and any("unknown receiver" in p for p in problems)
    assert not any('priority "medium"' in p for p in problems)
    assert not any('priority "critical"' in p for p in problems)


def _moved(text: str) -> str:
    """The same plan with blank and comment lines inserted before every key and list item."""
    import re

    out = ["# a comment the team added", ""]
    for line in text.split("\n"):
        if re.match(r"^\s*(- )?[A-Za-z_]+:", line) and not line.startswith("#"):
            indent = line[: len(line) - len(line.lstrip())]
            out += ["", f"{indent}# moved down"]
        out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("plan", [ROOT / "plan.yaml", CASES / "valid" / "services" / "plan.yaml"],
                         ids=["plan.yaml", "services"])
def test_generated_files_do_not_change_when_plan_lines_move(plan: Path, tmp_path: Path) -> None:
    from conftest import tree

    moved = tmp_path / "moved" / "plan.yaml"  # the same file name: headers cite it
    moved.parent.mkdir()
    moved.write_text(_moved(plan.read_text()))
    from monplan.app.pipeline import load_plan

    assert [a.line for a in load_plan(moved).alerts] != [a.line for a in load_plan(plan).alerts]
    for source, out in ((plan, tmp_path / "before"), (moved, tmp_path / "after")):
        result = run_monplan("build", "--plan", str(source), "--out", str(out))
        assert result.returncode == 0, result.stderr
    before, after = tree(tmp_path / "before"), tree(tmp_path / "after")
    before.pop(".monplan-manifest", None), after.pop(".monplan-manifest", None)
    assert sorted(before) == sorted(after)
    assert [name for name in before if before[name] != after[name]] == []


def test_a_runbook_cites_its_row_by_section_and_metric(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_monplan("build", "--out", str(out)).returncode == 0
    text = (out / "runbooks" / "APIEndpointAvailability.md").read_text()
    assert "Generated by monplan from plan.yaml, section System Availability, metric API Endpoint Availability." in text


def test_the_default_baseline_warning_names_the_comparison_the_rules_make(tmp_path: Path) -> None:
    from monplan.app.pipeline import load_plan

    row = '{{metric: {m}, baseline: "[BASELINE]", threshold: "<80% of baseline", priority: Medium, query: "sum(rate({s}[1h]))"{extra}}}'
    rows = [row.format(m="Orders", s="orders_total", extra=', baseline_query: "sum(rate(orders_total[1h] offset 1d))"'),
            row.format(m="Signups", s="signups_total", extra=", baseline_start: 5"),
            row.format(m="Logins", s="logins_total", extra="")]
    plan = tmp_path / "plan.yaml"
    plan.write_text("version: 1\nsystem: Shop\nsections:\n  - title: Business\n    metrics:\n"
                    + "".join(f"      - {r}\n" for r in rows))
    compiled = load_plan(plan)
    said = {w.field.split(".")[1]: w.message for w in compiled.warnings if w.field.endswith(".baseline")}
    assert said["metrics[0]"].endswith("compared with its baseline_query, sum(rate(orders_total[1h] offset 1d))")
    assert "one week earlier" not in said["metrics[0]"]
    assert said["metrics[1]"].endswith("else one day earlier, else baseline_start (5)")
    assert said["metrics[2]"].endswith("compared with the value one week earlier, else one day earlier")
    # what the warning says is what the rules record
    orders, signups, logins = compiled.alerts
    assert orders.baseline_expr == "sum(rate(orders_total[1h] offset 1d))"
    assert signups.baseline_default and logins.baseline_default and not orders.baseline_default


@pytest.mark.parametrize("chosen", [None, "ticket-system"])
def test_alerts_of_no_or_unknown_severity_reach_the_default_receiver_in_alertmanager(chosen: str | None,
                                                                                      tmp_path: Path) -> None:
    """Proved by Alertmanager's own router (amtool config routes test) on the built config,
    and said in ONCALL.md: the plan's default_receiver, else the first receiver of high."""
    import subprocess

    from conftest import require_tool

    amtool = require_tool("amtool")
    text = (ROOT / "plan.yaml").read_text()
    if chosen:
        text = text.replace("\nalert_routing:\n", f"\nalert_routing:\n  default_receiver: {chosen}\n", 1)
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    out = tmp_path / "out"
    assert run_monplan("build", "--plan", str(plan), "--out", str(out)).returncode == 0
    expected = chosen or "oncall-pager"
    config = out / "alertmanager" / "alertmanager.yml"
    for labels in (["alertname=Custom", "severity=page"], ["alertname=Custom"], ["alertname=Custom", "severity=Critical"]):
        routed = subprocess.run([amtool, "config", "routes", "test", f"--config.file={config}", *labels],
                                capture_output=True, text=True, check=False)
        assert routed.returncode == 0, routed.stderr
        assert routed.stdout.strip() == expected, labels
    oncall = (out / "oncall" / "ONCALL.md").read_text()
    row = next(line for line in oncall.splitlines() if line.startswith("| No or unknown severity |"))
    assert f"| {expected} (" in row
    assert ("alert\\_routing.default\\_receiver)" in row) == bool(chosen)


@pytest.mark.parametrize("command", [
    ("init", "--plan", "team/new/plan.yaml"),
    ("import", str(ROOT / "tests/docimport/documents/seed.md"), "--out", "team/new/plan.yaml"),
    ("import", str(ROOT / "tests/docimport/documents/seed.md"), "--out", "team/new/plan.yaml", "--force"),
])
def test_new_files_are_written_into_folders_that_do_not_exist_yet(command: tuple[str, ...], tmp_path: Path) -> None:
    """`init --plan missing/dir/plan.yaml` and `import --out missing/dir/plan.yaml` said "cannot write: No such
    file or directory", while `import --force` and build created the folders."""
    result = run_monplan(*command, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "team/new/plan.yaml").is_file()


@pytest.mark.parametrize("command", [
    ("init", "--plan", "{where}"),
    ("import", str(ROOT / "tests/docimport/documents/seed.md"), "--out", "{where}"),
    ("import", str(ROOT / "tests/docimport/documents/seed.md"), "--out", "{where}", "--force"),
    ("list", "--plan", str(MINIMAL), "--out", "{where}"),
])
@pytest.mark.parametrize("where, said", [
    ("folder", "folder: error: "),
    ("file/plan.yaml", "file/plan.yaml: error: cannot write: file is a file, not a folder"),
])
def test_a_folder_or_a_file_in_the_way_is_said_as_such(command: tuple[str, ...], where: str, said: str,
                                                      tmp_path: Path) -> None:
    """A folder as init --plan was "already exists; monplan init never overwrites a plan", as import --out
    "pass --force to overwrite it" (which would not either); a file where a folder must be, "already exists"
    or "cannot be checked: Not a directory"."""
    (tmp_path / "folder").mkdir()
    (tmp_path / "file").write_text("mine\n")
    result = run_monplan(*(part.format(where=where) for part in command), cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(said.replace("cannot write: ", "--out: " if command[0] == "import" else
                                                 "cannot write: ")), result.stderr  # before any note
    if where == "folder":
        assert "folder, not a file" in result.stderr or "existing folder" in result.stderr, result.stderr
    assert "already exists" not in result.stderr and "Traceback" not in result.stderr
    assert (tmp_path / "file").read_text() == "mine\n" and list((tmp_path / "folder").iterdir()) == []
