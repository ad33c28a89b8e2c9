"""`monplan list` and `monplan explain ALERT`: what the plan's alerts become."""

from __future__ import annotations

from pathlib import Path

import typer

from monplan.cli import output
from monplan.cli.app import PlanOption, app


def _load(plan: Path):
    from monplan.build import load_plan
    from monplan.diagnostics import PlanError

    try:
        return load_plan(plan)
    except PlanError as err:
        output.diagnostics(err.diagnostics)
        raise typer.Exit(1) from None


@app.command("list")
def list_alerts(plan: Path = PlanOption) -> None:
    """A table of every alert: section, threshold, priority, receivers, runbook."""
    from rich.table import Table

    from monplan.diff import receivers

    compiled = _load(plan)
    table = Table(title=f"{len(compiled.alerts)} alerts in {output.shown(plan)}")
    for column in ("alert", "section", "threshold", "priority", "for", "receivers", "runbook"):
        table.add_column(column, overflow="fold")
    for alert in compiled.alerts:
        table.add_row(*(output.shown(cell) for cell in (
            alert.name, alert.group, alert.threshold.text, alert.priority, alert.for_,
            receivers(compiled, alert.priority), alert.runbook_url or "")))
    output.console().print(table)


@app.command()
def explain(name: str = typer.Argument(..., help="The alert name, e.g. APIEndpointAvailability."),
            plan: Path = PlanOption) -> None:
    """Everything about one alert: its plan row and line, rule, tests, route, panels, target objects, runbook."""
    import difflib

    escape = output.shown

    from monplan.build import render
    from monplan.explain import explain as run_explain
    from monplan.render import to_yaml

    compiled = _load(plan)
    found = run_explain(compiled, render(compiled), plan.read_text(encoding="utf-8"), name)
    if found is None:
        names = [a.name for a in compiled.alerts]
        close = difflib.get_close_matches(name, names, n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        output.console(stderr=True).print(f"error: no alert named {escape(name)} in {escape(plan)}{escape(hint)}")
        raise typer.Exit(1)
    say = output.console().print
    alert = found.alert
    say(f"[bold]{escape(alert.name)}[/bold]: {escape(alert.metric)} ({escape(alert.group)})")
    say(f"\n[bold]Plan row[/bold] {escape(plan)}:{alert.line}")
    for line in found.plan_lines:
        say("  " + escape(line))
    say(f"\n[bold]Rules[/bold] {found.rule_file}")
    say(escape(to_yaml(found.rules).decode()).rstrip())
    say(f"\n[bold]Unit tests[/bold] {found.test_file}")
    for test in found.tests:
        say(f"  - {escape(test)}")
    say(f"\n[bold]Route[/bold] {alert.priority} -> {escape(found.receivers)}")
    say("\n[bold]Panels[/bold]" + ("" if found.panels else " none"))
    for board, title in found.panels:
        say(f"  - {escape(board)}: {escape(title)}")
    if found.targets:
        say("\n[bold]Targets[/bold]")
        for file, where in found.targets:
            say(f"  - {escape(file)}: {escape(where)}")
    if found.runbook or alert.runbook_url:
        say(f"\n[bold]Runbook[/bold] {escape(found.runbook or '')} {escape(alert.runbook_url or '')}".rstrip())
