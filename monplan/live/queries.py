"""`monplan validate --prometheus URL`: every row's query checked against a live Prometheus.

What promtool cannot know, a running server does: whether the series a query selects exist,
whether the labels it matches and groups by are on them, whether `rate()` is applied to a
counter, whether the value is in the threshold's unit, and how the alert would have behaved.

    live/series-missing   a selector of the query matches no series (now, or over --since)
    live/label-missing    a label of a selector, `by`, `on`, `ignoring` or `group_*` is on none of its series
    live/counter          rate()/increase() of a gauge, or a raw counter compared with the threshold
    live/unit             the present value cannot be in the threshold's unit (a ratio row returning 57)
    live/never-fires      over --since the alert never fired and its value stayed far from the threshold
    live/always-fires     over --since the alert would have fired most of the time

The last two replay the alerting rule as `monplan tune` does, on the rows' recorded series
where Prometheus has them, else on the rows' own queries (a plan not deployed yet).
Every finding is a located diagnostic at the row's query; the whole run keeps to a deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.lang.thresholds import Kind
from monplan.live.prometheus_api import Prometheus, PrometheusError, QueryError, Series

if TYPE_CHECKING:
    from monplan.live.report.window import Window
    from monplan.model.plan import Alert, Plan
    from monplan.spec.loader import Located

# Functions after which a counter's value no longer is the raw, ever-growing total.
_COUNTER_FUNCTIONS = frozenset({"rate", "irate", "increase", "resets", "changes", "count_over_time", "absent",
                                "absent_over_time", "present_over_time", "timestamp", "delta", "idelta", "deriv"})
_RATE_FUNCTIONS = frozenset({"rate", "irate", "increase"})
_COUNTING_AGGREGATIONS = frozenset({"count", "count_values", "group"})
_LABEL_MAKERS = frozenset({"label_replace", "label_join"})
ALWAYS_SHARE = 0.9  # firing this share of the window or more is "always"


class DeadlineExceeded(PrometheusError):
    """The overall deadline of the live checks passed."""


class BoundedPrometheus(Prometheus):
    """A client whose requests all end within `total` seconds: each waits at most what is left."""

    def __init__(self, url: str, per_request: float, total: float) -> None:
        super().__init__(url, per_request)
        self.per_request, self.total = per_request, total
        self.deadline = time.monotonic() + total

    def _call(self, path: str, params: dict[str, str], method: str = "POST") -> Any:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded(f"the live checks did not finish within their deadline of {self.total:g}s "
                                   "(--deadline)")
        self.timeout = max(0.5, min(self.per_request, left))
        return super()._call(path, params, method)


@dataclass
class LiveReport:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    rows: int = 0


@dataclass(frozen=True)
class _Selector:
    text: str  # the selector as PromQL, without offset or @
    name: str | None
    labels: tuple[str, ...]  # labels it requires to exist (=, =~ matching a non-empty value)
    raw: bool  # its value reaches the query's result as it is (no rate(), count(), ...)
    rated: str | None  # the rate()-like function applied directly to it


def _selector_text(node: Any) -> str:
    return f"{node.name or ''}{{{', '.join(str(m) for m in node.matchers.matchers)}}}" if node.matchers.matchers \
        else (node.name or "{}")


def _required_labels(node: Any) -> tuple[str, ...]:
    import re

    out = []
    for matcher in node.matchers.matchers:
        op = str(matcher.op).rsplit(".", 1)[-1]
        if matcher.name == "__name__" or op in ("NotEqual", "NotRe"):
            continue
        if op == "Re" and re.fullmatch(matcher.value, ""):
            continue  # matches series without the label too
        if op == "Equal" and matcher.value == "":
            continue
        out.append(matcher.name)
    return tuple(out)


def analyse(query: str) -> tuple[list[_Selector], list[tuple[str, set[str]]]]:
    """The query's selectors, and each grouping or matching label with the metrics under it."""
    import promql_parser

    selectors: list[_Selector] = []
    groupings: list[tuple[str, set[str]]] = []

    def names_under(node: Any) -> tuple[set[str], bool]:
        names: set[str] = set()
        makes = False

        def visit(item: Any) -> None:
            nonlocal makes
            kind = type(item).__name__
            if kind == "VectorSelector" and item.name:
                names.add(item.name)
            elif kind == "Call" and item.func.name in _LABEL_MAKERS:
                makes = True

        promql_parser.walk(node, visit)
        return names, makes

    def walk(node: Any, raw: bool, rated: str | None, skip: bool) -> None:
        kind = type(node).__name__
        if kind in ("ParenExpr", "UnaryExpr", "SubqueryExpr"):
            walk(node.expr, raw, None, skip)
        elif kind == "MatrixSelector":
            walk(node.vector_selector, raw, rated, skip)
        elif kind == "VectorSelector":
            if not skip:
                selectors.append(_Selector(_selector_text(node), node.name, _required_labels(node), raw, rated))
        elif kind == "Call":
            name = node.func.name
            absent = name in ("absent", "absent_over_time")
            for arg in node.args:
                if hasattr(arg, "__class__") and type(arg).__name__ not in ("NumberLiteral", "StringLiteral"):
                    walk(arg, raw and name not in _COUNTER_FUNCTIONS, name if name in _RATE_FUNCTIONS else None,
                         skip or absent)
        elif kind == "AggregateExpr":
            if node.modifier is not None and node.modifier.labels:
                names, makes = names_under(node.expr)
                if not makes:
                    groupings.extend((label, names) for label in node.modifier.labels)
            walk(node.expr, raw and str(node.op) not in _COUNTING_AGGREGATIONS, None, skip)
        elif kind == "BinaryExpr":
            modifier = node.modifier
            if modifier is not None:
                labels = list(modifier.matching.labels) if modifier.matching is not None else []
                labels += list(modifier.group_labels or [])
                for side in (node.lhs, node.rhs):
                    names, makes = names_under(side)
                    if not makes:
                        groupings.extend((label, names) for label in labels)
            op = str(node.op)
            walk(node.lhs, raw, None, skip)
            walk(node.rhs, raw and op not in ("and", "unless"), None, skip)

    walk(promql_parser.parse(query), True, None, False)
    return selectors, groupings


