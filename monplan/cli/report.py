"""`monplan report`: the plan's daily (or weekly) report from a live Prometheus."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Optional

import typer

from monplan.cli import output
from monplan.cli.app import PlanOption, app


class Period(str, Enum):
    day = "day"
    week = "week"


class Format(str, Enum):
    markdown = "markdown"
    html = "html"
    json = "json"


@app.command()
def report(
    plan: Path = PlanOption,
    prometheus: Optional[str] = typer.Option(None, "--prometheus", metavar="URL",
                                             help="Prometheus to query; default: the plan's endpoints.prometheus_url."),
    period: Period = typer.Option(Period.day, "--period", help="day: the 24 hours before --at; week: the 7 days before it."),
    at: Optional[str] = typer.Option(None, "--at", metavar="TIME", help='End of the period: "now" (default), '
                                     "2026-12-02 (that day at the daily report time), 2026-12-02T08:00 (plan's time "
                                     "zone unless an offset is given) or unix seconds."),
    fmt: Format = typer.Option(Format.markdown, "--format", help="markdown, html (with plots) or json."),
    out: Optional[Path] = typer.Option(None, "--out", "-o", help="File to write; default: standard output."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for each Prometheus query."),
) -> None:
    """Write the plan's report (uptime, errors by severity, performance vs. baseline, user activity,
    incidents) for a day or a week, from Prometheus' data."""
    from monplan.report.run import make_report

    outcome = make_report(plan, prometheus, period.value, at, fmt.value, timeout)
    if outcome.text is None:
        output.diagnostics(outcome.problems)
        raise typer.Exit(1)
    output.diagnostics(outcome.warnings)
    if out is None:
        typer.echo(outcome.text, nl=False)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(outcome.text, encoding="utf-8")
    output.say(f"Wrote the {period.value} report to {out}.")
