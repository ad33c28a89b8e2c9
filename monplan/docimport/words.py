"""Readers of the plain phrases a plan document uses for times, periods and durations.

They are shared by the importer (document -> plan) and by generated/PLAN.md (plan ->
document): the document states a value explicitly only where these readers would not
find it in the words, so that importing a generated document gives the plan back.
"""

from __future__ import annotations

import re

_UNIT_HOURS = {"hour": 1, "hours": 1, "hr": 1, "hrs": 1, "h": 1, "day": 24, "days": 24, "d": 24,
               "week": 168, "weeks": 168, "w": 168}


def hours_text(hours: int) -> str:
    """A duration in the plan's units: 24 -> "24h", 168 -> "7d", 0 -> "0h" (days from two on)."""
    if hours >= 48 and hours % 24 == 0:
        return f"{hours // 24}d"
    return f"{hours}h"


_AMOUNT = re.compile(r"(\d+)\s*(hours?|hrs?|h|days?|d|weeks?|w)\b", re.IGNORECASE)
_EXPLICIT = re.compile(r"\(from (\w+)(?: until (\w+))?\)\s*$", re.IGNORECASE)


def period_bounds(description: str, previous_until: str | None) -> tuple[str | None, str | None, bool]:
    """(from, until, explicit) of a Monitoring Duration line such as "First 24 hours post-deployment".

    "(from 24h until 7d)" at the end states them; "first N ..." ends at N; "ongoing after N",
    "beyond N" start at N; any other "N days" ends at N and starts where the previous period ended.
    """
    explicit = _EXPLICIT.search(description)
    if explicit:
        return explicit[1], explicit[2], True
    amounts = [(int(n), _UNIT_HOURS[u.lower()]) for n, u in _AMOUNT.findall(description)]
    start = previous_until or "0h"
    if not amounts:
        if re.search(r"ongoing|onwards|thereafter|after", description, re.IGNORECASE) and previous_until:
            return previous_until, None, False
        return None, None, False
    hours = amounts[0][0] * amounts[0][1]
    if re.search(r"\b(ongoing|after|beyond|onwards|from|thereafter|past)\b", description, re.IGNORECASE) \
            and not re.search(r"\bfirst\b", description, re.IGNORECASE):
        return hours_text(hours), None, False
    if re.search(r"\bfirst\b", description, re.IGNORECASE):
        return "0h", hours_text(hours), False
    return start, hours_text(hours), False


_DURING = re.compile(r"^\s*(hours?|days?)\s*(\d+)\s*(?:(-|–|—|to)\s*(\d+)?)?", re.IGNORECASE)
_BEYOND = re.compile(r"\b(?:beyond|after|past|from)\s+(day|week)\s*(\d+)", re.IGNORECASE)
_WEEK = re.compile(r"^\s*weeks?\s*(\d+)(?:\s*(?:-|–|to)\s*(\d+))?", re.IGNORECASE)


def during_of(text: str) -> str | None:
    """The `during` of a schedule heading or label: "Hour 1-4" -> "hours 1-4", "Days 2-7" ->
    "days 2-7", "Day 1 (24 Hours ...)" -> "day 1", "Beyond Day 7" -> "days 8-", "Week 2" -> "days 8-14"."""
    match = _DURING.match(text)
    if match:
        unit = match[1].lower().rstrip("s")
        if match[4]:
            return f"{unit}s {match[2]}-{match[4]}"
        if match[3]:  # "Days 8-": open-ended
            return f"{unit}s {match[2]}-"
        return f"{unit} {match[2]}"
    match = _BEYOND.search(text)
    if match:
        last = int(match[2]) * (7 if match[1].lower() == "week" else 1)
        return f"days {last + 1}-"
    match = _WEEK.match(text)
    if match:
        first, last = int(match[1]), int(match[2] or match[1])
        return f"days {7 * (first - 1) + 1}-{7 * last}"
    return None


