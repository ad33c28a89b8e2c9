"""`monplan tune`: how each alert would have behaved over a past window, and what to change."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monplan.cli import output
from monplan.cli.app import PlanOption, app

if TYPE_CHECKING:
    from monplan.live.tune_run import Tuning


class Format(str, Enum):
    table = "table"
    json = "json"


@app.command()
def tune(
    plan: Path = PlanOption,
    prometheus: str | None = typer.Option(None, "--prometheus", metavar="URL",
                                             help="Prometheus to query; default: the plan's endpoints.prometheus_url."),
    since: str = typer.Option("7d", "--since", help="How far back to look, e.g. 24h or 7d."),
    at: str | None = typer.Option(None, "--at", metavar="TIME", help='End of the window: "now" (default), an ISO '
                                     "date-time (plan's time zone unless an offset is given) or unix seconds."),
    write_plan: Path | None = typer.Option(None, "--write-plan", metavar="PATH",
                                              help="Write a copy of the plan with the suggestions applied (comments "
                                              "and order kept)."),
    noisy_per_day: float = typer.Option(1.0, "--noisy-per-day", help="An alert firing more often than this per day "
                                        "on average is noisy."),
    fmt: Format = typer.Option(Format.table, "--format", help="table for people, json for scripts."),
    timeout: float = typer.Option(30.0, "--timeout", help="Seconds to wait for each Prometheus query."),
) -> None:
    """For each alert: how often it would have fired, percentiles of its value, and a suggested
    threshold or `for` where it was noisy or never close; the measured baseline of [BASELINE] rows."""
    from monplan.cli.liveoptions import refuse_unreadable
    from monplan.live.tune_run import as_dict, run_tune

    refuse_unreadable(prometheus, since, at)
    if write_plan is not None:  # before the queries: a wrong --write-plan costs nothing
        from monplan.output import outfile

        why = outfile.refusal(write_plan, plan, "--write-plan")
        if why is not None:
            output.console(stderr=True).print(f"{output.shown(write_plan)}: error: {why}; nothing was written")
            raise typer.Exit(1)
    result = run_tune(plan, prometheus, since, at, write_plan, noisy_per_day, timeout)
    if not result.findings:
        output.diagnostics(result.problems)
        raise typer.Exit(1)
    if fmt is Format.json:
        typer.echo(json.dumps(as_dict(result), indent=2, ensure_ascii=False))
    else:
        _table(result)
    output.diagnostics(result.problems)
    if not result.ok:
        raise typer.Exit(1)
    if write_plan is not None and fmt is Format.table:  # JSON carries the changes itself, stdout stays JSON
        output.say(f"Wrote {write_plan} with {len(result.changed)} change{'s' if len(result.changed) != 1 else ''}"
                   + ("".join(f"\n  {line}" for line in result.changed) if result.changed else "."))


def _table(result: Tuning) -> None:
    escape = output.shown
    from rich.table import Table

    from monplan.lang.thresholds import Kind
    from monplan.live.report import fmt

    colours = {"noisy": "red", "never close": "yellow", "missing": "yellow", "error": "red", "no baseline": "yellow"}
    table = Table(title=f"Alerts from {result.start} to {result.end} ({result.since})")
    for column in ("Alert", "Threshold", "Fired", "p50", "p95", "p99", "Worst", "Status", "Suggestion"):
        table.add_column(column, overflow="fold")
    for f in result.findings:
        p = f.percentiles
        worst = f.worst
        if f.alert.kind is Kind.RELATIVE and worst is not None:
            shown_worst = f"{worst:.0%} of baseline"
        else:
            shown_worst = fmt.value(f.alert, worst) if worst is not None else "-"
        colour = colours.get(f.status, "green")
        advice = [f"{s.kind}: {s.value}" + (f" (would fire {s.would_fire})" if s.would_fire is not None else "")
                  for s in f.suggestions]
        advice += f.notes if f.status in ("slo", "never close") else []
        if f.measured_baseline is not None and not any(s.kind == "baseline" for s in f.suggestions):
            advice.append(f"measured baseline {fmt.significant(f.measured_baseline)} (not suggested)")
        fired = f"{f.firings} ({fmt.duration(f.firing_seconds)})" if f.points and f.status != "no baseline" else "-"
        table.add_row(
            escape(f"{f.alert.name} ({f.alert.priority})"), escape(f"{f.alert.threshold.text} for {f.alert.for_}"), fired,
            *(fmt.value(f.alert, p.get(k)) if p else "-" for k in ("p50", "p95", "p99")),
            shown_worst, f"[{colour}]{f.status}[/{colour}]" + (f": {escape(f.error)}" if f.error else ""),
            escape("; ".join(advice)))
    output.console().print(table)
