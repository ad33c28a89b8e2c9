"""generated/oncall/: calendars that round-trip through icalendar, the PagerDuty-shaped policy, ONCALL.md."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from icalendar import Calendar

from tests.conftest import ROOT
from tests.delivery.conftest import PLAN, compile_plan

BERLIN = ZoneInfo("Europe/Berlin")


def files_of(tmp_path: Path, text: str = PLAN) -> dict[str, bytes]:
    from monplan.generators.oncall import generate

    return generate(compile_plan(tmp_path, text))


def events(data: bytes) -> list[Any]:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def expected_shifts(text: str) -> list[tuple[str, str, str, dt.datetime, dt.datetime]]:
    """(day, primary, secondary, start, end) read from the plan's own rotation rows: one after another
    from the deployment date at the handoff time, each `days` long (default 1)."""
    plan = yaml.safe_load(text)
    handoff = dt.time.fromisoformat(plan["oncall"]["handoff"])
    day = dt.datetime.fromisoformat(str(plan["deployment"]["time"])).astimezone(BERLIN).date()
    out = []
    for row in plan["oncall"]["rotation"]:
        end_day = day + dt.timedelta(days=row.get("days", 1))
        out.append((row["day"], row["primary"], row["secondary"], dt.datetime.combine(day, handoff, tzinfo=BERLIN),
                    dt.datetime.combine(end_day, handoff, tzinfo=BERLIN)))
        day = end_day
    return out


def test_the_rotation_calendar_round_trips_through_icalendar_byte_for_byte(tmp_path: Path) -> None:
    data = files_of(tmp_path)["oncall/rotation.ics"]
    assert Calendar.from_ical(data).to_ical() == data


def test_every_shift_has_one_event_for_the_primary_and_one_for_the_secondary_in_the_plans_zone(tmp_path: Path) -> None:
    found = [(e.decoded("dtstart"), e.decoded("dtend"), str(e["summary"])) for e in events(files_of(tmp_path)["oncall/rotation.ics"])]
    for day, primary, secondary, start, end in expected_shifts(PLAN):
        for role, name in (("primary", primary), ("secondary", secondary)):
            matching = [(s, e) for s, e, summary in found if summary == f"On call, {role}: {name} ({day})"]
            assert matching == [(start, end)], (day, role)
            assert str(matching[0][0].tzinfo) == "Europe/Berlin"
    assert len(found) == 2 * len(expected_shifts(PLAN))


def test_the_calendar_carries_the_time_zone_definition_its_events_refer_to(tmp_path: Path) -> None:
    calendar = Calendar.from_ical(files_of(tmp_path)["oncall/rotation.ics"])
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    assert calendar.get_missing_tzids() == set()
    assert 'TZID=Europe/Berlin:20261125T090000' in files_of(tmp_path)["oncall/rotation.ics"].decode()


def test_a_shift_across_the_autumn_clock_change_hands_over_at_the_same_local_time_after_25_hours(tmp_path: Path) -> None:
    text = PLAN.replace("time: 2026-11-25T09:00:00+01:00", "time: 2026-10-24T09:00:00+02:00")
    day_one = next(e for e in events(files_of(tmp_path, text)["oncall/rotation.ics"]) if "(Day 1)" in str(e["summary"]))
    start, end = day_one.decoded("dtstart"), day_one.decoded("dtend")
    assert (start.hour, end.hour, end.date().isoformat()) == (9, 9, "2026-10-25")
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=25)


def test_a_shift_across_the_spring_clock_change_lasts_23_hours(tmp_path: Path) -> None:
    text = PLAN.replace("time: 2026-11-25T09:00:00+01:00", "time: 2026-03-28T09:00:00+01:00")
    day_one = next(e for e in events(files_of(tmp_path, text)["oncall/rotation.ics"]) if "(Day 1)" in str(e["summary"]))
    start, end = day_one.decoded("dtstart"), day_one.decoded("dtend")
    assert (start.hour, end.hour) == (9, 9)
    assert end.astimezone(dt.UTC) - start.astimezone(dt.UTC) == dt.timedelta(hours=23)


def test_uids_are_unique_and_stamps_come_from_the_deployment_so_builds_are_reproducible(
        tmp_path: Path, repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    assert files_of(tmp_path) == files_of(tmp_path)
    deployed = repo_plan.settings.deployment.time.astimezone(dt.UTC)
    for path in ("oncall/rotation.ics", "oncall/schedule.ics", "oncall/grafana-oncall/primary.ics"):
        found = events(repo_files[path])
        assert len({str(e["uid"]) for e in found}) == len(found)
        assert {e.decoded("dtstamp") for e in found} == {deployed}


def test_grafana_oncall_calendars_title_each_shift_with_the_username_or_email_only(tmp_path: Path) -> None:
    people = {p["name"]: p for p in yaml.safe_load(PLAN)["people"]}
    files = files_of(tmp_path)
    for index, role in enumerate(("primary", "secondary")):
        found = events(files[f"oncall/grafana-oncall/{role}.ics"])
        expected = [(people[shift[1 + index]].get("oncall_user") or people[shift[1 + index]].get("email")
                     or shift[1 + index], shift[3]) for shift in expected_shifts(PLAN)]
        assert [(str(e["summary"]), e.decoded("dtstart")) for e in found] == expected
        assert all("description" not in e and "attendee" not in e for e in found)


def test_the_schedule_has_the_check_ins_of_days_2_to_7_at_their_local_times(repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    found = events(repo_files["oncall/schedule.ics"])
    deployed = repo_plan.settings.deployment.time.astimezone(BERLIN)
    for activity in (a for period in repo_plan.settings.monitoring_schedule for a in period.activities if a.at):
        starts = sorted(e.decoded("dtstart") for e in found if str(e["summary"]) == activity.activity)
        wanted = [dt.datetime.combine(deployed.date() + dt.timedelta(days=d), dt.time.fromisoformat(at), tzinfo=BERLIN)
                  for d in range(1, 7) for at in activity.at]
        assert starts == sorted(wanted), activity.activity


def test_the_first_day_has_a_continuous_watch_then_hourly_checks(repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    found = events(repo_files["oncall/schedule.ics"])
    deployed = repo_plan.settings.deployment.time
    watch = [e for e in found if "Continuous" in str(e["summary"])]
    assert [(e.decoded("dtstart"), e.decoded("dtend")) for e in watch] == [(deployed, deployed + dt.timedelta(hours=4))]
    hourly = sorted(e.decoded("dtstart") for e in found if "Hourly" in str(e["summary"]))
    assert hourly == [deployed + dt.timedelta(hours=h) for h in range(4, 24)]


def test_the_daily_report_and_weekly_review_recur_at_the_plans_times(repo_plan: Any, repo_files: dict[str, bytes]) -> None:
    reporting = repo_plan.settings.reporting
    found = {str(e["summary"]): e for e in events(repo_files["oncall/schedule.ics"]) if "rrule" in e}
    daily = next(e for name, e in found.items() if "report" in name.lower())
    assert daily["rrule"]["FREQ"] == ["DAILY"]
    assert daily.decoded("dtstart").strftime("%H:%M") == reporting.daily_report.time
    weekly = next(e for name, e in found.items() if "review" in name.lower())
    assert weekly["rrule"]["FREQ"] == ["WEEKLY"] and weekly["rrule"]["BYDAY"] == [reporting.weekly_review.day[:2].upper()]
    start, end = weekly.decoded("dtstart"), weekly.decoded("dtend")
    assert start.strftime("%A %H:%M").lower() == f"{reporting.weekly_review.day} {reporting.weekly_review.time}"
    assert end - start == dt.timedelta(hours=1)
    assert str(start.tzinfo) == repo_plan.settings.timezone


def test_the_escalation_policy_has_pagerdutys_shape_with_ordered_levels_and_delays(tmp_path: Path) -> None:
    policy = yaml.safe_load(files_of(tmp_path)["oncall/escalation-policy.yaml"])
    rules = policy["escalation_policy"]["escalation_rules"]
    # primary at once, secondary after 5m, team lead after 15m: each rule waits until the next begins
    assert [r["escalation_delay_in_minutes"] for r in rules[:-1]] == [5, 10]
    assert [t["type"] for r in rules for t in r["targets"]] == ["schedule_reference", "schedule_reference", "user_reference"]
    assert rules[2]["targets"][0]["email"] == "lead@example.com"
    names = [s["name"] for s in policy["schedules"]]
    assert [t["summary"] for r in rules[:2] for t in r["targets"]] == names
    primary = policy["schedules"][0]["schedule_layers"]
    assert [(layer["name"], layer["users"][0]["user"]["summary"]) for layer in primary] == \
        [(shift[0], shift[1]) for shift in expected_shifts(PLAN)]
    # The rotation repeats weekly: each layer is the person's turn every week, restricted to the shift.
    weekend = primary[-1]
    assert weekend["rotation_turn_length_seconds"] == 7 * 86400 and "end" not in weekend
    weekend_start = expected_shifts(PLAN)[-1][3]
    assert weekend["restrictions"] == [{"type": "weekly_restriction", "start_day_of_week": weekend_start.isoweekday(),
                                        "start_time_of_day": "09:00:00", "duration_seconds": 2 * 86400}]
    assert [level["level"] for level in policy["levels"]] == \
        ["On-Call Engineer (primary)", "On-Call Engineer (secondary)", "Team Lead"]


def test_oncall_md_says_who_is_on_call_when_and_how_to_escalate(tmp_path: Path) -> None:
    text = files_of(tmp_path)["oncall/ONCALL.md"].decode()
    for day, primary, secondary, start, end in expected_shifts(PLAN):
        assert f"| {day} | {start:%a %Y-%m-%d %H:%M} | {end:%a %Y-%m-%d %H:%M} | {primary} | {secondary} |" in text
    chain = text.split("## How to escalate")[1]
    assert chain.index("On-Call Engineer (primary)") < chain.index("On-Call Engineer (secondary)") < chain.index("Team Lead")


def test_a_plan_without_rotation_or_deployment_builds_no_calendars(tmp_path: Path) -> None:
    text = PLAN.split("oncall:\n")[0].replace("  - {level: On-Call Engineer, rotation: true, after: 0m, secondary_after: 5m}\n", "")
    text = text.replace("deployment:\n  time: 2026-11-25T09:00:00+01:00\n  team: [Ana]\n", "")
    text = text.replace("  critical_period: {priorities: [critical, high], receivers: [deploy-watch]}\n", "")
    files = files_of(tmp_path, text + "escalation_path:\n  - {level: Team Lead, people: [Lead]}\n")
    assert sorted(files) == ["oncall/ONCALL.md", "oncall/escalation-policy.yaml"]


def _restricted_user(layers: list[dict], moment: dt.datetime) -> list[str]:
    """Who PagerDuty puts on call at `moment` from layers with weekly restrictions (local times)."""
    found = []
    for layer in layers:
        if dt.datetime.fromisoformat(layer["start"]) > moment:
            continue
        for restriction in layer["restrictions"]:
            hour, minute, _ = map(int, restriction["start_time_of_day"].split(":"))
            local = moment.astimezone(BERLIN).replace(tzinfo=None)
            monday = (local - dt.timedelta(days=local.weekday())).replace(hour=0, minute=0, second=0)
            for weeks in (-1, 0):
                begin = monday + dt.timedelta(weeks=weeks, days=restriction["start_day_of_week"] - 1, hours=hour, minutes=minute)
                if begin <= local < begin + dt.timedelta(seconds=restriction["duration_seconds"]):
                    found.append(layer["users"][0]["user"]["summary"])
    return found


def test_a_weekly_rotations_pagerduty_layers_put_exactly_the_shifts_primary_on_call_every_hour_for_five_weeks(tmp_path: Path) -> None:
    from monplan.model.schedule import on_call_at

    text = (ROOT / "plan.yaml").read_text()
    plan = compile_plan(tmp_path, text)
    from monplan.generators.oncall import generate

    layers = yaml.safe_load(generate(plan)["oncall/escalation-policy.yaml"])["schedules"][0]["schedule_layers"]
    first = expected_shifts(text)[0][3]
    for hour in range(0, 5 * 7 * 24, 1):
        moment = (first.astimezone(dt.UTC) + dt.timedelta(hours=hour, minutes=30)).astimezone(BERLIN)
        window = on_call_at(plan.settings, moment)
        assert window is not None, moment
        assert _restricted_user(layers, moment) == [window.primary], moment


def test_a_weekly_rotations_calendar_events_recur_every_week_and_a_fixed_list_does_not(tmp_path: Path) -> None:
    weekly = events(files_of(tmp_path)["oncall/rotation.ics"])
    assert weekly and all(e["RRULE"].to_ical() == b"FREQ=WEEKLY" for e in weekly)
    fixed = events(files_of(tmp_path, PLAN.replace('handoff: "09:00"', 'handoff: "09:00"\n  repeat: none'))["oncall/rotation.ics"])
    assert fixed and not any("RRULE" in e for e in fixed)
