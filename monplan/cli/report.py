"""`monplan report`: the plan's daily (or weekly) report from a live Prometheus."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

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
    prometheus: str | None = typer.Option(None, "--prometheus", metavar="URL",
                                             help="Prometheus to query; default: the plan's endpoints.prometheus_url."),
    period: Period = typer.Option(Period.day, "--period", help="day: the 24 hours before --at; week: the 7 days before it."),
    at: str | None = typer.Option(None, "--at", metavar="TIME", help='End of the period: "now" (default), '
                                     "2026-12-02 (that day at the daily report time), 2026-12-02T08:00 (plan's time "
                                     "zone unless an offset is given) or unix seconds."),
    fmt: Format = typer.Option(Format.markdown, "--format", help="markdown, html (with plots) or json."),
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write; default: standard output."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for each Prometheus query."),
) -> None:
    """Write the plan's report (uptime, errors by severity, performance vs. baseline, user activity,
    incidents) for a day or a week, from Prometheus' data."""
    from monplan.cli.liveoptions import refuse_unreadable
    from monplan.live.report.run import make_report

    refuse_unreadable(prometheus, at=at)
    if out is not None:  # before the queries: a wrong --out costs nothing
        _refuse_out(out, plan)
    outcome = make_report(plan, prometheus, period.value, at, fmt.value, timeout)
    if outcome.text is None:
        output.diagnostics(outcome.problems)
        raise typer.Exit(1)
    output.diagnostics(outcome.warnings)
    if out is None:
        typer.echo(outcome.text, nl=False)
        return
    from monplan.output import outfile

    _refuse_out(out, plan)  # again: the queries took a while
    try:
        outfile.write(out, outcome.text)
    except OSError as err:
        output.console(stderr=True).print(f"{output.shown(out)}: error: cannot write the report: {err.strerror}; "
                                          "nothing was written")
        raise typer.Exit(1) from None
    output.say(f"Wrote the {period.value} report to {out}.")


def _refuse_out(out: Path, plan: Path) -> None:
    """Never the plan, nor a file that is not a report monplan wrote."""
    from monplan.live.report.render import is_report
    from monplan.output import outfile

    why = outfile.refusal(out, plan, "--out", is_report)
    if why is not None:
        output.console(stderr=True).print(f"{output.shown(out)}: error: {why}; nothing was written")
        raise typer.Exit(1)
