"""alerts/unique-names: every alert name and recorded series belongs to one row (NoData and target alerts too)."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic, Path
from monplan.model.plan import Alert, Watch
from monplan.model.services import Problem


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    alerts = list(ctx.plan.alerts)
    clashing = _check_unique(alerts, "name", "alert name", problem, "set alert: on one of them", set())
    _check_unique(alerts, "record", "recorded series", problem, "set record: on one of them", clashing)
    check_names(alerts, list(ctx.plan.target_watches), problem)
    return problem.items


def _check_unique(alerts: list[Alert], attr: str, what: str, problem: Problem, hint: str, skip: set[Path]) -> set[Path]:
    """Report rows reusing a name; returns their paths. Rows in `skip` were reported already.

    The copies of one per-service row share its names (their service label tells them apart);
    any other reuse is a clash."""
    first_use: dict[str, Alert] = {}
    clashing: set[Path] = set()
    for alert in alerts:
        value = getattr(alert, attr)
        first = first_use.setdefault(value, alert)
        if first is alert or (alert.service is not None and first.path == alert.path):
            continue
        clashing.add(alert.path)
        if alert.path not in skip:
            problem(alert.path, f'{what} "{value}" is already used by "{first.metric}" at line {first.line}; {hint}')
    return clashing


def check_names(alerts: list[Alert], targets: list[Watch], problem: Problem) -> None:
    """Every alert name is one alert's: a NoData or target alert may not take a row's name, nor another's."""
    owner: dict[str, tuple[Path, str, int]] = {}
    for alert in alerts:
        owner.setdefault(alert.name, (alert.path, f'the row "{alert.metric}"', alert.line))
    for alert in alerts:
        watch = alert.no_data
        if watch is None:
            continue
        first = owner.setdefault(watch.name, (alert.path, f'the NoData alert of "{alert.metric}"', alert.line))
        # The copies of a per-service row share their names; two rows of one alert name are
        # reported already (their NoData names clash only because of that).
        if first[0] != alert.path and owner[alert.name][0] == alert.path:
            problem(alert.path, f'the NoData alert of this row would be named "{watch.name}", which {first[1]} '
                    f"at line {first[2]} already uses; set alert: on one of them, or no_data: false on this row")
    for watch in targets:
        first = owner.setdefault(watch.name, (watch.path, f'the job "{watch.job}"', watch.line))
        if first[0] != watch.path:
            problem(watch.path, f'the job "{watch.job}" gets the alert "{watch.name}", which {first[1]} at line '
                    f"{first[2]} already uses; rename the job or set alert: on that row")



CHECK = Check("alerts/unique-names", "every alert name and recorded series belongs to one row, NoData and "
              "target alerts included", "error", run)
