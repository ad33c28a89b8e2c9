"""Every event of a generated calendar has a UID of its own (RFC 5545 3.8.4.7): calendar
clients keep one event per UID, so a second event with the same UID replaces the first or is
dropped. The UID hashes an event's kind, summary and start; a plan can give two events those
(a time of day written twice in `at`, the same activity in two periods), and schedule.ics then
held 13 UIDs twice each. The same check twice is one event; two different events each keep
their own UID."""

from __future__ import annotations

import collections

import icalendar
import pytest

from conftest import CASES, run_monplan

SCHEDULE = """\
deployment: {time: "2026-11-25T09:00:00+00:00"}
monitoring_schedule:
  - period: Week 1
    activities:
      - {during: days 2-7, activity: Morning check, at: ["09:00", "09:00"]}
      - {during: hours 1-4, activity: Watch, cadence: continuous}
      - {during: hours 1-4, activity: Watch, cadence: continuous}
  - period: Extended
    activities:
      - {during: days 2-14, activity: Morning check, at: ["09:00"]}
      - {during: hours 1-4, activity: Watch, cadence: continuous}
reporting:
  daily_report: {time: "08:00", contents: [{item: Uptime, kind: uptime}]}
  weekly_review: {day: Monday, time: "10:00", duration: 1h, participants: [Ops], agenda: [Review]}
"""


@pytest.fixture(scope="module")
def calendars(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[icalendar.Event]]:
    folder = tmp_path_factory.mktemp("uids")
    plan = folder / "plan.yaml"
    plan.write_text((CASES / "valid" / "minimal" / "plan.yaml").read_text().replace(
        "system: Shop\n", f"system: Shop\n{SCHEDULE}"))
    result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(folder / "out"))
    assert result.returncode == 0, result.stderr
    return {str(path.relative_to(folder / "out")): list(icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"))
            for path in sorted((folder / "out").rglob("*.ics"))}


def test_no_two_events_of_a_calendar_share_a_uid(calendars: dict[str, list[icalendar.Event]]) -> None:
    assert calendars
    for name, events in calendars.items():
        twice = {uid: n for uid, n in collections.Counter(str(e["UID"]) for e in events).items() if n > 1}
        assert not twice, f"{name}: UIDs held by more than one event: {twice}"


def test_the_same_check_written_twice_is_one_event_and_different_ones_stay(
        calendars: dict[str, list[icalendar.Event]]) -> None:
    events = calendars["oncall/schedule.ics"]
    seen = collections.Counter((str(e["SUMMARY"]), e["DTSTART"].dt, str(e.get("DESCRIPTION", ""))) for e in events)
    assert not [key for key, n in seen.items() if n > 1]
    day_two = [e for e in events if str(e["SUMMARY"]) == "Morning check" and e["DTSTART"].dt.day == 26]
    # Day 2 of Week 1 and day 2 of Extended: two activities of the plan, one event each.
    assert sorted(str(e["DESCRIPTION"]).split(":")[0] for e in day_two) == ["Extended", "Week 1"]
    watches = [e for e in events if str(e["SUMMARY"]) == "Watch"]
    assert sorted(str(e["DESCRIPTION"]).split(":")[0] for e in watches) == ["Extended", "Week 1"]
