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
import posixpath
from collections.abc import MutableMapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from monplan.formats.render import header, to_yaml
from monplan.generators import collector
from monplan.generators.rules import rule_file_path
from monplan.lang import durations
from monplan.lang.gotemplate import expand_value
from monplan.lang.thresholds import Kind, format_decimal
from monplan.model.plan import Alert, Plan, Watch
from monplan.output.unitcache import unit

TESTS_DIR = "prometheus/tests"
BASELINE = Decimal(1024)  # a power of two: factor * baseline is exact in float64
QUIET_BEFORE = 3  # samples before the breach
RECOVERED_AFTER = 4  # samples after it


def limit_of(alert: Alert) -> Decimal:
    """The number the recorded value is compared with in the test (which lasts minutes: a
    default baseline with a start compares with its start, other baselines are fed as input)."""
    if alert.kind is Kind.RELATIVE:
        base = alert.baseline_value if alert.baseline_record is None else (alert.baseline_start or BASELINE)
        assert base is not None
        return alert.threshold.limit(base)
    return alert.threshold.limit()


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
    op = alert.threshold.op
    breach, quiet = {
        "<": (limit - step, limit),
        "<=": (limit, limit + step),
        ">": (limit + step, limit),
        ">=": (limit, limit - step),
    }[op]
    if alert.baseline_start is not None:
        # Prometheus computes factor * start in float64, which may land either side of the
        # exact product (0.1 * 3 is 0.30000000000000004): keep each value on its side of that.
        computed = float(alert.threshold.value) * float(alert.baseline_start)
        away = step if op in ("<", "<=") else -step
        while _holds_float(quiet, op, computed):
            quiet += away
        while not _holds_float(breach, op, computed):
            breach -= away
    return breach, quiet


def _holds_float(value: Decimal, op: str, limit: float) -> bool:
    number = float(value)
    return {"<": number < limit, "<=": number <= limit, ">": number > limit, ">=": number >= limit}[op]


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
    groups = [
        {"name": f"each alert fires once its value crosses the threshold and its for has passed, and resolves: {described}",
         "interval": _dur(interval_ms),
         "input_series": [s for one in scenarios for s in one.firing_series],
         "alert_rule_test": _ordered([c for one in scenarios for c in one.firing_checks])},
        {"name": "each alert stays quiet with its value exactly on the other side of the threshold",
         "interval": _dur(interval_ms),
         "input_series": [s for one in scenarios for s in one.quiet_series],
         "alert_rule_test": _ordered([c for one in scenarios for c in one.quiet_checks])},
    ]
    return groups


DAY_MS = 86_400_000
HOUR_MS = 3_600_000
DAY_TWO_DIR = f"{TESTS_DIR}/day-two"  # slugs and service names hold no "/": no main test file is in it


def day_two_step(interval_ms: int) -> int:
    """The evaluation interval of the day-two tests: an hour (a multiple of the rules' own).
    promtool evaluates every rule of the file at every step from the start: a day at the
    rules' interval (1,500 steps at 1m) took 10 s per rule file, over an hour at 10,000 rows,
    against 26 hourly steps."""
    return interval_ms * math.ceil(HOUR_MS / interval_ms)


def day_two_tests(alerts: list[Alert], interval_ms: int) -> list[dict[str, Any]]:
    """The group proving the default baselines of a rule file on day two, or none."""
    step_ms = day_two_step(interval_ms)
    second_day = [one for one in (day_two_scenario(alert, interval_ms, step_ms) for alert in alerts) if one]
    if not second_day:
        return []
    names = ", ".join(one.name for one in second_day)
    return [{
        "name": f"default baselines from day two: the rules run a day at the normal level and the value then "
                f"crosses the threshold, compared with the value one day earlier; quiet until then: {names}",
        "interval": _dur(interval_ms),
        "input_series": [one.series for one in second_day],
        "alert_rule_test": _ordered([c for one in second_day for c in one.checks])}]


