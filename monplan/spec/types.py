"""Constrained scalar types of the plan format, each with a message saying what is expected."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from monplan.lang import durations, naming
from monplan.lang.thresholds import ThresholdError, parse_threshold

if TYPE_CHECKING:
    from monplan.output.memo import Clean

PLACEHOLDER = re.compile(r"\[[A-Z][A-Z0-9_ ]*\]")


class Spec(BaseModel):
    """Base of every plan model: unknown fields are errors, values are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=False)


def _lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _check_threshold(value: str) -> str:
    try:
        parse_threshold(value)
    except ThresholdError as err:
        raise ThresholdError(f"{err}{_reading(value, 'threshold')}") from None
    return value


def _check_duration(value: str) -> str:
    try:
        durations.parse_ms(value)
    except durations.DurationError as err:
        raise durations.DurationError(f"{err}{_reading(value, 'duration')}") from None
    return value


def _reading(value: object, kind: str) -> str:
    """' (did you mean ">80%"?)' when `monplan import`'s reader of a document's words reads the
    value ("above 80 %", "5 mins", "> 70% for 10 minutes", "9am"); the one reader of people's
    spellings, so that the plan suggests exactly what import would have written."""
    if not isinstance(value, str) or len(value) > 200:
        return ""
    if kind == "threshold":
        from monplan.docimport.cells import read_threshold

        cell = read_threshold(value)
        if cell.text is None or cell.text == value:
            return ""
        extra = (f" with for: {cell.for_}" if cell.for_ else "") + (
            f" and a p{float(cell.quantile) * 100:g} query" if cell.quantile else "")
        return f' (did you mean "{cell.text}"{extra}?)'
    if kind == "time":
        from monplan.docimport.words import times_of

        times = times_of(value)
        return f' (did you mean "{times[0]}"?)' if len(times) == 1 and times[0] != value else ""
    from monplan.docimport.words import duration_of

    found = duration_of(value)
    if found is None or found == value or not _reads_whole(value, found):
        return ""
    return f' (did you mean "{found}"?)'


def _reads_whole(value: str, found: str) -> bool:
    """Whether the whole value is the duration read, not a part of longer words."""
    return bool(re.fullmatch(r"\s*\d+(?:[.,]\d+)*\s*[a-zA-Z]+\.?\s*", value)) and found != "0m"


def _check_positive_duration(value: str) -> str:
    if durations.parse_ms(value) <= 0:
        raise ValueError(f'"{value}" must be longer than zero')
    return value


# `monplan import` writes `query: TODO` where its catalogue has no query for a row; TODO
# would parse as a metric name, so it is refused by name and every such row is listed.
QUERY_TODO = "TODO"
QUERY_TODO_MESSAGE = "query is still TODO (left by monplan import): write the PromQL of this row"


def _check_promql(value: str) -> str:
    if not value.strip():
        raise ValueError("the query is empty; expected a PromQL expression")
    if value.strip() == QUERY_TODO:
        raise ValueError(QUERY_TODO_MESSAGE)
    if "${" in value:
        return value  # a per-service template: each service's substituted query is parsed instead
    return parse_promql(value)


# The queries the last build found good, while a plan is loaded (remembering_good_queries):
# a rebuild after one row's edit parses that row's query, not all of them again.
_good_queries: Clean | None = None


@contextmanager
def remembering_good_queries() -> Iterator[None]:
    global _good_queries
    from monplan.output.memo import Clean

    memo = _good_queries = Clean("promql")
    try:
        yield
    finally:
        _good_queries = None
        memo.save()  # also for a plan with problems, like the units check's memo: its fix is then quick to check


def parse_promql(value: str) -> str:
    """Parse a query; raises ValueError saying why it cannot be a row's query."""
    memo = _good_queries
    key = None if memo is None else memo.key(value)
    if memo is not None and key is not None and memo.known(key):
        return value
    import promql_parser  # deferred: only plans with queries need the parser

    try:
        expr = promql_parser.parse(value)
    except (ValueError, TypeError) as err:
        raise ValueError(f"PromQL does not parse: {err}") from None
    kind = type(expr).__name__
    if kind in ("MatrixSelector", "SubqueryExpr"):
        raise ValueError("the query returns a range vector; a row needs an instant vector or a scalar "
                         "(wrap it, e.g. rate(x[5m]) or avg_over_time(x[5m]))")
    if kind == "StringLiteral":
        raise ValueError("the query is a string; a row needs an instant vector or a scalar")
    if memo is not None and key is not None:
        memo.clean(key)  # only a good query is remembered: a bad one is reported every time
    return value


def _check_alert_name(value: str) -> str:
    if not naming.ALERT_NAME.match(value):
        raise ValueError(f'"{value}" is not a valid alert name; expected letters, digits and _ (not starting with a digit)')
    return value


def _check_metric_name(value: str) -> str:
    if not naming.METRIC_NAME.match(value):
        raise ValueError(f'"{value}" is not a valid series name; expected level:metric:operations with letters, digits, _ and :')
    return value


