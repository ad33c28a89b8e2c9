"""`monplan checks`: the id, severity and summary of every check monplan runs."""

from __future__ import annotations

import typer

from monplan.cli.app import app


@app.command("checks")
def list_checks(
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line: id, severity, summary."),
) -> None:
    """List every check id: a warning's id can be silenced with defaults.disable_checks or a
    `# monplan: disable=<id>` comment on its line."""
    from monplan.checks import known_ids

    ids = known_ids()
    if as_json:
        import json

        for id_, (summary, severity) in ids.items():
            typer.echo(json.dumps({"id": id_, "severity": severity, "summary": summary}))
        return
    width = max(len(id_) for id_ in ids)
    for id_, (summary, severity) in ids.items():
        typer.echo(f"{id_:<{width}}  {severity:<7}  {summary}")
