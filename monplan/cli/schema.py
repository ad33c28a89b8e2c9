"""`monplan schema`: print the JSON Schema of plan.yaml."""

from __future__ import annotations

import typer

from monplan.cli.app import app


@app.command()
def schema() -> None:
    """Print the JSON Schema of plan.yaml (for editors and other tools)."""
    from monplan.formats.render import to_json
    from monplan.generators.schema import plan_schema

    typer.echo(to_json(plan_schema()).decode(), nl=False)
