"""The typer application and the options every command shares."""

from __future__ import annotations

import typing
from enum import Enum
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from monplan import __version__
from monplan.cli import output
from monplan.model.targets import TARGETS


def _quiet(value: bool) -> None:
    if value:
        output.configure(quiet=True, verbose=output.verbose())


def _verbose(value: bool) -> None:
    if value:
        output.configure(quiet=output.quiet(), verbose=True)


def _after_the_command() -> list[Any]:
    """-q and -v as options of a command, built by typer itself (typer vendors click in
    some versions and depends on it in others); they set the output mode, no parameter."""
    flags = typer.Typer(add_completion=False)

    @flags.command()
    def _flags(quiet: bool = typer.Option(False, "--quiet", "-q", callback=_quiet, help="Print errors only."),
               verbose: bool = typer.Option(False, "--verbose", "-v", callback=_verbose,
                                            help="Print warnings and details.")) -> None:
        pass

    params = list(typer.main.get_command(flags).params)
    for param in params:
        param.expose_value = False
    return params


def _names_a_path(param: Any) -> bool:
    """Whether the parameter is read into a file or folder path (`Path`, `Path | None`)."""
    descriptor = getattr(param, "type_descriptor", None)  # typer >= 0.29: its own parameters
    if descriptor is not None:
        annotation = descriptor.annotation
        return annotation is Path or Path in typing.get_args(annotation)
    return type(getattr(param, "type", None)).__name__ == "Path"  # older typer: click.Path


def _refuse_empty(param: Any) -> None:
    """An empty path (`--out ""`, as an unset CI variable gives) is wrong usage, refused before
    the command does anything: read as a path it is the current folder, which `build --out`
    would fill and clean like its output folder."""
    process = param.process_value

    def checked(ctx: Any, value: Any) -> Any:
        values = value if isinstance(value, (list, tuple)) else [value]
        # Blank too: `--out "$OUT "` with OUT unset names a folder called " " in the current one.
        if any(isinstance(item, str) and not item.strip() for item in values):
            raise typer.BadParameter("is empty or blank (an unset variable?); expected the path of a file or "
                                     'folder, "." for the current one', ctx=ctx, param=param)
        return process(ctx, value)

    param.process_value = checked
    param.monplan_refuses_empty = True


class _Commands(TyperGroup):
    """The group of commands, each of which also takes -q/-v after its name
    (`monplan build -v`), as people type them; before the name works as well. Every
    parameter of every command that names a file or folder refuses an empty path here."""

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        command = super().get_command(ctx, cmd_name)
        if command is not None and not any(p.name == "quiet" for p in command.params):
            command.params += _after_the_command()
        for param in command.params if command is not None else []:
            if _names_a_path(param) and not getattr(param, "monplan_refuses_empty", False):
                _refuse_empty(param)
        return command


app = typer.Typer(
    name="monplan",
    cls=_Commands,
    help="Compile a written monitoring plan (plan.yaml) into Prometheus rules with unit tests, "
    "Alertmanager routing, on-call files, exporter configs and Grafana dashboards.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

PlanOption = typer.Option(Path("plan.yaml"), "--plan", "-p", help="The plan to compile.", show_default=True)
OutOption = typer.Option(Path("generated"), "--out", "-o", help="Output folder.", show_default=True)

# The names come from monplan.model.targets (light: no models); the plan's `targets:` uses the same.
Target = Enum("Target", {name.replace("-", "_"): name for name in TARGETS}, type=str)  # type: ignore[misc]
TargetOption = typer.Option([], "--target", "-t", help="Also build this target (repeatable): " + ", ".join(TARGETS)
                            + ". It adds to the plan's `targets:`, which is what `build --check` in CI checks.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"monplan {__version__}")
        raise typer.Exit()


@app.callback()
def _common(
    version: bool | None = typer.Option(None, "--version", callback=_version, is_eager=True, help="Print the version."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Print errors only."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Print warnings and details."),
) -> None:
    output.configure(quiet=quiet, verbose=verbose)
