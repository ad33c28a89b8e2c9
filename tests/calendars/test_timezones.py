"""The calendars as Thunderbird (ical.js) and dateutil-based clients (vobject) read them:
three years of every event's occurrences, expanded by each parser from the file's own
VTIMEZONE, fall on the instants zoneinfo gives for the event's local wall time.

The VTIMEZONE used to be one DTSTART plus an RDATE list; both parsers put summer
occurrences an hour off with it. Zones cover the forms of vtimezone.py: last Sunday rules
(Berlin), nth Sunday (New York), the southern hemisphere (Sydney), "Sunday on or after the
2nd" (Santiago), changes no yearly rule fits (Casablanca) and no changes at all (Tokyo).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from dateutil.rrule import rrulestr

from conftest import CASES, run_monplan

ZONES = ["Europe/Berlin", "America/New_York", "Australia/Sydney", "America/Santiago", "Africa/Casablanca", "Asia/Tokyo"]
DEPLOYED = dt.datetime(2026, 11, 25, 9, 0, tzinfo=dt.UTC)
UNTIL = DEPLOYED + dt.timedelta(days=3 * 365 + 1)
EXTRA = """\
deployment: {time: "2026-11-25T09:00:00+00:00"}
people:
  - {name: Ana, email: ana@example.com}
  - {name: Ben, email: ben@example.com}
oncall:
  handoff: "09:00"
  rotation:
    - {day: Weekdays, primary: Ana, secondary: Ben, days: 5}
    - {day: Weekend, primary: Ben, secondary: Ana, days: 2}
reporting:
  daily_report: {time: "08:00", contents: [{item: Uptime, kind: uptime}]}
  weekly_review: {day: Monday, time: "10:00", duration: 1h, participants: [Ops], agenda: [Review]}
"""


@pytest.fixture(scope="module", params=ZONES)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    zone = request.param
    folder = tmp_path_factory.mktemp(zone.replace("/", "-"))
    plan = folder / "plan.yaml"
    plan.write_text((CASES / "valid" / "minimal" / "plan.yaml").read_text().replace(
        "system: Shop\n", f"system: Shop\ntimezone: {zone}\n{EXTRA}"))
    result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(folder / "out"))
    assert result.returncode == 0, result.stderr
    return zone, folder / "out" / "oncall"


def expected(path: Path) -> dict[str, list[int]]:
    """Per event summary: the Unix times of its occurrences, from its local wall times
    (DTSTART and RRULE expanded on the wall clock, with no zone) placed by zoneinfo."""
    out: dict[str, list[int]] = {}
    for event in icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT"):
        start = event["DTSTART"].dt
        zone = start.tzinfo
        wall = start.replace(tzinfo=None)
        if "RRULE" in event:
            rule = rrulestr(event["RRULE"].to_ical().decode(), dtstart=wall)
            walls = list(rule.between(wall, UNTIL.astimezone(zone).replace(tzinfo=None), inc=True))
        else:
            walls = [wall]
        times = [int(w.replace(tzinfo=zone).timestamp()) for w in walls]
        out.setdefault(str(event["SUMMARY"]), []).extend(t for t in times if t < UNTIL.timestamp())
    return {summary: sorted(times) for summary, times in out.items()}


def _files(folder: Path) -> list[Path]:
    files = sorted(folder.glob("**/*.ics"))
    assert {f.name for f in files} >= {"schedule.ics", "rotation.ics", "primary.ics"}
    return files


def _grouped(occurrences: list[tuple[str, int]]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for summary, start in occurrences:
        out.setdefault(summary, []).append(start)
    return {summary: sorted(times) for summary, times in out.items()}


def _readable(times: list[int], zone: str) -> list[str]:
    return [dt.datetime.fromtimestamp(t, ZoneInfo(zone)).isoformat() for t in times]


def _assert_same(found: dict[str, list[int]], want: dict[str, list[int]], zone: str, parser: str) -> None:
    assert sorted(found) == sorted(want)
    for summary, times in want.items():
        wrong = sorted(set(found[summary]) ^ set(times))
        assert not wrong, f"{parser} places {summary!r} differently from zoneinfo ({zone}): {_readable(wrong[:6], zone)}"
    if parser.endswith("schedule.ics"):
        assert sum(len(t) for t in want.values()) > 3 * 365, "three years of daily reports at least"


def test_ical_js_reads_every_occurrence_at_its_local_time(built: tuple[str, Path], icaljs) -> None:
    zone, folder = built
    for path in _files(folder):
        occurrences = icaljs.expand(path, int(UNTIL.timestamp()))
        _assert_same(_grouped([(o["summary"], o["start"]) for o in occurrences]), expected(path), zone, f"ical.js, {path.name}")


def test_vobject_reads_every_occurrence_at_its_local_time(built: tuple[str, Path]) -> None:
    import vobject

    zone, folder = built
    for path in _files(folder):
        occurrences = []
        for event in vobject.readOne(path.read_text()).vevent_list:
            rules = event.getrruleset(addRDate=True)
            starts = list(rules.between(event.dtstart.value, UNTIL, inc=True)) if rules else [event.dtstart.value]
            occurrences += [(event.summary.value, int(start.timestamp())) for start in starts if start < UNTIL]
        _assert_same(_grouped(occurrences), expected(path), zone, f"vobject, {path.name}")


@pytest.mark.parametrize("zone", ZONES)
def test_each_observance_is_a_yearly_rule_unless_none_fits(zone: str) -> None:
    """Yearly RRULEs where the zone has a rule; one observance per change, said in a COMMENT,
    only where none fits (Morocco's changes follow Ramadan); never an RDATE list."""
    from monplan.formats.vtimezone import RDATE_NOTE, vtimezone_lines

    lines = vtimezone_lines(zone, 2026)
    assert not any(line.startswith("RDATE") for line in lines)
    rules = [line for line in lines if line.startswith("RRULE:FREQ=YEARLY;BYMONTH=")]
    alone = sum(1 for line in lines if line == f"COMMENT:{RDATE_NOTE}")
    if zone == "Asia/Tokyo":
        assert not rules and not alone
    elif zone == "Africa/Casablanca":
        assert alone > 10
    else:
        assert len(rules) >= 2 and not alone
    if zone == "Europe/Berlin":
        assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines and "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in lines
