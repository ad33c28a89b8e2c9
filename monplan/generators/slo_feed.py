"""Raw counters for the promtool tests of an SLO row, so that the tests prove the row's own SLI
queries (errors:/good:/total:, or the histogram's buckets) and not only the comparisons.

The SLI must be of a shape whose input series monplan can write: each query a
`sum(rate(selector[${window}]))` (or `sum(increase(...))`) of one selector, the matchers any
of =, !=, =~, !~ (monplan finds label values that match or avoid them); or a latency SLI,
whose buckets it writes with `le`. Errors and total of one metric (`code=~"5.."` of all
requests) get a series of bad events and one of the others; of two metrics, one each.

A scenario is a list of phases, each a number of minutes with a traffic (events a minute,
relative) and an error ratio. Counters start at zero at time 0, one sample a minute, and
monplan computes every window's error ratio at every check from the counters exactly, as
Prometheus does: a window [t - w, t] holds the samples at both ends, and for a window
longer than the data `rate()` stops its extrapolation at the counter's zero, so each ratio
is bad/total events since max(0, t - w). Which alert fires at a check, and with which value,
follows from those ratios: the tests assert what the plan's rules must compute.

Counts are integers that are multiples of 2025 events a minute for the scenario at the
objective: every window's length in seconds is 2^a times a divisor of 2025, so each rate is
an exact binary fraction and the error ratio is exactly the decimal objective's budget,
which the strict `>` must not count as burning.
"""

from __future__ import annotations

import functools
import itertools
import re
import re._parser as _sre_parse  # type: ignore[import-not-found]  # monplan needs Python 3.11+
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from monplan.lang.thresholds import format_decimal
from monplan.model.slo import WINDOWS, BurnAlert, Slo, le_matcher

MINUTE_MS = 60_000
EXACT = 2025  # the odd part of every window's seconds (300 = 4 * 75, ..., 259200 = 128 * 2025)
MAX_COUNTER = 2**52  # counters beyond this lose integer precision in float64
OTHER_VALUES = ("monplan_other", "200", "0", "ok", "1", "x")
WINDOW_MINUTES = {"5m": 5, "30m": 30, "1h": 60, "2h": 120, "6h": 360, "1d": 1440, "3d": 4320}


@dataclass(frozen=True, slots=True)
class Raw:
    """One raw counter: its series selector and what it counts (bad, good or all events)."""

    selector: str
    counts: str  # "bad" | "good" | "total"


@dataclass(frozen=True, slots=True)
class Phase:
    minutes: int
    traffic: int  # events a minute, in units of the scenario's base rate
    level: Decimal  # error ratio


@dataclass(frozen=True, slots=True)
class Scenario:
    """A test group: phases from time 0, and the minutes at which both alerts are checked."""

    title: str
    phases: tuple[Phase, ...]
    checks: tuple[int, ...]
    exact: bool = False  # counts multiples of EXACT: the ratios are exact in float64


# ---------------------------------------------------------------- the SLI's raw series


def _matchers(node: Any) -> list[tuple[str, str, str]] | None:
    if node.matchers is not None and node.matchers.or_matchers:
        return None
    out = []
    for m in node.matchers.matchers if node.matchers is not None else []:
        op = {"MatchOp.Equal": "=", "MatchOp.NotEqual": "!=", "MatchOp.Re": "=~", "MatchOp.NotRe": "!~"}.get(str(m.op))
        if op is None or m.name == "__name__":
            return None
        out.append((m.name, op, m.value))
    return out


def _parse(query: str) -> Any:
    import promql_parser

    try:
        return _bare(promql_parser.parse(query.replace("${window}", "5m")))
    except (ValueError, TypeError):
        return None


def _bare(node: Any) -> Any:
    while type(node).__name__ == "ParenExpr":
        node = node.expr
    return node


def _sum_of_rate(query: str) -> tuple[str, list[tuple[str, str, str]]] | None:
    """(metric, matchers) of sum(rate(selector[${window}])) or sum(increase(...)), else None."""
    node = _parse(query)
    return None if node is None else _sum_of_rate_node(node)


def _ratio_parts(query: str) -> tuple[Any, Any] | None:
    """The two sides of a ratio SLI `sum(rate(a[${window}])) / sum(rate(b[${window}]))`, else None."""
    node = _parse(query)
    if node is None or type(node).__name__ != "BinaryExpr" or str(node.op) != "/" or node.modifier is not None:
        return None
    top, bottom = _sum_of_rate_node(_bare(node.lhs)), _sum_of_rate_node(_bare(node.rhs))
    return None if top is None or bottom is None else (top, bottom)


