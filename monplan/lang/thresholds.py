"""The threshold grammar: the plan's threshold cells, written as the document writes them.

    <99.9%            value below 0.999 (percentages compare as fractions)
    >1% failure rate  words after the value are a description
    >500ms avg        durations compare in seconds (ms, s, m, h)
    >70% sustained    'sustained': the condition must hold longer (default for: 15m)
    <80% of baseline  value below 0.8 times the row's baseline
    >= 3, <= 0.5      bare numbers compare as they are
    Any, Any failure  value above 0, firing without delay

Numbers are kept as Decimal so that 99.9% becomes exactly 0.999 in PromQL.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import overload


class Kind(str, Enum):
    """What the measured value is, which decides units, formatting and panel type."""

    RATIO = "ratio"  # a fraction 0-1, written as a percentage
    SECONDS = "seconds"  # a duration in seconds
    NUMBER = "number"  # a bare number (count, rate, ...)
    ANY = "any"  # any occurrence: a count above zero
    RELATIVE = "relative"  # a fraction of a baseline


class ThresholdError(ValueError):
    """A threshold cell that does not follow the grammar."""


_UNIT_SECONDS = {"ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600)}
# What one of the written number is worth in base units, per written unit.
_UNIT_SIZE = {"%": Decimal("0.01"), **_UNIT_SECONDS, "": Decimal(1)}

_COMPARISON = re.compile(
    r"""^(?P<op><=|>=|<|>)\s*
        (?P<number>[0-9]+(?:\.[0-9]+)?)\s*
        (?P<unit>%|ms|s|m|h)?
        (?P<rest>(?:\s+[^\W\d_].*)?)$""",
    re.VERBOSE | re.IGNORECASE,
)
_ANY = re.compile(r"^any(?P<rest>(?:\s+.*)?)$", re.IGNORECASE)
_OF_BASELINE = re.compile(r"\bof\s+(the\s+)?baseline\b", re.IGNORECASE)
_SUSTAINED = re.compile(r"\bsustained\b", re.IGNORECASE)
# "for 10 minutes", "for at least 5m": a wait, which the threshold's words cannot give (the row's for: does).
_WAIT = re.compile(r"\bfor\s+(?:at\s+least\s+)?\d+(?:[.,]\d+)?\s*(?:ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|"
                   r"h|hrs?|hours?|d|days?|w|weeks?)\b", re.IGNORECASE)
_UNKNOWN_UNITS = {"d", "w", "y", "us", "ns", "sec", "secs", "second", "seconds", "min", "mins", "minute", "minutes",
                  "hr", "hrs", "hour", "hours", "day", "days", "week", "weeks", "percent", "pct"}

EXPECTED = (
    'expected a comparison such as "<99.9%", ">500ms avg", ">70% sustained", '
    '"<80% of baseline", ">= 3", or "Any ..."'
)


# PromQL, promtool's test series and Grafana read numbers as float64: within this range and
# precision a number is exact enough that the generated unit tests can put a value on either
# side of it (15 significant digits, plus one for the step, still differ in float64).
MAX_DIGITS = 15


def float64_problem(value: Decimal) -> str | None:
    """Why Prometheus cannot hold `value` as exactly as the plan writes it, or None."""
    if not value.is_finite():
        return "is not a finite number"
    if value == 0:
        return None
    # adjusted() and as_tuple() need no decimal context, so 1e999999999 cannot overflow here.
    if not -300 <= value.adjusted() < 300:
        return "is outside what Prometheus' float64 numbers hold exactly (1e-300 to 1e300)"
    significant = "".join(map(str, value.as_tuple().digits)).strip("0")
    if len(significant) > MAX_DIGITS:
        return f"has more than {MAX_DIGITS} significant digits, more than Prometheus' float64 numbers hold exactly"
    return None


def format_decimal(value: Decimal) -> str:
    """Plain decimal text without exponent or trailing zeros: 0.999, 2, 0.0005."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text or "0"