@dataclass(frozen=True)
class DayTwo:
    """One default-baseline alert's part of the day-two group."""

    name: str
    series: dict[str, str]
    checks: list[dict[str, Any]]


def day_two_scenario(alert: Alert, interval_ms: int, step_ms: int) -> DayTwo | None:
    """For a row with the default baseline: only its recorded value is fed, every interval, at
    the normal level (BASELINE) from the moment the rules start, and an hour into the second
    day it drops to zero (or, for '>' rows, doubles past the threshold). The baseline the alert
    compares with then comes from the rules themselves, the value one day earlier: the test
    fails if the rules can only look one week back, as they once did. The rules are evaluated
    every `step_ms`: the alert is pending from the drop and fires at the first step its `for`
    has passed."""
    if not alert.baseline_default:
        return None
    op, limit = alert.threshold.op, alert.threshold.limit(BASELINE)
    if op in ("<", "<="):
        breach = Decimal(0) if limit > 0 else limit - 1
    else:
        breach = limit * 2 if limit > 0 else limit + 1
    if _holds(BASELINE, op, limit) or not _holds(breach, op, limit):
        return None  # the normal level itself breaches ("<120% of baseline"): nothing quiet to show
    steps = math.ceil(durations.parse_ms(alert.for_) / step_ms)  # evaluations until it fires
    drop_ms = step_ms * math.ceil((DAY_MS + HOUR_MS) / step_ms)  # on day two, at an evaluation
    drop = drop_ms // interval_ms  # its sample
    values = f"{BASELINE}x{drop - 1} {format_decimal(breach)}x{(steps + 1) * step_ms // interval_ms}"
    checks: list[dict[str, Any]] = [{"eval_time": _dur(drop_ms - step_ms), "alertname": alert.name, "exp_alerts": []}]
    if steps > 0:
        checks.append({"eval_time": _dur(drop_ms + (steps - 1) * step_ms), "alertname": alert.name, "exp_alerts": []})
    checks.append({"eval_time": _dur(drop_ms + steps * step_ms), "alertname": alert.name,
                   "exp_alerts": [expected_alert(alert, breach)]})
    return DayTwo(alert.name, {"series": alert.series, "values": values}, checks)


def _holds(value: Decimal, op: str, limit: Decimal) -> bool:
    return {"<": value < limit, "<=": value <= limit, ">": value > limit, ">=": value >= limit}[op]


