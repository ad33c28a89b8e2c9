"""`monplan init`: write a commented starter plan for a new team."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import typer

from monplan.cli import output
from monplan.cli.app import app


def starter_plan(system: str, deployment: dt.datetime) -> str:
    from importlib.resources import files

    text = files("monplan.starter").joinpath("plan.yaml").read_text(encoding="utf-8")
    # JSON strings are valid YAML flow scalars: the name is quoted safely whatever it contains.
    return text.replace("__SYSTEM__", json.dumps(system, ensure_ascii=False)).replace(
        "__DEPLOYMENT__", deployment.isoformat())


@app.command()
def init(
    plan: Path = typer.Option(Path("plan.yaml"), "--plan", "-p", help="Where to write the starter plan."),
    system: str = typer.Option("My Service", "--system", help="The name of the system the plan monitors."),
) -> None:
    """Write a commented starter plan.yaml (never overwrites an existing file)."""
    deployment = dt.datetime.now(dt.timezone.utc).replace(minute=0, second=0, microsecond=0)
    try:
        with plan.open("x", encoding="utf-8") as handle:
            handle.write(starter_plan(system, deployment))
    except FileExistsError:
        output.console(stderr=True).print(f"{plan}: error: already exists; monplan init never overwrites a plan")
        raise typer.Exit(1) from None
    except OSError as err:
        output.console(stderr=True).print(f"{plan}: error: cannot write: {err.strerror}")
        raise typer.Exit(1) from None
    output.say(f"Wrote {plan}. Next: fill in the placeholders (`monplan validate` lists them), then `monplan build`.")