@dataclass(frozen=True, slots=True)
class Threshold:
    """A parsed threshold cell.

    `value` is in Prometheus base units: a fraction for percentages (and for
    'of baseline', the factor applied to the baseline), seconds for durations.
    `unit` is the unit the cell writes its number in ("%", "ms", "s", "m", "h", or "").
    """

    text: str
    op: str
    value: Decimal
    kind: Kind
    sustained: bool = False
    description: str = ""
    unit: str = ""

    @property
    def promql_value(self) -> str:
        return format_decimal(self.value)

    @property
    def upper_is_bad(self) -> bool:
        """True when values above the threshold are the problem."""
        return self.op in (">", ">=")

    @property
    def unit_size(self) -> Decimal:
        """What one of the cell's written number is in base units: 0.01 for %, 0.001 for ms."""
        return _UNIT_SIZE[self.unit]

    @overload
    def limit(self, baseline: None = None) -> Decimal: ...
    @overload
    def limit(self, baseline: Decimal) -> Decimal: ...
    @overload
    def limit(self, baseline: float) -> float | Decimal: ...

    def limit(self, baseline: Decimal | float | None = None) -> Decimal | float:
        """The number the measured value is compared with: the value, or for an 'of baseline'
        threshold the factor times `baseline` (exact for a Decimal baseline, float64 for a float
        one, as Prometheus computes it)."""
        if self.kind is not Kind.RELATIVE:
            return self.value
        if baseline is None:
            raise ValueError(f'"{self.text}" compares with a baseline; give it')
        if isinstance(baseline, Decimal):
            return self.value * baseline
        return float(self.value) * baseline

    def breaches(self, measured: float, baseline: float | None = None) -> bool:
        """Whether a measured value fires this threshold (used by tests and reports)."""
        limit = float(self.limit() if baseline is None else self.limit(baseline))
        return {
            "<": measured < limit,
            "<=": measured <= limit,
            ">": measured > limit,
            ">=": measured >= limit,
        }[self.op]

    def rewritten(self, number: Decimal, unit: str | None = None) -> str:
        """The cell with its written number replaced (and its unit, when `unit` is given), its
        operator and words kept: '>500ms avg' with 650 is '>650ms avg'."""
        match = _COMPARISON.match(self.text)
        if match is None:
            raise ValueError(f'"{self.text}" has no number to replace')
        end = match.end("number") if unit is None or not match["unit"] else match.end("unit")
        return self.text[:match.start("number")] + format_decimal(number) + (unit or "") + self.text[end:]

    def human(self) -> str:
        """The threshold restated in words: 'below 99.9%', 'above 500ms'."""
        words = {"<": "below", "<=": "at or below", ">": "above", ">=": "at or above"}[self.op]
        if self.kind is Kind.ANY:
            return "any occurrence (above 0)"
        return f"{words} {self.display_value()}"

    def display_value(self) -> str:
        if self.kind is Kind.RATIO:
            return f"{format_decimal(self.value * 100)}%"
        if self.kind is Kind.RELATIVE:
            return f"{format_decimal(self.value * 100)}% of baseline"
        if self.kind is Kind.SECONDS:
            return format_seconds(self.value)
        return format_decimal(self.value)


def format_seconds(value: Decimal) -> str:
    """The shortest exact way to write a duration in the threshold's units."""
    if value < 1:
        return f"{format_decimal(value * 1000)}ms"
    for unit, size in (("h", Decimal(3600)), ("m", Decimal(60))):
        if value >= size and (value / size) == (value / size).to_integral_value():
            return f"{format_decimal(value / size)}{unit}"
    return f"{format_decimal(value)}s"


@functools.lru_cache(maxsize=4096)
def parse_threshold(text: str) -> Threshold:
    """Parse one threshold cell; raises ThresholdError with what is expected.

    Cached: plans repeat the same cells, and both the spec and the resolver read each."""
    if not isinstance(text, str):
        raise ThresholdError(f"threshold must be text, {EXPECTED}")
    cell = " ".join(text.split())
    if not cell:
        raise ThresholdError(f"threshold is empty; {EXPECTED}")
    match = _ANY.match(cell)
    if match:
        return Threshold(cell, ">", Decimal(0), Kind.ANY, description=match["rest"].strip())
    match = _COMPARISON.match(cell)
    if not match:
        raise ThresholdError(f'cannot read threshold "{_clipped(text)}"; {EXPECTED}')
    try:
        number = Decimal(match["number"])
    except InvalidOperation as err:  # pragma: no cover - the regex admits only digits
        raise ThresholdError(f'cannot read the number in "{text}"') from err
    unit = (match["unit"] or "").lower()
    rest = match["rest"].strip()
    relative = bool(_OF_BASELINE.search(rest))
    first_word = rest.split()[0].lower() if rest else ""
    if first_word in _UNKNOWN_UNITS:
        raise ThresholdError(f'"{text}": unit "{rest.split()[0]}" is not supported; expected ms, s, m or h, or % for percentages')
    wait = _WAIT.search(rest)
    if wait:
        raise ThresholdError(f'"{_clipped(text)}": "{wait[0].strip()}" in a threshold only describes it, the alert '
                             "would not wait for it; give the wait as the row's for:")
    if not relative and re.search(r"baseline", rest, re.IGNORECASE):
        raise ThresholdError(f'"{text}" mentions a baseline but does not say "of baseline", as in "<80% of baseline"')
    sustained = bool(_SUSTAINED.search(rest))
    description = " ".join(_SUSTAINED.sub("", _OF_BASELINE.sub("", rest)).split())

    if relative:
        if unit not in ("%", ""):
            raise ThresholdError(
                f'"{text}": a baseline comparison takes a percentage, such as "<80% of baseline"'
            )
        kind, value = Kind.RELATIVE, number / 100 if unit == "%" else number
    elif unit == "%":
        kind, value = Kind.RATIO, number / 100
    elif unit:
        kind, value = Kind.SECONDS, number * _UNIT_SECONDS[unit]
    else:
        kind, value = Kind.NUMBER, number
    problem = float64_problem(value)
    if problem:
        raise ThresholdError(f'the number in "{_clipped(text)}" {problem}')
    return Threshold(cell, match["op"], value, kind, sustained, description, unit)


def _clipped(text: str) -> str:
    return text if len(text) <= 40 else text[:37] + "..."
