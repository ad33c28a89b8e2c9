"""Wall-clock times of the plan: on-call shifts, monitoring periods, scheduled checks.

All arithmetic is in the plan's time zone on local wall time, so a one-day shift that
crosses a daylight-saving change still hands over at the same local time.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from monplan.spec.plan import Plan as Spec


@dataclass(frozen=True, slots=True)
class Window:
    name: str
    start: dt.datetime  # aware, in the plan's zone
    end: dt.datetime
    primary: str = ""
    secondary: str = ""


def zone(spec: Spec, override: str | None = None) -> ZoneInfo:
    return ZoneInfo(override or spec.timezone)


def oncall_zone(spec: Spec) -> ZoneInfo:
    return zone(spec, spec.oncall.timezone if spec.oncall else None)


def _time(text: str) -> dt.time:
    hour, minute = text.split(":")
    return dt.time(int(hour), int(minute))


def local(moment: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """An aware moment in `tz`; a naive one is read as wall time in `tz`."""
    return moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)


def shift_windows(spec: Spec) -> list[Window] | None:
    """The rotation's shifts as local windows, or None when there is no start date."""
    assert spec.oncall is not None
    tz = oncall_zone(spec)
    handoff = _time(spec.oncall.handoff)
    if spec.oncall.start is not None:
        first_day = spec.oncall.start
    elif spec.deployment is not None:
        first_day = spec.deployment.time.astimezone(tz).date()
    else:
        first_day = None
    windows: list[Window] = []
    cursor = dt.datetime.combine(first_day, handoff, tzinfo=tz) if first_day else None
    for shift in spec.oncall.rotation:
        start = local(shift.start, tz) if shift.start is not None else cursor
        if start is None:
            return None
        end = dt.datetime.combine(start.date() + dt.timedelta(days=shift.days), handoff, tzinfo=tz)
        windows.append(Window(shift.day, start, end, shift.primary, shift.secondary))
        cursor = end
    return windows


def on_call_at(spec: Spec, moment: dt.datetime) -> Window | None:
    windows = shift_windows(spec) if spec.oncall else None
    for window in windows or []:
        if window.start <= moment.astimezone(window.start.tzinfo) < window.end:
            return window
    return None
