"""rotation/continuity: on-call shifts follow one another without gaps or overlaps."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    settings = ctx.plan.settings
    if settings.oncall is None:
        return []
    from monplan.model.schedule import WEEK, plus_days, repeats, shift_windows

    windows = shift_windows(settings)
    if windows is None:
        problem(("oncall",), "the rotation needs a start date: set oncall.start or deployment.time", key=True)
        return problem.items
    if repeats(settings) and windows[-1].end > plus_days(windows[0].start, WEEK):
        problem(("oncall", "rotation"), f"the rotation runs from {windows[0].start:%a %Y-%m-%d %H:%M} to "
                f"{windows[-1].end:%a %Y-%m-%d %H:%M}, longer than a week, and repeat: weekly starts it again every "
                "week, so its shifts would overlap; shorten it to a week or set oncall.repeat: none", key=True)
    for index in range(1, len(windows)):
        previous, current = windows[index - 1], windows[index]
        if current.start == previous.end:
            continue
        shift = settings.oncall.rotation[index]
        path = ("oncall", "rotation", index, "start")
        if current.start > previous.end:
            problem(path, f"{shift.day} starts at {current.start:%Y-%m-%d %H:%M} but {previous.name} ends at "
                    f"{previous.end:%Y-%m-%d %H:%M}: nobody is on call in between; shifts must follow without gaps")
        else:
            problem(path, f"{shift.day} starts at {current.start:%Y-%m-%d %H:%M}, before {previous.name} ends at "
                    f"{previous.end:%Y-%m-%d %H:%M}: shifts overlap; each moment needs exactly one primary")
    return problem.items


CHECK = Check("rotation/continuity", "on-call shifts follow one another without gaps or overlaps", "error", run)
