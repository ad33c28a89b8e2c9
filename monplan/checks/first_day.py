"""alerts/first-day: an "of baseline" row with the default baseline has none during its first day; a row
reading `offset 1w` back has no value during its first week."""

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
    warnings.extend(_reading_the_past(ctx))
    return warnings


def _reading_the_past(ctx: Context) -> list[Diagnostic]:
    """Rows whose query, or baseline_query, reads `offset` back: no value, so no alert, until
    Prometheus holds that much history (their NoData alert waits meanwhile, see watches.py)."""
    from monplan.lang.durations import format_ms
    from monplan.lang.first_event import longest_offset_ms

    located = ctx.located
    found: dict[tuple[Path, str], tuple[list[str], int]] = {}
    for alert in ctx.plan.alerts:
        if alert.slo is not None:
            continue
        for field, query in (("query", alert.query), ("baseline_query", alert.baseline_expr)):
            back = longest_offset_ms(query) if query and (field == "query" or not alert.baseline_default) else 0
            if back > 0:
                names, longest = found.setdefault((alert.path, field), ([], 0))
                names.append(alert.name)
                found[(alert.path, field)] = (names, max(longest, back))
    warnings = []
    for (path, field), (names, back) in found.items():
        line, column = located.where(path + (field,))
        named = ", ".join(dict.fromkeys(names))
        warnings.append(Diagnostic(
            located.file, line, column,
            f"{named} cannot fire until Prometheus holds {format_ms(back)} of history: its {field} reads "
            f"offset {format_ms(back)} back, which has no data during the first {format_ms(back)} after the rules "
            "start (its NoData alert waits meanwhile, as long as the same query read in the present has a value)",
            format_path(path + (field,)), severity="warning", check=CHECK.id))
    return warnings



CHECK = Check("alerts/first-day", 'an "of baseline" row with the default baseline and no baseline_start, or a row '
              "whose query or baseline_query reads offset back, cannot fire during its first day (week)", "warning", run,
              needs_valid_plan=True)
