"""alerts/any-for-window: an "Any" row's `for:` fits in what one event keeps its query above zero.

An "Any occurrence" row's query counts events over a window (`sum(increase(errors_total[5m]))`):
one event keeps it above zero for that window less a scrape interval, then it reads 0 again.
A `for:` longer than that never lets a single event fire the alert, only events that keep
coming for the whole `for:` (and one between the two fires only when evaluations happen to
fall right). An "Any" row means every occurrence is worth an alert, so the check warns at the
`for:` and says the longest `for:` that always fires and the window that `for:` needs; the
rule is left as written, since events that keep coming may be what the row means.
"""

from __future__ import annotations

from monplan.checks import Check, Context, field_path
from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.lang import durations
from monplan.lang.first_event import longest_window_ms, single_event_wait_ms
from monplan.lang.thresholds import Kind
from monplan.model.plan import Alert

CHECK_ID = "alerts/any-for-window"
# Prometheus' own scrape_interval when prometheus.yml does not set one (a plan without collection:).
PROMETHEUS_DEFAULT_SCRAPE_MS = 60_000


def run(ctx: Context) -> list[Diagnostic]:
    plan, located = ctx.plan, ctx.located
    if plan.collection is not None:
        scrape_ms = durations.parse_ms(plan.collection.scrape_interval)
        scrape = f"the {durations.format_ms(scrape_ms)} scrape interval"
    else:
        scrape_ms = PROMETHEUS_DEFAULT_SCRAPE_MS
        scrape = "a 1m scrape interval, Prometheus' default without collection:"
    evaluation_ms = durations.parse_ms(plan.evaluation_interval)
    found: dict[tuple[Path, str], Diagnostic] = {}
    for alert in plan.alerts:
        if alert.kind is not Kind.ANY or alert.slo is not None or alert.for_ == "0s":
            continue
        window_ms = longest_window_ms(alert.query)
        if window_ms is None:
            continue
        wait_ms = durations.parse_ms(alert.for_)
        surely, at_best = single_event_wait_ms(window_ms, scrape_ms, evaluation_ms)
        if wait_ms <= surely:
            continue
        message = _message(alert, window_ms, wait_ms, surely, at_best, scrape, scrape_ms, evaluation_ms)
        path = field_path(ctx.spec, alert, "for")
        line, column = located.where(path)
        found.setdefault((path, message), Diagnostic(located.file, line, column, message, format_path(path),
                                                     "warning", check=CHECK_ID))
    return list(found.values())


def _message(alert: Alert, window_ms: int, wait_ms: int, surely: int, at_best: int, scrape: str, scrape_ms: int,
             evaluation_ms: int) -> str:
    fmt = durations.format_ms
    window, wait = fmt(window_ms), fmt(wait_ms)
    lasts = fmt(max(window_ms - scrape_ms, 0))
    if wait_ms > at_best:
        outcome = f"one event can never fire {alert.name}, only events that keep coming for {wait}"
    else:
        outcome = (f"one event fires {alert.name} only when the rule evaluations (every {fmt(evaluation_ms)}) "
                   "happen to fall right")
    evaluations = -(-wait_ms // evaluation_ms)  # ceil
    needed = fmt((evaluations + 1) * evaluation_ms + scrape_ms)
    fix = f'write "for: {fmt(surely)}" or less, or drop it' if surely > 0 else "drop it"
    return (f'"for: {wait}" on an "Any" row: one event keeps the query above zero for {lasts} (its [{window}] '
            f"window less {scrape}), so {outcome}; {fix} (an \"Any\" row fires at once), or widen the window to "
            f"[{needed}]")


CHECK = Check(CHECK_ID, 'an "Any" row\'s for: is short enough for one event to fire it (within its query\'s window)',
              "warning", run, needs_valid_plan=True)
