"""Threshold tuning from observed data (the plan's Monitoring Refinement: "review alert
thresholds and adjust based on observed patterns ... remove noise").

For each alert, over a lookback window, from the series its rule records:
  - how often it would have fired: the rule's condition replayed at every evaluation, per
    series, firing once it held for the row's `for` (as Prometheus' alerting does);
  - percentiles of its value;
  - a suggestion where it was noisy (fired more than `noisy_per_day` times a day on average):
    the shortest longer `for` that would have kept it within that, else the loosest of the
    p99 / p99.9 / max (p1 / p0.1 / min where low is bad) that would, rounded to two
    significant digits on the loose side; and where it was never close (its worst value used
    less than half the room to its threshold): a tighter threshold with 25% headroom over
    that worst value, on the normal side of 100% for shares and baselines and one that would
    not have fired; none (a note says why) where the values never moved towards the
    threshold, as any tighter one would then fire on the first failure;
  - for "of baseline" rows whose baseline is [BASELINE], the measured baseline: the median.
"Any" rows fire on every occurrence by design and are never loosened or tightened.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from monplan.lang import durations
from monplan.lang.thresholds import Kind, Threshold, format_decimal, parse_threshold
from monplan.live.report.rows import Fetcher, Labels, RowData, conditions, fetch_row, frames, percentile
from monplan.live.report.window import Window
from monplan.model.plan import Alert, Plan

PERCENTILES = (50, 90, 95, 99)
FOR_LADDER = ("10m", "15m", "30m", "1h")
_GAP = 1.5  # a longer gap between evaluations breaks a run, as a missed evaluation resets `for`


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "threshold", "for" or "baseline"
    value: str  # the plan text: '>650ms avg', '15m', '0.0512'
    reason: str
    would_fire: int | None = None  # firings over the window with the suggestion applied


@dataclass
class Finding:
    alert: Alert
    status: str  # ok, noisy, never close, missing, error, no baseline
    points: int = 0
    expected: int = 0
    firings: int = 0
    firing_seconds: float = 0.0
    percentiles: dict[str, float] = field(default_factory=dict)
    worst: float | None = None
    closeness: float | None = None  # share of the room to the threshold the worst value used
    measured_baseline: float | None = None
    suggestions: list[Suggestion] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    error: str | None = None


def simulate(states: dict[Labels, list[tuple[float, bool]]], wait: float, step: float) -> tuple[int, float]:
    """Firings and seconds firing, replaying `for: wait` over each series' condition states."""
    count, seconds = 0, 0.0
    for series in states.values():
        start: float | None = None
        previous: float | None = None
        fired_at: float | None = None
        for stamp, held in list(series) + [(math.inf, False)]:
            broken = previous is not None and stamp - previous > _GAP * step
            if start is not None and (not held or broken):
                if fired_at is not None:
                    assert previous is not None  # fired_at is set at a point, so a later one has a previous
                    count, seconds = count + 1, seconds + previous - fired_at + step
                start = fired_at = None
            if held:
                start = stamp if start is None else start
                if fired_at is None and stamp - start >= wait:
                    fired_at = stamp
            previous = stamp
    return count, seconds


def _with_threshold(row: RowData, threshold: Threshold) -> RowData:
    alert = replace(row.alert, threshold=threshold)
    return replace(row, alert=alert)


def _room_values(row: RowData) -> list[float]:
    """Values on the threshold's scale: the value, or value / baseline for "of baseline" rows."""
    if not row.needs_baseline:
        return [value for series in row.values for _, value in series.points]
    base = frames(row.baseline)
    out = []
    for series in row.values:
        for stamp, value in series.points:
            reference = row.baseline_constant if row.baseline_constant is not None else \
                base.get(round(stamp, 3), {}).get(series.labels)
            if reference:
                out.append(value / reference)
    return out


