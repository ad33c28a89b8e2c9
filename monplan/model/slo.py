"""Service level objectives: a row's `slo:` compiled into error-ratio series, an error budget
and multiwindow, multi-burn-rate alerts, as the Google SRE workbook and Sloth do.

A row with `slo:` and the threshold "<99.9%" has the objective 0.999 and the error budget
0.001 (exact decimals). Its SLI, the share of bad events, is recorded over each window
the alerts read and over the SLO period:

    <prefix>:<stem>:error_ratio_rate5m   (errors[5m]) / (total[5m])
    ...                                  30m, 1h, 2h, 6h, 1d, 3d
    <prefix>:<stem>:error_ratio_rate30d  the mean of the 5m ratio over the period

The burn rate is the error ratio divided by the budget: 1 spends the budget exactly over
the period. Each alert pairs a long window (is the budget burning?) with a short one (is it
still burning?); Sloth's page and ticket alerts are monplan's FastBurn and SlowBurn:

    FastBurn  2% of the budget in 1h (short 5m) or 5% in 6h (short 30m)   14.4x and 6x over 30d
    SlowBurn  10% of the budget in 1d (short 2h) or 10% in 3d (short 6h)  3x and 1x over 30d

A factor is the share of the budget times the period divided by the long window
(Sloth's getBurnRateFactor), so a 28d period gives 13.44, 5.6, 2.8 and 0.9333...; factors
that do not end are rounded to 15 significant digits (what float64 holds).

No traffic: the ratio divides by `(total > 0)`, so with no events it has no value (not
NaN, which would poison the period's mean for a whole period): no burn alert fires, and
the period's ratio averages the times with traffic. Errors that have no series yet (no
5xx so far) count as zero (`or 0 * total`), so the ratio exists as soon as traffic does.
The NoData alert watches `<prefix>:<stem>:total_rate1h`, the rate of all events over an
hour: zero, and present, while the service is idle; absent when the SLI's input has no
series at all (a renamed metric or label, a missing job).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Context, Decimal

from monplan.lang import durations
from monplan.lang.thresholds import format_decimal
from monplan.spec.types import PriorityName

WINDOW_VARIABLE = "${window}"
# The ranges each SLI is recorded over: every short and long window of the alerts.
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
SLI_KEYS = ("errors", "good", "total", "ratio", "latency", "buckets", "bool_gauge")
NO_DATA_WINDOW = "1h"
SEVERITY_BELOW: dict[PriorityName, PriorityName] = {"critical": "high", "high": "medium", "medium": "medium"}
_FACTOR_CONTEXT = Context(prec=15)
_LE_INF = 'le="+Inf"'
_SELECTOR = re.compile(r"^\s*(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(?P<matchers>.*)\})?\s*$", re.DOTALL)


@dataclass(frozen=True, slots=True)
class BurnWindow:
    """One multiwindow condition: the error ratio over both windows above factor x budget."""

    budget_percent: Decimal  # share of the budget spent over the long window, in percent
    long: str
    short: str
    factor: Decimal


@dataclass(frozen=True, slots=True)
class BurnAlert:
    """FastBurn or SlowBurn of one SLO row: two multiwindow conditions joined by `or`."""

    name: str
    speed: str  # "fast" | "slow"
    severity: PriorityName
    windows: tuple[BurnWindow, BurnWindow]


@dataclass(frozen=True, slots=True)
class Slo:
    """A row's objective, its SLI queries per window and its burn-rate alerts."""

    period: str  # canonical, e.g. "30d"
    objective: Decimal  # 0.999
    kind: str  # "errors" | "good" | "latency" | "ratio"
    ratio_template: str  # PromQL of the error ratio with ${window}
    total_template: str | None  # PromQL of the rate of all events with ${window}; None for a ratio SLI
    base: str  # series prefix <prefix>:<stem>
    fast: BurnAlert
    slow: BurnAlert
    latency: Decimal | None = None  # seconds, for a latency SLI
    sli: tuple[tuple[str, str], ...] = ()  # the slo: fields as written: (("errors", "sum(rate(...))"), ...)
    service: str | None = None  # a per-service row's copy: its series carry service="<name>"

    def read(self, series: str) -> str:
        """One of the SLO's recorded series as its rules read it: narrowed to the service of a
        per-service row, whose copies share the series names."""
        return f'{series}{{service="{self.service}"}}' if self.service else series

    def field(self, key: str) -> str | None:
        """One field of the row's slo: as written (errors, good, total, latency, buckets)."""
        return dict(self.sli).get(key)

    @property
    def budget(self) -> Decimal:
        return 1 - self.objective

    def ratio_series(self, window: str) -> str:
        return f"{self.base}:error_ratio_rate{window}"

    def ratio_expr(self, window: str) -> str:
        """The error ratio over one of WINDOWS, from the plan's queries."""
        return self.ratio_template.replace(WINDOW_VARIABLE, window)

    @property
    def total_series(self) -> str:
        """The rate of all events over NO_DATA_WINDOW: absent when the SLI has no input at all."""
        return f"{self.base}:total_rate{NO_DATA_WINDOW}"

    def total_expr(self) -> str | None:
        return None if self.total_template is None else self.total_template.replace(WINDOW_VARIABLE, NO_DATA_WINDOW)

    @property
    def period_series(self) -> str:
        return self.ratio_series(self.period)

    @property
    def objective_series(self) -> str:
        return f"{self.base}:objective"

    @property
    def budget_series(self) -> str:
        return f"{self.base}:error_budget"

    @property
    def remaining_series(self) -> str:
        return f"{self.base}:error_budget_remaining"

    @property
    def burn_rate_series(self) -> str:
        return f"{self.base}:burn_rate"

    @property
    def watched_series(self) -> str:
        """The series the row's NoData alert watches: the SLI's total, which an idle service
        still has (at zero) and a renamed metric or missing job has not. A ratio SLI, which has
        no total, is watched through its error ratio over the hour."""
        return self.total_series if self.total_template is not None else self.ratio_series(NO_DATA_WINDOW)

    @property
    def alerts(self) -> tuple[BurnAlert, BurnAlert]:
        return (self.fast, self.slow)


