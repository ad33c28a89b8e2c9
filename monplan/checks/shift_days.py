"""rotation/day-names: a shift named after a weekday starts on that weekday.

A rotation copied from a document ("Monday", "Tue-Thu", "Friday night") whose start date falls
on another day shows "Shift Monday" on a Sunday: the calendar files, `monplan oncall` and the
pages of the rotation would disagree with the names everyone reads."""

from __future__ import annotations

import re

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic

_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# A weekday's name or its usual abbreviation, as a word of its own ("Mon-Fri", "Tues", "Thurs").
_NAMED = re.compile(r"(?<![a-z])(mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day|nesday|sday|urday|rsday)?(?![a-z])",
                    re.IGNORECASE)


def named_weekday(label: str) -> int | None:
    """The weekday (0 = Monday) a shift's name starts with, if it names one."""
    found = _NAMED.search(label)
    if found is None:
        return None
    stem = found.group(1).lower()[:3]
    return next(number for number, day in enumerate(_DAYS) if day.startswith(stem))


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id, "warning")
    settings = ctx.plan.settings
    if settings.oncall is None:
        return []
    from monplan.model.schedule import shift_windows

    windows = shift_windows(settings)
    if windows is None:
        return []  # no start date: rotation/continuity says so
    for index, window in enumerate(windows):
        named = named_weekday(window.name)
        if named is None or named == window.start.weekday():
            continue
        shift = settings.oncall.rotation[index]
        path = ("oncall", "rotation", index, "start" if shift.start is not None else "day")
        problem(path, f'"{window.name}" starts on {_DAYS[window.start.weekday()].capitalize()} '
                f"{window.start:%Y-%m-%d %H:%M}, not on {_DAYS[named].capitalize()} as its name says: set "
                "oncall.start (or this shift's start) to that day, or name the shift after its day")
    return problem.items


CHECK = Check("rotation/day-names", "a shift named after a weekday starts on that weekday", "warning", run)