def _sum_of_rate_node(node: Any) -> tuple[str, list[tuple[str, str, str]]] | None:
    bare = _bare
    if type(node).__name__ != "AggregateExpr" or str(node.op) != "sum" or node.modifier is not None \
            or node.param is not None:
        return None
    call = bare(node.expr)
    if type(call).__name__ != "Call" or call.func.name not in ("rate", "increase") or len(call.args) != 1:
        return None
    matrix = call.args[0]
    if type(matrix).__name__ != "MatrixSelector":
        return None
    selector = matrix.vector_selector
    if selector.offset is not None or selector.at is not None or not selector.name:
        return None
    found = _matchers(selector)
    return None if found is None else (selector.name, found)


def _example(pattern: str) -> str | None:
    """A short string the regex matches whole, or None."""
    try:
        parsed = _sre_parse.parse(pattern)
    except (re.error, ValueError, TypeError, RecursionError):
        return None

    return _example_of(parsed)


def _example_of(items: Any) -> str | None:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "ANY":
            out.append("0")  # 5.. -> 500
        elif name == "IN":
            first = _in_example(arg)
            if first is None:
                return None
            out.append(first)
        elif name == "BRANCH":
            got = _example_of(arg[1][0])
            if got is None:
                return None
            out.append(got)
        elif name == "SUBPATTERN":
            got = _example_of(arg[-1])
            if got is None:
                return None
            out.append(got)
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _high, inner = arg
            got = _example_of(inner)
            if got is None:
                return None
            out.append(got * max(low, 0))
        elif name == "AT":
            continue
        else:
            return None
    return "".join(out)


def _in_example(items: Any) -> str | None:
    if items and str(items[0][0]) == "NEGATE":
        return None
    for op, arg in items:
        if str(op) == "LITERAL":
            return chr(arg)
        if str(op) == "RANGE":
            return chr(arg[0])
        if str(op) == "CATEGORY":
            return {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " "}.get(str(arg))
    return None


def _holds(op: str, pattern: str, value: str) -> bool:
    if op == "=":
        return value == pattern
    if op == "!=":
        return value != pattern
    try:
        found = re.fullmatch(pattern, value) is not None
    except re.error:
        return False
    return found if op == "=~" else not found


def _candidates(matchers: list[tuple[str, str, str]]) -> list[str]:
    values = [pattern for _, op, pattern in matchers if op == "="]
    values += [example for _, op, pattern in matchers if op == "=~" for example in [_example(pattern)] if example]
    return values + list(OTHER_VALUES) + [""]


def _labels(required: list[tuple[str, str, str]], avoid: list[tuple[str, str, str]] | None = None) -> dict[str, str] | None:
    """Label values matching every `required` matcher and, given `avoid`, failing one of
    its matchers (a series one selector reads and the other does not); None if none found."""
    names = sorted({name for name, _, _ in required} | {name for name, _, _ in avoid or []})
    chosen: dict[str, str] = {}
    options: dict[str, list[str]] = {}
    for name in names:
        on = [m for m in required if m[0] == name]
        fits = [v for v in _candidates(on + [m for m in avoid or [] if m[0] == name]) if all(_holds(op, p, v) for _, op, p in on)]
        if not fits:
            return None
        options[name] = fits
        chosen[name] = fits[0]
    if avoid is not None:
        def reads(labels: dict[str, str]) -> bool:
            return all(_holds(op, p, labels.get(name, "")) for name, op, p in avoid)

        if reads(chosen):
            for name in names:
                other = next((v for v in options[name] if not reads({**chosen, name: v})), None)
                if other is not None:
                    chosen[name] = other
                    break
            else:
                return None
    return {name: value for name, value in chosen.items() if value != ""}


def _selector(metric: str, labels: dict[str, str]) -> str:
    from monplan.generators.rule_tests import _quoted

    inner = ", ".join(f'{key}="{_quoted(value)}"' for key, value in sorted(labels.items()))
    return f"{metric}{{{inner}}}" if inner else metric


