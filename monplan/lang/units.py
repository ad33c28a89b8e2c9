"""What a query measures, read from its PromQL alone, and whether its threshold agrees.

A row's threshold says a unit ("<99.9%" is a fraction, ">500ms" a duration) but nothing
checks that the query returns that unit: `<99.9` on a 0-1 ratio never stops firing, a bare
`>500` on a latency in seconds waits for eight minutes. This module infers the unit of a
query statically, from Prometheus' naming conventions (`_seconds`, `_bytes`, `_ratio`,
`_total`, `_count`/`_sum`/`_bucket`, `probe_success`, `up`, and the other units names use:
`_milliseconds`/`_ms`, `_microseconds`/`_us`, `_nanoseconds`/`_ns`, `_minutes`, `_hours`,
`_days`, `_pct`), the functions applied (`rate`, `increase`, `histogram_quantile`,
`avg_over_time`, ...) and the arithmetic (`a / b` of one unit is a ratio, `100 *` makes a
percentage, `1000 *` milliseconds, `x_milliseconds / 1000` or `* 0.001` seconds again).

Units are dimensions: exponents of time, bytes and events (counted things), and a scale
(100 for percent, 1000 for milliseconds). rate() divides by time, so
`rate(x_seconds_sum) / rate(x_seconds_count)` is seconds per event, an average duration,
and `rate(errors_total) / rate(requests_total)` is a ratio. Where the query does not say
(a gauge named without a unit, a function monplan does not know), the unit is unknown and
nothing is reported: only certain mismatches are errors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from monplan.lang.thresholds import Kind, Threshold, format_decimal, format_seconds

if TYPE_CHECKING:
    from monplan.diagnostics import Severity
    from monplan.model.plan import Alert


class Unit(str, Enum):
    """What a value measures, as far as a threshold cares."""

    RATIO = "ratio"  # a 0-1 fraction
    PERCENT = "percent"  # a fraction times 100
    SECONDS = "seconds"
    MILLISECONDS = "milliseconds"
    MICROSECONDS = "microseconds"
    NANOSECONDS = "nanoseconds"
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    BYTES = "bytes"
    COUNT = "count"  # a number of events or things
    RATE = "rate"  # events per second
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Dim:
    """The inferred dimension of an expression's value."""

    time: int = 0  # exponent of seconds
    bytes: int = 0  # exponent of bytes
    events: int = 0  # exponent of counted things
    scale: Fraction = Fraction(1)  # 100 for percent, 1000 for milliseconds
    known: bool = True
    counter: bool = False  # a raw counter: only rate() & co. make sense of it
    boolean: bool = False  # only 0 or 1 (probe_success, up, comparisons with bool)
    fraction: bool = False  # a share of a whole (errors / requests, avg(up)), not just any dimensionless number
    bounded: bool = False  # a fraction that cannot exceed 1 (at its scale: 100 for percent)
    nonnegative: bool = True
    observed: Dim | None = None  # the unit a histogram's buckets count observations of
    literal: float | None = None  # a number literal (adopts the unit it is combined with)

    @property
    def shape(self) -> tuple[int, int, int, Fraction]:
        return (self.time, self.bytes, self.events, self.scale)

    @property
    def unit(self) -> Unit:
        if not self.known:
            return Unit.UNKNOWN
        shape = (self.time, self.bytes, self.events)
        if shape == (0, 0, 0):
            if not self.fraction:
                return Unit.UNKNOWN  # a sum of CPU shares, a count divided by a gauge of unknown unit...
            return {Fraction(1): Unit.RATIO, Fraction(100): Unit.PERCENT}.get(self.scale, Unit.UNKNOWN)
        if shape in ((1, 0, 0), (1, 0, -1)):  # seconds, or seconds per event (an average)
            return _TIME_SCALES.get(self.scale, Unit.UNKNOWN)
        if self.scale != 1:
            return Unit.UNKNOWN
        return {(0, 1, 0): Unit.BYTES, (0, 1, -1): Unit.BYTES, (0, 0, 1): Unit.COUNT,
                (-1, 0, 1): Unit.RATE}.get(shape, Unit.UNKNOWN)


