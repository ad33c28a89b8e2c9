"""`monplan build`: compile the plan into the output folder, or check that it is up to date."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from monplan.cli import output
from monplan.cli.app import OutOption, PlanOption, Target, TargetOption, app

if TYPE_CHECKING:
    from monplan.app.pipeline import BuildResult


@app.command()
def build(
    plan: Path = PlanOption,
    out: Path = OutOption,
    check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 and list the files when the "
                               "output folder differs from what the plan builds."),
    target: list[Target] = TargetOption,
) -> None:
    """Compile the plan into the output folder (rules, unit tests and every other output)."""
    from monplan.app.pipeline import build as run_build

    targets = [t.value for t in target]
    # -v shows the plan's warnings, so it always compiles the plan
    result = run_build(plan, out, check=check, targets=targets, use_cache=not output.verbose(),
                       on_wait=lambda: _say_waiting(out))
    if not result.ok:
        output.diagnostics(result.problems)
        from monplan.diagnostics import error_count

        count = error_count(result.problems)
        output.console(stderr=True).print(f"{count} problem{'s' if count != 1 else ''}; {_what_was_written(out, result)}.")
        raise typer.Exit(1)
    output.diagnostics(result.write_warnings)
    if result.cached:
        output.say(f"{out} is up to date with {plan}: nothing changed since the last build.")
        return
    assert result.plan is not None
    if output.verbose():
        output.diagnostics(result.plan.warnings)
    _note_targets(plan, result.unplanned_targets)
    changes = result.changes
    if check:
        if changes.conflicts or changes.links or not changes.clean:
            for rel in changes.stale:
                kind = "missing" if rel in changes.added else "stale" if rel in changes.changed else "no longer produced"
                output.console(stderr=True).print(f"{out / rel}: {kind}")
            for rel in changes.conflicts:
                output.console(stderr=True).print(f"{out / rel}: differs and is not owned by monplan")
            for rel in changes.links:
                output.console(stderr=True).print(f"{out / rel}: is a symbolic link; a build refuses to write through it")
            total = len(changes.stale) + len(changes.conflicts) + len(changes.links)
            output.console(stderr=True).print(
                f"{out} is out of date: {total} file{'s' if total != 1 else ''} differ from what {plan} builds; "
                "run `monplan build`.")
            raise typer.Exit(1)
        output.say(f"{out} is up to date with {plan} ({len(result.files)} files).")
        return
    warned = len(result.plan.warnings)
    note = f"; {warned} warning{'s' if warned != 1 else ''} (monplan validate lists them)" if warned and not output.verbose() else ""
    output.say(
        f"Built {len(result.plan.alerts)} alert{'s' if len(result.plan.alerts) != 1 else ''} from {plan} into {out}: {len(changes.added)} added, "
        f"{len(changes.changed)} changed, {len(changes.removed)} removed, {changes.unchanged} unchanged{note}.")


def _say_waiting(out: Path) -> None:
    if not output.quiet():
        output.console(stderr=True).print(f"waiting for another monplan build into {output.shown(out)} to finish...")


def _what_was_written(out: Path, result: BuildResult) -> str:
    """The end of a failed build's summary: what it did to the output, honestly."""
    from monplan.output.writer import state_of

    if result.changes.written == "nothing":
        return "nothing was written"
    return output.shown(state_of(out, result.changes.written))


def _note_targets(plan: Path, extra: list[str]) -> None:
    """A target added on the command line only is one CI does not check: say so."""
    if not extra or output.quiet():
        return
    it, its, verb = ("it", "its", "is") if len(extra) == 1 else ("them", "their", "are")
    output.console(stderr=True).print(
        f"note: {', '.join(extra)} {verb} not in {plan}'s targets: `monplan build --check` without --target "
        f"reports {its} files; add {it} under `targets:` to keep {it}.")
