"""`monplan validate`: check the plan and what it builds with the real tools, writing nothing."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import typer

from monplan.cli import output
from monplan.cli.app import OutOption, PlanOption, app


class Format(str, Enum):
    text = "text"
    json = "json"


@app.command()
def validate(
    plan: Path = PlanOption,
    out: Path = OutOption,
    fmt: Format = typer.Option(Format.text, "--format", help="text for people, json for machines."),
    offline: bool = typer.Option(False, "--no-tools", help="Check the plan only; do not run promtool and the other checkers."),
) -> None:
    """Check the plan, then run promtool (and the other checkers that are installed) on its output."""
    from monplan.validate import validate as run_validate

    report = run_validate(plan, out, run_tools=not offline)
    if fmt is Format.json:
        typer.echo(json.dumps(report.as_dict(), indent=2))
        raise typer.Exit(0 if report.ok else 1)
    output.diagnostics(report.diagnostics)
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
    errors = sum(1 for d in report.diagnostics if d.severity == "error")
    warnings = sum(1 for d in report.diagnostics if d.severity == "warning")
    if report.ok:
        output.say(f"{plan} is valid: {report.alerts} alerts, {warnings} warning{'s' if warnings != 1 else ''}.")
    else:
        output.console(stderr=True).print(f"{plan}: {errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}.")
        raise typer.Exit(1)
