"""`monplan import`: read a Markdown monitoring plan into a commented plan.yaml."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import typer

from monplan.cli import output
from monplan.cli.app import app

MAX_BYTES = 4 * 1024 * 1024  # a monitoring plan document is a few pages


def _read(document: Path) -> str:
    err = output.console(stderr=True)
    try:
        if document.stat().st_size > MAX_BYTES:
            err.print(f"{output.shown(document)}: error: larger than {MAX_BYTES // (1024 * 1024)} MiB; "
                      "expected a Markdown monitoring plan")
            raise typer.Exit(1)
        return document.read_bytes().decode("utf-8-sig")
    except FileNotFoundError:
        err.print(f"{output.shown(document)}: error: no such file; expected a Markdown monitoring plan")
    except IsADirectoryError:
        err.print(f"{output.shown(document)}: error: is a folder; expected a Markdown monitoring plan")
    except UnicodeDecodeError as problem:
        err.print(f"{output.shown(document)}: error: not UTF-8 text (byte {problem.start})")
    except OSError as problem:
        err.print(f"{output.shown(document)}: error: cannot read: {problem.strerror}")
    raise typer.Exit(1)


def _same_file(document: Path, out: Path) -> bool:
    try:
        return os.path.samefile(document, out)
    except OSError:  # either is missing or unreadable: not one file
        return False


def _deployed(value: str | None) -> str:
    if value is None:  # like `monplan init`: this hour, to be replaced by the real deployment time
        return dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0).isoformat()
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        output.console(stderr=True).print(
            f'error: --deployed "{output.shown(value)}" is not a time with a UTC offset, e.g. 2026-11-25T09:00:00+01:00')
        raise typer.Exit(2)
    return moment.isoformat()


@app.command("import")
def import_document(
    document: Path = typer.Argument(..., help="The Markdown monitoring plan, e.g. PLAN.md."),
    out: Path = typer.Option(Path("plan.yaml"), "--out", "-o", help="Where to write the plan; - prints it."),
    force: bool = typer.Option(False, "--force", help="Overwrite --out if it exists."),
    deployed: str | None = typer.Option(None, "--deployed", help="Deployment time (ISO 8601 with offset) "
                                           "when the document gives none; default: this hour."),
    source: str = typer.Option("markdown", "--from", help="What the document is: markdown (a written plan) or "
                               "sloth (a Sloth prometheus/v1 SLO spec, whose SLOs become SLO rows)."),
    period: str = typer.Option("30d", "--period", help="--from sloth: the SLO period of the rows (Sloth's "
                               "--default-slo-period)."),
) -> None:
    """Read a Markdown monitoring plan into a commented plan.yaml (tables, schedule, rotation, ...)."""
    from monplan.docimport.build import import_markdown

    if source not in ("markdown", "sloth"):
        output.console(stderr=True).print(f'error: --from "{output.shown(source)}": expected markdown or sloth')
        raise typer.Exit(2)
    from monplan.output import outfile

    why = outfile.not_a_file(out) if str(out) != "-" else None
    if why is not None:  # --force would not replace it either
        output.console(stderr=True).print(f"{output.shown(out)}: error: --out: {why}; nothing was written")
        raise typer.Exit(1)
    if not force and str(out) != "-" and out.exists():  # said before any note about the document
        output.console(stderr=True).print(
            f"{output.shown(out)}: error: already exists; pass --force to overwrite it, or --out another file")
        raise typer.Exit(1)
    if str(out) != "-" and _same_file(document, out):  # also through a link or a hard link
        output.console(stderr=True).print(
            f"{output.shown(out)}: error: this is the document being imported ({output.shown(document)}), which "
            "import never overwrites; expected --out another file")
        raise typer.Exit(1)
    text = _read(document)
    if source == "sloth":
        from monplan.docimport.sloth import import_sloth

        result = import_sloth(text, str(document), period)
    else:
        result = import_markdown(text, str(document), _deployed(deployed))
    from monplan.docimport.guard import leftovers, redacted

    # The last guard: no message repeats a secret, and a plan text holding one is not written.
    notes = [redacted(note) for note in result.notes] + leftovers(result.text, str(document))
    output.diagnostics(notes)
    if any(note.severity == "error" for note in notes):
        output.console(stderr=True).print("nothing was written.")
        raise typer.Exit(1)
    if str(out) == "-":
        output.flush()
        typer.echo(result.text, nl=False)
        return
    err = output.console(stderr=True)
    try:
        if force:  # whole or not at all: a temporary file renamed over it
            outfile.write(out, result.text)
        else:
            outfile.create(out, result.text)
    except FileExistsError:
        err.print(f"{output.shown(out)}: error: already exists; pass --force to overwrite it, or --out another file")
        raise typer.Exit(1) from None
    except OSError as problem:
        err.print(f"{output.shown(out)}: error: cannot write: {problem.strerror}")
        raise typer.Exit(1) from None
    if source == "sloth":
        output.say(f"Imported {result.rows} SLO{'s' if result.rows != 1 else ''} from {output.shown(document)} "
                   f"into {output.shown(out)}.")
        return
    todo = f"; {result.todo} row{'s' if result.todo != 1 else ''} with query: TODO to fill before `monplan build`" \
        if result.todo else ""
    output.say(f"Imported {result.rows} row{'s' if result.rows != 1 else ''} of {result.tables} "
               f"table{'s' if result.tables != 1 else ''} from {output.shown(document)} into {output.shown(out)}: "
               f"{result.suggested} suggested quer{'ies' if result.suggested != 1 else 'y'} to check{todo}.")
