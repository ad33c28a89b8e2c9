"""`monplan init`: write a commented starter plan for a new team."""

from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path

import typer

from monplan.cli import output
from monplan.cli.app import app
from monplan.output import outfile


def schema_reference(plan: Path, out: Path) -> str:
    """Where the plan's modeline finds the schema `monplan build --out OUT` writes: relative to
    the plan's folder (as yaml-language-server reads it), URL-quoted (a space would end it)."""
    import os
    from urllib.parse import quote

    target = os.path.relpath(Path(out).resolve() / "plan.schema.json", Path(plan).resolve().parent)
    return quote(Path(target).as_posix(), safe="/._-~")


def starter_plan(system: str, deployment: dt.datetime, schema: str = "generated/plan.schema.json") -> str:
    from importlib.resources import files

    text = files("monplan.starter").joinpath("plan.yaml").read_text(encoding="utf-8")
    # JSON strings are valid YAML flow scalars: the name is quoted safely whatever it contains.
    return text.replace("__SYSTEM__", json.dumps(system, ensure_ascii=False)).replace(
        "__DEPLOYMENT__", deployment.isoformat()).replace("__SCHEMA__", schema).replace(
        # The first shift starts at the deployment, so shifts hand over at its time of day.
        "__HANDOFF__", deployment.strftime("%H:%M"))


@app.command()
def init(
    plan: Path = typer.Option(Path("plan.yaml"), "--plan", "-p", help="Where to write the starter plan."),
    system: str = typer.Option("My Service", "--system", help="The name of the system the plan monitors."),
    out: Path = typer.Option(Path("generated"), "--out", "-o", help="The output folder you will build into "
                             "(monplan build --out): the plan's schema comment points at the schema written there."),
) -> None:
    """Write a commented starter plan.yaml (never overwrites an existing file)."""
    deployment = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    try:
        outfile.create(plan, starter_plan(system, deployment, schema_reference(plan, out)))
    except FileExistsError:
        output.console(stderr=True).print(f"{plan}: error: already exists; monplan init never overwrites a plan")
        raise typer.Exit(1) from None
    except OSError as err:
        output.console(stderr=True).print(f"{plan}: error: cannot write: {err.strerror}")
        raise typer.Exit(1) from None
    options = "".join(f" {flag} {output.shown(shlex.quote(str(value)))}" for flag, value, default in
                      (("--plan", plan, Path("plan.yaml")), ("--out", out, Path("generated"))) if value != default)
    output.say(f"Wrote {output.shown(plan)}. Next: fill in the placeholders (`monplan validate{options}` lists them), "
               f"then `monplan build{options}`.")
