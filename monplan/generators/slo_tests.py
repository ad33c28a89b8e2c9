"""promtool unit tests of SLO rows.

The tests feed the SLI's raw counters through the row's own queries (raw_groups, with the
scenarios of monplan/generators/slo_feed.py). An SLI of a shape monplan cannot feed is
tested on the series the alerts read, each window's recorded error ratio, one sample a step:

    step  0- 1  every window at the objective (the ratio equals the budget): quiet
          2- 3  FastBurn's first pair (5m and 1h) just above its factor: FastBurn fires
          4- 5  the long window alone stays above: quiet (the short window says it stopped)
          6- 7  FastBurn's second pair (30m and 6h): fires
          9-10  SlowBurn's first pair (2h and 1d): SlowBurn fires, FastBurn stays quiet
         12-13  SlowBurn's second pair (6h and 3d): fires
         15-16  every pair exactly at its factor: quiet (the conditions are strict)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from monplan.generators.rule_tests import expected_alert
from monplan.lang import durations
from monplan.lang.thresholds import format_decimal
from monplan.model.plan import Alert
from monplan.model.slo import WINDOWS, BurnAlert, BurnWindow, Slo

SAMPLES = 18
MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class Phase:
    """Steps where some windows burn at a level, and the alert that must fire then (if any)."""

    first: int
    last: int
    windows: tuple[str, ...]
    above: bool  # just above the factor, or exactly at it
    burn: BurnWindow
    fires: BurnAlert | None
    leading: str  # the window whose value the alert reports (the left side of `and`)


def _phases(slo: Slo) -> list[Phase]:
    (fast1, fast2), (slow1, slow2) = slo.fast.windows, slo.slow.windows
    return [
        Phase(2, 3, (fast1.short, fast1.long), True, fast1, slo.fast, fast1.short),
        Phase(4, 5, (fast1.long,), True, fast1, None, fast1.long),
        Phase(6, 7, (fast2.short, fast2.long), True, fast2, slo.fast, fast2.short),
        Phase(9, 10, (slow1.short, slow1.long), True, slow1, slo.slow, slow1.short),
        Phase(12, 13, (slow2.short, slow2.long), True, slow2, slo.slow, slow2.short),
        Phase(15, 16, (fast1.short, fast1.long), False, fast1, None, fast1.short),
    ]


def _limit(slo: Slo, burn: BurnWindow) -> Decimal:
    return burn.factor * slo.budget


def _just_above(limit: Decimal) -> Decimal:
    """The limit plus a thousandth of its magnitude: close enough that a factor or budget off
    by 0.1% would be caught, exact in decimal."""
    return limit + Decimal(1).scaleb(limit.adjusted() - 3)


def _level(slo: Slo, phase: Phase) -> Decimal:
    limit = _limit(slo, phase.burn)
    return _just_above(limit) if phase.above else limit


def quiet_level(slo: Slo) -> Decimal:
    """The error ratio at the objective: the budget, spent exactly over the period. A period
    shorter than 30d gives SlowBurn's 3d pair a factor below 1 (0.9333x for 28d, as in Sloth):
    it fires at the objective, so the quiet level is then that factor, exactly."""
    lowest = min(burn.factor for alert in slo.alerts for burn in alert.windows)
    return slo.budget * min(Decimal(1), lowest)


def window_values(slo: Slo) -> dict[str, list[Decimal]]:
    """The error ratio of each window at each step of the timeline."""
    values = {window: [quiet_level(slo)] * SAMPLES for window in WINDOWS}
    for phase in _phases(slo):
        for step in range(phase.first, phase.last + 1):
            for window in phase.windows:
                values[window][step] = _level(slo, phase)
    return values


def burn_checks(alert: Alert, slo: Slo, interval_ms: int) -> list[dict[str, Any]]:
    """At the first and last step of each phase, which burn alert fires, and at the objective none."""
    checks: list[dict[str, Any]] = []
    times = [0, 1] + [step for phase in _phases(slo) for step in (phase.first, phase.last)] + [SAMPLES - 1]
    firing = {step: phase for phase in _phases(slo) for step in range(phase.first, phase.last + 1)}
    for step in times:
        phase = firing.get(step)
        for burn in slo.alerts:
            expected = []
            if phase is not None and phase.fires is burn:
                expected = [_expected(alert, burn, _level(slo, phase))]
            checks.append({"eval_time": durations.format_ms(step * interval_ms), "alertname": burn.name,
                           "exp_alerts": expected})
    return checks


def _expected(alert: Alert, burn: BurnAlert, value: Decimal) -> dict[str, Any]:
    from monplan.generators.rules import burn_rule

    assert alert.slo is not None
    rule = burn_rule(alert, alert.slo, burn)
    shown = _with(alert, labels=rule["labels"], annotations=rule["annotations"])
    return expected_alert(shown, value)


def _with(alert: Alert, *, labels: dict[str, str], annotations: dict[str, str]) -> Alert:
    import dataclasses

    return dataclasses.replace(alert, labels=tuple(sorted(labels.items())),
                               annotations=tuple(sorted(annotations.items())))


def _selector(alert: Alert, series: str) -> str:
    labels = alert.record_labels
    if not labels:
        return series
    return series + "{" + ", ".join(f'{key}="{value}"' for key, value in labels.items()) + "}"


def burn_tests(alerts: list[Alert], interval_ms: int) -> list[dict[str, Any]]:
    """The promtool groups of a rule file's SLO rows: their burn alerts and budget series
    computed from raw counters through the rows' own SLI queries (monplan/generators/slo_feed.py),
    or, for an SLI of a shape monplan cannot feed, from each window's recorded ratio."""
    rows = [(alert, alert.slo) for alert in alerts if alert.slo is not None]
    out: list[dict[str, Any]] = []
    recorded = [(alert, slo) for alert, slo in rows if raw_groups(alert, slo, interval_ms) is None]
    for alert, slo in rows:
        out.extend(raw_groups(alert, slo, interval_ms) or [])
    if recorded:
        out.extend(_recorded_tests(recorded, interval_ms))
    return out