# A duration in each time unit: its scale is how many of it make a second.
_TIME_SCALES: dict[Fraction, Unit] = {
    Fraction(1): Unit.SECONDS, Fraction(1000): Unit.MILLISECONDS, Fraction(10**6): Unit.MICROSECONDS,
    Fraction(10**9): Unit.NANOSECONDS, Fraction(1, 60): Unit.MINUTES, Fraction(1, 3600): Unit.HOURS,
    Fraction(1, 86400): Unit.DAYS,
}
TIME_UNITS = frozenset(_TIME_SCALES.values())
_SCALE_OF = {unit: scale for scale, unit in _TIME_SCALES.items()}

UNKNOWN = Dim(known=False, nonnegative=False)
_RATIO = Dim(fraction=True, bounded=True)
_BOOLEAN = Dim(fraction=True, boolean=True, bounded=True)
_SECONDS = Dim(time=1)
_BYTES = Dim(bytes=1)
_EVENTS = Dim(events=1)

_PERCENT = Dim(scale=Fraction(100), fraction=True, bounded=True)


def _time(unit: Unit) -> Dim:
    return Dim(time=1, scale=_SCALE_OF[unit])


# Metric name endings and what a series so named measures: Prometheus' base units, and the
# other units exporters name (`_ms`, `_us` and `_ns` are the abbreviations Go, Java and
# StatsD-style exporters use; `_pct` a percentage like `_percent`).
_BASE_UNITS: tuple[tuple[str, Dim], ...] = (
    ("_seconds", _SECONDS), ("_bytes", _BYTES), ("_ratio", _RATIO), ("_percent", _PERCENT), ("_pct", _PERCENT),
    ("_percentage", _PERCENT),
    *((suffix, _time(Unit.MILLISECONDS)) for suffix in ("_milliseconds", "_millis", "_ms")),
    *((suffix, _time(Unit.MICROSECONDS)) for suffix in ("_microseconds", "_micros", "_us")),
    *((suffix, _time(Unit.NANOSECONDS)) for suffix in ("_nanoseconds", "_nanos", "_ns")),
    ("_minutes", _time(Unit.MINUTES)), ("_hours", _time(Unit.HOURS)), ("_days", _time(Unit.DAYS)),
)
_BOOLEAN_METRICS = frozenset({"up", "probe_success"})
# Recording-rule names (level:metric:operations) whose last part names the unit, as monplan's own do.
_RECORDED_UNITS = {"ratio": _RATIO, "seconds": _SECONDS, "count": _EVENTS, "bytes": _BYTES}


def metric_dim(name: str | None) -> Dim:
    """What a series measures, from its name."""
    if not name:
        return UNKNOWN
    if name in _BOOLEAN_METRICS:
        return _BOOLEAN
    if ":" in name:
        return _RECORDED_UNITS.get(name.rsplit(":", 1)[1], UNKNOWN)
    for suffix in ("_bucket", "_count", "_sum"):
        if name.endswith(suffix):  # a histogram's or summary's series
            observed = _base_dim(name.removesuffix(suffix))
            if suffix == "_sum":
                return replace(observed, counter=True, bounded=False) if observed.known else replace(UNKNOWN, counter=True)
            return replace(_EVENTS, counter=True, observed=observed if suffix == "_bucket" else None)
    if name.endswith("_total"):
        base = _base_dim(name.removesuffix("_total"))
        return replace(base if base.known else _EVENTS, counter=True, bounded=False)
    return _base_dim(name)


def _base_dim(name: str) -> Dim:
    for suffix, dim in _BASE_UNITS:
        if name.endswith(suffix):
            return dim
    return UNKNOWN


# Functions whose value has the unit of their (first vector) argument.
_SAME_UNIT = frozenset({
    "abs", "ceil", "floor", "round", "clamp", "clamp_min", "clamp_max", "sort", "sort_desc", "sort_by_label",
    "sort_by_label_desc", "label_replace", "label_join", "last_over_time", "avg_over_time", "min_over_time",
    "max_over_time", "quantile_over_time", "scalar", "stddev_over_time", "stddev", "mad_over_time",
})
# Functions of a range that are not a counter's value any more (last_over_time still is).
_OVER_TIME = frozenset({"avg_over_time", "min_over_time", "max_over_time", "quantile_over_time", "stddev_over_time",
                        "mad_over_time", "stddev"})
_COUNTING = frozenset({"count_over_time", "changes", "resets", "count", "absent_over_time"})


def infer(query: str) -> Dim:
    """The dimension of a query's value; UNKNOWN where PromQL does not say."""
    import promql_parser

    try:
        return _dim(promql_parser.parse(query))
    except (ValueError, TypeError, AttributeError):
        return UNKNOWN