def raw_series(slo: Slo) -> tuple[Raw, ...] | None:
    """The counters that feed the SLI's queries, or None for a shape monplan cannot feed."""
    errors, good, total, buckets = (slo.field(key) for key in ("errors", "good", "total", "buckets"))
    if slo.kind == "latency":
        from monplan.model.slo import _SELECTOR

        match = _SELECTOR.match(buckets or "")
        found = _sum_of_rate(f"sum(rate({buckets}[${{window}}]))") if match else None
        if found is None or slo.latency is None:
            return None
        labels = _labels(found[1])
        if labels is None:
            return None
        bound = le_matcher(slo.latency).split("=", 1)[1].lstrip("~").strip('"').split("(")[0]
        return (Raw(_selector(found[0], {**labels, "le": bound}), "good"),
                Raw(_selector(found[0], {**labels, "le": "+Inf"}), "total"))
    if slo.kind == "ratio":
        parts = _ratio_parts(slo.field("ratio") or "")
        part, whole = parts if parts is not None else (None, None)
    else:
        part = _sum_of_rate((errors if slo.kind == "errors" else good) or "")
        whole = _sum_of_rate(total or "")
    if part is None or whole is None:
        return None
    role, rest = ("good", "bad") if slo.kind == "good" else ("bad", "good")
    if part[0] != whole[0]:
        one, other = _labels(part[1]), _labels(whole[1])
        if one is None or other is None:
            return None
        return Raw(_selector(part[0], one), role), Raw(_selector(whole[0], other), "total")
    one, other = _labels(part[1] + whole[1]), _labels(whole[1], avoid=part[1])
    if one is None or other is None:
        return None
    return Raw(_selector(part[0], one), role), Raw(_selector(part[0], other), rest)


# ---------------------------------------------------------------- scenarios


def _unit(limit: Decimal) -> Decimal:
    return Decimal(1).scaleb(limit.adjusted() - 3)


def just_above(limit: Decimal) -> Decimal:
    """The smallest four-digit decimal above the limit: within 0.1% of it, so a factor or
    budget off by 0.1% is caught."""
    unit = _unit(limit)
    return ((limit / unit).to_integral_value(rounding="ROUND_FLOOR") + 1) * unit


def just_below(limit: Decimal) -> Decimal:
    unit = _unit(limit)
    return ((limit / unit).to_integral_value(rounding="ROUND_CEILING") - 1) * unit


def _four(value: Decimal) -> Decimal:
    """A level rounded to three significant digits, so its counts stay small."""
    return value.quantize(_unit(value) * 10).normalize() if value else value


def quiet_level(slo: Slo) -> Decimal:
    """The error ratio at the objective: the budget, exactly, when it burns at no factor (an
    errors SLI: errors / total is then the budget in float64 too). A period shorter than 30d
    gives SlowBurn's 3d pair a factor below 1 (0.9333x for 28d, as in Sloth), which fires at
    the objective: then just below that factor's limit. A good-events or latency SLI computes
    1 - good / total, a hair above the budget in float64: just below the budget then."""
    lowest = min(burn.factor for alert in slo.alerts for burn in alert.windows) * slo.budget
    if slo.budget < lowest or (slo.budget == lowest and slo.kind in ("errors", "ratio")):
        return slo.budget
    return just_below(min(slo.budget, lowest))


def scenarios(slo: Slo) -> list[Scenario]:
    """The test groups of an SLO row (each from time 0): its alerts at the objective, at each
    pair's factor and just past it, on a fast burst and on a slow one."""
    (fast1, fast2), (slow1, slow2) = slo.fast.windows, slo.slow.windows
    l1, l2, l3, l4 = (w.factor * slo.budget for w in (fast1, fast2, slow1, slow2))
    zero = Decimal(0)
    out = [Scenario("at the objective: neither alert fires", (Phase(60, 1, quiet_level(slo)),), (10, 30, 60),
                    exact=True),
           Scenario(f"every window just below {fast2.factor}x: FastBurn stays quiet",
                    (Phase(40, 1, just_below(l2)),), (30, 40)),
           Scenario(f"every window just above {fast2.factor}x (its {fast2.long} and {fast2.short} pair): FastBurn fires",
                    (Phase(40, 1, just_above(l2)),), (30, 40)),
           Scenario(f"every window just above {slow2.factor}x (its {slow2.long} and {slow2.short} pair): SlowBurn "
                    "fires, FastBurn stays quiet", (Phase(40, 1, just_above(l4)),), (30, 40))]
    # A fast burst: an hour of forty times the traffic without errors (so that the windows of
    # the lower factors stay below theirs), an hour just below 14.4x (quiet), ten minutes
    # without errors, an hour just above (FastBurn fires as the hour fills, not a minute
    # before), ten minutes at twice the factor and none: the hour stays above while the
    # 5 minutes do not (quiet).
    below, above = just_below(l1), just_above(l1)
    second = 60 + 60 + 10
    out.append(Scenario(
        f"a fast burst: {fast1.long} and {fast1.short} just above {fast1.factor}x fire FastBurn as the {fast1.long} "
        f"fills, not just below it, not on the {fast1.long} alone",
        (Phase(60, 40, zero), Phase(60, 1, below), Phase(10, 1, zero), Phase(60, 1, above),
         Phase(10, 1, _four(2 * l1)), Phase(10, 1, zero)),
        (120, second + 59, second + 60, second + 75)))
    # A slow burn: half an hour of ten times the traffic at ten times the 1x factor, 4 hours
    # of twice the traffic without errors, then 2 hours just above 3x: the day is above 3x,
    # the 6 hours below 1x, so only the 1d and 2h pair can fire, as the 2 hours fill.
    out.append(Scenario(
        f"a slow burn: {slow1.long} and {slow1.short} just above {slow1.factor}x fire SlowBurn as the "
        f"{slow1.short} fills, FastBurn stays quiet",
        (Phase(30, 10, _four(10 * l4)), Phase(240, 2, zero), Phase(120, 1, just_above(l3))),
        (30 + 240 + 119, 30 + 240 + 120)))
    return [scenario for scenario in out if all(phase.level < 1 for phase in scenario.phases)]


