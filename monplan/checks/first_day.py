"""alerts/first-day: an "of baseline" row with the default baseline has none during its first day."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.diagnostics import Diagnostic, Path, format_path


def run(ctx: Context) -> list[Diagnostic]:
    """Rows with the default baseline and no baseline_start: nothing to compare with until the
    rules have run a day, so they cannot fire during the first day after deployment."""
    located = ctx.located
    by_path: dict[Path, list[str]] = {}
    for alert in ctx.plan.alerts:
        if alert.baseline_default and alert.baseline_start is None:
            by_path.setdefault(alert.path, []).append(alert.name)
    warnings = []
    for path, names in by_path.items():
        line, column = located.where(path + ("threshold",))
        named = ", ".join(dict.fromkeys(names))
        warnings.append(Diagnostic(
            located.file, line, column,
            f"{named} has no baseline during its first day: it compares with the value one week earlier, else "
            "one day earlier, and neither exists until the rules have run a day; set baseline_start: <number> "
            "(the expected level) to alert from the first hour", format_path(path + ("threshold",)), severity="warning",
            check=CHECK.id))
    return warnings



CHECK = Check("alerts/first-day", 'an "of baseline" row with the default baseline and no baseline_start cannot fire '
              "during its first day", "warning", run, needs_valid_plan=True)