def unit_of(query: str) -> Unit:
    return infer(query).unit


def _dim(node: Any) -> Dim:
    kind = type(node).__name__
    if kind == "NumberLiteral":
        return Dim(known=False, literal=node.val, nonnegative=node.val >= 0)
    if kind == "ParenExpr":
        return _dim(node.expr)
    if kind == "UnaryExpr":
        inner = _dim(node.expr)
        if inner.literal is not None:
            return replace(inner, literal=-inner.literal, nonnegative=-inner.literal >= 0)
        return replace(inner, nonnegative=False, bounded=False, boolean=False)
    if kind == "VectorSelector":
        return metric_dim(node.name)
    if kind == "MatrixSelector":
        return metric_dim(node.vector_selector.name)
    if kind == "SubqueryExpr":
        return _dim(node.expr)
    if kind == "Call":
        return _call(node.func.name, [_dim(arg) for arg in node.args])
    if kind == "AggregateExpr":
        return _aggregate(str(node.op), _dim(node.expr))
    if kind == "BinaryExpr":
        return _binary(str(node.op), _dim(node.lhs), _dim(node.rhs), node)
    return UNKNOWN


def _vector_arg(args: list[Dim]) -> Dim:
    """The argument carrying the series: the first that is not a number literal."""
    return next((arg for arg in args if arg.literal is None), UNKNOWN)


def _per_second(dim: Dim) -> Dim:
    if not dim.known:
        return UNKNOWN
    # rate(x_seconds_total) is seconds per second: the share of the time spent (of one CPU, say).
    time = dim.time - 1
    return replace(dim, time=time, counter=False, boolean=False, bounded=False,
                   fraction=(time, dim.bytes, dim.events) == (0, 0, 0))


def _call(name: str, args: list[Dim]) -> Dim:
    arg = _vector_arg(args)
    if name in ("rate", "irate"):
        return _per_second(arg)
    if name == "increase":
        return replace(arg, counter=False, boolean=False, bounded=False)
    if name in ("delta", "idelta"):
        return replace(arg, counter=False, boolean=False, bounded=False, nonnegative=False)
    if name in ("deriv",):
        return replace(_per_second(arg), nonnegative=False)
    if name == "predict_linear":
        return replace(arg, nonnegative=False, bounded=False)
    if name == "histogram_quantile":
        observed = args[1].observed if len(args) > 1 else None
        return observed if observed is not None else UNKNOWN
    if name in _SAME_UNIT:
        averaged = name in ("avg_over_time", "quantile_over_time", "stddev_over_time", "mad_over_time", "stddev")
        return replace(arg, counter=arg.counter and name not in _OVER_TIME, boolean=arg.boolean and not averaged)
    if name == "sum_over_time":
        if arg.boolean:
            return _EVENTS  # how many evaluations the condition held
        return replace(arg, bounded=False, boolean=False) if arg.unit in TIME_UNITS | {Unit.BYTES, Unit.COUNT} else UNKNOWN
    if name in _COUNTING:
        return _EVENTS
    if name == "vector":
        return UNKNOWN if not args or args[0].literal is not None else args[0]
    if name in ("time", "timestamp"):
        return _SECONDS
    return UNKNOWN


def _aggregate(op: str, inner: Dim) -> Dim:
    if op in ("count", "count_values"):
        return _EVENTS if op == "count" else UNKNOWN
    if op == "sum":
        if inner.boolean:
            return _EVENTS  # how many are up, succeed, ...
        if inner.literal is not None:
            return UNKNOWN
        return replace(inner, bounded=False, fraction=False)  # a sum of shares (of CPU cores, say) is no share
    if op == "avg":
        return replace(inner, boolean=False)
    if op in ("min", "max", "quantile", "topk", "bottomk", "limitk", "limit_ratio"):
        return inner
    if op == "group":
        return replace(_BOOLEAN, bounded=True)
    if op in ("stddev", "stdvar"):
        return replace(inner, boolean=False) if op == "stddev" else UNKNOWN
    return UNKNOWN


_COMPARISONS = frozenset({"==", "!=", ">", "<", ">=", "<="})


