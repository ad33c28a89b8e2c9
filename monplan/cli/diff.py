"""`monplan diff`: what a plan change does, for a reviewer or a pull-request comment."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monplan.cli import output
from monplan.cli.app import PlanOption, app

if TYPE_CHECKING:
    from monplan.app.diff import PlanDiff


class Format(str, Enum):
    text = "text"
    markdown = "markdown"


@app.command()
def diff(
    plan: Path = PlanOption,
    against: str = typer.Option("HEAD", "--against", help="A git revision (the plan at that commit) or a folder holding the other plan.yaml; outside a git repository, a folder."),
    fmt: Format = typer.Option(Format.text, "--format", help="text, or markdown for a pull-request comment."),
    exit_code: bool = typer.Option(False, "--exit-code", help="Exit 1 when there are differences."),
) -> None:
    """Show what changing the plan does: alerts added, removed or changed, routing, files."""
    from monplan.app.diff import DiffError, diff_plans
    from monplan.diagnostics import PlanError

    try:
        result = diff_plans(plan, against)
    except PlanError as err:
        output.diagnostics(err.diagnostics)
        raise typer.Exit(1) from None
    except DiffError as err:  # what to compare with is wrong: a usage error
        output.console(stderr=True).print(f"error: {output.shown(err)}")
        raise typer.Exit(2) from None
    text = markdown(result) if fmt is Format.markdown else plain(result)
    typer.echo(text, nl=False)
    if exit_code and not result.empty:
        raise typer.Exit(1)


def markdown(d: PlanDiff) -> str:
    """A pull-request comment. Plan text goes through monplan.formats.markdown like every generated
    Markdown file: no HTML, links, images or @mentions from the plan, no broken table."""
    from monplan.formats import markdown as md

    def cell(value: object) -> str:
        return md.text(value) if value not in (None, "") else ""

    after, before = md.code(d.after), md.code(d.before)
    if d.empty:
        return f"### monplan: no changes\n\n{after} builds exactly what {before} builds.\n"
    lines = ["### monplan: what this plan change does\n", f"Compared {after} with {before}.\n"]
    if d.added or d.removed or d.changed:
        lines += ["| alert | change | before | after |", "|---|---|---|---|"]
        for a in d.added:
            lines.append(f"| {md.code(a.name, cell=True)} | **added** | | "
                         f"{cell(f'{a.threshold.text}, {a.priority}, for {a.for_}')} |")
        for a in d.removed:
            lines.append(f"| {md.code(a.name, cell=True)} | **removed** | {cell(f'{a.threshold.text}, {a.priority}')} | |")
        for change in d.changed:
            for what, old, new in change.changes:
                lines.append(f"| {md.code(change.name, cell=True)} | {cell(what)} | {cell(old)} | {cell(new)} |")
        lines.append("")
    if d.routing:
        lines += ["**Routing**\n", "| what | before | after |", "|---|---|---|"]
        lines += [f"| {cell(what)} | {cell(a)} | {cell(b)} |" for what, a, b in d.routing]
        lines.append("")
    touched = [("added", d.files_added), ("removed", d.files_removed), ("changed", d.files_changed)]
    if any(files for _, files in touched):
        lines.append("<details><summary>Generated files touched</summary>\n")
        for kind, files in touched:
            lines += [f"- {kind}: {md.code(f)}" for f in files]
        lines.append("\n</details>")
    return "\n".join(lines) + "\n"


def plain(d: PlanDiff) -> str:
    if d.empty:
        return f"No changes: {d.after} builds exactly what {d.before} builds.\n"
    lines = [f"{d.after} compared with {d.before}:"]
    lines += [f"  + alert {a.name}: {a.metric} {a.threshold.text} ({a.priority}, for {a.for_})" for a in d.added]
    lines += [f"  - alert {a.name}: {a.metric} {a.threshold.text} ({a.priority})" for a in d.removed]
    for change in d.changed:
        for what, before, after in change.changes:
            lines.append(f"  ~ alert {change.name}: {what} {before!r} -> {after!r}")
    lines += [f"  ~ routing: {what} {a!r} -> {b!r}" for what, a, b in d.routing]
    for _kind, sign, files in (("added", "+", d.files_added), ("removed", "-", d.files_removed), ("changed", "~", d.files_changed)):
        lines += [f"  {sign} file {f}" for f in files]
    return "\n".join(lines) + "\n"