# ---------------------------------------------------------------- counters and what they give


def _digits(levels: list[Decimal]) -> int:
    digits = 0
    for level in levels:
        if level:
            exponent = level.normalize().as_tuple().exponent
            assert isinstance(exponent, int)  # a finite level
            digits = max(digits, -exponent)
    return digits


def per_minute(scenario: Scenario) -> int:
    """Events a minute at traffic 1: every level's bad events a whole number (of EXACT's)."""
    scale: int = 10 ** _digits([phase.level for phase in scenario.phases])
    return scale * (EXACT if scenario.exact else 1)


@functools.lru_cache(maxsize=64)
def increments(scenario: Scenario) -> tuple[list[int], list[int]]:
    """(bad, all) events added at each minute 1, 2, ... of the scenario."""
    rate = per_minute(scenario)
    bad: list[int] = []
    everything: list[int] = []
    for phase in scenario.phases:
        events = rate * phase.traffic
        errors = phase.level * events
        assert errors == errors.to_integral_value()
        bad += [int(errors)] * phase.minutes
        everything += [events] * phase.minutes
    return bad, everything


def counter_notation(steps: list[int]) -> str:
    """promtool's notation of a counter from 0 adding steps[i] at minute i + 1."""
    values = [0]
    for step in steps:
        values.append(values[-1] + step)
    parts, start = [], 0
    while start < len(values):
        end = start + 1
        if end < len(values):
            delta = values[end] - values[start]
            while end + 1 < len(values) and values[end + 1] - values[end] == delta:
                end += 1
            parts.append(f"{values[start]}+{delta}x{end - start}" if end - start > 1 else f"{values[start]} {values[end]}")
            start = end + 1
        else:
            parts.append(str(values[start]))
            start = end
    return " ".join(parts)


def series_of(raw: tuple[Raw, ...], scenario: Scenario) -> list[dict[str, str]]:
    bad, everything = increments(scenario)
    counts = {"bad": bad, "total": everything, "good": [a - b for a, b in zip(everything, bad, strict=True)]}
    return [{"series": r.selector, "values": counter_notation(counts[r.counts])} for r in raw]


def fits(scenario: Scenario) -> bool:
    """Whether the counters stay integers float64 holds."""
    return sum(increments(scenario)[1]) < MAX_COUNTER


@functools.lru_cache(maxsize=64)
def _sums(scenario: Scenario) -> tuple[list[int], list[int]]:
    """The counters' values at each minute: (bad, all)."""
    bad, everything = increments(scenario)
    return list(itertools.accumulate(bad, initial=0)), list(itertools.accumulate(everything, initial=0))


def ratio(scenario: Scenario, minute: int, window: str) -> Fraction | None:
    """The error ratio over the window at the minute: the events since max(0, minute - window)."""
    bad, everything = _sums(scenario)
    minute = min(minute, len(bad) - 1)
    start = max(0, minute - WINDOW_MINUTES[window])
    total = everything[minute] - everything[start]
    return Fraction(bad[minute] - bad[start], total) if total else None


def firing(slo: Slo, burn: BurnAlert, scenario: Scenario, minute: int) -> Fraction | None:
    """The value the burn alert fires with at the minute (its first true pair's short
    window, as `or` keeps its left side), or None when it is quiet."""
    for pair in burn.windows:
        limit = Fraction(pair.factor * slo.budget)
        short, long = ratio(scenario, minute, pair.short), ratio(scenario, minute, pair.long)
        if short is not None and long is not None and short > limit and long > limit:
            return short
    return None


def decimal(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


__all__ = [
    "MINUTE_MS",
    "WINDOWS",
    "Raw",
    "Scenario",
    "decimal",
    "firing",
    "fits",
    "format_decimal",
    "raw_series",
    "scenarios",
    "series_of",
]