def _binary(op: str, lhs: Dim, rhs: Dim, node: Any) -> Dim:
    if op in _COMPARISONS:
        if node.modifier is not None and node.modifier.return_bool:
            return _BOOLEAN
        return lhs if lhs.literal is None else rhs  # a filter keeps the vector's values
    if op in ("and", "unless"):
        return lhs
    if op == "or":
        if not lhs.known or not rhs.known:
            return UNKNOWN
        return lhs if lhs.unit is rhs.unit else UNKNOWN
    if lhs.literal is not None and rhs.literal is not None:
        return Dim(known=False, literal=_fold(op, lhs.literal, rhs.literal))
    if op in ("+", "-"):
        return _additive(op, lhs, rhs)
    if op == "*":
        return _product(lhs, rhs)
    if op == "/":
        return _quotient(lhs, rhs, node)
    return UNKNOWN


def _fold(op: str, a: float, b: float) -> float | None:
    try:
        return {"+": a + b, "-": a - b, "*": a * b, "/": a / b if b else None, "%": None, "^": a ** b,
                "atan2": None}.get(op)
    except (OverflowError, ZeroDivisionError):
        return None


def _additive(op: str, lhs: Dim, rhs: Dim) -> Dim:
    if lhs.literal is not None or rhs.literal is not None:
        number, other = (lhs.literal, rhs) if lhs.literal is not None else (rhs.literal, lhs)
        if number is None or not other.known:
            return UNKNOWN
        if op == "-" and lhs.literal is not None:
            # 1 - ratio (or 100 - percent) stays a bounded fraction; other constants just shift.
            top = float(other.scale) if other.unit in (Unit.RATIO, Unit.PERCENT) else None
            complement = other.bounded and top is not None and number == top
            return replace(other, counter=False, bounded=complement, boolean=other.boolean and complement,
                           nonnegative=complement)
        return replace(other, counter=False, bounded=other.bounded and number == 0, boolean=other.boolean and number == 0,
                       nonnegative=other.nonnegative and (number >= 0 or (op == "-" and number <= 0)))
    if not lhs.known or not rhs.known or lhs.shape != rhs.shape:
        return UNKNOWN
    return replace(lhs, counter=False, boolean=False, bounded=False, fraction=lhs.fraction and rhs.fraction,
                   nonnegative=op == "+" and lhs.nonnegative and rhs.nonnegative, observed=None)


def _exact(number: float) -> Fraction | None:
    """A number literal as the decimal it was written as: 0.001 is exactly 1/1000 and 1e-9 a
    billionth (a float's binary value is neither); None for infinities and NaN."""
    if not math.isfinite(number):
        return None
    return Fraction(repr(number))


def _product(lhs: Dim, rhs: Dim) -> Dim:
    if lhs.literal is not None or rhs.literal is not None:
        number, other = (lhs.literal, rhs) if lhs.literal is not None else (rhs.literal, lhs)
        if number is None or not other.known or number == 0:
            return UNKNOWN
        factor = _exact(number)
        if factor is None:
            return UNKNOWN
        scaled = factor * other.scale
        return replace(other, scale=scaled, counter=False, boolean=other.boolean and number == 1,
                       nonnegative=other.nonnegative and number > 0, observed=None)
    if not lhs.known or not rhs.known:
        return UNKNOWN
    return Dim(time=lhs.time + rhs.time, bytes=lhs.bytes + rhs.bytes, events=lhs.events + rhs.events,
               scale=lhs.scale * rhs.scale, bounded=lhs.bounded and rhs.bounded, fraction=lhs.fraction and rhs.fraction,
               nonnegative=lhs.nonnegative and rhs.nonnegative)


def _quotient(lhs: Dim, rhs: Dim, node: Any) -> Dim:
    if rhs.literal is not None:
        if not lhs.known or not rhs.literal:
            return UNKNOWN
        divisor = _exact(rhs.literal)
        if divisor is None:
            return UNKNOWN
        scaled = lhs.scale / divisor
        return replace(lhs, scale=scaled, counter=False, boolean=False, bounded=lhs.bounded and rhs.literal >= 1,
                       nonnegative=lhs.nonnegative and rhs.literal > 0, observed=None)
    if lhs.literal is not None or not lhs.known or not rhs.known:
        return UNKNOWN
    dim = Dim(time=lhs.time - rhs.time, bytes=lhs.bytes - rhs.bytes, events=lhs.events - rhs.events,
              scale=lhs.scale / rhs.scale, nonnegative=lhs.nonnegative and rhs.nonnegative)
    if (dim.time, dim.bytes, dim.events) == (0, 0, 0):
        # One quantity over another of its kind is a share; errors / all of one metric cannot exceed 1.
        dim = replace(dim, fraction=True, bounded=_part_of_whole(node))
    return dim


