"""Who is on call at a moment, and what reaches whom then: the data behind `monplan oncall`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monplan.model.escalation import Step, on_call_names, steps
from monplan.model.schedule import Window, local, oncall_zone, shift_windows, time_of_day, zone
from monplan.spec.types import check_year

if TYPE_CHECKING:
    from monplan.diagnostics import Diagnostic
    from monplan.model.plan import Plan
    from monplan.model.settings import Settings
    from monplan.spec.loader import Located


class TimeError(ValueError):
    """A --at value that is not a time."""


@dataclass(frozen=True)
class Status:
    moment: dt.datetime  # in the on-call zone
    window: Window | None
    windows: list[Window]
    chain: list[tuple[Step, list[str]]]  # each step with the names it engages at this moment
    business_hours: bool | None  # None: the plan has no business hours
    critical_period: tuple[dt.datetime, dt.datetime] | None  # the period, when the moment is inside it


def parse_moment(settings: Settings, text: str | None, now: dt.datetime | None = None) -> dt.datetime:
    """'2026-11-28 03:00', '2026-11-28T03:00+01:00', '2026-11-28', unix seconds (as report and
    tune take them) or None (now); naive means the on-call zone."""
    tz = oncall_zone(settings)
    if text is None or text.strip().lower() == "now":
        return (now or dt.datetime.now(dt.UTC)).astimezone(tz)
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        stamped = _from_unix_seconds(text)
        if stamped is None:
            raise TimeError(f'cannot read "{text}" as a time; expected e.g. "2026-11-28 03:00", '
                            '"2026-11-28T03:00+01:00", unix seconds or "now"') from None
        moment = stamped
    try:
        check_year(moment)
    except ValueError as err:
        raise TimeError(str(err)) from None
    if moment.tzinfo is None:
        exists_once(moment, tz, text.strip())
    return local(moment, tz)


def _from_unix_seconds(text: str) -> dt.datetime | None:
    try:
        stamp = float(text.strip())
    except ValueError:
        return None
    try:
        return dt.datetime.fromtimestamp(stamp, dt.UTC)  # nan, inf, far years: refused by check_year or here
    except (ValueError, OverflowError, OSError):
        raise TimeError(f'"{text}" is not a time: unix seconds out of range') from None


def exists_once(wall: dt.datetime, tz: dt.tzinfo, text: str) -> None:
    """A wall time the on-call zone skips (clocks going forward) or shows twice (going back)
    names no moment, or two: the user is asked for an offset instead of being given a guess."""
    early, late = wall.replace(tzinfo=tz, fold=0), wall.replace(tzinfo=tz, fold=1)
    offsets = sorted({early.utcoffset(), late.utcoffset()}, key=lambda o: o or dt.timedelta())
    if len(offsets) == 1:
        return
    shown = [wall.replace(tzinfo=dt.timezone(o)).isoformat(timespec="minutes") for o in offsets if o is not None]
    back_and_forth = early.astimezone(dt.UTC).astimezone(tz).replace(tzinfo=None)
    if back_and_forth != wall:
        raise TimeError(f'"{text}" does not exist in {tz}: the clocks go forward then and skip it; '
                        "give a time outside the skipped hour, or one with an offset")
    raise TimeError(f'"{text}" happens twice in {tz}: the clocks go back then; give an offset, '
                    f'"{shown[-1]}" (the first) or "{shown[0]}" (the second)')


def in_business_hours(plan: Plan, moment: dt.datetime) -> bool | None:
    routing = plan.routing
    if routing is None or not routing.business_hours_used:
        return None
    hours = routing.business_hours
    there = moment.astimezone(zone(plan.settings, routing.business_hours_zone))
    weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[there.weekday()]
    return weekday in hours.weekdays and time_of_day(hours.start) <= there.time() < time_of_day(hours.end)


def status(plan: Plan, moment: dt.datetime) -> Status:
    from monplan.model.schedule import on_call_at

    settings = plan.settings
    windows = (shift_windows(settings) or []) if settings.oncall else []
    names = on_call_names(settings, moment) if settings.oncall else None
    window = on_call_at(settings, moment) if settings.oncall else None  # a weekly rotation's shift of that week
    chain = [(step, step.who(names)) for step in steps(settings)]
    critical = None
    period = plan.routing.critical_period if plan.routing is not None else None
    if period is not None and period.start <= moment < period.end:
        critical = (period.start, period.end)
    return Status(moment, window, windows, chain, in_business_hours(plan, moment), critical)


def coverage_problems(settings: Settings, located: Located) -> list[Diagnostic]:
    """`validate`'s findings on time nobody is on call, from the deployment on, at the rotation's line:
    errors for holes before the first hand-off and in each week; with `repeat: none`, a
    warning for the open end after the last shift, which the plan chose."""
    from monplan.diagnostics import Diagnostic, format_path
    from monplan.model.schedule import deployed_at, uncovered

    if settings.oncall is None:
        return []
    path = ("oncall", "rotation")
    line, column = located.where(path, key=True)
    since = deployed_at(settings)
    out = []
    fmt = "%a %Y-%m-%d %H:%M"
    for start, end in uncovered(settings, since):
        zone = start.tzinfo
        if end is None:
            out.append(Diagnostic(located.file, line, column, f"nobody is on call from {start:{fmt}} ({zone}) on: "
                                  "the rotation does not repeat (oncall.repeat: none); add shifts or set repeat: weekly",
                                  format_path(path), severity="warning", check="rotation/coverage"))
            continue
        end = end.astimezone(zone)
        if since is not None and start <= since.astimezone(zone) and end <= min_start(settings):
            what = f"from the deployment at {start:{fmt}} to the first hand-off at {end:{fmt}} ({zone})"
            fix = "start the first shift at the deployment (a shift's start:) or set oncall.handoff"
        else:
            what = f"every week from {start:{fmt}} to {end:{fmt}} ({zone})"
            fix = "the rotation covers less than a week and repeat: weekly starts it again after 7 days: add shifts"
        out.append(Diagnostic(located.file, line, column, f"nobody is on call {what}; {fix}", format_path(path),
                              check="rotation/coverage"))
    return out


def min_start(settings: Settings) -> dt.datetime:
    return (shift_windows(settings) or [])[0].start