def _family_types(client: Prometheus, name: str, cache: dict[str, list[str]]) -> list[str]:
    """The metadata types of a series name: its own, else its family's (x_bucket of histogram x)."""
    candidates = [name]
    for suffix in ("_total", "_bucket", "_count", "_sum", "_created"):
        if name.endswith(suffix):
            candidates.append(name.removesuffix(suffix))
    for candidate in candidates:
        if candidate not in cache:
            cache[candidate] = client.metadata(candidate)
        if cache[candidate]:
            return cache[candidate]
    return []


def _is_counter(name: str, types: list[str]) -> bool:
    if types:
        cumulative = ("_bucket", "_count", "_sum")
        return "counter" in types or (any(t in types for t in ("histogram", "summary")) and name.endswith(cumulative))
    return name.endswith("_total")  # no metadata: Prometheus' naming convention


@dataclass
class _Context:
    client: Prometheus
    window: Window
    at: float
    since: str
    located: Located
    problems: list[Diagnostic]
    seen: set[tuple[Path, str]] = field(default_factory=set)
    presence: dict[str, tuple[bool, bool]] = field(default_factory=dict)  # selector -> (now, in window)
    labels: dict[str, set[str]] = field(default_factory=dict)
    types: dict[str, list[str]] = field(default_factory=dict)

    def report(self, alert: Alert, check: str, message: str, severity: str = "error",
               field: tuple[str, ...] = ("query",)) -> None:
        path = alert.path + field
        if (path, message) in self.seen:
            return
        self.seen.add((path, message))
        line, column = self.located.where(path)
        who = f'service "{alert.service}": ' if alert.service else ""
        self.problems.append(Diagnostic(self.located.file, line, column, who + message, format_path(path),
                                        severity, check=check))  # type: ignore[arg-type]

    def present(self, selector: str) -> tuple[bool, bool]:
        if selector not in self.presence:
            now = bool(self.client.query(f"count({selector})", self.at))
            ever = now or bool(self.client.query(f"count(last_over_time({selector}[{int(self.window.seconds)}s]))",
                                                 self.at))
            self.presence[selector] = (now, ever)
        return self.presence[selector]

    def label_names(self, metric: str) -> set[str]:
        if metric not in self.labels:
            names = self.client.label_names(f'{{__name__="{metric}"}}', self.window.start, self.at)
            self.labels[metric] = set(names) - {"__name__"}
        return self.labels[metric]