def _part_of_whole(node: Any) -> bool:
    numerator, denominator = _metric_names(node.lhs), _metric_names(node.rhs)
    return bool(numerator) and numerator <= denominator


def _metric_names(node: Any) -> set[str]:
    import promql_parser

    names: set[str] = set()

    def visit(item: Any) -> None:
        if type(item).__name__ == "VectorSelector" and item.name:
            names.add(item.name)

    promql_parser.walk(node, visit)
    return names


# --- the row's `unit:` ----------------------------------------------------------------------

# Grafana unit ids (a row's `unit:` is also its dashboard unit) and what monplan reads in them;
# ids not listed here are valid Grafana units that say nothing a threshold could disagree with.
GRAFANA_UNITS: dict[str, Unit] = {
    "percentunit": Unit.RATIO, "percent": Unit.PERCENT, "s": Unit.SECONDS, "ms": Unit.MILLISECONDS,
    "dtdurations": Unit.SECONDS, "dtdurationms": Unit.MILLISECONDS, "clocks": Unit.SECONDS,
    "clockms": Unit.MILLISECONDS, "bytes": Unit.BYTES, "decbytes": Unit.BYTES, "cps": Unit.RATE, "ops": Unit.RATE,
    "reqps": Unit.RATE, "rps": Unit.RATE, "wps": Unit.RATE, "iops": Unit.RATE, "eps": Unit.RATE, "mps": Unit.RATE,
    "recps": Unit.RATE, "rowsps": Unit.RATE, "µs": Unit.MICROSECONDS, "ns": Unit.NANOSECONDS, "m": Unit.MINUTES,
    "h": Unit.HOURS, "d": Unit.DAYS,
}
_OTHER_GRAFANA_UNITS = frozenset(["none", "short", "sishort", "humidity", "dB", "candela", "hex0x", "hex", "sci", "locale", "pixel", "bool", "bool_yes_no", "bool_on_off", "dthms", "dtdhms", "timeticks", "hertz", "bits", "kbytes", "mbytes", "gbytes", "tbytes", "pbytes", "decbits", "deckbytes", "decmbytes", "decgbytes", "dectbytes", "decpbytes", "pps", "binBps", "Bps", "binbps", "bps", "KiBs", "Kibits", "KBs", "Kbits", "MiBs", "Mibits", "MBs", "Mbits", "GiBs", "Gibits", "GBs", "Gbits", "TiBs", "Tibits", "TBs", "Tbits", "PiBs", "Pibits", "PBs", "Pbits", "cpm", "opm", "reqpm", "rpm", "wpm", "iopm", "epm", "mpm", "recpm", "rowspm", "dateTimeAsIso", "dateTimeAsIsoNoDateIfToday", "dateTimeAsUS", "dateTimeAsUSNoDateIfToday", "dateTimeAsLocal", "dateTimeAsLocalNoDateIfToday", "dateTimeAsSystem", "dateTimeFromNow", "flops", "mflops", "gflops", "tflops", "pflops", "eflops", "zflops", "yflops", "ppm", "conppb", "conngm3", "conngNm3", "conμgm3", "conμgNm3", "conmgm3", "conmgNm3", "congm3", "congNm3", "conmgdL", "conmmolL", "watt", "kwatt", "megwatt", "gwatt", "mwatt", "Wm2", "voltamp", "kvoltamp", "voltampreact", "kvoltampreact", "watth", "watthperkg", "kwatth", "kwattm", "mwatth", "amph", "joule", "ev", "amp", "kamp", "mamp", "volt", "kvolt", "mvolt", "dBm", "mohm", "ohm", "kohm", "Mohm", "farad", "µfarad", "nfarad", "pfarad", "ffarad", "henry", "mhenry", "µhenry", "lumens", "celsius", "fahrenheit", "kelvin", "accMS2", "accFS2", "accG", "degree", "radian", "grad", "arcmin", "arcsec", "areaM2", "areaF2", "areaMI2", "acres", "hectares", "flowgpm", "flowcms", "flowcfs", "flowcfm", "litreh", "flowlpm", "flowmlpm", "lux", "forceNm", "forcekNm", "forceN", "forcekN", "Hs", "KHs", "MHs", "GHs", "THs", "PHs", "EHs", "massmg", "massg", "masslb", "masskg", "masst", "lengthmm", "lengthin", "lengthft", "lengthm", "lengthkm", "lengthmi", "pressurembar", "pressurebar", "pressurekbar", "pressurepa", "pressurehpa", "pressurekpa", "pressurehg", "pressurepsi", "rotrpm", "rothz", "rotrads", "rotdegs", "velocityms", "velocitykmh", "velocitymph", "velocityknot", "mlitre", "litre", "m3", "Nm3", "dm3", "gallons"])
# Custom Grafana units: a prefix then any text (suffix:req, currency:€, si:B, count:calls, time:HH:mm).
_CUSTOM_PREFIXES = ("prefix:", "suffix:", "si:", "count:", "currency:", "time:", "currency")
# Words people write for a unit, and the Grafana id each stands for in the plan.
UNIT_WORDS = {"ratio": "percentunit", "fraction": "percentunit", "seconds": "s", "milliseconds": "ms",
              "count": "short", "number": "short"}