def _ordered(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checks by time, then alert: promtool evaluates up to each time once, in order."""
    return sorted(checks, key=lambda c: (durations.parse_ms(c["eval_time"]), c["alertname"]))


def _series_with(alert: Alert, values: str, samples: int) -> list[dict[str, str]]:
    series = [{"series": alert.series, "values": values}]
    if alert.baseline_series and alert.baseline_start is None:  # a start is what the rules compare with at first
        series.append({"series": alert.baseline_series, "values": f"{BASELINE}x{samples - 1}"})
    return series


def _watch_expected(watch: Watch, series_labels: dict[str, str]) -> dict[str, Any]:
    """What promtool sees of a firing watch: its rule labels over the labels of the series its
    expression returns (absent() returns its selector's equality matchers; up == 0 the up series)."""
    labels = {**series_labels, **{key: expand_value(text, 1.0, series_labels) for key, text in watch.labels}}
    annotations = {key: expand_value(text, 1.0, series_labels) for key, text in watch.annotations}
    return {"exp_labels": labels, "exp_annotations": annotations}


def _absence_checks(watch: Watch, interval_ms: int, present: int, fired_labels: dict[str, str]) -> list[dict[str, Any]]:
    """Checks for a watch whose condition holds from sample `present` on: quiet while the series
    is there (for longer than the watch's `for`), pending a step before its `for` has passed,
    firing once it has, resolved when the series is back (sample `present + steps + 2`)."""
    steps = math.ceil(durations.parse_ms(watch.for_) / interval_ms)
    start = present * interval_ms
    checks: list[dict[str, Any]] = [{"eval_time": _dur(start - interval_ms), "alertname": watch.name, "exp_alerts": []}]
    if steps > 0:
        checks.append({"eval_time": _dur(start + (steps - 1) * interval_ms), "alertname": watch.name, "exp_alerts": []})
    checks.append({"eval_time": _dur(start + steps * interval_ms), "alertname": watch.name,
                   "exp_alerts": [_watch_expected(watch, fired_labels)]})
    checks.append({"eval_time": _dur(start + (steps + 2) * interval_ms), "alertname": watch.name, "exp_alerts": []})
    return checks


def _gone_then_back(value: str, present: int, steps: int) -> str:
    """`present` samples of `value`, a stale marker (what Prometheus writes when a recording
    rule's query or a target's scrape stops returning the series), nothing for the watch's
    `for` and a step, then the value again."""
    return f"{value}x{present - 1} stale _x{steps} {value}x1"


def no_data_tests(alerts: list[Alert], interval_ms: int) -> list[dict[str, Any]]:
    """One group proving each NoData alert of a rule file: quiet while the row's recorded series
    exists, firing once it has been absent for the NoData alert's `for`, resolved when it is back."""
    watched = [alert for alert in alerts if alert.no_data is not None]
    if not watched:
        return []
    series, checks = [], []
    for alert in watched:
        watch = alert.no_data
        assert watch is not None and watch.series is not None
        steps = math.ceil(durations.parse_ms(watch.for_) / interval_ms)
        present = steps + 2
        _, quiet = breach_and_quiet(alert)
        series.append({"series": watch.series, "values": _gone_then_back(format_decimal(quiet), present, steps)})
        checks.extend(_absence_checks(watch, interval_ms, present, alert.record_labels))
    names = "; ".join(dict.fromkeys(f"{w.name} after {w.for_}" for a in watched if (w := a.no_data)))
    return [{"name": f"each NoData alert stays quiet while its row's series exists, fires once the series has been "
                     f"absent for its for, and resolves when it is back: {names}",
             "interval": _dur(interval_ms), "input_series": series, "alert_rule_test": _merged(checks)}]


def target_tests(watches: list[Watch], interval_ms: int) -> list[dict[str, Any]]:
    """Two groups for the collection jobs' alerts: TargetDown with a target answering up == 0,
    TargetMissing with the job's up series gone (TargetDown must stay quiet then: no double page)."""
    from monplan.model.watches import TARGET_DOWN, TARGET_MISSING

    groups = []
    for kind, title in ((TARGET_DOWN, "each TargetDown alert stays quiet while its job's target is up, fires once "
                                      "up has been 0 for its for, and resolves when the target is back"),
                        (TARGET_MISSING, "each TargetMissing alert stays quiet while its job has a target, fires once "
                                         "the job has had no up series for its for, and resolves when it is back; "
                                         "TargetDown stays quiet meanwhile")):
        series, checks = [], []
        for watch in (w for w in watches if w.kind == kind):
            steps = math.ceil(durations.parse_ms(watch.for_) / interval_ms)
            present = steps + 2
            up = {"job": watch.job or "", "instance": "monplan-test-target:9100"}
            selector = "up{" + ", ".join(f'{k}="{v}"' for k, v in up.items()) + "}"
            if kind == TARGET_DOWN:
                values = f"1x{present - 1} 0x{steps + 1} 1x1"
                checks.extend(_absence_checks(watch, interval_ms, present, up))
            else:
                values = _gone_then_back("1", present, steps)
                checks.extend(_absence_checks(watch, interval_ms, present, {"job": watch.job or ""}))
                down = next((w for w in watches if w.kind == TARGET_DOWN and w.job == watch.job), None)
                if down is not None:
                    checks += [{"eval_time": _dur((present + k) * interval_ms), "alertname": down.name, "exp_alerts": []}
                               for k in (0, steps)]
            series.append({"series": selector, "values": values})
        if series:
            groups.append({"name": title, "interval": _dur(interval_ms), "input_series": series,
                           "alert_rule_test": _merged(checks)})
    return groups


def _merged(checks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Checks by time and alert; the per-service copies of a row share an alert name, so their
    expected alerts at one time are one check."""
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for check in checks:
        key = (durations.parse_ms(check["eval_time"]), check["alertname"])
        if key in out:
            out[key]["exp_alerts"].extend(check["exp_alerts"])
        else:
            out[key] = {**check, "exp_alerts": list(check["exp_alerts"])}
    return [out[key] for key in sorted(out)]


def _quoted(value: str) -> str:
    """A label value inside double quotes in PromQL series notation."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def raw_query_tests(alerts: list[Alert], interval_ms: int) -> list[dict[str, Any]]:
    """Groups proving that the queries of a known shape compute their value: the raw series the
    query reads go in, the row's own recording rule computes the recorded value, and it must
    equal what the shape says (within 1e-9, as rate() extrapolates in float64). Rows sharing a
    metric go in different groups, where their series cannot mix (monplan/lang/query_shapes.py)."""
    from monplan.lang.query_shapes import raw_case

    groups: list[tuple[set[str], list[dict[str, str]], list[dict[str, Any]], list[str], int]] = []
    for alert in alerts:
        breach, _ = breach_and_quiet(alert)  # the same target as query_shapes.recorded_only
        case = raw_case(alert.query, breach if alert.kind is not Kind.RELATIVE else Decimal("0.5"), interval_ms / 1000)
        if case is None:
            continue
        steps = math.ceil(case.window_s * 1000 / interval_ms) + 3
        metrics = {metric for metric, _, _ in case.series}
        home = next((g for g in groups if not g[0] & metrics), None)
        if home is None:
            home = (set(), [], [], [], 0)
            groups.append(home)
        home[0].update(metrics)
        for metric, labels, values in case.series:
            selector = metric + "{" + ", ".join(f'{k}="{_quoted(v)}"' for k, v in labels.items()) + "}"
            home[1].append({"series": selector, "values": f"{values}x{steps + 1}"})
        tolerance = format_decimal(max(abs(case.value), Decimal(1)) * Decimal("1e-9"))
        shown = "{" + ", ".join(f'{k}="{v}"' for k, v in alert.record_labels.items()) + "}"
        home[2].append({"expr": f"abs({alert.series} - {format_decimal(case.value)}) <= bool {tolerance}",
                        "eval_time": _dur(steps * interval_ms), "exp_samples": [{"labels": shown, "value": 1}]})
        home[3].append(f"{alert.name} ({case.shape})")
    return [{"name": "each query computes its value from the raw series it reads: " + "; ".join(names),
             "interval": _dur(interval_ms), "input_series": series, "promql_expr_test": checks}
            for _, series, checks, names, _ in groups]


def no_events_tests(alerts: list[Alert], interval_ms: int) -> list[dict[str, Any]]:
    """Groups proving that an event ratio reads 0 while only its denominator has series (a
    healthy service that never answered an error), and that its NoData alert stays quiet then
    (monplan/lang/no_events.py); for the rows whose query shape has raw series."""
    from monplan.lang.first_event import recorded_query
    from monplan.lang.query_shapes import raw_case

    groups: list[tuple[set[str], list[dict[str, str]], list[dict[str, Any]], list[dict[str, Any]], list[str]]] = []
    for alert in alerts:
        watch = alert.no_data
        if watch is None or recorded_query(alert) == alert.query:
            continue
        breach, _ = breach_and_quiet(alert)
        case = raw_case(alert.query, breach if alert.kind is not Kind.RELATIVE else Decimal("0.5"), interval_ms / 1000)
        if case is None or case.shape != "ratio of counter rates":
            continue
        metric, labels, values = case.series[1]  # what the denominator alone selects
        steps = math.ceil((case.window_s * 1000 + durations.parse_ms(watch.for_)) / interval_ms) + 3
        home = next((g for g in groups if metric not in g[0]), None)
        if home is None:
            home = (set(), [], [], [], [])
            groups.append(home)
        home[0].add(metric)
        selector = metric + "{" + ", ".join(f'{k}="{_quoted(v)}"' for k, v in labels.items()) + "}"
        home[1].append({"series": selector, "values": f"{values}x{steps + 1}"})
        shown = "{" + ", ".join(f'{k}="{v}"' for k, v in alert.record_labels.items()) + "}"
        home[2].append({"expr": alert.series, "eval_time": _dur(steps * interval_ms),
                        "exp_samples": [{"labels": alert.series.split("{", 1)[0] + shown, "value": 0}]})
        home[3].append({"eval_time": _dur(steps * interval_ms), "alertname": watch.name, "exp_alerts": []})
        home[4].append(alert.name)
    return [{"name": "each event ratio reads 0, and its NoData alert stays quiet, while only its denominator has "
                     "series (no event yet): " + "; ".join(names),
             "interval": _dur(interval_ms), "input_series": series, "promql_expr_test": values,
             "alert_rule_test": _merged(checks)}
            for _, series, values, checks, names in groups]


def test_file_path(slug: str) -> str:
    return f"{TESTS_DIR}/{slug}.yml"


def generate(plan: Plan) -> MutableMapping[str, bytes]:
    interval_ms = durations.parse_ms(plan.evaluation_interval)
    files = collector()
    for slug, title in plan.rule_files():
        alerts = plan.alerts_in(slug)
        files.update(unit(plan, "rule_tests",
                          lambda cache: (slug, title, *map(cache.alert, alerts)),  # noqa: B023 - unit() calls it at once
                          lambda: _file(plan, slug, title, alerts, interval_ms)))  # noqa: B023 - unit() calls it at once
    return files


def day_two_file_path(slug: str) -> str:
    return f"{DAY_TWO_DIR}/{slug}.yml"


def _file(plan: Plan, slug: str, title: str, alerts: list[Alert], interval_ms: int) -> dict[str, bytes]:
    """The test files of one rule file: every test at the rules' interval, and the day-two
    tests of its default baselines at an hourly one."""
    if alerts:
        from monplan.generators.slo_tests import burn_tests

        plain = [alert for alert in alerts if alert.slo is None]  # SLO rows alert on burn rates instead
        tests = ((tests_for(plain, interval_ms) if plain else []) + burn_tests(alerts, interval_ms)
                 + no_data_tests(alerts, interval_ms) + raw_query_tests(plain, interval_ms)
                 + no_events_tests(plain, interval_ms))
    else:
        tests = target_tests(plan.watches_in(slug), interval_ms)
    document = {
        "rule_files": [posixpath.relpath(rule_file_path(slug), posixpath.dirname(test_file_path(slug)))],
        "evaluation_interval": plan.evaluation_interval,
        "tests": tests,
    }
    comment = header(plan.source, f"promtool unit tests for the alerts of {title}; run: promtool test rules {test_file_path(slug)}")
    files = {test_file_path(slug): to_yaml(document, comment)}
    second_day = day_two_tests([alert for alert in alerts if alert.slo is None], interval_ms)
    if second_day:
        path = day_two_file_path(slug)
        document = {
            "rule_files": [posixpath.relpath(rule_file_path(slug), posixpath.dirname(path))],
            "evaluation_interval": _dur(day_two_step(interval_ms)),
            "tests": second_day,
        }
        comment = header(plan.source, f"promtool unit tests of the default baselines of {title} on their second day, "
                                      f"the rules evaluated hourly; run: promtool test rules {path}")
        files[path] = to_yaml(document, comment)
    return files
