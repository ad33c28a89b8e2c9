"""The content of a report: one part per item of the plan's `reporting.daily_report.contents`.

Kinds of item and what they show:
  uptime                   each row: share of the period within its threshold, mean and worst value
  errors_by_severity       alert firings per severity (from ALERTS), alerts that fired, time firing
  performance_vs_baseline  each row: mean against its threshold and baseline (the recorded
                           baseline for "of baseline" rows, else the same period one week earlier)
  user_activity            each row: mean, low, high and last value against the previous period
  incidents                every firing: when, how long, resolved or still firing

Rows come from the item's `sections` (plan sections or focus areas); an item without
sections takes every table row. A row without data is "missing", never zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from monplan.diagnostics import Diagnostic
from monplan.live.prometheus_api import Prometheus, PrometheusError, QueryError
from monplan.live.report.budgets import Budget, budgets
from monplan.live.report.episodes import Episode, fetch_episodes
from monplan.live.report.rows import Fetcher, RowData, Stats, fetch_row, mean, row_stats, worst_line
from monplan.live.report.window import Window
from monplan.model.plan import SEVERITIES, Alert, Plan
from monplan.model.settings import ReportItem

WEEK = 7 * 86_400.0
ROW_KINDS = ("uptime", "performance_vs_baseline", "user_activity")


@dataclass
class Row:
    data: RowData
    stats: Stats | None = None
    reference: float | None = None  # baseline mean (performance) or previous-period mean (activity)
    reference_source: str = ""

    @property
    def alert(self) -> Alert:
        return self.data.alert

    @property
    def status(self) -> str:
        if self.data.error:
            return "error"
        if self.data.missing or self.stats is None:
            return "missing"
        if self.stats.breached is None:
            return "no baseline"
        return "breached" if self.stats.breached else "ok"

    @property
    def limit(self) -> float | None:
        """The threshold as a value: for "of baseline" rows, the factor times the baseline's mean."""
        threshold = self.alert.threshold
        if not self.data.needs_baseline:
            return float(threshold.limit())
        base = self.baseline_mean
        return None if base is None else float(threshold.limit(base))

    @property
    def baseline_mean(self) -> float | None:
        if self.data.baseline_constant is not None:
            return self.data.baseline_constant
        line = worst_line(self.data.baseline, self.alert.threshold.upper_is_bad)
        return mean([value for _, value in line])

    @property
    def change(self) -> float | None:
        """Relative change of the mean against the reference: +0.25 is 25% higher."""
        if self.stats is None or self.stats.mean is None or not self.reference:
            return None
        return self.stats.mean / self.reference - 1


@dataclass
class Severity:
    name: str
    firings: int = 0
    alerts: list[str] = field(default_factory=list)
    seconds: float = 0.0  # time firing inside the period, summed over firings
    ongoing: int = 0


@dataclass
class Part:
    item: str
    kind: str
    rows: list[Row] = field(default_factory=list)
    severities: list[Severity] = field(default_factory=list)
    incidents: list[Episode] = field(default_factory=list)
    error: str | None = None


@dataclass
class Report:
    system: str
    period: str  # day or week
    window: Window
    prometheus: str
    parts: list[Part]
    plan: Plan
    budgets: list[Budget] = field(default_factory=list)  # the SLO rows' error budgets

    def alert(self, name: str) -> Alert | None:
        return self.plan.alert(name)

    def extra_labels(self, episode: Episode) -> str:
        """The labels telling an incident apart (e.g. instance=db-1): those its rule does not set."""
        alert = self.plan.alert(episode.alertname)
        static = dict(alert.labels) if alert else {}
        return ", ".join(f"{k}={v}" for k, v in episode.labels if static.get(k) != v)


def rows_for(plan: Plan, item: ReportItem) -> list[Alert]:
    if not item.sections:
        return [alert for alert in plan.alerts if alert.origin == "section"]
    wanted = set(item.sections)
    return [alert for alert in plan.alerts if alert.group in wanted or alert.group.split(" / ")[0] in wanted]


def unknown_sections(plan: Plan) -> list[Diagnostic]:
    """Items naming a section the plan does not have (they would silently show nothing)."""
    if plan.settings.reporting is None:
        return []
    known = {alert.group for alert in plan.alerts} | {alert.group.split(" / ")[0] for alert in plan.alerts}
    known |= {section.title for section in plan.document.sections} | {area.title for area in plan.document.focus_areas}
    out = []
    for index, item in enumerate(plan.settings.reporting.daily_report.contents):
        for name in item.sections:
            if name not in known:
                out.append(Diagnostic(plan.file, 0, 0, f'report item "{item.item}" names "{name}", which is no section '
                                      "or focus area of the plan", f"reporting.daily_report.contents[{index}].sections",
                                      "warning"))
    return out


def _row(fetcher: Fetcher, alert: Alert, window: Window, kind: str) -> Row:
    data = fetch_row(fetcher, alert, window)
    if data.error or data.missing:
        return Row(data)
    row = Row(data, row_stats(data))
    upper = alert.threshold.upper_is_bad
    try:
        if kind == "performance_vs_baseline":
            if data.needs_baseline:
                row.reference, row.reference_source = row.baseline_mean, data.baseline_source or "missing"
            else:
                earlier = fetcher.range(f"{alert.series} offset 1w", window)
                row.reference = mean([v for _, v in worst_line(earlier, upper)])
                row.reference_source = "one week earlier"
        elif kind == "user_activity":
            previous = fetcher.range(alert.series, window.before(window.seconds))
            row.reference = mean([v for _, v in worst_line(previous, upper)])
            row.reference_source = "previous period"
    except QueryError:
        row.reference = None
    return row


def _severities(plan: Plan, episodes: list[Episode], window: Window) -> list[Severity]:
    found = {e.severity for e in episodes}
    names = list(SEVERITIES) + sorted(found - set(SEVERITIES))
    out = []
    for name in names:
        mine = [e for e in episodes if e.severity == name]
        out.append(Severity(name, len(mine), sorted({e.alertname for e in mine}),
                            sum(e.within(window) for e in mine), sum(1 for e in mine if e.ongoing)))
    return out


def build_report(plan: Plan, client: Prometheus, period: str, window: Window) -> tuple[Report | None, list[Diagnostic]]:
    """The report's content, or the reason there is none (e.g. Prometheus unreachable)."""
    if plan.settings.reporting is None:
        return None, [Diagnostic(plan.file, 0, 0, "the plan has no reporting.daily_report; nothing to report", "reporting")]
    fetcher = Fetcher(client)
    parts: list[Part] = []
    episodes: list[Episode] | None = None
    try:
        for item in plan.settings.reporting.daily_report.contents:
            part = Part(item.item, item.kind)
            if item.kind in ROW_KINDS:
                part.rows = [_row(fetcher, alert, window, item.kind) for alert in rows_for(plan, item)]
            else:
                try:
                    if episodes is None:
                        episodes = fetch_episodes(fetcher, plan, window)
                    if item.kind == "errors_by_severity":
                        part.severities = _severities(plan, episodes, window)
                    else:
                        part.incidents = list(episodes)
                except QueryError as err:
                    part.error = str(err)
            parts.append(part)
        spent = budgets(fetcher, plan, window)
    except PrometheusError as err:
        return None, [Diagnostic(client.url, 0, 0, str(err))]
    report = Report(plan.settings.system, period, window, client.url, parts, plan, spent)
    return report, unknown_sections(plan)