def grafana_unit(value: str) -> str:
    """A row's `unit:` as a Grafana unit id; raises ValueError naming the units monplan knows."""
    import difflib

    text = value.strip()
    if text in GRAFANA_UNITS or text in _OTHER_GRAFANA_UNITS or text.startswith(_CUSTOM_PREFIXES):
        return text
    if text.lower() in UNIT_WORDS:
        return UNIT_WORDS[text.lower()]
    known = sorted(GRAFANA_UNITS) + sorted(_OTHER_GRAFANA_UNITS) + sorted(UNIT_WORDS)
    close = difflib.get_close_matches(text, known, n=1, cutoff=0.6)
    hint = f' (did you mean "{close[0]}"?)' if close else ""
    raise ValueError(f'unknown unit "{value}"{hint}; expected a Grafana unit id such as percentunit (a 0-1 ratio), '
                     "percent (0-100), s, ms, bytes, short, ops or reqps, a custom one such as suffix:req, or one of "
                     f"{', '.join(sorted(UNIT_WORDS))}")


# --- checking thresholds against units ------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Finding:
    check: str  # units/mismatch, units/never-fires, units/always-fires
    message: str
    severity: Severity = "error"


def _measures(unit: Unit) -> str:
    return {
        Unit.RATIO: "a 0-1 ratio", Unit.PERCENT: "a percentage (0-100)", Unit.SECONDS: "seconds",
        Unit.MILLISECONDS: "milliseconds", Unit.MICROSECONDS: "microseconds", Unit.NANOSECONDS: "nanoseconds",
        Unit.MINUTES: "minutes", Unit.HOURS: "hours", Unit.DAYS: "days", Unit.BYTES: "bytes", Unit.COUNT: "a count",
        Unit.RATE: "a rate per second",
    }.get(unit, "an unknown unit")


def _to_seconds(unit: Unit) -> str:
    """The arithmetic that makes a query in `unit` return seconds."""
    scale = _SCALE_OF[unit]
    if scale > 1:
        return f"divide it by {_number(scale)}"
    return f"multiply it by {_number(1 / scale)}"


def _number(value: Fraction) -> str:
    whole = int(value)
    return f"1e{len(str(whole)) - 1}" if whole >= 10**6 and str(whole).strip("0") == "1" else str(whole)


def check_threshold(threshold: Threshold, dim: Dim, unit: Unit, *, declared: bool = False) -> list[Finding]:
    """What is wrong with comparing a value of `unit` (inferred as `dim`) with `threshold`."""
    if threshold.kind in (Kind.ANY, Kind.RELATIVE) or unit is Unit.UNKNOWN:
        return []
    source = "its unit: says" if declared else "the query measures"
    mismatch = _mismatch(threshold, unit, source)
    if mismatch:
        return [Finding("units/mismatch", mismatch)]
    return _range(threshold, dim, unit, source)


