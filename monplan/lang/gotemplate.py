"""Prometheus' template number formatting, to predict annotation text in generated tests.

These mirror humanize, humanizeDuration and humanizePercentage of Prometheus'
template package (Go's %.4g is C's %.4g).
"""

from __future__ import annotations

import math


def _g4(value: float) -> str:
    return f"{float(value):.4g}"


def humanize(value: float) -> str:
    if value == 0 or math.isnan(value) or math.isinf(value):
        return _g4(value)
    if abs(value) >= 1:
        prefix = ""
        for p in ("k", "M", "G", "T", "P", "E", "Z", "Y"):
            if abs(value) < 1000:
                break
            prefix, value = p, value / 1000
        return _g4(value) + prefix
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return _g4(value) + prefix


def humanize_duration(value: float) -> str:
    if math.isnan(value) or math.isinf(value):
        return _g4(value)
    if value == 0:
        return _g4(value) + "s"
    if abs(value) >= 1:
        sign = "-" if value < 0 else ""
        value = abs(value)
        whole = int(value)
        seconds, minutes = whole % 60, (whole // 60) % 60
        hours, days = (whole // 3600) % 24, whole // 86400
        if days:
            return f"{sign}{days}d {hours}h {minutes}m {seconds}s"
        if hours:
            return f"{sign}{hours}h {minutes}m {seconds}s"
        if minutes:
            return f"{sign}{minutes}m {seconds}s"
        return f"{sign}{_g4(value)}s"
    prefix = ""
    for p in ("m", "u", "n", "p", "f", "a", "z", "y"):
        if abs(value) >= 1:
            break
        prefix, value = p, value * 1000
    return f"{_g4(value)}{prefix}s"


def humanize_percentage(value: float) -> str:
    return _g4(value * 100) + "%"


FUNCTIONS = {
    "humanize": humanize,
    "humanizeDuration": humanize_duration,
    "humanizePercentage": humanize_percentage,
}


def expand_value(template: str, value: float, labels: dict[str, str] | None = None) -> str:
    """Expand the `{{ $value | fn }}` actions and `{{ "x" }}` literals that monplan writes.

    and `{{ $labels.NAME }}` when labels are given. Anything else raises ValueError: promtool
    compares annotations exactly, so a generated test must be able to predict them.
    """
    import re

    def action(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return match.group(1)
        body = match.group(2).strip()
        piped = re.fullmatch(r"\$value\s*\|\s*(\w+)", body)
        if piped and piped.group(1) in FUNCTIONS:
            return FUNCTIONS[piped.group(1)](value)
        label = re.fullmatch(r"\$labels\.([A-Za-z_][A-Za-z0-9_]*)", body)
        if label and labels is not None:
            return labels.get(label.group(1), "")  # Prometheus sets missingkey=zero
        raise ValueError(f"cannot predict template action {{{{ {body} }}}}")

    return re.sub(r'\{\{\s*"((?:[^"\\]|\\.)*)"\s*\}\}|\{\{(.*?)\}\}', action, template)
