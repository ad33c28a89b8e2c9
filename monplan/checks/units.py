"""units: a row's threshold agrees with the unit its query measures (units/mismatch,
units/never-fires, units/always-fires); the analysis itself is monplan/lang/units.py."""

from __future__ import annotations

from typing import Any

from monplan.checks import Check, Context, field_path
from monplan.diagnostics import Diagnostic, format_path
from monplan.lang.units import check_alert


def run(ctx: Context) -> list[Diagnostic]:
    """Every row whose threshold disagrees with its query's unit, at the threshold's line.

    The copies of a per-service row share its threshold line (or their override's), so one
    message per place, not one per service."""
    from monplan.output.memo import Clean

    plan, located = ctx.plan, ctx.located
    found: dict[tuple[Any, ...], Diagnostic] = {}
    memo = Clean("units")  # rows found clean by the last build are not analysed again
    for alert in plan.alerts:
        key = memo.key(alert.query, repr(alert.threshold), "\x01" if alert.unit is None else alert.unit)
        if memo.known(key):
            continue
        findings = check_alert(alert)
        if not findings:
            memo.clean(key)
        for finding in findings:
            path = field_path(ctx.spec, alert, "threshold")
            line, column = located.where(path)
            diagnostic = Diagnostic(located.file, line, column, finding.message, format_path(path),
                                    finding.severity, check=finding.check)
            found.setdefault((path, finding.message), diagnostic)
    memo.save()
    return list(found.values())


CHECK = Check("units", "a row's threshold agrees with the unit its query measures", "error", run,
              needs_valid_plan=True, also=("units/mismatch", "units/never-fires", "units/always-fires"))