def _mismatch(threshold: Threshold, unit: Unit, source: str) -> str | None:
    kind, value, text = threshold.kind, threshold.value, threshold.text
    if unit is Unit.RATIO:
        if kind is Kind.NUMBER and value > 1:
            return (f'{source} {_measures(unit)}, but "{text}" is a bare number above 1, compared as {format_decimal(value)} '
                    f'times the whole; write it as a percentage: "{threshold.rewritten(value, "%")}"')
        if kind is Kind.SECONDS:
            return f'{source} {_measures(unit)}, but "{text}" is a duration; write a percentage such as "{threshold.op}5%"'
    if unit is Unit.PERCENT and kind is Kind.RATIO:
        return (f'{source} {_measures(unit)}, but "{text}" is compared as the fraction {format_decimal(value)}; '
                f'write "{threshold.rewritten(value * 100, "")}", or make the query return a 0-1 ratio (divide it by 100)')
    if unit is Unit.SECONDS:
        if kind is Kind.NUMBER:
            same = threshold.rewritten(value, "s") if value >= 1 else threshold.rewritten(value * 1000, "ms")
            return (f'{source} {_measures(unit)}, but "{text}" is a bare number, compared as {format_seconds(value)}; '
                    f'write the unit: "{threshold.rewritten(value, "ms")}" for milliseconds, or "{same}" for what it says now')
        if kind is Kind.RATIO:
            return f'{source} {_measures(unit)}, but "{text}" is a percentage; write a duration such as "{threshold.op}500ms"'
    if unit in TIME_UNITS and unit is not Unit.SECONDS:
        # A duration threshold is in seconds; a bare number is in the query's own unit (">500" on milliseconds).
        if kind is Kind.SECONDS:
            scale = _SCALE_OF[unit]
            converted = value * scale.numerator / scale.denominator
            exponent = converted.as_tuple().exponent
            if isinstance(exponent, int) and exponent < -6:  # 100s in minutes: 1.666667
                converted = converted.quantize(Decimal("0.000001"))
            return (f'{source} {_measures(unit)}, but "{text}" is compared in seconds ({format_decimal(value)}); '
                    f'write "{threshold.rewritten(converted.normalize(), "")}", or make the query return seconds '
                    f"({_to_seconds(unit)})")
        if kind is Kind.RATIO:
            return f'{source} {_measures(unit)}, but "{text}" is a percentage; write a number of {_measures(unit)}'

    if unit in (Unit.COUNT, Unit.RATE, Unit.BYTES) and kind in (Kind.RATIO, Kind.SECONDS):
        what = "a percentage" if kind is Kind.RATIO else "a duration"
        hint = (" (divide by the total for a ratio, e.g. errors / requests)" if kind is Kind.RATIO and unit is not Unit.BYTES
                else "")
        return f'{source} {_measures(unit)}, but "{text}" is {what}{hint}'
    return None


def _range(threshold: Threshold, dim: Dim, unit: Unit, source: str) -> list[Finding]:
    """Thresholds beyond what the value can be: a fraction above 100%, anything below 0."""
    op, value = threshold.op, threshold.value
    top = {Unit.RATIO: Decimal(1), Unit.PERCENT: Decimal(100)}.get(unit) if dim.bounded else None
    never = always = False
    if dim.nonnegative:
        never |= (op == "<" and value <= 0)
        always |= (op == ">=" and value <= 0)
    if top is not None:
        never |= (op == ">" and value >= top) or (op == ">=" and value > top)
        always |= (op == "<=" and value >= top) or (op == "<" and value > top)
    span = "never below 0" if top is None else "between 0% and 100%" if unit is Unit.RATIO else "between 0 and 100"
    if never:
        return [Finding("units/never-fires", f'{source} {_measures(unit)}, {span}: "{threshold.text}" can never fire')]
    if always:
        return [Finding("units/always-fires", f'{source} {_measures(unit)}, {span}: "{threshold.text}" always fires')]
    return []


def declared_unit(alert: Alert) -> Unit | None:
    """The unit a row's `unit:` says, or None without one; UNKNOWN for units that say nothing."""
    if alert.unit is None:
        return None
    return GRAFANA_UNITS.get(alert.unit, Unit.UNKNOWN)


def check_alert(alert: Alert) -> list[Finding]:
    declared = declared_unit(alert)
    if declared is not None:
        # The row says what its value is; trust it, and keep the bounds only if the query agrees.
        dim = infer(alert.query)
        if dim.unit is not declared:
            dim = Dim(bounded=False, nonnegative=False)
        return check_threshold(alert.threshold, dim, declared, declared=True)
    dim = infer(alert.query)
    return check_threshold(alert.threshold, dim, dim.unit)