def _check_series(ctx: _Context, alert: Alert, selectors: list[_Selector],
                  groupings: list[tuple[str, set[str]]], field: tuple[str, ...] = ("query",)) -> None:
    def report(check: str, message: str) -> None:
        ctx.report(alert, check, message, field=field)

    for selector in selectors:
        missing_labels = []
        if selector.name:
            known = ctx.label_names(selector.name)
            if known:
                missing_labels = [label for label in selector.labels if label not in known]
                for label in missing_labels:
                    report("live/label-missing", f'{selector.text}: no series of {selector.name} has the '
                               f'label "{label}" (its labels: {", ".join(sorted(known)) or "none"})')
        if missing_labels:
            continue  # the missing label says why the selector matches nothing
        now, ever = ctx.present(selector.text)
        if not ever:
            report("live/series-missing", f"{selector.text} matches no series in the last {ctx.since}: "
                       "the alert sees no data and can never fire (a renamed metric, job or label value?)")
        elif not now:
            report("live/series-missing", f"{selector.text} matches no series now (it did in the last "
                       f"{ctx.since}): the alert sees no data and can never fire")
    for label, metrics in groupings:
        label_sets = [ctx.label_names(metric) for metric in sorted(metrics)]
        if label_sets and all(names for names in label_sets) and not any(label in names for names in label_sets):
            report("live/label-missing", f'"{label}" (in by, on, ignoring or group_*) is on no series of '
                       f'{", ".join(sorted(metrics))}')


def _check_counters(ctx: _Context, alert: Alert, selectors: list[_Selector],
                    field: tuple[str, ...] = ("query",)) -> None:
    for selector in selectors:
        if not selector.name:
            continue
        types = _family_types(ctx.client, selector.name, ctx.types)
        if selector.rated and types and "gauge" in types and not _is_counter(selector.name, types):
            ctx.report(alert, "live/counter", f"{selector.rated}() of {selector.name}, whose metadata says it is a "
                       f"gauge: {selector.rated}() reads drops as counter resets; use deriv(), delta() or *_over_time()",
                       field=field)
        elif selector.raw and alert.kind is not Kind.RELATIVE and _is_counter(selector.name, types):
            said = "its metadata says" if types else "its name says"
            ctx.report(alert, "live/counter", f"the threshold compares the raw counter {selector.name} ({said} "
                       "counter), a total that only grows (and drops at restarts); compare rate() or increase() of it")


def _check_unit(ctx: _Context, alert: Alert) -> None:
    values = [value for series in ctx.client.query(alert.query, ctx.at) for _, value in series.points]
    if not values:
        return
    threshold = alert.threshold
    from monplan.lang.thresholds import format_decimal

    shown = ", ".join(f"{v:.4g}" for v in sorted(values)[:3]) + (" ..." if len(values) > 3 else "")
    from monplan.lang.units import Unit, infer

    dim = infer(alert.query)
    # A share that may exceed 1 (exceptions per page view) is no percentage; other values above 1 are.
    may_exceed = dim.unit is Unit.RATIO and not dim.bounded
    if threshold.kind is Kind.RATIO and min(values) > 1 and not may_exceed:
        ctx.report(alert, "live/unit", f'the query returns {shown}, but "{threshold.text}" compares with a 0-1 '
                   f"fraction ({format_decimal(threshold.value)}): is the query in percent? divide it by 100, "
                   f'or write the threshold as "{threshold.op}{format_decimal(threshold.value * 100)}"')
    elif threshold.kind is Kind.SECONDS and threshold.value > 0 and min(values) >= 100 * float(threshold.value):
        ctx.report(alert, "live/unit", f'the query returns {shown}, at least 100 times "{threshold.text}" '
                   "(compared in seconds): is the query in milliseconds? divide it by 1000", severity="warning")


class _Replay:
    """A tune Fetcher that reads a row's own query where its recorded series is not in Prometheus."""

    def __init__(self, client: Prometheus, queries: dict[str, str]) -> None:
        from monplan.live.report.rows import Fetcher

        self.fetcher = Fetcher(client)
        self.queries = queries
        self.used_query: set[str] = set()

    def range(self, expr: str, window: Window) -> list[Series]:
        found = self.fetcher.range(expr, window)
        if not any(series.points for series in found) and expr in self.queries:
            self.used_query.add(expr)
            return self.fetcher.range(self.queries[expr], window)
        return found

    def instant(self, expr: str, at: float) -> list[Series]:
        return self.fetcher.instant(expr, at)


