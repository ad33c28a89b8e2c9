"""The report and tuning schedules in generated/schedules/: they run at the plan's local times
all year (checked against zoneinfo and systemd's own calendar), and their commands work."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml

from conftest import require_tool
from reports.conftest import PLAN, Server
from systemd_exec import exec_start, github_value

WORKFLOW = "schedules/github/monplan-reports.yml"
SYSTEMD = "schedules/systemd/"


@pytest.fixture(scope="module")
def plan() -> dict:
    return yaml.safe_load(PLAN.read_text())


@pytest.fixture(scope="module")
def workflow(built: dict[str, bytes]) -> dict:
    return yaml.safe_load(built[WORKFLOW])


def test_the_plan_s_schedules_are_generated(built: dict[str, bytes]) -> None:
    names = {path for path in built if path.startswith("schedules/")}
    assert names == {WORKFLOW} | {SYSTEMD + name for name in (
        "monplan-daily-report.service", "monplan-daily-report.timer",
        "monplan-weekly-review.service", "monplan-weekly-review.timer",
        "monplan-refinement@.service", "monplan-refinement-24h.timer", "monplan-refinement-7d.timer")}


def _cron_moment(cron: str, day: dt.datetime) -> dt.datetime | None:
    """When a cron line of the form "M H * * DOW" (UTC) fires on a UTC day, if it does."""
    minute, hour, _, _, dow = cron.split()
    if dow not in ("*", str((day.weekday() + 1) % 7)):  # cron counts Sunday as 0
        return None
    return day.replace(hour=int(hour), minute=int(minute))


def _runs(workflow: dict, job: str, tz: ZoneInfo, year: int) -> list[dt.datetime]:
    """Local times the job runs in `year`: its cron lines (UTC) let through by its first step's guard,
    which compares the cron line and the zone's UTC offset at run time."""
    guard = workflow["jobs"][job]["steps"][0]["run"]
    allowed = set(re.findall(r'"([^"|]+)\|([+-]\d{4})"', guard))
    crons = [entry["cron"] for entry in workflow["on"]["schedule"] if any(entry["cron"] == c for c, _ in allowed)]
    assert crons, guard
    runs = []
    day = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    while day.year == year:
        for cron in crons:
            moment = _cron_moment(cron, day)
            if moment is not None and (cron, moment.astimezone(tz).strftime("%z")) in allowed:
                runs.append(moment.astimezone(tz))
        day += dt.timedelta(days=1)
    return sorted(runs)


@pytest.mark.parametrize("year", [2026, 2027])
def test_the_ci_daily_report_runs_once_every_local_day_at_the_report_time(workflow: dict, plan: dict, year: int) -> None:
    tz = ZoneInfo(plan["timezone"])
    runs = _runs(workflow, "daily-report", tz, year)
    days = {run.date() for run in runs}
    assert len(runs) == len(days) >= 364  # once a day, the year round (a UTC year misses a local day at an edge)
    assert {run.strftime("%H:%M") for run in runs} == {plan["reporting"]["daily_report"]["time"]}


@pytest.mark.parametrize("year", [2026, 2027])
def test_the_ci_weekly_review_runs_an_hour_before_the_meeting_every_week(workflow: dict, plan: dict, year: int) -> None:
    tz = ZoneInfo(plan["timezone"])
    review = plan["reporting"]["weekly_review"]
    runs = _runs(workflow, "weekly-review", tz, year)
    meeting = dt.datetime.strptime(review["time"], "%H:%M")
    assert {run.strftime("%A %H:%M") for run in runs} == {f"{review['day']} {meeting.hour - 1:02d}:{meeting.minute:02d}"}
    assert len({run.isocalendar()[:2] for run in runs}) == len(runs) >= 52


def _next_elapses(calendar: str, base: str, count: int) -> list[dt.datetime]:
    tool = require_tool("systemd-analyze")
    result = subprocess.run([tool, "calendar", f"--iterations={count}", f"--base-time={base}", calendar],
                            capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}, timeout=30, check=True)
    stamps = re.findall(r"(?:Next elapse|Iter\. #\d+): \w+ (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", result.stdout)
    return [dt.datetime.fromisoformat(s).replace(tzinfo=dt.UTC) for s in stamps]


def _unit(built: dict[str, bytes], name: str, key: str) -> list[str]:
    return re.findall(rf"^{key}=(.*)$", built[SYSTEMD + name].decode(), re.MULTILINE)


