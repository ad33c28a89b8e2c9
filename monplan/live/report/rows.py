"""A plan row's data over a window: its recorded series, the baseline its threshold compares
with, and the figures reports and tuning print.

Rows read the series the generated rules record (`Alert.record`), never the raw query, so a
report shows exactly what the alert saw. A row may have several series (Memory Usage has
one per instance); at each evaluation the row's value is its worst series (the highest
where high is bad, the lowest where low is bad), and the row is in breach when any series
is, as the alert (one per series) would be.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from monplan.lang.thresholds import Kind
from monplan.live.prometheus_api import Prometheus, QueryError, Series
from monplan.live.report.window import Window
from monplan.model.plan import Alert

Labels = tuple[tuple[str, str], ...]
Frames = dict[float, dict[Labels, float]]  # evaluation time -> series labels -> value


class Fetcher:
    """Range queries over windows, each asked once per run (rows appear in several report items)."""

    def __init__(self, client: Prometheus) -> None:
        self.client = client
        self._cache: dict[tuple[str, float, float, float], list[Series]] = {}

    def range(self, expr: str, window: Window) -> list[Series]:
        key = (expr, window.start, window.end, window.step)
        if key not in self._cache:
            self._cache[key] = self.client.query_range(expr, window.start, window.last, window.step)
        return self._cache[key]

    def instant(self, expr: str, at: float) -> list[Series]:
        return self.client.query(expr, at)


@dataclass(frozen=True)
class RowData:
    alert: Alert
    window: Window
    values: tuple[Series, ...] = ()
    baseline: tuple[Series, ...] = ()  # what an "of baseline" threshold compares with, per series
    baseline_constant: float | None = None  # a numeric baseline from the plan
    baseline_source: str = ""  # "recorded", "query" (computed now from the baseline PromQL), "plan"
    error: str | None = None

    @property
    def missing(self) -> bool:
        return self.error is None and not any(series.points for series in self.values)

    @property
    def needs_baseline(self) -> bool:
        return self.alert.kind is Kind.RELATIVE

    @property
    def has_baseline(self) -> bool:
        return self.baseline_constant is not None or any(series.points for series in self.baseline)


def frames(series: tuple[Series, ...] | list[Series]) -> Frames:
    out: Frames = {}
    for item in series:
        for stamp, value in item.points:
            out.setdefault(round(stamp, 3), {})[item.labels] = value
    return out


def fetch_row(fetcher: Fetcher, alert: Alert, window: Window) -> RowData:
    """The row's recorded series and, for "of baseline" rows, its baseline; a rejected query is
    kept as the row's error (other rows still report), an unreachable server propagates."""
    try:
        values = tuple(fetcher.range(alert.series, window))
        if alert.kind is not Kind.RELATIVE:
            return RowData(alert, window, values)
        if alert.baseline_value is not None:
            return RowData(alert, window, values, baseline_constant=float(alert.baseline_value), baseline_source="plan")
        baseline: tuple[Series, ...] = ()
        source = ""
        recorded = alert.baseline_series  # set exactly when baseline_record is
        if alert.baseline_record and recorded is not None:
            baseline, source = tuple(fetcher.range(recorded, window)), "recorded"
        if not any(series.points for series in baseline) and alert.baseline_expr:
            # The baseline rule may be newer than the data (or not loaded): compute it directly.
            baseline, source = tuple(fetcher.range(alert.baseline_expr, window)), "query"
        return RowData(alert, window, values, baseline, baseline_source=source)
    except QueryError as err:
        return RowData(alert, window, error=str(err))


def baseline_at(row: RowData, base: Frames, stamp: float, labels: Labels) -> float | None:
    if row.baseline_constant is not None:
        return row.baseline_constant
    return base.get(stamp, {}).get(labels)


def conditions(row: RowData) -> dict[Labels, list[tuple[float, bool]]]:
    """Per series, at each evaluation with data: whether the alert's condition held.

    "Of baseline" rows match value and baseline series on identical labels, as the rule's
    `record < 0.8 * baseline` does; where no baseline matches, the condition cannot hold."""
    base = frames(row.baseline)
    threshold = row.alert.threshold
    out: dict[Labels, list[tuple[float, bool]]] = {}
    for series in row.values:
        states = []
        for stamp, value in series.points:
            stamp = round(stamp, 3)
            if row.needs_baseline:
                reference = baseline_at(row, base, stamp, series.labels)
                held = reference is not None and threshold.breaches(value, reference)
            else:
                held = threshold.breaches(value)
            states.append((stamp, held))
        out[series.labels] = states
    return out


def worst(values: list[float], upper_is_bad: bool) -> float:
    return max(values) if upper_is_bad else min(values)


def worst_line(series: tuple[Series, ...] | list[Series], upper_is_bad: bool) -> list[tuple[float, float]]:
    """The row's value at each evaluation: its worst series."""
    return [(stamp, worst(list(by.values()), upper_is_bad)) for stamp, by in sorted(frames(series).items())]


def mean(values: list[float]) -> float | None:
    if not values:
        return None
    try:
        return math.fsum(values) / len(values)
    except OverflowError:  # values near the float limit (1e308): their sum overflows, their mean need not
        try:
            return math.fsum(value / len(values) for value in values)
        except OverflowError:
            return math.copysign(math.inf, math.fsum(math.copysign(1.0, value) for value in values))


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100), interpolating linearly between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


@dataclass(frozen=True)
class Stats:
    """Figures of one row over its window; `breached` is None when it cannot be judged (no baseline)."""

    expected: int
    points: int
    breached: int | None
    mean: float | None
    minimum: float | None
    maximum: float | None
    last: float | None
    worst: float | None

    @property
    def coverage(self) -> float:
        return self.points / self.expected if self.expected else 0.0

    @property
    def within(self) -> float | None:
        """Fraction of evaluations with data at which no series breached the threshold."""
        if self.breached is None or not self.points:
            return None
        return 1 - self.breached / self.points


def row_stats(row: RowData) -> Stats:
    upper = row.alert.threshold.upper_is_bad
    line = worst_line(row.values, upper)
    values = [value for _, value in line]
    breached: int | None = None
    times: tuple[float, ...] = ()
    if not row.needs_baseline or row.has_baseline:
        held: dict[float, bool] = {}
        for states in conditions(row).values():
            for stamp, state in states:
                held[stamp] = held.get(stamp, False) or state
        times = tuple(sorted(stamp for stamp, state in held.items() if state))
        breached = len(times)
    return Stats(
        expected=row.window.count(), points=len(values), breached=breached, mean=mean(values),
        minimum=min(values) if values else None, maximum=max(values) if values else None,
        last=values[-1] if values else None, worst=worst(values, upper) if values else None)