def _check_history(ctx: _Context, plan: Plan, alert: Alert, replay: _Replay) -> None:
    from monplan.live.tune import analyse as replay_alert

    finding = replay_alert(plan, alert, replay, ctx.window)  # type: ignore[arg-type]
    if finding.error or finding.status in ("missing", "no baseline"):
        return
    source = "its query" if alert.series in replay.used_query else "its recorded series"
    share = finding.firing_seconds / ctx.window.seconds if ctx.window.seconds else 0
    if share >= ALWAYS_SHARE:
        ctx.report(alert, "live/always-fires", f"replayed over the last {ctx.since} on {source}, the alert would have "
                   f"fired {share:.0%} of the time ({finding.firings} firing{'s' if finding.firings != 1 else ''}): "
                   f'"{alert.threshold.text}" pages for the normal state')
    elif alert.kind is not Kind.ANY and finding.status == "never close" and finding.worst is not None:
        ctx.report(alert, "live/never-fires", f"replayed over the last {ctx.since} on {source}, the alert never fired "
                   f"and its worst value {finding.worst:.4g} used {finding.closeness or 0:.0%} of the room to "
                   f'"{alert.threshold.text}"', severity="warning")


def _check_slo(ctx: _Context, alert: Alert) -> None:
    """An SLO row's errors/good/total/ratio queries and buckets selector, each at its field:
    their selectors and labels exist, rate() reads counters; a latency SLI's bound is a bucket."""
    from monplan.model.slo import WINDOW_VARIABLE, bucket_selector, le_matcher

    slo = alert.slo
    assert slo is not None
    for key, text in slo.sli:
        if key in ("errors", "good", "total", "ratio"):
            query = text.replace(WINDOW_VARIABLE, "5m")
        elif key == "buckets":
            query = text if slo.latency is None else bucket_selector(text, le_matcher(slo.latency))
        elif key == "bool_gauge":
            query = text
        else:
            continue
        try:
            selectors, groupings = analyse(query)
        except (ValueError, TypeError):
            continue  # the plan checks reported it
        _check_series(ctx, alert, selectors, groupings, field=("slo", key))
        if key not in ("buckets", "bool_gauge"):
            _check_counters(ctx, alert, selectors, field=("slo", key))


def live_check(plan: Plan, located: Located, client: Prometheus, *, at: float, since: str,
               window: Window, progress: Callable[[str], None] | None = None) -> LiveReport:
    """Every alerting row checked against `client`; stops (with one error) at the first unreachable answer."""
    report = LiveReport()
    ctx = _Context(client, window, at, since, located, report.diagnostics)
    replay = _Replay(client, {alert.series: alert.query for alert in plan.alerts})
    for alert in plan.alerts:
        if progress:
            progress(alert.name)
        report.rows += 1
        selectors: list[_Selector] = []
        groupings: list[tuple[str, set[str]]] = []
        try:
            if alert.slo is None:  # an SLO row's own query reads its recorded series: its SLI is checked
                selectors, groupings = analyse(alert.query)
        except (ValueError, TypeError):
            continue  # the plan checks reported it
        try:
            if alert.slo is not None:
                _check_slo(ctx, alert)
                continue
            _check_series(ctx, alert, selectors, groupings)
            _check_counters(ctx, alert, selectors)
            _check_unit(ctx, alert)
            _check_history(ctx, plan, alert, replay)
        except QueryError as err:
            ctx.report(alert, "live/query", f"Prometheus rejected a query of this row: {err}")
        except PrometheusError as err:
            from monplan.live.prometheus_api import Unreachable

            check = "live/unreachable" if isinstance(err, (Unreachable, DeadlineExceeded)) else "live/bad-answer"
            report.diagnostics.append(Diagnostic(client.url, 0, 0, f"{err}; live checks stopped at {alert.name}",
                                                 check=check))
            break
    return report


def run_live(plan: Plan, plan_path: Any, url: str | None, *, since: str = "7d", at: str | None = None,
             deadline: float = 120.0, now: float | None = None) -> list[Diagnostic]:
    """The live checks of a loaded plan, as diagnostics; bad options and unreachable servers included."""
    from monplan.live.report.window import make_window, parse_at, parse_since, step_for
    from monplan.model.schedule import zone
    from monplan.spec.loader import load_file

    tz = zone(plan.settings)
    try:
        seconds = parse_since(since)
        end = parse_at(at, tz, None, time.time() if now is None else now)
    except ValueError as err:
        return [Diagnostic("--since/--at", 0, 0, str(err), check="live/options")]
    target = url or plan.settings.endpoints.prometheus_url
    try:
        client = BoundedPrometheus(target, min(30.0, deadline), deadline)
    except PrometheusError as err:
        return [Diagnostic(getattr(err, "where", "--prometheus"), 0, 0, str(err), check="live/options")]
    window = make_window(seconds, end, step_for(plan.evaluation_interval, seconds), tz)
    located = load_file(plan_path)
    return live_check(plan, located, client, at=end, since=since, window=window).diagnostics
