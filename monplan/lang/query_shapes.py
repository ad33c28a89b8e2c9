"""Raw input series for row queries of a known shape, so the generated tests prove the query.

The alert tests drive each row's recorded series directly: they prove the comparison, not
that the query measures what the row says. For queries of these shapes monplan also writes
the raw series the query reads, with values whose result it knows, and checks the recorded
value the row's own recording rule computes from them:

    sum(rate(a{...}[w])) / sum(rate(b{...}[w]))        ratio of counter rates (also _sum/_count)
    histogram_quantile(q, sum by (le) (rate(x_bucket{...}[w])))
    avg_over_time(g{...}[w]), inside avg/min/max/sum    a gauge averaged over time
    g{...} or N - g{...}, inside avg/min/max/sum        a gauge read as it is (probe_success, up)
    sum(increase(c{...}[w]))                            a sum of increase

Selectors must use `=` matchers only (the series written must match them) and no offset;
aggregations must have no `by`/`without` (one output series). Every other query keeps its
recorded-series tests only; `monplan validate` lists those rows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

BASE = 1000  # counters start high, so rate()'s extrapolation is never cut at zero
DENOMINATOR_STEP = Decimal(1000)
OTHER = "monplan_other"  # a label value no numerator selects


@dataclass(frozen=True)
class RawCase:
    shape: str
    series: list[tuple[str, dict[str, str], str]]  # (metric, labels, "start+step" or constant)
    value: Decimal  # what the query computes from them
    window_s: float  # the longest range of the query


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


def _selector(node: Any) -> tuple[str, dict[str, str]] | None:
    """(metric, equality labels) of a plain vector selector, or None."""
    if type(node).__name__ != "VectorSelector" or node.offset is not None or node.at is not None or not node.name:
        return None
    matchers = node.matchers.matchers if node.matchers is not None else []
    if node.matchers is not None and node.matchers.or_matchers:
        return None
    labels = {}
    for m in matchers:
        if str(m.op) != "MatchOp.Equal" or m.name == "__name__":
            return None
        labels[m.name] = m.value
    return node.name, labels


def _unwrap(node: Any, aggregations: tuple[str, ...]) -> Any:
    """The expression inside parentheses and one aggregation without grouping (sum(...), avg(...))."""
    while type(node).__name__ == "ParenExpr":
        node = node.expr
    if type(node).__name__ == "AggregateExpr":
        if str(node.op) not in aggregations or node.modifier is not None or node.param is not None:
            return None
        node = node.expr
        while type(node).__name__ == "ParenExpr":
            node = node.expr
    return node


def _ranged(node: Any, function: str) -> tuple[str, dict[str, str], float] | None:
    """function(selector[range]) -> (metric, labels, range in seconds)."""
    if node is None or type(node).__name__ != "Call" or node.func.name != function or len(node.args) != 1:
        return None
    matrix = node.args[0]
    if type(matrix).__name__ != "MatrixSelector":
        return None
    found = _selector(matrix.vector_selector)
    return None if found is None else (found[0], found[1], matrix.range.total_seconds())


def _ratio(node: Any, target: Decimal) -> RawCase | None:
    if type(node).__name__ != "BinaryExpr" or str(node.op) != "/" or node.modifier is not None:
        return None
    top = _ranged(_unwrap(node.lhs, ("sum",)), "rate")
    bottom = _ranged(_unwrap(node.rhs, ("sum",)), "rate")
    if top is None or bottom is None or target <= 0:
        return None
    step = target * DENOMINATOR_STEP
    window = max(top[2], bottom[2])
    if top[0] != bottom[0]:
        return RawCase("ratio of counter rates", [(top[0], top[1], f"{BASE}+{_plain(step)}"),
                                                  (bottom[0], bottom[1], f"{BASE}+{DENOMINATOR_STEP}")], target, window)
    if target > 1:
        return None  # one metric's share of itself is at most 1
    extra = [name for name in top[1] if bottom[1].get(name) != top[1][name]]
    if any(name not in top[1] or top[1][name] != value for name, value in bottom[1].items()) or not extra:
        return None  # the denominator must select a superset of the numerator's series
    other = {**top[1], extra[0]: OTHER}
    return RawCase("ratio of counter rates", [(top[0], top[1], f"{BASE}+{_plain(step)}"),
                                              (top[0], other, f"{BASE}+{_plain(DENOMINATOR_STEP - step)}")],
                   target, window)


def _quantile(node: Any, target: Decimal) -> RawCase | None:
    if type(node).__name__ != "Call" or node.func.name != "histogram_quantile" or len(node.args) != 2:
        return None
    q, inner = node.args
    if type(q).__name__ != "NumberLiteral" or not 0 < q.val < 1 or target <= 0:
        return None
    while type(inner).__name__ == "ParenExpr":
        inner = inner.expr
    if type(inner).__name__ != "AggregateExpr" or str(inner.op) != "sum" or inner.param is not None:
        return None
    grouping = inner.modifier
    if grouping is None or "by" not in str(grouping.type).lower() or list(grouping.labels) != ["le"]:
        return None
    buckets = _ranged(inner.expr, "rate")
    if buckets is None or "le" in buckets[1]:
        return None
    # Every observation in the first bucket (0, upper]: the quantile is q * upper.
    quantile = Decimal(repr(q.val))
    upper = (target / quantile).quantize(Decimal("1e-12")).normalize()
    metric, labels, window = buckets
    return RawCase("histogram_quantile over buckets",
                   [(metric, {**labels, "le": _plain(upper)}, f"{BASE}+10"), (metric, {**labels, "le": "+Inf"}, f"{BASE}+10")],
                   upper * quantile, window)


def _gauge_average(node: Any, target: Decimal) -> RawCase | None:
    found = _ranged(_unwrap(node, ("avg", "min", "max", "sum")), "avg_over_time")
    if found is None:
        return None
    return RawCase("avg_over_time of a gauge", [(found[0], found[1], _plain(target))], target, found[2])


def _gauge(node: Any, target: Decimal) -> RawCase | None:
    inner = _unwrap(node, ("avg", "min", "max", "sum"))
    offset = None  # N - g{...}: a failing-check count such as sum(1 - probe_success{...})
    if (type(inner).__name__ == "BinaryExpr" and str(inner.op) == "-" and inner.modifier is None
            and type(inner.lhs).__name__ == "NumberLiteral"):
        offset, inner = Decimal(repr(inner.lhs.val)), inner.rhs
        while type(inner).__name__ == "ParenExpr":
            inner = inner.expr
    found = _selector(inner) if inner is not None else None
    if found is None:
        return None
    # One series whose value gives the target: what a probe averaged over targets reads when they agree.
    value = target if offset is None else offset - target
    if offset is not None and not 0 <= value <= offset:
        return None  # more failing checks than one series can show
    return RawCase("a gauge read as it is", [(found[0], found[1], _plain(value))], target, 0.0)


def _increase(node: Any, interval_s: float) -> RawCase | None:
    found = _ranged(_unwrap(node, ("sum",)), "increase")
    if found is None:
        return None
    metric, labels, window = found
    # One per step: increase() over the window, extrapolated to its edges, is window / interval.
    return RawCase("sum of increase", [(metric, labels, f"{BASE}+1")], Decimal(repr(window / interval_s)), window)


def raw_case(query: str, target: Decimal, interval_s: float) -> RawCase | None:
    """The raw series and expected value for a query of a known shape, or None."""
    import promql_parser

    try:
        node = promql_parser.parse(query)
    except (ValueError, TypeError):
        return None
    while isinstance(node, promql_parser.ParenExpr):
        node = node.expr
    attempts: tuple[Callable[[], RawCase | None], ...] = (
        lambda: _ratio(node, target), lambda: _quantile(node, target), lambda: _gauge_average(node, target),
        lambda: _increase(node, interval_s), lambda: _gauge(node, target))
    for attempt in attempts:
        found = attempt()
        if found is not None:
            return found
    return None


def recorded_only(alerts: Any, interval_s: float) -> tuple[list[Any], list[Any]]:
    """(rows whose query the generated tests also feed raw series, rows tested on their recorded
    series only), in plan order; the copies of a per-service row count once each."""
    from monplan.generators.rule_tests import breach_and_quiet
    from monplan.generators.slo_tests import raw_feed
    from monplan.lang.thresholds import Kind

    raw: list[Any] = []
    recorded: list[Any] = []
    for alert in alerts:
        if alert.slo is not None:  # SLO rows: their SLI queries fed raw counters (monplan/generators/slo_feed.py)
            (raw if raw_feed(alert.slo, round(interval_s * 1000)) is not None else recorded).append(alert)
            continue
        target = breach_and_quiet(alert)[0] if alert.kind is not Kind.RELATIVE else Decimal("0.5")
        (raw if raw_case(alert.query, target, interval_s) is not None else recorded).append(alert)
    return raw, recorded
