"""Small PNG plots of a row over the report's period, with its threshold line, for the HTML
report (embedded inline as base64, so the report is one self-contained file to mail or
attach to a CI run)."""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING

from monplan.lang.thresholds import Kind
from monplan.live.report.rows import frames

if TYPE_CHECKING:
    from monplan.live.report.build import Row

_MAX_LINES = 8  # more series than this become unreadable at this size; the worst ones are drawn


def row_png(row: Row) -> bytes:
    """The row's series over its window and its threshold (a line following the baseline for
    "of baseline" rows), as PNG bytes."""
    import datetime as dt

    from matplotlib import dates as mdates
    from matplotlib.figure import Figure  # the object API: no pyplot global state, safe in threads
    from matplotlib.ticker import PercentFormatter

    data, alert = row.data, row.alert
    window = data.window
    tz = window.tz

    # matplotlib's stubs type the x values as numbers or arrays; at run time its date unit
    # converter takes datetimes (and formats the axis in `tz`). Hence the narrow ignores below.
    def when(stamps: list[float]) -> list[dt.datetime]:
        return [dt.datetime.fromtimestamp(stamp, tz) for stamp in stamps]

    figure = Figure(figsize=(6.4, 1.9), dpi=90)
    axes = figure.add_subplot()
    upper = alert.threshold.upper_is_bad
    ranked = sorted((s for s in data.values if s.points),
                    key=lambda s: (max if upper else min)(v for _, v in s.points), reverse=upper)
    for series in ranked[:_MAX_LINES]:
        axes.plot(when([t for t, _ in series.points]), [v for _, v in series.points], linewidth=0.9,  # type: ignore[arg-type]
                  label=series.display() or alert.metric)
    if data.needs_baseline and data.baseline_constant is None:
        base = sorted(frames(data.baseline).items())
        if base:
            line = [(t, float(alert.threshold.limit((max if upper else min)(by.values())))) for t, by in base]
            axes.plot(when([t for t, _ in line]), [v for _, v in line], color="#c0392b", linestyle="--",  # type: ignore[arg-type]
                      linewidth=1, label=f"threshold ({alert.threshold.text})")
    elif row.limit is not None:
        axes.axhline(row.limit, color="#c0392b", linestyle="--", linewidth=1, label=f"threshold ({alert.threshold.text})")
    axes.set_xlim(when([window.start, window.end]))  # type: ignore[arg-type]
    if alert.kind is Kind.RATIO:
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=None))
    elif alert.kind is Kind.SECONDS:
        axes.set_ylabel("seconds", fontsize=7)
    # matplotlib.dates' classes are not annotated.
    locator = mdates.AutoDateLocator(tz=tz, maxticks=8)  # type: ignore[no-untyped-call]
    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator, tz=tz))  # type: ignore[no-untyped-call]
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)
    axes.legend(fontsize=6, loc="best", frameon=False)
    figure.tight_layout(pad=0.4)
    buffer = io.BytesIO()
    # No Software/date metadata: the same data gives the same bytes.
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def row_png_base64(row: Row) -> str:
    return base64.b64encode(row_png(row)).decode("ascii")
