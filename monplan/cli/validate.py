"""`monplan validate`: check the plan and what it builds with the real tools, writing nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monplan.cli import output
from monplan.cli.app import OutOption, PlanOption, Target, TargetOption, app
from monplan.diagnostics import error_count

if TYPE_CHECKING:
    from monplan.verify.validate import Progress


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command()
def validate(
    plan: Path = PlanOption,
    out: Path = OutOption,
    fmt: Format = typer.Option(Format.text, "--format", help="text for people, json for machines."),
    offline: bool = typer.Option(False, "--no-tools", help="Check the plan only; do not run promtool and the other checkers."),
    target: list[Target] = TargetOption,
    prometheus: str | None = typer.Option(
        None, "--prometheus", metavar="URL", help="Also check every row against this live Prometheus "
        "(series, labels, counters, units, how the alerts would have fired)."),
    live: bool = typer.Option(False, "--live", help="Run the live checks against endpoints.prometheus_url."),
    since: str = typer.Option("7d", "--since", help="How far back the live checks look (24h, 7d, ...)."),
    at: str | None = typer.Option(None, "--at", help="When the live checks look from: now, an ISO time or unix seconds."),
    deadline: float = typer.Option(120.0, "--deadline", min=1, help="Seconds the live checks may take in all."),
    timings: bool = typer.Option(False, "--timings", help="Print the time each step and checker took (also with -v)."),
) -> None:
    """Check the plan, then run promtool (and the other checkers that are installed) on its output;
    with --prometheus (or --live), check every row on a live Prometheus too."""
    from monplan.verify.validate import LiveOptions, validate as run_validate

    if prometheus or live:
        from monplan.cli.liveoptions import refuse_unreadable

        refuse_unreadable(prometheus, since, at)
    targets = [t.value for t in target]
    options = LiveOptions(prometheus, since, at, deadline) if prometheus or live else None
    if fmt is Format.json or offline:
        report = run_validate(plan, out, run_tools=not offline, targets=targets, live=options)
    else:
        with _progress() as step:
            report = run_validate(plan, out, run_tools=True, targets=targets, progress=step, live=options)
    if fmt is Format.json:
        document = report.as_dict()
        if timings:
            document["timings"] = [{"step": what, "seconds": round(seconds, 3)} for what, seconds in report.timings]
        typer.echo(json.dumps(document, indent=2))
        raise typer.Exit(0 if report.ok else 1)
    output.diagnostics(report.diagnostics)
    if (timings or output.verbose()) and report.timings:
        _print_timings(report.timings)
    if report.checks and not output.quiet():
        from rich.table import Table

        table = Table(title="External checks", show_lines=False)
        for column in ("tool", "file", "result"):
            table.add_column(column)
        for check in report.checks:
            colour = {"passed": "green", "failed": "red", "missing": "yellow"}.get(check.status, "white")
            result = f"[{colour}]{check.status}[/{colour}]" + (f" ({check.detail})" if check.detail else "")
            table.add_row(check.tool, check.target, result)
        output.console().print(table)
    errors = error_count(report.diagnostics)
    warnings = sum(1 for d in report.diagnostics if d.severity == "warning")
    if report.ok:
        output.say(f"{plan} is valid: {report.alerts} alerts, {warnings} warning{'s' if warnings != 1 else ''}.")
    else:
        failed = sorted({f"{check.tool} ({check.target})" for check in report.checks if check.failed})
        which = f" Failed: {'; '.join(failed)}." if failed else " Failed: the plan's own checks (above)." if errors else ""
        output.console(stderr=True).print(output.shown(
            f"{plan}: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}.{which}"))
        raise typer.Exit(1)


def _print_timings(timings: list[tuple[str, float]]) -> None:
    """Seconds per step (plan checks, building, each checker), on stderr: stdout stays the report."""
    from rich.table import Table

    table = Table(title="Time per check", show_lines=False)
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for what, seconds in timings:
        table.add_row(what, f"{seconds:.2f}")
    table.add_row("total", f"{sum(seconds for _, seconds in timings):.2f}")
    output.console(stderr=True).print(table)


@contextmanager
def _progress() -> Iterator[Progress | None]:
    """A progress bar on stderr while the checkers run, when someone watches: on a terminal
    only, never with -q (and never for --format json, which does not come here)."""
    console = output.console(stderr=True)
    if output.quiet() or not console.is_terminal or not _isatty(console.file):
        yield None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress as Display,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    with Display(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                 TimeElapsedColumn(), console=console, transient=True) as display:
        task = display.add_task("checking", total=None)

        def step(what: str, done: int, total: int) -> None:
            display.update(task, description=what, completed=done, total=total)

        yield step


def _isatty(stream: object) -> bool:
    try:
        return bool(stream.isatty())  # type: ignore[attr-defined]
    except (AttributeError, ValueError):
        return False
