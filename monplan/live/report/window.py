"""The time range a report or a tuning run covers, on the plan's evaluation grid.

A window is [start, end): a daily report at 08:00 covers the evaluations from 08:00 the
day before up to, not including, 08:00 today (those belong to the next report). `end` is
rounded down to a whole step so every range query reads the same evaluation timestamps.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, replace
from zoneinfo import ZoneInfo

from monplan.lang import durations
from monplan.live.prometheus_api import MAX_POINTS

PERIODS = {"day": 86_400.0, "week": 7 * 86_400.0}


@dataclass(frozen=True, slots=True)
class Window:
    start: float  # unix seconds, inclusive
    end: float  # unix seconds, exclusive
    step: float  # seconds between evaluations
    tz: ZoneInfo

    @property
    def seconds(self) -> float:
        return self.end - self.start

    @property
    def last(self) -> float:
        """The last evaluation inside the window."""
        return self.end - self.step

    def count(self) -> int:
        """Evaluations in the window."""
        return round(self.seconds / self.step)

    def before(self, seconds: float) -> Window:
        """The same window, `seconds` earlier (the previous period, or one week earlier)."""
        return replace(self, start=self.start - seconds, end=self.end - seconds)

    def local(self, stamp: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(stamp, self.tz)


def step_for(evaluation_interval: str, seconds: float) -> float:
    """The evaluation interval, or coarser when a range query would exceed Prometheus' point limit."""
    step = durations.parse_seconds(evaluation_interval) or 60.0
    if seconds / step + 1 > MAX_POINTS:
        step = float(math.ceil(seconds / (MAX_POINTS - 1) / 60) * 60)
    return step


def make_window(seconds: float, end: float, step: float, tz: ZoneInfo) -> Window:
    end = end - (end % step)
    return Window(end - seconds, end, step, tz)


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_at(text: str | None, tz: ZoneInfo, report_time: str | None, now: float) -> float:
    """The report's end time: "now", unix seconds, an ISO 8601 date-time (wall time in the
    plan's zone unless it carries an offset), or a date (that day at the daily report time).
    Raises ValueError with what is expected."""
    if text is None or text.strip().lower() == "now":
        return now
    text = text.strip()
    try:
        stamp = float(text)
    except ValueError:
        pass
    else:
        return _in_range(stamp, text)
    try:
        if _DATE.match(text):
            hour, minute = (report_time or "00:00").split(":") if report_time and ":" in report_time else ("0", "0")
            moment = dt.datetime.fromisoformat(text).replace(hour=int(hour), minute=int(minute))
        else:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f'cannot read time "{text}"; expected "now", unix seconds, 2026-12-02 (the daily report '
                         'time that day) or 2026-12-02T08:00 (in the plan\'s time zone unless an offset is given)') from None
    if moment.tzinfo is None:
        from monplan.model.oncall_status import exists_once

        exists_once(moment, tz, text)  # a wall time the clocks skip, or show twice, names no one moment
        moment = moment.replace(tzinfo=tz)
    return _in_range(moment.timestamp(), text)


def _in_range(stamp: float, text: str) -> float:
    """Unix seconds within the years a plan's dates may take (nan, inf and year 9999 are not)."""
    from monplan.spec.types import FIRST_YEAR, LAST_YEAR

    first = dt.datetime(FIRST_YEAR, 1, 1, tzinfo=dt.UTC).timestamp()
    last = dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.UTC).timestamp()
    if not first <= stamp < last:  # also false for nan
        raise ValueError(f'"{text}" is not a time between {FIRST_YEAR} and {LAST_YEAR}; expected "now", unix '
                         "seconds or a date such as 2026-12-02")
    return stamp


def parse_since(text: str) -> float:
    """A lookback such as 24h or 7d, in seconds; raises ValueError."""
    try:
        seconds = durations.parse_seconds(text)
    except durations.DurationError as err:
        raise ValueError(str(err)) from None
    if seconds <= 0:
        raise ValueError(f'"{text}" is no time at all; expected a duration such as 24h or 7d')
    return seconds