def _closeness(threshold: Threshold, worst: float) -> float | None:
    """How much of the room between normal and the threshold the worst value used (1 = reached)."""
    limit = float(threshold.value)
    if threshold.upper_is_bad:
        if threshold.kind is Kind.RELATIVE and limit > 1:
            return max(0.0, worst - 1) / (limit - 1)  # room is what may still be gained above the baseline
        return worst / limit if limit > 0 else None
    if threshold.kind in (Kind.RATIO, Kind.RELATIVE) and limit < 1:
        return max(0.0, 1 - worst) / (1 - limit)  # room is what may still be lost below 100%
    return limit / worst if worst > 0 else None


def _loose(threshold: Threshold, limit: float) -> Decimal:
    """`limit` rounded to two significant digits (as written in the plan) on the side that fires less."""
    size = float(threshold.unit_size)
    shown = limit / size
    complement = not threshold.upper_is_bad and threshold.kind in (Kind.RATIO, Kind.RELATIVE) and size * 100 == 1
    if complement:  # 99.712% -> lose 0.288 -> 0.29 -> 99.71%: round what may be lost
        return Decimal(100) - _round(100 - shown, up=True)
    return _round(shown, up=threshold.upper_is_bad)


def _round(number: float, *, up: bool | None, digits: int = 2) -> Decimal:
    """`number` to `digits` significant digits: up, down, or (None) to the nearest."""
    if number <= 0:
        return Decimal(0)
    exponent = math.floor(math.log10(number)) - digits + 1
    rounding = ROUND_HALF_EVEN if up is None else ROUND_CEILING if up else ROUND_FLOOR
    return Decimal(repr(number)).quantize(Decimal(1).scaleb(exponent), rounding=rounding)


def _candidate(threshold: Threshold, limit: float) -> Threshold | None:
    shown = _loose(threshold, limit)
    if shown <= 0 and threshold.upper_is_bad and threshold.op == ">=":
        return None
    try:
        return parse_threshold(threshold.rewritten(shown))
    except ValueError:
        return None


def _looser(old: Threshold, new: Threshold) -> bool:
    return new.value > old.value if old.upper_is_bad else new.value < old.value


def _quiet(row: RowData, finding: Finding, fired: int, budget: float, wait: float) -> None:
    """Suggestions for a noisy alert: a longer `for`, else a looser threshold."""
    step = row.window.step
    states = conditions(row)
    for candidate in FOR_LADDER:
        seconds = durations.parse_seconds(candidate)
        if seconds <= wait:
            continue
        count, _ = simulate(states, seconds, step)
        if count <= budget:
            finding.suggestions.append(Suggestion("for", candidate, f"fired {fired} times; with for: "
                                                  f"{candidate} it would have fired {count}", count))
            return
    values = _room_values(row)
    threshold = row.alert.threshold
    for q in ((99, 99.9, 100) if threshold.upper_is_bad else (1, 0.1, 0)):
        limit = percentile(values, q)
        new = _candidate(threshold, limit) if limit is not None else None
        if new is None or not _looser(threshold, new):
            continue
        count, _ = simulate(conditions(_with_threshold(row, new)), wait, step)
        if count <= budget:
            finding.suggestions.append(Suggestion("threshold", new.text, f"fired {fired} times; at {new.text} "
                                                  f"(p{format_decimal(Decimal(str(q)))}) it would have fired {count}", count))
            return
    finding.notes.append("no longer for and no threshold within the observed values would have kept it quiet")