def raw_feed(slo: Slo, interval_ms: int) -> tuple[Any, list[Any]] | None:
    """The raw counters and scenarios of an SLO row's tests, or None when its SLI has a shape
    monplan cannot feed (or its evaluations do not meet the minutes of the counters)."""
    from monplan.generators import slo_feed

    raw = slo_feed.raw_series(slo)
    if raw is None or _check_step(interval_ms) is None:
        return None
    plans = slo_feed.scenarios(slo)
    if not all(slo_feed.fits(scenario) for scenario in plans):
        return None
    return raw, plans


def _check_step(interval_ms: int) -> int | None:
    """The least common multiple of the evaluation interval and a minute (the counters' step):
    checks fall on evaluations that see whole windows. None beyond an hour."""
    step = interval_ms * MINUTE_MS // math.gcd(interval_ms, MINUTE_MS)
    return step if step <= 3_600_000 else None


def raw_groups(alert: Alert, slo: Slo, interval_ms: int) -> list[dict[str, Any]] | None:
    from monplan.generators import slo_feed

    feed = raw_feed(slo, interval_ms)
    if feed is None:
        return None
    raw, plans = feed
    step = _check_step(interval_ms)
    assert step is not None
    groups = []
    for scenario in plans:
        checks = []
        times = sorted({minute * MINUTE_MS // step * step for minute in scenario.checks})
        for at in times:
            minute = at // MINUTE_MS
            for burn in slo.alerts:
                value = slo_feed.firing(slo, burn, scenario, minute)
                expected = [] if value is None else [_expected(alert, burn, slo_feed.decimal(value))]
                checks.append({"eval_time": durations.format_ms(at), "alertname": burn.name, "exp_alerts": expected})
        groups.append({"name": f"{slo.fast.name} and {slo.slow.name} ({alert.threshold.text} over {slo.period}) "
                               f"from the SLI's raw counters, {scenario.title}",
                       "interval": "1m", "input_series": slo_feed.series_of(raw, scenario),
                       "alert_rule_test": checks})
    half = slo_feed.Scenario("half the budget", (slo_feed.Phase(17, 1, slo.budget / 2),), ())
    groups.append({"name": f"{alert.name}'s objective, error budget and budget remaining from the SLI's raw "
                           "counters: half the budget's error ratio over the period leaves half the budget",
                   "interval": "1m", "input_series": slo_feed.series_of(raw, half),
                   "promql_expr_test": _budget_checks(alert, slo, 17 * MINUTE_MS // step * step, value=True)})
    return groups


def _recorded_tests(rows: list[tuple[Alert, Slo]], interval_ms: int) -> list[dict[str, Any]]:
    """The burn-rate group and the error-budget group of SLO rows whose SLI monplan cannot
    feed from raw series: each window's ratio is written as it is recorded."""
    interval = durations.format_ms(interval_ms)
    series, checks, budget_series, budget_checks = [], [], [], []
    for alert, slo in rows:
        for window, values in window_values(slo).items():
            series.append({"series": _selector(alert, slo.ratio_series(window)),
                           "values": " ".join(format_decimal(v) for v in values)})
        checks.extend(burn_checks(alert, slo, interval_ms))
        half = slo.budget / 2
        budget_series.append({"series": _selector(alert, slo.ratio_series(WINDOWS[0])),
                              "values": f"{format_decimal(half)}x{SAMPLES - 1}"})
        budget_checks.extend(_budget_checks(alert, slo, (SAMPLES - 1) * interval_ms))
    names = "; ".join(f"{slo.fast.name} and {slo.slow.name} ({alert.threshold.text} over {slo.period})"
                      for alert, slo in rows)
    checks.sort(key=lambda c: (durations.parse_ms(c["eval_time"]), c["alertname"]))
    return [
        {"name": "each SLO's burn alerts fire while both windows of a pair burn faster than the pair's factor, "
                 f"stay quiet on the long window alone, exactly at the factor and at the objective (recorded "
                 f"ratios: the SLI's shape has no raw series monplan can write): {names}",
         "interval": interval, "input_series": series, "alert_rule_test": checks},
        {"name": "each SLO's objective, error budget and budget remaining: half the budget's error ratio over the "
                 "period leaves half the budget",
         "interval": interval, "input_series": budget_series, "promql_expr_test": budget_checks},
    ]


def _named(series: str, labels: dict[str, str]) -> str:
    """A series' labels as promtool prints them, its name first."""
    return "{" + ", ".join([f'__name__="{series}"'] + [f'{k}="{v}"' for k, v in labels.items()]) + "}"


def _budget_checks(alert: Alert, slo: Slo, at_ms: int, *, value: bool = False) -> list[dict[str, Any]]:
    """The objective and budget exactly, half the budget left; with `value` also the row's
    value (the good share over 5m), which raw counters compute."""
    at = durations.format_ms(at_ms)
    shown = "{" + ", ".join(f'{k}="{v}"' for k, v in alert.record_labels.items()) + "}"
    exact = [(slo.objective_series, slo.objective), (slo.budget_series, slo.budget)]
    out: list[dict[str, Any]] = [
        {"expr": series, "eval_time": at, "exp_samples": [{"labels": _named(series, alert.record_labels),
                                                           "value": float(value)}]}
        for series, value in exact]
    out.append({"expr": f"abs({_selector(alert, slo.remaining_series)} - 0.5) <= bool 1e-9", "eval_time": at,
                "exp_samples": [{"labels": shown, "value": 1}]})
    if value:
        good = format_decimal(1 - slo.budget / 2)
        out.append({"expr": f"abs({_selector(alert, alert.record)} - {good}) <= bool 1e-9", "eval_time": at,
                    "exp_samples": [{"labels": shown, "value": 1}]})
    return out
