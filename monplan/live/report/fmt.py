"""How reports and tuning print values: in the units the plan's threshold is written in."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from monplan.lang.thresholds import Kind
from monplan.model.plan import Alert

MISSING = "missing"


def significant(value: float, digits: int = 3) -> str:
    """A number with `digits` significant digits, no exponent for everyday magnitudes."""
    if value == 0:
        return "0"
    text = f"{value:.{digits}g}"
    if "e" in text and 1e-6 <= abs(value) < 1e15:
        text = f"{value:.{max(digits, 12)}f}".rstrip("0").rstrip(".")
    return text


def value(alert: Alert, number: float | None) -> str:
    """0.9993 as 99.93% for percentage rows, 0.2345 as 234.5ms for duration rows."""
    if number is None:
        return MISSING
    kind = alert.kind
    if kind is Kind.RATIO:
        return percent(number)
    if kind is Kind.SECONDS:
        return seconds(number)
    return significant(number, 4)


def percent(fraction: float | None, decimals: int = 3) -> str:
    if fraction is None:
        return MISSING
    text = f"{fraction * 100:.{decimals}f}".rstrip("0").rstrip(".")
    return f"{text}%"


def signed_percent(change: float | None) -> str:
    if change is None:
        return "n/a"
    text = f"{change * 100:+.1f}%"
    return "0.0%" if text in ("+0.0%", "-0.0%") else text


def seconds(number: float) -> str:
    if abs(number) < 1:
        return f"{significant(number * 1000, 4)}ms"
    return f"{significant(number, 4)}s"


def duration(total: float | None) -> str:
    """1h 05m, 3m, 2d 4h: how long something lasted, to the minute."""
    if total is None:
        return MISSING
    minutes = round(total / 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if not mins else f"{days}d {hours}h {mins:02d}m"
    if hours:
        return f"{hours}h {mins:02d}m"
    return f"{mins}m"


def moment(stamp: float | None, tz: ZoneInfo) -> str:
    if stamp is None:
        return "before the data"
    return dt.datetime.fromtimestamp(stamp, tz).strftime("%a %Y-%m-%d %H:%M")


def iso(stamp: float | None, tz: ZoneInfo) -> str | None:
    return None if stamp is None else dt.datetime.fromtimestamp(stamp, tz).isoformat()