def same_during(a: str | None, b: str | None) -> bool:
    def key(value: str | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        match = re.match(r"^\s*(hour|day)s?\s+(\d+)\s*(?:(-)\s*(\d+)?)?\s*$", value, re.IGNORECASE)
        if not match:
            return (value.strip().lower(),)
        last = match[4] if match[4] else ("" if match[3] else match[2])
        return (match[1].lower(), match[2], last)
    return key(a) == key(b)


_CADENCES = (
    (re.compile(r"continuous|real.?time|around the clock|24/7", re.IGNORECASE), "continuous"),
    (re.compile(r"hourly|every hour|each hour", re.IGNORECASE), "hourly"),
    (re.compile(r"daily|every day|each day|nightly", re.IGNORECASE), "daily"),
    (re.compile(r"weekly|every week|each week", re.IGNORECASE), "weekly"),
)


def cadence_of(activity: str) -> str | None:
    for pattern, cadence in _CADENCES:
        if pattern.search(activity):
            return cadence
    return None


def owner_of(activity: str) -> str | None:
    """"... by deployment team" -> "Deployment team"."""
    match = re.search(r"\bby (?:the )?([A-Za-z][\w -]*?(?:team|engineer|engineers|lead|on-call|oncall|sre|ops|crew))\s*$",
                      activity, re.IGNORECASE)
    if not match:
        return None
    owner = match[1].strip()
    return owner[0].upper() + owner[1:]


_CLOCK = re.compile(r"\b(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\b\.?|\b(\d{1,2}):(\d{2})\b|\b(noon|midday|midnight)\b",
                    re.IGNORECASE)


def times_of(text: str) -> list[str]:
    """Times of day in the text as 24-hour HH:MM: "9:00 AM" -> "09:00", "1 PM" -> "13:00"."""
    found = []
    for match in _CLOCK.finditer(text):
        if match[6]:
            found.append("12:00" if match[6].lower() in ("noon", "midday") else "00:00")
            continue
        if match[1]:
            hour, minute = int(match[1]) % 12, int(match[2] or 0)
            if match[3].lower() == "p":
                hour += 12
        else:
            hour, minute = int(match[4]), int(match[5])
        if hour < 24 and minute < 60:
            found.append(f"{hour:02d}:{minute:02d}")
    return found


def shift_days(day: str) -> int:
    """Calendar days a rotation row covers: "Weekend" 2, "Days 4-5" 2, "Week 2" 7, else 1."""
    if re.search(r"weekend", day, re.IGNORECASE):
        return 2
    match = re.search(r"days?\s*(\d+)\s*(?:-|–|to)\s*(\d+)", day, re.IGNORECASE)
    if match and int(match[2]) >= int(match[1]):
        return int(match[2]) - int(match[1]) + 1
    if re.search(r"\bweek\b", day, re.IGNORECASE):
        return 7
    return 1


_DURATION_WORD = re.compile(r"(?<![\d.,])(\d+(?:[.,]\d+)*)\s*(ms|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|"
                            r"d|days?|w|weeks?)\b", re.IGNORECASE)
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def duration_text(number: str, word: str) -> str | None:
    """A number and a unit word as a Prometheus duration: ("15", "minutes") -> "15m", ("1.5",
    "hours") -> "1h30m", ("0.5", "min") -> "30s"; None when it is no whole number of
    milliseconds."""
    from decimal import Decimal

    unit = word.lower()
    short = "ms" if unit.startswith("ms") or unit.startswith("milli") else unit[0]
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", number):  # 1,000
        number = number.replace(",", "")
    try:
        amount = Decimal(number.replace(",", "."))
    except ArithmeticError:  # 1.2.3
        return None
    if amount == amount.to_integral_value():
        return f"{int(amount)}{short}"
    ms = amount * _UNIT_MS[short]
    if ms != ms.to_integral_value():
        return None
    from monplan.lang.durations import format_ms

    return format_ms(int(ms))


def duration_of(text: str) -> str | None:
    """"15 minutes" -> "15m", "1 hour" -> "1h", "15m" -> "15m", "1.5 hours" -> "1h30m", "at once" -> "0m"."""
    if re.search(r"at once|immediately|right away", text, re.IGNORECASE):
        return "0m"
    match = _DURATION_WORD.search(text)
    if not match:
        return None
    return duration_text(match[1], match[2])