def _tighten(row: RowData, finding: Finding, worst: float, closeness: float) -> None:
    """A tighter threshold for an alert that was never close: the worst value is to use at most
    80% of the new room (25% headroom). A window whose values never moved towards the threshold
    (a perfect week of an availability row, a value never below its baseline) is no basis: any
    threshold it would give sits on the observed data and pages on the first failure."""
    threshold = row.alert.threshold
    limit = float(threshold.value)
    relative_upper = threshold.upper_is_bad and threshold.kind is Kind.RELATIVE and limit > 1
    lost_share = not threshold.upper_is_bad and threshold.kind in (Kind.RATIO, Kind.RELATIVE)
    if closeness <= _NO_MOVEMENT:
        if threshold.kind is Kind.RELATIVE:
            first = "the first dip below the baseline" if lost_share else "the first rise above the baseline"
        else:
            first = "the first failure" if lost_share else "the first rise"
        finding.notes.append(f"no basis to tighten: its worst was {_worst_text(threshold, worst)}; a tighter "
                             f"threshold would fire on {first}")
        return
    if relative_upper:
        target = 1 + (worst - 1) / 0.8
    elif threshold.upper_is_bad:
        target = worst / 0.8
    elif lost_share:
        target = 1 - (1 - worst) / 0.8
    else:
        target = worst * 0.8
    new = _candidate(threshold, target)
    if new is None or _looser(threshold, new) or new.value == threshold.value or new.value <= 0:
        return
    used = _closeness(new, worst)
    # On the other side of 100% a share (or a baseline comparison) fires in the normal state.
    wrong_side = (lost_share and new.value >= 1) or (relative_upper and new.value <= 1)
    if wrong_side or used is None or used > 0.8 + 1e-9:
        finding.notes.append(f"never close, but no tighter threshold in the plan's precision keeps 25% headroom "
                             f"over its worst ({_worst_text(threshold, worst)})")
        return
    count, _ = simulate(conditions(_with_threshold(row, new)), durations.parse_seconds(row.alert.for_), row.window.step)
    if count:
        finding.notes.append(f"never close, but {new.text} would have fired {count} times; not suggested")
        return
    finding.suggestions.append(Suggestion("threshold", new.text, f"never close: its worst was {closeness:.0%} of "
                                          f"the way to the threshold; {new.text} keeps 25% headroom", count))


_NO_MOVEMENT = 1e-6  # a share of the room this small is float noise, not a value moving towards the threshold


def _worst_text(threshold: Threshold, worst: float) -> str:
    from monplan.live.report import fmt

    if threshold.kind is Kind.RELATIVE:
        return f"{fmt.percent(worst, 1)} of its baseline"
    if threshold.kind is Kind.RATIO:
        return fmt.percent(worst, 4)
    if threshold.kind is Kind.SECONDS:
        return fmt.seconds(worst)
    return fmt.significant(worst, 4)


@dataclass(frozen=True)
class _Judgement:
    firings: int
    seconds: float
    worst: float | None
    closeness: float | None


def _judge(row: RowData) -> _Judgement:
    firings, seconds = simulate(conditions(row), durations.parse_seconds(row.alert.for_), row.window.step)
    room = _room_values(row)
    threshold = row.alert.threshold
    worst = (max if threshold.upper_is_bad else min)(room) if room else None
    return _Judgement(firings, seconds, worst, _closeness(threshold, worst) if worst is not None else None)


def _fixed_baseline(row: RowData, finding: Finding, budget: float) -> RowData | None:
    """The row with its [BASELINE] replaced by the measured median, when that would not be noisy
    (a value with a strong daily cycle is better compared with the week before)."""
    measured = finding.measured_baseline
    if measured is None or measured <= 0:
        return None
    text = format_decimal(_round(measured, up=None, digits=3))
    fixed = replace(row, baseline=(), baseline_constant=float(text), baseline_source="plan")
    count, _ = simulate(conditions(fixed), durations.parse_seconds(row.alert.for_), row.window.step)
    if count > budget:
        finding.notes.append(f"measured baseline {text} not suggested: compared with a fixed baseline it would have "
                             f"fired {count} times; keep [BASELINE] (the value one week earlier, else one day earlier)")
        return None
    finding.suggestions.append(Suggestion("baseline", text, f"[BASELINE]: the median over the window; with it the "
                                          f"alert would have fired {count} times", count))
    return fixed