def _check_label_name(key: str) -> str:
    if not naming.LABEL_NAME.match(key) or key.startswith("__"):
        raise ValueError(f'"{key}" is not a valid label name; expected letters, digits and _, not starting with __')
    return key


def _check_time_of_day(value: str) -> str:
    if PLACEHOLDER.fullmatch(value):
        return value
    match = re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", value)
    if not match:
        raise ValueError(f'"{value}" is not a time of day; expected 24-hour HH:MM such as "09:00" or "17:30"'
                         f"{_reading(value, 'time')}")
    return f"{int(match[1]):02d}:{match[2]}"


def _check_timezone(value: str) -> str:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f'unknown time zone "{value}"; expected an IANA name such as "Europe/Berlin" or "UTC"') from None
    return value


def _non_empty(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be empty")
    return value


# Dates in a plan and in --at: the rotation, periods and reports add up to 292 years (the
# longest duration) to them, and Python's dates end with the year 9999.
FIRST_YEAR, LAST_YEAR = 1970, 2999


def check_year(value: Any) -> Any:
    """A date or date-time within FIRST_YEAR..LAST_YEAR; raises ValueError."""
    year = getattr(value, "year", None)
    if isinstance(year, int) and not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"the year {year} is outside {FIRST_YEAR} to {LAST_YEAR}; expected a date such as 2026-11-25")
    return value


Text = Annotated[str, AfterValidator(_non_empty)]
def _any_case(*words: str) -> str:
    """A JSON Schema pattern matching the words in any letter case (ECMA regexes lack (?i))."""
    def word(w: str) -> str:
        return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else c for c in w)
    return "^(" + "|".join(word(w) for w in words) + ")$"


PriorityName = Literal["critical", "high", "medium"]
Priority = Annotated[
    PriorityName,
    BeforeValidator(_lower),
    WithJsonSchema({"type": "string", "pattern": _any_case("critical", "high", "medium"),
                    "description": "Critical, High or Medium, in any case."}),
]
ThresholdText = Annotated[str, AfterValidator(_check_threshold)]
Duration = Annotated[str, AfterValidator(_check_duration)]
PositiveDuration = Annotated[str, AfterValidator(_check_duration), AfterValidator(_check_positive_duration)]
PromQL = Annotated[str, AfterValidator(_check_promql)]
AlertName = Annotated[str, AfterValidator(_check_alert_name)]
SeriesName = Annotated[str, AfterValidator(_check_metric_name)]
LabelName = Annotated[str, AfterValidator(_check_label_name)]
Labels = dict[LabelName, str]

# Labels monplan puts on alerts itself. A plan's value for one was kept in the rule file and
# then lost (severity, alertname) or changed what Alertmanager's inhibition matches (alert_kind,
# scrape_jobs); the same rule holds wherever a plan gives alert labels.
SET_BY_MONPLAN = {
    "severity": "from the row's priority",
    "alertname": "from the row's alert name (Prometheus sets it on every alert)",
    "alert_kind": "on missing-data alerts, for Alertmanager's inhibition",
    "scrape_jobs": "on missing-data alerts, for Alertmanager's inhibition",
}


def _check_alert_label_name(key: str) -> str:
    _check_label_name(key)
    if key in SET_BY_MONPLAN:
        raise ValueError(f'"{key}" is set by monplan {SET_BY_MONPLAN[key]}; remove it')
    return key


def _check_service_label_name(key: str) -> str:
    _check_alert_label_name(key)
    if key == "service":
        raise ValueError('"service" is set by monplan to the service\'s name on its alerts and series (the rules read '
                         'it); remove it, or rename the service')
    return key


AlertLabels = dict[Annotated[str, AfterValidator(_check_alert_label_name)], str]
ServiceLabels = dict[Annotated[str, AfterValidator(_check_service_label_name)], str]
TimeOfDay = Annotated[str, AfterValidator(_check_time_of_day)]
TimeZone = Annotated[str, AfterValidator(_check_timezone)]
_DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Weekday = Annotated[
    Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"],
    BeforeValidator(_lower),
    WithJsonSchema({"type": "string", "pattern": _any_case(*_DAYS), "description": "A day of the week, any case."}),
]
PlanDateTime = Annotated[dt.datetime, AfterValidator(check_year)]
PlanDate = Annotated[dt.date, AfterValidator(check_year)]


def _check_unit(value: str) -> str:
    from monplan.lang.units import grafana_unit

    return grafana_unit(value)


GrafanaUnit = Annotated[str, AfterValidator(_check_unit), Field(
    description="A Grafana unit id such as percentunit (a 0-1 ratio), percent (0-100), s, ms, bytes, short, ops, "
    "reqps, or a custom suffix:<text>; the words ratio, seconds, milliseconds and count stand for percentunit, s, "
    "ms and short. On an alerting row it also says what the query measures, for the unit checks.")]
