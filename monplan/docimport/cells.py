"""Table cells as documents write them, read into the plan's forms.

A threshold cell may say "≥ 99.9 %", "**> 500 ms** avg", "p95 above 2 seconds", "> 70% for
10 minutes" or "Any failure"; each is rewritten into the threshold grammar of
monplan/lang/thresholds.py and must then parse there, or it is reported as unreadable.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from monplan.docimport.outline import decoration_free
from monplan.docimport.words import duration_text
from monplan.lang.thresholds import ThresholdError, parse_threshold

_WORD_OPS = (
    (re.compile(r"^(?:at least|no less than|not below|min(?:imum)?:?)\s+", re.I), ">="),
    (re.compile(r"^(?:at most|no more than|not above|up to|max(?:imum)?:?)\s+", re.I), "<="),
    (re.compile(r"^(?:above|over|more than|greater than|higher than|exceeds?|exceeding|>\s*than)\s+", re.I), ">"),
    (re.compile(r"^(?:below|under|less than|lower than|(?:drops?|falls?) below|<\s*than)\s+", re.I), "<"),
)
_PERCENTILE = re.compile(r"\b(?:p|P)(\d{2}(?:\.\d+)?)\b\s*(?:latency\s*)?[:=]?\s*|\b(\d{2})(?:th|st|nd|rd) percentile\b\s*[:=]?\s*",
                         re.I)
_UNITS = (
    (r"milli ?seconds?|msecs?|ms", "ms"),
    (r"seconds?|secs?|s", "s"),
    (r"minutes?|mins?|m", "m"),
    (r"hours?|hrs?|h", "h"),
    (r"percent|pct|%", "%"),
)
_NUMBER_UNIT = re.compile(
    r"^(?P<op><=|>=|<|>)\s*(?P<number>\d+(?:[.,]\d+)?)\s*(?P<unit>" + "|".join(p for p, _ in _UNITS) + r")?(?![A-Za-z])(?P<rest>.*)$",
    re.I)
_FOR = re.compile(r"\s*\(?\b(?:for|over|during)\s+(?:at least\s+)?(\d+(?:\.\d+)?)\s*(minutes?|mins?|m|hours?|hrs?|h|seconds?|secs?|s)\b\)?",
                  re.I)
_EVENT = re.compile(r"^(?:on\s+)?(?:any\s+)?(failures?|errors?|occurrences?|violations?|events?|incidents?|breach(?:es)?)$", re.I)
_NONZERO = re.compile(r"^(?:>\s*0|non-?zero|any|>=\s*1|at least one|one or more|\d*\s*or more)$", re.I)


@dataclass(frozen=True)
class ThresholdCell:
    """A threshold cell read: the grammar's text (or None when unreadable), and what else it said."""

    text: str | None
    quantile: str | None = None  # "0.95" for "p95"
    for_: str | None = None  # "10m" for "for 10 minutes"
    original: str = ""


def _unit(word: str) -> str:
    lowered = word.lower()
    for pattern, unit in _UNITS:
        if re.fullmatch(pattern, lowered):
            return unit
    return word


def plain_cell(text: str) -> str:
    """A cell's words with emoji and doubled spaces gone."""
    return decoration_free(text)


def read_threshold(cell: str) -> ThresholdCell:
    """The cell rewritten into the threshold grammar, or text None when it cannot be read."""
    original = plain_cell(cell)
    text = original.replace("≥", ">=").replace("≤", "<=").replace("=>", ">=").replace("=<", "<=")
    text = text.replace("＞", ">").replace("＜", "<").replace("\u2009", " ").replace("\u00a0", " ").strip()
    quantile = None
    match = _PERCENTILE.search(text)
    if match:
        digits = match[1] or match[2]
        quantile = str(float(digits) / 100).rstrip("0").rstrip(".") if digits else None
        text = (text[:match.start()] + " " + text[match.end():]).strip()
    for_ = None
    match = _FOR.search(text)
    if match and not re.match(r"^\s*(?:for|over|during)", text):
        for_ = duration_text(match[1], match[2])
        if for_ is not None:
            text = (text[:match.start()] + text[match.end():]).strip()
    for pattern, op in _WORD_OPS:
        text = pattern.sub(f"{op} ", text, count=1)
    text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", text)  # 1,000 -> 1000
    if _EVENT.match(text):
        text = "Any " + _EVENT.match(text)[1].lower()  # type: ignore[index]
    elif _NONZERO.match(text):
        text = "Any"
    else:
        match = _NUMBER_UNIT.match(text)
        if match:
            unit = _unit(match["unit"]) if match["unit"] else ""
            rest = match["rest"].strip()
            text = f"{match['op']}{match['number'].replace(',', '.')}{unit}" + (f" {rest}" if rest else "")
    text = " ".join(text.split())
    try:
        parse_threshold(text)
    except ThresholdError:
        return ThresholdCell(None, quantile, for_, original)
    return ThresholdCell(text, quantile, for_, original)


_PRIORITIES = (
    (re.compile(r"\b(?:critical|crit|p0|p1|sev(?:erity)?\s*[01]|urgent|blocker|emergency|page)\b", re.I), "Critical"),
    (re.compile(r"\b(?:high|p2|sev(?:erity)?\s*2|major|important)\b", re.I), "High"),
    (re.compile(r"\b(?:medium|med|moderate|p3|sev(?:erity)?\s*3|normal)\b", re.I), "Medium"),
)
_LOWER = re.compile(r"\b(?:low|p4|p5|sev(?:erity)?\s*[45]|minor|info|informational|warning|warn|ticket)\b", re.I)


def read_priority(cell: str) -> tuple[str | None, str | None]:
    """(priority, note): Critical, High or Medium; a lower priority becomes Medium with a note."""
    words = plain_cell(cell)
    for pattern, priority in _PRIORITIES:
        if pattern.search(words):
            return priority, None
    if _LOWER.search(words):
        return "Medium", f'"{words}" in the document; Medium is monplan\'s lowest priority'
    return None, None


def snake(text: str) -> str:
    """Words as a snake_case identifier: "Cross-tenant Data Access" -> cross_tenant_data_access."""
    words = re.findall(r"[A-Za-z0-9]+", plain_cell(text))
    name = "_".join(word.lower() for word in words)
    if not name or name[0].isdigit():
        name = f"m_{name}" if name else "metric"
    return name
