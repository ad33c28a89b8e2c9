"""Placing panels on Grafana's grid: 24 columns, rows of 30 pixels.

Each dashboard row (a plan section, focus area or view) gets a header line, then its
compact panels (stat, gauge) side by side, then its wide panels (time series, tables).
Every line is filled to exactly 24 columns, so nothing overlaps and there are no holes;
lines are balanced, so five graphs become 3 + 2 rather than 3 + 1 + 1.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

COLUMNS = 24
COMPACT = frozenset({"stat", "gauge"})
MAX_PER_LINE = {"compact": 4, "wide": 3}
HEIGHT = {"stat": 5, "gauge": 6, "bargauge": 8, "timeseries": 8, "table": 8}
ROW_HEIGHT = 1


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int


def _split(count: int, most: int) -> list[int]:
    """Panels per line: as few lines as `most` allows, as even as possible, fuller lines first."""
    lines = math.ceil(count / most)
    base, extra = divmod(count, lines)
    return [base + (1 if i < extra else 0) for i in range(lines)]


def _widths(count: int) -> list[int]:
    base, extra = divmod(COLUMNS, count)
    return [base + (1 if i < extra else 0) for i in range(count)]


def place_lines(kinds: list[str], y: int, most: int) -> tuple[list[Box], int]:
    """Boxes for panels of these kinds, in lines filling the width; returns them and the next y."""
    boxes: list[Box] = []
    start = 0
    for count in _split(len(kinds), most) if kinds else []:
        line = kinds[start:start + count]
        height = max(HEIGHT.get(kind, 8) for kind in line)
        x = 0
        for width in _widths(count):
            boxes.append(Box(x, y, width, height))
            x += width
        y += height
        start += count
    return boxes, y


def _one_line(compact: list[str], wide: str, y: int) -> tuple[list[Box], int]:
    """Compact panels at a quarter of the width each, then the wide panel in the rest."""
    quarter = COLUMNS // 4
    widths = [quarter] * len(compact) + [COLUMNS - quarter * len(compact)]
    height = max(HEIGHT.get(kind, 8) for kind in compact + [wide])
    xs = [sum(widths[:i]) for i in range(len(widths))]
    return [Box(x, y, w, height) for x, w in zip(xs, widths, strict=True)], y + height


def place_row(kinds: list[str], y: int) -> tuple[list[int], list[Box], int]:
    """Order and boxes of one row's panels below its header at `y`.

    Returns the panel indexes in display order (compact ones first, each group in plan
    order), their boxes, and the y after the row. One or two compact panels beside one
    wide panel share a line; otherwise compact and wide panels get lines of their own.
    """
    compact = [i for i, kind in enumerate(kinds) if kind in COMPACT]
    wide = [i for i, kind in enumerate(kinds) if kind not in COMPACT]
    y += ROW_HEIGHT
    if len(wide) == 1 and 1 <= len(compact) <= 2:
        boxes, y = _one_line([kinds[i] for i in compact], kinds[wide[0]], y)
        return compact + wide, boxes, y
    first, y = place_lines([kinds[i] for i in compact], y, MAX_PER_LINE["compact"])
    second, y = place_lines([kinds[i] for i in wide], y, MAX_PER_LINE["wide"])
    return compact + wide, first + second, y