def unknown_baseline(plan: Plan, alert: Alert) -> bool:
    """An "of baseline" row whose baseline the plan does not know yet ([BASELINE] or unset)."""
    # The default baseline is the plan's choice for a row with no baseline, or [BASELINE]
    # (any other text, and a number out of range, is refused when the plan is resolved).
    return alert.baseline_default


def _percentiles(values: list[float]) -> dict[str, float]:
    """PERCENTILES, min and max of values (not empty)."""
    found = {f"p{q}": percentile(values, q) for q in PERCENTILES}
    return {key: value for key, value in found.items() if value is not None} | {"min": min(values), "max": max(values)}


def _observed(alert: Alert, fetcher: Fetcher, window: Window) -> tuple[RowData, Finding, list[float]]:
    """The row's samples over the window, and a finding that says "error" or "missing" until
    the caller judges them (its percentiles are set when there are samples)."""
    row = fetch_row(fetcher, alert, window)
    if row.error:
        return row, Finding(alert, "error", error=row.error), []
    values = [value for series in row.values for _, value in series.points]
    finding = Finding(alert, "missing", points=len({t for s in row.values for t, _ in s.points}), expected=window.count())
    if values:
        finding.percentiles = _percentiles(values)
    return row, finding, values


def analyse_slo(alert: Alert, fetcher: Fetcher, window: Window) -> Finding:
    """An SLO row: its objective is a promise, not a noise threshold, and its burn alerts fire
    only while the budget burns, so nothing is suggested; the finding gives the SLI's
    percentiles and the share of the budget the lookback window spent."""
    from monplan.live.report.budgets import budget_of

    assert alert.slo is not None
    _row, finding, values = _observed(alert, fetcher, window)
    if not values:
        return finding
    finding.status = "slo"
    spent = budget_of(fetcher, alert, alert.slo, window)
    used = "unknown" if spent.consumed_in_window is None else f"{spent.consumed_in_window:.1%}"
    finding.notes.append(f"SLO row: alerts on burn rate ({', '.join(alert.alert_names)}), the objective is not "
                         f"tuned; the window spent {used} of the {alert.slo.period} error budget")
    return finding


def analyse(plan: Plan, alert: Alert, fetcher: Fetcher, window: Window, noisy_per_day: float = 1.0) -> Finding:
    if alert.slo is not None:
        return analyse_slo(alert, fetcher, window)
    row, finding, values = _observed(alert, fetcher, window)
    if not values:
        return finding
    budget = noisy_per_day * window.seconds / 86_400
    basis: RowData | None = row
    if unknown_baseline(plan, alert):
        finding.measured_baseline = percentile(values, 50)
        basis = _fixed_baseline(row, finding, budget)
    if row.needs_baseline and not row.has_baseline:
        finding.status = "no baseline"
        return finding
    judged = _judge(row)
    finding.firings, finding.firing_seconds = judged.firings, judged.seconds
    finding.worst, finding.closeness = judged.worst, judged.closeness
    never_close = judged.firings == 0 and judged.closeness is not None and judged.closeness < 0.5
    finding.status = "noisy" if judged.firings > budget else "never close" if never_close else "ok"
    if alert.kind is Kind.ANY:
        return finding  # fires on every occurrence by design: fix the cause, not the threshold
    # Suggest on the row as the written copy of the plan would alert (with a fixed baseline, if suggested).
    if basis is not None and basis is not row:
        judged = _judge(basis)
    basis = basis or row
    wait = durations.parse_seconds(alert.for_)
    if judged.firings > budget:
        _quiet(basis, finding, judged.firings, budget, wait)
    elif judged.firings == 0 and judged.closeness is not None and judged.closeness < 0.5 and judged.worst is not None:
        _tighten(basis, finding, judged.worst, judged.closeness)
    return finding


def tune(plan: Plan, fetcher: Fetcher, window: Window, noisy_per_day: float = 1.0) -> list[Finding]:
    return [analyse(plan, alert, fetcher, window, noisy_per_day) for alert in plan.alerts]
