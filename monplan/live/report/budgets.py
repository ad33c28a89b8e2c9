"""The error budgets of a plan's SLO rows in a report: how much of each period's budget is
spent up to the report's end, and how much the report's own period spent.

    consumed          the period's error ratio (the mean of the 5m ratio) / the budget
    consumed_in_window  avg_over_time(5m ratio[report period]) x report period / SLO period / budget

1 (100%) is the whole budget: the objective is missed once the period's consumption passes it.
"""

from __future__ import annotations

from dataclasses import dataclass

from monplan.lang import durations
from monplan.live.prometheus_api import QueryError, Series
from monplan.live.report.rows import Fetcher
from monplan.live.report.window import Window
from monplan.model.plan import Alert, Plan
from monplan.model.slo import WINDOWS, Slo


@dataclass(frozen=True)
class Budget:
    alert: Alert
    consumed: float | None = None  # share of the period's budget spent, up to the report's end
    consumed_in_window: float | None = None  # share of it spent during the report's period
    error: str | None = None

    @property
    def slo(self) -> Slo:
        assert self.alert.slo is not None
        return self.alert.slo

    @property
    def remaining(self) -> float | None:
        return None if self.consumed is None else 1 - self.consumed

    @property
    def status(self) -> str:
        if self.error:
            return "error"
        if self.consumed is None:
            return "missing"
        return "exhausted" if self.consumed >= 1 else "ok"


def _first(series: list[Series]) -> float | None:
    """The value of a one-series instant result, the worst (highest) of several."""
    values = [value for one in series for _, value in one.points[-1:]]
    return max(values) if values else None


def budget_of(fetcher: Fetcher, alert: Alert, slo: Slo, window: Window) -> Budget:
    budget = float(slo.budget)
    seconds = int(window.seconds)
    share = seconds / (durations.parse_ms(slo.period) / 1000)
    try:
        period = _first(fetcher.instant(alert_selector(alert, slo.period_series), window.end))
        recent = _first(fetcher.instant(
            f"avg_over_time({alert_selector(alert, slo.ratio_series(WINDOWS[0]))}[{seconds}s])", window.end))
    except QueryError as err:
        return Budget(alert, error=str(err))
    return Budget(alert, None if period is None else period / budget,
                  None if recent is None else recent * share / budget)


def alert_selector(alert: Alert, series: str) -> str:
    return series if alert.service is None else f'{series}{{service="{alert.service}"}}'


def budgets(fetcher: Fetcher, plan: Plan, window: Window) -> list[Budget]:
    """One entry per SLO row of the plan, in plan order."""
    return [budget_of(fetcher, alert, alert.slo, window) for alert in plan.alerts if alert.slo is not None]