def burn_factor(budget_percent: Decimal, period: str, long: str) -> Decimal:
    """Sloth's getBurnRateFactor: the speed that spends `budget_percent` of the period's budget
    within the long window. 2% of 30d in 1h is 14.4."""
    hours = budget_percent * Decimal(durations.parse_ms(period)) / 100
    factor = _FACTOR_CONTEXT.divide(hours, Decimal(durations.parse_ms(long)))
    return Decimal(format_decimal(factor))


def burn_alerts(name: str, priority: PriorityName, period: str) -> tuple[BurnAlert, BurnAlert]:
    """The FastBurn (page) and SlowBurn (ticket) alerts of an SLO over `period`."""

    def window(percent: int, long: str, short: str) -> BurnWindow:
        return BurnWindow(Decimal(percent), long, short, burn_factor(Decimal(percent), period, long))

    fast = BurnAlert(f"{name}FastBurn", "fast", priority, (window(2, "1h", "5m"), window(5, "6h", "30m")))
    slow = BurnAlert(f"{name}SlowBurn", "slow", SEVERITY_BELOW[priority], (window(10, "1d", "2h"), window(10, "3d", "6h")))
    return fast, slow


def sli_templates(errors: str | None, good: str | None, total: str | None,
                  latency: Decimal | None = None, buckets: str | None = None,
                  ratio: str | None = None, bool_gauge: str | None = None) -> tuple[str, str | None] | None:
    """The error ratio and the rate of all events of the SLI, with ${window} still in them.

    Errors without a series yet count as zero where the total has one; a latency SLI counts
    the requests above the bound as errors: 1 - bucket{le=bound} / bucket{le="+Inf"}. A total
    of zero (no traffic) leaves the ratio without a value rather than NaN. None for fields
    that make no SLI (which the plan's checks report). A ratio SLI (Sloth's raw SLI) is the
    error ratio itself and has no total."""
    if ratio is not None:
        return ratio, None
    if bool_gauge is not None:  # Pyrra's bool gauge: the share of samples at 0 (probe_success)
        samples = f"sum(count_over_time({bool_gauge}[{WINDOW_VARIABLE}]))"
        errors, total = f"{samples} - sum(sum_over_time({bool_gauge}[{WINDOW_VARIABLE}]))", samples
    if latency is not None and buckets is not None:
        good = f"sum(rate({bucket_selector(buckets, le_matcher(latency))}[{WINDOW_VARIABLE}]))"
        total = f"sum(rate({bucket_selector(buckets, _LE_INF)}[{WINDOW_VARIABLE}]))"
    if total is None:
        return None
    traffic = f"(({total}) > 0)"
    if errors is not None:
        return f"(({errors}) or (0 * ({total}))) / {traffic}", total
    if good is not None:
        return f"1 - ({good}) / {traffic}", total
    return None


def le_matcher(seconds: Decimal) -> str:
    """The matcher of a histogram's bucket bound: Go clients write 1 as "1", Python's as "1.0"."""
    text = format_decimal(seconds)
    if "." in text:
        return f'le="{text}"'
    return f'le=~"{text}(\\\\.0)?"'


def bucket_selector(selector: str, matcher: str) -> str:
    """A `_bucket` selector with one more matcher: x_bucket{job="a"} -> x_bucket{job="a",le="0.5"}."""
    match = _SELECTOR.match(selector)
    if match is None:
        raise ValueError(f'"{selector}" is not a series selector such as http_request_duration_seconds_bucket{{job="api"}}')
    inner = (match["matchers"] or "").strip().rstrip(",").strip()
    return f"{match['name']}{{{inner + ',' if inner else ''}{matcher}}}"


def bucket_problem(selector: str) -> str | None:
    """Why `buckets:` cannot be a histogram's bucket selector, or None."""
    match = _SELECTOR.match(selector)
    if match is None:
        return f'expected a series selector such as http_request_duration_seconds_bucket{{job="api"}}, got "{selector}"'
    if not match["name"].endswith("_bucket"):
        return f'"{match["name"]}" is not a histogram bucket series; expected a name ending in _bucket'
    if re.search(r"\ble\s*(=|!=|=~|!~)", match["matchers"] or ""):
        return "the selector must not match le: monplan adds le for the latency bound and for +Inf"
    return None


def consumed_expr(slo: Slo) -> str:
    """The share of the period's budget spent: the period's error ratio over the budget."""
    return f"{slo.read(slo.period_series)} / {format_decimal(slo.budget)}"
