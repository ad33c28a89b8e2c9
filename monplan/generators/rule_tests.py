"""promtool unit tests that prove every alert: it fires once the value crosses the threshold
and its `for` has passed, not a step before, stays quiet exactly on the other side of the
threshold, resolves when the value recovers, and carries its severity and annotations.

The tests drive the series the alert reads (the row's recorded value, and its baseline),
so they hold for any query. Values sit on either side of the threshold by half a unit of
its last digit, written as exact decimals; baselines are a power of two so that
`factor * baseline` is computed exactly by Prometheus too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
import posixpath
from decimal import Decimal
from typing import Any

from monplan import durations
from monplan.generators.rules import rule_file_path
from monplan.gotemplate import expand_value
from monplan.model import Alert, Plan
from monplan.render import header, to_yaml
from monplan.thresholds import Kind, format_decimal

TESTS_DIR = "prometheus/tests"
BASELINE = Decimal(1024)  # a power of two: factor * baseline is exact in float64
QUIET_BEFORE = 3  # samples before the breach
RECOVERED_AFTER = 4  # samples after it


def limit_of(alert: Alert) -> Decimal:
    """The number the recorded value is compared with in the test."""
    if alert.kind is Kind.RELATIVE:
        base = alert.baseline_value if alert.baseline_record is None else BASELINE
        assert base is not None
        return alert.threshold.value * base
    return alert.threshold.value


def _half_unit(limit: Decimal, kind: Kind) -> Decimal:
    if limit == 0:
        return Decimal(1) if kind in (Kind.ANY, Kind.NUMBER) else Decimal("0.01")
    exponent = limit.normalize().as_tuple().exponent
    assert isinstance(exponent, int)
    return Decimal(1).scaleb(exponent) / 2


def breach_and_quiet(alert: Alert) -> tuple[Decimal, Decimal]:
    """A value that fires the alert and the closest value that must not."""
    if alert.kind is Kind.ANY:
        return Decimal(1), Decimal(0)
    limit = limit_of(alert)
    step = _half_unit(limit, alert.kind)
    return {
        "<": (limit - step, limit),
        "<=": (limit, limit + step),
        ">": (limit + step, limit),
        ">=": (limit, limit - step),
    }[alert.threshold.op]


def _dur(ms: int) -> str:
    return durations.format_ms(ms)


def expected_alert(alert: Alert, value: Decimal) -> dict[str, Any]:
    # Templates see only the labels of the series the expression returned (the tests inject
    # series labelled only with the row's service, if any), not the rule's own labels.
    series_labels = alert.record_labels
    labels = {key: expand_value(text, float(value), series_labels) for key, text in alert.labels}
    annotations = {key: expand_value(text, float(value), series_labels) for key, text in alert.annotations}
    return {"exp_labels": labels, "exp_annotations": annotations}


@dataclass(frozen=True)
class Scenario:
    """One alert's part of the file's two test groups: its series and its checks."""

    firing_series: list[dict[str, str]]
    firing_checks: list[dict[str, Any]]
    quiet_series: list[dict[str, str]]
    quiet_checks: list[dict[str, Any]]
    firing_samples: int
    quiet_samples: int


def scenario(alert: Alert, interval_ms: int) -> Scenario:
    breach, quiet = breach_and_quiet(alert)
    b, q = format_decimal(breach), format_decimal(quiet)
    steps = math.ceil(durations.parse_ms(alert.for_) / interval_ms)
    breach_samples = steps + 3
    start = QUIET_BEFORE * interval_ms
    fires_at = start + steps * interval_ms
    recovered_at = start + breach_samples * interval_ms + interval_ms
    values = f"{q}x{QUIET_BEFORE - 1} {b}x{breach_samples - 1} {q}x{RECOVERED_AFTER - 1}"
    name = alert.name
    checks: list[dict[str, Any]] = [
        {"eval_time": _dur(start - interval_ms), "alertname": name, "exp_alerts": []},
    ]
    if steps > 0:  # a step before its `for` has passed it is pending, not firing
        checks.append({"eval_time": _dur(fires_at - interval_ms), "alertname": name, "exp_alerts": []})
    checks.append({"eval_time": _dur(fires_at), "alertname": name, "exp_alerts": [expected_alert(alert, breach)]})
    checks.append({"eval_time": _dur(recovered_at), "alertname": name, "exp_alerts": []})
    firing_samples = QUIET_BEFORE + breach_samples + RECOVERED_AFTER
    quiet_samples = steps + 6
    return Scenario(
        firing_series=_series_with(alert, values, firing_samples), firing_checks=checks,
        quiet_series=_series_with(alert, f"{q}x{quiet_samples - 1}", quiet_samples),
        quiet_checks=[{"eval_time": _dur((quiet_samples - 1) * interval_ms), "alertname": name, "exp_alerts": []}],
        firing_samples=firing_samples, quiet_samples=quiet_samples,
    )


def tests_for(alerts: list[Alert], interval_ms: int) -> list[dict[str, Any]]:
    """Two test groups for the alerts of one rule file: each alert crossing its threshold,
    then each alert held exactly at the quiet side of it.

    Every alert reads only its own recorded series, so all of a file's alerts share each
    group; promtool then evaluates the file's rules once per step for all of them, instead of
    once per alert (thousands of alerts would otherwise take promtool many minutes). A failure
    names the alert and the time, and the group names list what each proves."""
    scenarios = [scenario(alert, interval_ms) for alert in alerts]
    described = "; ".join(f"{a.name} {a.threshold.text}" + (f" for {a.for_}" if a.for_ != "0s" else " at once")
                          for a in alerts)
    return [
        {"name": f"each alert fires once its value crosses the threshold and its for has passed, and resolves: {described}",
         "interval": _dur(interval_ms),
         "input_series": [s for one in scenarios for s in one.firing_series],
         "alert_rule_test": _ordered([c for one in scenarios for c in one.firing_checks])},
        {"name": "each alert stays quiet with its value exactly on the other side of the threshold",
         "interval": _dur(interval_ms),
         "input_series": [s for one in scenarios for s in one.quiet_series],
         "alert_rule_test": _ordered([c for one in scenarios for c in one.quiet_checks])},
    ]


def _ordered(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checks by time, then alert: promtool evaluates up to each time once, in order."""
    return sorted(checks, key=lambda c: (durations.parse_ms(c["eval_time"]), c["alertname"]))


def _series_with(alert: Alert, values: str, samples: int) -> list[dict[str, str]]:
    series = [{"series": alert.series, "values": values}]
    if alert.baseline_series:
        series.append({"series": alert.baseline_series, "values": f"{BASELINE}x{samples - 1}"})
    return series


def test_file_path(slug: str) -> str:
    return f"{TESTS_DIR}/{slug}.yml"


def generate(plan: Plan) -> dict[str, bytes]:
    interval_ms = durations.parse_ms(plan.evaluation_interval)
    source = plan.source
    files: dict[str, bytes] = {}
    for slug, title in plan.groups:
        alerts = plan.alerts_in(slug)
        if not alerts:
            continue
        tests = tests_for(alerts, interval_ms)
        document = {
            "rule_files": [posixpath.relpath(rule_file_path(slug), posixpath.dirname(test_file_path(slug)))],
            "evaluation_interval": plan.evaluation_interval,
            "tests": tests,
        }
        comment = header(source, f"promtool unit tests for the alerts of {title}; run: promtool test rules {test_file_path(slug)}")
        files[test_file_path(slug)] = to_yaml(document, comment)
    return files
