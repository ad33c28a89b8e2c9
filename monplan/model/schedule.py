"""Wall-clock times of the plan: on-call shifts, monitoring periods, scheduled checks.

All arithmetic is in the plan's time zone on local wall time, so a one-day shift that
crosses a daylight-saving change still hands over at the same local time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from monplan.lang import durations
from monplan.model.settings import Settings


@dataclass(frozen=True, slots=True)
class Window:
    name: str
    start: dt.datetime  # aware, in the plan's zone
    end: dt.datetime
    primary: str = ""
    secondary: str = ""


def zone(settings: Settings, override: str | None = None) -> ZoneInfo:
    return ZoneInfo(override or settings.timezone)


def oncall_zone(settings: Settings) -> ZoneInfo:
    return zone(settings, settings.oncall.timezone if settings.oncall else None)


def time_of_day(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


def local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An aware moment in `tz`; a naive one is read as wall time in `tz`."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def shift_windows(settings: Settings) -> list[Window] | None:
    """The rotation's shifts as local windows, or None when there is no start date."""
    assert settings.oncall is not None
    tz = oncall_zone(settings)
    handoff = time_of_day(settings.oncall.handoff)
    if settings.oncall.start is not None:
        first_day = settings.oncall.start
    elif settings.deployment is not None:
        first_day = settings.deployment.time.astimezone(tz).date()
    else:
        first_day = None
    windows: list[Window] = []
    cursor = dt.datetime.combine(first_day, handoff, tzinfo=tz) if first_day else None
    for shift in settings.oncall.rotation:
        start = local(shift.start, tz) if shift.start is not None else cursor
        if start is None:
            return None
        end = dt.datetime.combine(start.date() + dt.timedelta(days=shift.days), handoff, tzinfo=tz)
        windows.append(Window(shift.day, start, end, shift.primary, shift.secondary))
        cursor = end
    return windows


WEEK = 7  # days after which a weekly rotation starts again


def repeats(settings: Settings) -> bool:
    return settings.oncall is not None and settings.oncall.repeat == "weekly"


def _later(window: Window, days: int) -> Window:
    return Window(window.name, plus_days(window.start, days), plus_days(window.end, days), window.primary, window.secondary)


def shifts_between(settings: Settings, since: dt.datetime, until: dt.datetime) -> list[Window]:
    """The shifts that overlap [since, until): the rotation's list, and with `repeat: weekly`
    the same list again every week, at the same local times (across clock changes too)."""
    cycle = (shift_windows(settings) or []) if settings.oncall else []
    if not cycle:
        return []
    if not repeats(settings):
        return [w for w in cycle if w.end > since and w.start < until]
    weeks_before = (since.astimezone(cycle[0].start.tzinfo).date() - cycle[0].start.date()).days // WEEK
    week = max(0, weeks_before - 1)
    out: list[Window] = []
    while True:
        moved = [_later(w, WEEK * week) for w in cycle]
        if moved[0].start >= until:
            return out
        out += [w for w in moved if w.end > since and w.start < until]
        week += 1


def on_call_at(settings: Settings, moment: dt.datetime) -> Window | None:
    for window in shifts_between(settings, moment, moment + dt.timedelta(seconds=1)):
        if window.start <= moment < window.end:
            return window
    return None


def uncovered(settings: Settings, since: dt.datetime | None) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """Times from `since` (the deployment; default the first hand-off) when nobody is on call:
    before the first hand-off, each week's hole of a weekly rotation shorter than a week
    (the first of them; they recur), and with `repeat: none` everything after the last shift
    (end None)."""
    cycle = (shift_windows(settings) or []) if settings.oncall else []
    if not cycle:
        return []
    start = min(since, cycle[0].start) if since else cycle[0].start
    horizon = plus_days(cycle[0].start, 2 * WEEK) if repeats(settings) else cycle[-1].end
    gaps: list[tuple[dt.datetime, dt.datetime | None]] = []
    cursor = start
    for window in sorted(shifts_between(settings, start, horizon), key=lambda w: w.start):
        if window.start > cursor:
            gaps.append((cursor, window.start))
        cursor = max(cursor, window.end)
    if repeats(settings):
        first_week_end = plus_days(cycle[0].start, WEEK)
        return [gap for gap in gaps if gap[0] < first_week_end]
    return gaps + [(cursor, None)]


# --- monitoring periods and scheduled activities, counted from the deployment -------------

_DURING = re.compile(r"^(?P<unit>hours?|days?)\s+(?P<first>\d+)\s*(?:(?P<dash>-)\s*(?P<last>\d+)?)?$", re.IGNORECASE)


def deployed_at(settings: Settings) -> dt.datetime | None:
    """The deployment time in the plan's zone, or None when the plan has none."""
    if settings.deployment is None:
        return None
    return settings.deployment.time.astimezone(zone(settings, settings.deployment.timezone))


def plus_days(moment: dt.datetime, days: int) -> dt.datetime:
    """The same local wall time `days` calendar days later (a day is 23 or 25 hours across DST)."""
    tz = moment.tzinfo
    return (moment.replace(tzinfo=None) + dt.timedelta(days=days)).replace(tzinfo=tz)


def plus_elapsed(moment: dt.datetime, delta: dt.timedelta) -> dt.datetime:
    """`delta` of real time later, in moment's zone.

    Python adds a timedelta to an aware datetime on its wall clock (24 hours after 12:00 the
    day before a DST change is 12:00, 25 real hours later); elapsed time is added in UTC.
    """
    return (moment.astimezone(dt.UTC) + delta).astimezone(moment.tzinfo)


def period_window(settings: Settings, period: str) -> tuple[dt.datetime, dt.datetime | None] | None:
    """Start and end (None: ongoing) of a monitoring_duration period; elapsed time from deployment."""
    start = deployed_at(settings)
    found = next((p for p in settings.monitoring_duration if p.period == period), None)
    if start is None or found is None:
        return None
    begin = plus_elapsed(start, dt.timedelta(milliseconds=durations.parse_ms(found.from_)))
    end = plus_elapsed(start, dt.timedelta(milliseconds=durations.parse_ms(found.until))) if found.until else None
    return begin, end


def during_window(start: dt.datetime, during: str) -> tuple[dt.datetime, dt.datetime | None]:
    """'hours 1-4' -> the first four elapsed hours; 'days 2-7' -> calendar days 2 to 7; 'days 8-' is open.

    Hour N is [N-1, N) hours after the deployment; day N starts N-1 local days after it.
    """
    match = _DURING.match(during.strip())
    if not match:
        raise ValueError(f'cannot read "{during}"')
    first = int(match["first"])
    last = int(match["last"]) if match["last"] else (None if match["dash"] else first)
    if match["unit"].lower().startswith("hour"):
        hour = dt.timedelta(hours=1)
        return plus_elapsed(start, (first - 1) * hour), plus_elapsed(start, last * hour) if last is not None else None
    return plus_days(start, first - 1), plus_days(start, last) if last is not None else None

