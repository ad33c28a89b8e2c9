"""`monplan oncall [--at TIME]`: who is primary and secondary, and the escalation chain."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import ROOT, run_monplan
from tests.delivery.conftest import PLAN, compile_plan
from tests.delivery.test_oncall_files import expected_shifts

REPO_PLAN = (ROOT / "plan.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("index", range(len(expected_shifts(REPO_PLAN))))
def test_oncall_at_a_time_inside_a_shift_names_its_primary_and_secondary(index: int) -> None:
    day, primary, secondary, start, end = expected_shifts(REPO_PLAN)[index]
    middle = start + (end - start) / 2
    result = run_monplan("oncall", "--at", f"{middle:%Y-%m-%d %H:%M}")
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in result.stdout.splitlines()
            if line.count("│") >= 3 and line.split("│")[1].strip() in ("primary", "secondary")}
    assert rows == {"primary": primary, "secondary": secondary}
    assert f"Shift {day}:" in result.stdout


def test_oncall_prints_the_escalation_chain_in_order_with_the_people_on_call_then() -> None:
    _day, primary, secondary, start, _ = expected_shifts(REPO_PLAN)[0]
    result = run_monplan("oncall", "--at", (start + dt.timedelta(hours=1)).isoformat())
    chain = result.stdout.split("Escalation")[1]
    order = [chain.index(name) for name in (primary, secondary, "Mei Lin", "Daniel Novak", "Helena Costa")]
    assert order == sorted(order)


def test_a_time_with_an_offset_is_converted_to_the_rotations_zone() -> None:
    shifts = expected_shifts(REPO_PLAN)
    handover = shifts[-1][3]  # the Weekend starts here; a minute earlier the shift before is still on
    before = (handover - dt.timedelta(minutes=1)).astimezone(ZoneInfo("America/New_York"))
    result = run_monplan("oncall", "--at", before.isoformat())
    assert f"Shift {shifts[-2][0]}:" in result.stdout


def test_unix_seconds_name_the_same_moment_as_report_and_tune_read_them() -> None:
    shifts = expected_shifts(REPO_PLAN)
    handover = shifts[-1][3]
    for moment, shift in ((handover - dt.timedelta(minutes=1), shifts[-2][0]), (handover, shifts[-1][0])):
        result = run_monplan("oncall", "--at", str(int(moment.timestamp())))
        assert result.returncode == 0, result.stderr
        assert f"Shift {shift}:" in result.stdout
    for wrong in ("nan", "inf", "1e30", "-1e30"):
        result = run_monplan("oncall", "--at", wrong)
        assert result.returncode == 2 and "Traceback" not in result.stderr, (wrong, result.stderr)


def test_before_the_first_hand_off_oncall_says_nobody_is_on_call_and_fails() -> None:
    first = expected_shifts(REPO_PLAN)[0][3]
    result = run_monplan("oncall", "--at", f"{first - dt.timedelta(hours=1):%Y-%m-%d %H:%M}")
    assert result.returncode == 1
    assert "Nobody is on call" in result.stderr and "first hand-off" in result.stderr


@pytest.mark.parametrize("days", [30, 31, 365, 3 * 365 + 100])
def test_a_weekly_rotation_names_the_shift_of_that_week_long_after_the_deployment(days: int) -> None:
    """The repo plan's rotation repeats weekly: deployment + 30 days (and years later, across
    clock changes) is the same shift as the same local time in the first week."""
    shifts = expected_shifts(REPO_PLAN)
    deployed = dt.datetime.fromisoformat("2026-11-25T09:00:00+01:00").astimezone(ZoneInfo("Europe/Berlin"))
    moment = (deployed.replace(tzinfo=None) + dt.timedelta(days=days, hours=5)).replace(tzinfo=ZoneInfo("Europe/Berlin"))
    same_in_first_week = (moment.replace(tzinfo=None) - dt.timedelta(weeks=days // 7)).replace(tzinfo=ZoneInfo("Europe/Berlin"))
    day, primary, secondary, _, _ = next(s for s in shifts if s[3] <= same_in_first_week < s[4])
    result = run_monplan("oncall", "--at", f"{moment:%Y-%m-%d %H:%M}")
    assert result.returncode == 0, result.stderr
    assert f"Shift {day}:" in result.stdout and primary in result.stdout and secondary in result.stdout


def test_a_rotation_that_does_not_repeat_leaves_nobody_on_call_after_its_last_shift(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(REPO_PLAN.replace('handoff: "09:00"', 'handoff: "09:00"\n  repeat: none'))
    last_end = expected_shifts(REPO_PLAN)[-1][4]
    result = run_monplan("oncall", "--plan", str(plan), "--at", f"{last_end + dt.timedelta(days=3):%Y-%m-%d %H:%M}")
    assert result.returncode == 1
    assert "Nobody is on call" in result.stderr and "repeat: none" in result.stderr


def test_a_time_oncall_cannot_read_is_a_usage_error() -> None:
    result = run_monplan("oncall", "--at", "next tuesday")
    assert result.returncode == 2
    assert 'cannot read "next tuesday" as a time' in result.stderr and "Traceback" not in result.stderr


def test_oncall_says_whether_medium_alerts_are_held_and_the_critical_period_is_on(tmp_path: Path) -> None:
    from monplan.model.oncall_status import parse_moment, status

    plan = compile_plan(tmp_path, PLAN)
    settings = plan.settings
    wednesday_noon = status(plan, parse_moment(settings, "2026-11-25 12:00"))
    assert wednesday_noon.business_hours is True and wednesday_noon.critical_period is not None
    saturday_noon = status(plan, parse_moment(settings, "2026-11-28 12:00"))
    assert saturday_noon.business_hours is False and saturday_noon.critical_period is None
    thursday_night = status(plan, parse_moment(settings, "2026-11-26T03:00:00+01:00"))
    assert thursday_night.business_hours is False and thursday_night.critical_period is not None
    assert [names for _, names in thursday_night.chain] == [["Ana"], ["Ben"], ["Lead"]]


def test_oncall_help_is_instant_it_imports_no_heavy_library() -> None:
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "monplan", "oncall", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0 and "--at" in proc.stdout
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines() if line.startswith("import time:")}
    heavy = ("icalendar", "jinja2", "yaml", "monplan.spec", "monplan.generators", "monplan.model.oncall_status")
    assert sorted(name for name in imported if name.startswith(heavy)) == []


def _validate(tmp_path: Path, text: str) -> tuple[int, list[str]]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(text)
    result = run_monplan("validate", "--no-tools", "--plan", str(plan))
    return result.returncode, [line for line in result.stderr.splitlines() if "oncall.rotation" in line]


def test_validate_passes_the_repo_plan_whose_weekly_rotation_covers_every_hour(tmp_path: Path) -> None:
    code, said = _validate(tmp_path, REPO_PLAN)
    assert code == 0 and said == []


def test_validate_reports_the_weekly_hole_of_a_rotation_shorter_than_a_week(tmp_path: Path) -> None:
    text = REPO_PLAN.replace("    - {day: Day 6, primary: Priya Raman, secondary: Jonas Weber}\n", "")
    code, said = _validate(tmp_path, text)
    assert code == 1
    assert len(said) == 1 and "error" in said[0]
    assert "nobody is on call every week from Tue 2026-12-01 09:00 to Wed 2026-12-02 09:00 (Europe/Berlin)" in said[0]


def test_validate_reports_the_time_before_the_first_hand_off(tmp_path: Path) -> None:
    code, said = _validate(tmp_path, REPO_PLAN.replace("time: 2026-11-25T09:00:00+01:00", "time: 2026-11-25T02:30:00+01:00"))
    assert code == 1
    assert len(said) == 1 and "from the deployment at Wed 2026-11-25 02:30 to the first hand-off at Wed 2026-11-25 09:00" in said[0]


def test_validate_warns_that_a_fixed_list_ends(tmp_path: Path) -> None:
    code, said = _validate(tmp_path, REPO_PLAN.replace('handoff: "09:00"', 'handoff: "09:00"\n  repeat: none'))
    assert code == 0
    assert len(said) == 1 and "warning" in said[0] and "nobody is on call from Wed 2026-12-02 09:00 (Europe/Berlin) on" in said[0]


def test_a_weekly_rotation_longer_than_a_week_is_refused_at_its_line(tmp_path: Path) -> None:
    code, said = _validate(tmp_path, REPO_PLAN.replace("{day: Day 7, primary: Lucas Martin, secondary: Sofia Rossi}",
                                                      "{day: Day 7, primary: Lucas Martin, secondary: Sofia Rossi, days: 2}"))
    assert code == 1 and len(said) == 1 and "longer than a week" in said[0] and "repeat: none" in said[0]


def test_a_wall_time_the_clocks_skip_or_repeat_is_refused_with_what_to_give_instead() -> None:
    """plan.yaml's on-call zone is Europe/Berlin: 02:30 on 2027-03-28 never happens (02:00 ->
    03:00) and 02:30 on 2027-10-31 happens twice; either would otherwise be read as a guess."""
    skipped = run_monplan("oncall", "--at", "2027-03-28 02:30")
    assert skipped.returncode == 2 and "Traceback" not in skipped.stderr
    assert '"2027-03-28 02:30" does not exist in Europe/Berlin' in skipped.stderr
    twice = run_monplan("oncall", "--at", "2027-10-31 02:30")
    assert twice.returncode == 2 and "happens twice in Europe/Berlin" in twice.stderr
    assert "2027-10-31T02:30+02:00" in twice.stderr and "2027-10-31T02:30+01:00" in twice.stderr
    for fine in ("2027-03-28 03:30", "2027-10-31 03:30", "2027-10-31T02:30+01:00"):
        assert run_monplan("oncall", "--at", fine).returncode == 0, fine
