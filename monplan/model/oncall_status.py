"""Who is on call at a moment, and what reaches whom then: the data behind `monplan oncall`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monplan.model.escalation import Step, on_call_names, steps
from monplan.model.schedule import Window, local, oncall_zone, shift_windows, time_of_day, zone
from monplan.spec.plan import Plan as Spec
from monplan.spec.types import check_year

if TYPE_CHECKING:
    from monplan.diagnostics import Diagnostic
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


def parse_moment(spec: Spec, text: str | None, now: dt.datetime | None = None) -> dt.datetime:
    """'2026-11-28 03:00', '2026-11-28T03:00+01:00', '2026-11-28' or None (now); naive means the on-call zone."""
    tz = oncall_zone(spec)
    if text is None or text.strip().lower() == "now":
        return (now or dt.datetime.now(dt.UTC)).astimezone(tz)
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        raise TimeError(f'cannot read "{text}" as a time; expected e.g. "2026-11-28 03:00", '
                        '"2026-11-28T03:00+01:00" or "now"') from None
    try:
        check_year(moment)
    except ValueError as err:
        raise TimeError(str(err)) from None
    return local(moment, tz)


def in_business_hours(spec: Spec, moment: dt.datetime) -> bool | None:
    routing = spec.alert_routing
    if routing is None or not any(route.business_hours_only for route in routing.routes.values()):
        return None
    hours = routing.business_hours
    there = moment.astimezone(zone(spec, hours.timezone))
    weekday = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[there.weekday()]
    return weekday in hours.weekdays and time_of_day(hours.start) <= there.time() < time_of_day(hours.end)


def status(spec: Spec, moment: dt.datetime) -> Status:
    from monplan.model.schedule import on_call_at, period_window

    windows = (shift_windows(spec) or []) if spec.oncall else []
    names = on_call_names(spec, moment) if spec.oncall else None
    window = on_call_at(spec, moment) if spec.oncall else None  # a weekly rotation's shift of that week
    chain = [(step, step.who(names)) for step in steps(spec)]
    critical = None
    routing = spec.alert_routing
    if routing is not None and routing.critical_period is not None:
        period = period_window(spec, routing.critical_period.period)
        if period is not None and period[1] is not None and period[0] <= moment < period[1]:
            critical = (period[0], period[1])
    return Status(moment, window, windows, chain, in_business_hours(spec, moment), critical)


def coverage_problems(spec: Spec, located: Located) -> list[Diagnostic]:
    """`validate`'s findings on time nobody is on call, from the deployment on, at the rotation's line:
    errors for holes before the first hand-off and in each week; with `repeat: none`, a
    warning for the open end after the last shift, which the plan chose."""
    from monplan.diagnostics import Diagnostic, format_path
    from monplan.model.schedule import deployed_at, uncovered

    if spec.oncall is None:
        return []
    path = ("oncall", "rotation")
    line, column = located.where(path, key=True)
    since = deployed_at(spec)
    out = []
    fmt = "%a %Y-%m-%d %H:%M"
    for start, end in uncovered(spec, since):
        zone = start.tzinfo
        if end is None:
            out.append(Diagnostic(located.file, line, column, f"nobody is on call from {start:{fmt}} ({zone}) on: "
                                  "the rotation does not repeat (oncall.repeat: none); add shifts or set repeat: weekly",
                                  format_path(path), severity="warning", check="rotation/coverage"))
            continue
        end = end.astimezone(zone)
        if since is not None and start <= since.astimezone(zone) and end <= min_start(spec):
            what = f"from the deployment at {start:{fmt}} to the first hand-off at {end:{fmt}} ({zone})"
            fix = "start the first shift at the deployment (a shift's start:) or set oncall.handoff"
        else:
            what = f"every week from {start:{fmt}} to {end:{fmt}} ({zone})"
            fix = "the rotation covers less than a week and repeat: weekly starts it again after 7 days: add shifts"
        out.append(Diagnostic(located.file, line, column, f"nobody is on call {what}; {fix}", format_path(path),
                              check="rotation/coverage"))
    return out


def min_start(spec: Spec) -> dt.datetime:
    return (shift_windows(spec) or [])[0].start