def test_systemd_timers_elapse_at_the_plan_s_local_times(built: dict[str, bytes], plan: dict) -> None:
    tz = ZoneInfo(plan["timezone"])
    # Across the spring daylight-saving change: 08:00 local stays 08:00 local.
    [daily] = _unit(built, "monplan-daily-report.timer", "OnCalendar")
    elapses = _next_elapses(daily, "2026-03-27 12:00:00 UTC", 4)
    assert [e.astimezone(tz).strftime("%Y-%m-%d %H:%M") for e in elapses] == [
        f"2026-03-{day} {plan['reporting']['daily_report']['time']}" for day in (28, 29, 30, 31)]
    [weekly] = _unit(built, "monplan-weekly-review.timer", "OnCalendar")
    assert {e.astimezone(tz).strftime("%A %H:%M") for e in _next_elapses(weekly, "2026-10-20 12:00:00 UTC", 3)} == {"Monday 09:00"}
    # The refinement reviews: once, 24 hours and 7 days after the deployment.
    deployed = dt.datetime.fromisoformat(str(plan["deployment"]["time"]))
    for name, after in (("24h", dt.timedelta(hours=24)), ("7d", dt.timedelta(days=7))):
        [once] = _unit(built, f"monplan-refinement-{name}.timer", "OnCalendar")
        assert _next_elapses(once, "2026-01-01 00:00:00 UTC", 1) == [deployed + after]
        assert _unit(built, f"monplan-refinement-{name}.timer", "Unit") == [f"monplan-refinement@{name}.service"]


def test_systemd_accepts_the_units(built: dict[str, bytes], tmp_path: Path) -> None:
    tool = require_tool("systemd-analyze")
    units = []
    for path, data in built.items():
        if path.startswith(SYSTEMD):
            name = Path(path).name.replace("@.service", "@24h.service")  # verify an instance of the template
            (tmp_path / name).write_bytes(data)
            units.append(str(tmp_path / name))
    result = subprocess.run([tool, "verify", "--man=no", *units], capture_output=True, text=True, cwd=tmp_path,
                            timeout=120, check=False)
    problems = [line for line in result.stderr.splitlines() if str(tmp_path) in line or "monplan-" in line]
    assert result.returncode == 0 and not problems, result.stderr


def _shell(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300, check=False)


@pytest.mark.e2e
def test_the_scheduled_commands_write_their_reports(prometheus: Server, tmp_path: Path) -> None:
    """The units' and the workflow's commands, run as written, against a Prometheus."""
    from monplan.app.pipeline import load_plan, render

    text = PLAN.read_text()
    assert "prometheus_url: " in text
    (tmp_path / "plan.yaml").write_text(re.sub(r"(?m)^(\s*prometheus_url: ).*$", rf"\g<1>{prometheus.url}", text))
    files = render(load_plan(tmp_path / "plan.yaml"))
    bin_dir = tmp_path / "bin"  # `monplan` on PATH, whichever way monplan is installed here
    bin_dir.mkdir()
    (bin_dir / "monplan").write_text(f'#!/bin/sh\nexec "{sys.executable}" -m monplan "$@"\n')
    (bin_dir / "monplan").chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "NO_COLOR": "1",
           "PYTHONPATH": str(PLAN.parent), "PROMETHEUS_URL": prometheus.url}
    for unit in ("monplan-daily-report.service", "monplan-weekly-review.service"):
        argv = exec_start(files[SYSTEMD + unit].decode())  # as systemd reads the line
        done = subprocess.run(argv, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
    reports = sorted(p.name for p in (tmp_path / "reports").iterdir())
    assert [re.sub(r"\d{4}-\d\d-\d\d", "DATE", name) for name in reports] == [
        "daily-DATE.html", "plan.tuned-DATE.yaml", "tune-DATE.txt", "weekly-DATE.html"]
    assert "Alerts from" in next((tmp_path / "reports").glob("tune-*.txt")).read_text()
    # The CI workflow's job steps, with the variables GitHub sets.
    workflow = yaml.safe_load(files[WORKFLOW])
    for job in ("daily-report", "weekly-review"):
        ci = tmp_path / job
        ci.mkdir()
        (ci / "plan.yaml").write_bytes((tmp_path / "plan.yaml").read_bytes())
        steps = workflow["jobs"][job]["steps"]
        env = {**env, **{name: github_value(value, {"PROMETHEUS_URL": prometheus.url})
                         for name, value in workflow["jobs"][job]["env"].items()}}
        output = ci / "github-output"
        for choice, due in ((job, "true"), ("other", "false")):
            guard = _shell(steps[0]["run"], ci, {**env, "EVENT": "workflow_dispatch", "CHOICE": choice,
                                                  "GITHUB_OUTPUT": str(output)})
            assert guard.returncode == 0 and output.read_text().splitlines()[-1] == f"due={due}"
        run = next(step["run"] for step in steps if "monplan report" in step.get("run", ""))
        done = subprocess.run(["bash", "-e", "-c", run], cwd=ci, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        assert list((ci / "reports").glob("*.html"))


def test_placeholder_times_schedule_nothing_for_that_job(tmp_path: Path) -> None:
    from monplan.app.pipeline import load_plan
    from monplan.generators.schedules import generate

    text = PLAN.read_text()
    changed = re.sub(r"(?m)^(\s*day: )Monday$", r'\1"[DAY]"', text)
    assert changed != text
    (tmp_path / "plan.yaml").write_text(changed)
    names = {Path(p).name for p in generate(load_plan(tmp_path / "plan.yaml"))}
    assert "monplan-daily-report.timer" in names and not any("weekly" in name for name in names)
    assert "weekly-review" not in yaml.safe_load(generate(load_plan(tmp_path / "plan.yaml"))[WORKFLOW])["jobs"]
