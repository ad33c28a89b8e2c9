"""slo/burn-never-fires: each burn-rate condition of an SLO can be met by some error ratio.

A burn alert compares an error ratio with its factor times the error budget: FastBurn
14.4 x budget over 1h and 5m, or 6 x over 6h and 30m (30d; other periods scale the factors).
No more than every event can fail, so an error ratio never exceeds 1: with an objective of
<80% (a budget of 20%), 14.4 x 0.2 = 288% and 6 x 0.2 = 120%, and FastBurn can never fire,
however badly the service fails, while its tests and its dashboard threshold say it pages.
The check warns at the objective, naming the conditions that can never be met and the
lowest objective at which they can; the rules are left as written (the SRE workbook's and
Sloth's windows), since SlowBurn still pages on such a budget.
"""

from __future__ import annotations

import math
from decimal import Decimal

from monplan.checks import Check, Context, field_path
from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.lang.thresholds import format_decimal
from monplan.model.slo import BurnAlert, BurnWindow, Slo

CHECK_ID = "slo/burn-never-fires"


def dead_windows(slo: Slo, alert: BurnAlert) -> list[BurnWindow]:
    """The conditions of `alert` no error ratio can meet: factor x budget at or above 100%
    (the alerts compare with a strict >)."""
    return [window for window in alert.windows if window.factor * slo.budget >= 1]


def lowest_objective(factor: Decimal) -> str:
    """The lowest objective, in percent to two decimals, whose budget times `factor` is below 1."""
    exact = (1 - 1 / factor) * 100
    return format_decimal(Decimal(math.floor(exact * 100) + 1) / 100)


def run(ctx: Context) -> list[Diagnostic]:
    located = ctx.located
    found: dict[tuple[Path, str], Diagnostic] = {}
    for row in ctx.plan.alerts:
        slo = row.slo
        if slo is None:
            continue
        for alert in slo.alerts:
            dead = dead_windows(slo, alert)
            if not dead:
                continue
            message = _message(row.threshold.text, slo, alert, dead)
            path = field_path(ctx.spec, row, "threshold")
            line, column = located.where(path)
            found.setdefault((path, message), Diagnostic(located.file, line, column, message, format_path(path),
                                                         "warning", check=CHECK_ID))
    return list(found.values())


def _pair(window: BurnWindow, budget: Decimal) -> str:
    needed = format_decimal(window.factor * budget * 100)
    return f"{format_decimal(window.factor)}x over {window.long} and {window.short} (an error ratio above {needed}%)"


def _message(objective: str, slo: Slo, alert: BurnAlert, dead: list[BurnWindow]) -> str:
    budget = format_decimal(slo.budget * 100)
    pairs = " and ".join(_pair(window, slo.budget) for window in dead)
    if len(dead) == len(alert.windows):
        outcome = f"{alert.name} can never fire"
        fix = f"an objective of at least {lowest_objective(min(w.factor for w in dead))}% lets it fire"
    else:
        outcome = f"{alert.name} fires only on its other condition"
        fix = f"an objective of at least {lowest_objective(max(w.factor for w in dead))}% lets both fire"
    return (f"the objective {objective} over {slo.period} leaves an error budget of {budget}%, and {alert.name} "
            f"asks for a burn rate of {pairs}: no more than 100% of events can fail, so {outcome}; {fix}, "
            "or alert on the ratio with a plain row (query: and threshold:)")


CHECK = Check(CHECK_ID, "each burn-rate condition of an SLO can be met: its factor times the error budget is below 100%",
              "warning", run, needs_valid_plan=True)
