"""`monplan oncall [--at TIME]`: who is primary and secondary, and the escalation chain."""

from __future__ import annotations

from pathlib import Path

import typer

from monplan.cli import output
from monplan.cli.app import PlanOption, app

_FORMAT = "%a %Y-%m-%d %H:%M"


@app.command()
def oncall(
    plan: Path = PlanOption,
    at: str | None = typer.Option(None, "--at", metavar="TIME", help='When to look: "2026-11-28 03:00" '
                                     "(in the rotation's time zone), an ISO time with offset, unix seconds, or now (the default)."),
) -> None:
    """Who is primary and secondary on call now (or at TIME), and whom to escalate to."""
    escape = output.shown
    from rich.table import Table

    from monplan.app.pipeline import load_plan
    from monplan.diagnostics import PlanError
    from monplan.model.oncall_status import TimeError, parse_moment, status

    try:
        compiled = load_plan(plan)
    except PlanError as err:
        output.diagnostics(err.diagnostics)
        raise typer.Exit(1) from None
    settings = compiled.settings
    if settings.oncall is None and not settings.escalation_path:
        output.console(stderr=True).print(f"{plan}: error: the plan has no oncall rotation and no escalation_path")
        raise typer.Exit(1)
    try:
        moment = parse_moment(settings, at)
    except TimeError as err:
        output.console(stderr=True).print(f"error: --at: {escape(str(err))}")
        raise typer.Exit(2) from None
    now = status(compiled, moment)
    say = output.console().print
    say(f"[bold]On call for {escape(settings.system)}[/bold] at {moment:{_FORMAT}} ({moment.tzinfo})")
    people = {p.name: p for p in settings.people}
    if now.window is not None:
        w = now.window
        say(f"Shift {escape(w.name)}: {w.start:{_FORMAT}} to {w.end:{_FORMAT}}")
        table = Table(show_header=True)
        for column in ("role", "person", "contact"):
            table.add_column(column)
        for role, name in (("primary", w.primary), ("secondary", w.secondary)):
            person = people.get(name)
            contact = ", ".join(filter(None, (person.role, person.email))) if person else ""
            table.add_row(role, escape(name), escape(contact))
        say(table)
    elif now.windows:
        from monplan.model.schedule import repeats

        first, last = now.windows[0], now.windows[-1]
        if moment < first.start:
            why = f"the first hand-off is at {first.start:{_FORMAT}}"
        elif repeats(settings):
            why = "the weekly rotation leaves this time uncovered (`monplan validate` lists such times)"
        else:
            why = f"the rotation does not repeat (oncall.repeat: none) and ended at {last.end:{_FORMAT}}"
        output.console(stderr=True).print(f"Nobody is on call at {moment:{_FORMAT}}: {escape(why)}.")
    chain = Table(title="Escalation", show_header=True)
    for column in ("#", "level", "who", "engaged"):
        chain.add_column(column)
    for index, (step, names) in enumerate(now.chain, 1):
        chain.add_row(str(index), escape(step.title), escape(", ".join(names)),
                      "at once" if step.after_ms == 0 else f"after {step.after}")
    if now.chain:
        say(chain)
    extra = compiled.routing.critical_period if compiled.routing else None
    if now.critical_period is not None and extra is not None:
        say(f"{escape(extra.period)} until {now.critical_period[1]:{_FORMAT}}: {' and '.join(extra.priorities)} alerts "
            f"also reach {escape(', '.join(extra.receivers))}.")
    if now.business_hours is not None:
        say("Medium alerts: delivered (inside business hours)." if now.business_hours
            else "Medium alerts: held until business hours.")
    if now.window is None and now.windows:
        raise typer.Exit(1)
