"""`monplan list` and `monplan explain ALERT`: what the plan's alerts become."""

from __future__ import annotations

import io
import json
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from monplan.cli import output
from monplan.cli.app import PlanOption, app

if TYPE_CHECKING:
    from monplan.model.plan import Plan
    from monplan.spec.types import PriorityName


def _load(plan: Path) -> Plan:
    from monplan.app.pipeline import load_plan
    from monplan.diagnostics import PlanError

    try:
        return load_plan(plan)
    except PlanError as err:
        output.diagnostics(err.diagnostics)
        raise typer.Exit(1) from None


class ListFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


_COLUMNS = ("alert", "section", "threshold", "priority", "for", "receivers", "runbook")


def _alert_rows(compiled: Plan) -> list[dict[str, Any]]:
    from monplan.app.diff import receivers

    rows = []
    for a in compiled.alerts:
        for name, priority, threshold, kind in _alerting(a):
            rows.append({"alert": name, "service": a.service, "metric": a.metric, "section": a.group,
                         "threshold": threshold, "priority": priority, "for": "0s" if a.slo else a.for_,
                         "receivers": receivers(compiled, priority), "runbook": a.runbook_url or "",
                         "line": a.line, "kind": kind})
        if a.no_data is not None:  # each row's NoData alert right after it
            rows.append(_watch_row(compiled, a.no_data))
    return rows + [_watch_row(compiled, w) for w in compiled.target_watches]


def _alerting(a: Any) -> list[tuple[str, PriorityName, str, str]]:
    """(name, priority, threshold in words, kind) of a row's alerting rules: an SLO row's burn alerts."""
    from monplan.lang.thresholds import format_decimal

    if a.slo is None:
        return [(a.name, a.priority, a.threshold.text, "row")]
    return [(burn.name, burn.severity, f"{a.threshold.text} over {a.slo.period}: burn rate "
             + " or ".join(f"{format_decimal(w.factor)}x ({w.long}, {w.short})" for w in burn.windows), "slo_burn")
            for burn in a.slo.alerts]


def _watch_row(compiled: Plan, w: Any) -> dict[str, Any]:
    """A missing-data alert as a row of the list; its threshold is its condition in words."""
    from monplan.app.diff import receivers
    from monplan.model.watches import condition

    return {"alert": w.name, "service": w.service, "metric": w.subject, "section": w.group,
            "threshold": condition(w), "priority": w.priority, "for": w.for_,
            "receivers": receivers(compiled, w.priority), "runbook": w.runbook_url or "", "line": w.line,
            "kind": w.kind}


def _cell(row: dict[str, Any], column: str) -> str:
    text = row[column] if column != "alert" or not row["service"] else f"{row['alert']} ({row['service']})"
    return output.visible(str(text))


def _table(compiled: Plan, plan: Path, rows: list[dict[str, Any]], width: int) -> str:
    """The alerts as text at most `width` columns wide, cut nowhere: names and URLs never wrap
    (a wrapped URL cannot be clicked or copied). The widest layout that fits wins: every column;
    without the runbook column (one line under the table says where every runbook is); or,
    narrowest (80 columns), grouped by section with each priority's receivers named once."""
    from rich import box
    from rich.console import Console
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    console = Console(width=width, color_system=None, highlight=False, soft_wrap=False, record=True,
                      file=io.StringIO())
    watches = sum(1 for row in rows if row["kind"] not in ("row", "slo_burn"))
    alerts = len(rows) - watches
    title = (f"{alerts} alert{'s' if alerts != 1 else ''}" + (f" and {watches} missing-data alerts" if watches else "")
             + f" in {output.visible(str(plan))}")
    runbooks = ""
    if compiled.settings.runbooks_url is not None:
        runbooks = f"Runbooks: {output.visible(str(compiled.settings.runbooks_url).rstrip('/'))}/<alert>.md\n"
    for columns in (_COLUMNS, _COLUMNS[:-1]):
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False, title=None)
        for column in columns:
            table.add_column(column, no_wrap=True)
        for row in rows:
            table.add_row(*(Text(_cell(row, c)) for c in columns))  # Text: never read as markup
        if Measurement.get(console, console.options.update(max_width=1_000_000), table).maximum <= width:
            console.print(table)
            lines = [line.rstrip() for line in console.export_text().splitlines()]
            body = "\n".join(lines).strip("\n")
            return f"{title}\n\n{body}\n" + ("" if columns == _COLUMNS else runbooks)
    return _by_section(compiled, title, rows, width) + runbooks


def _by_section(compiled: Plan, title: str, rows: list[dict[str, Any]], width: int) -> str:
    """The narrow layout: a block per section of alert, priority, `for` and threshold (last,
    wrapped at words to the width: it is text, never a name or URL); receivers depend only on
    the priority, so they are said once per priority below."""
    import textwrap

    from monplan.app.diff import receivers

    columns = ("alert", "priority", "for", "threshold")
    widths = {c: max([len(c)] + [len(_cell(row, c)) for row in rows]) for c in columns}
    indent = 2 + sum(widths[c] + 2 for c in columns[:-1])
    room = max(width - indent, 12)

    def lines(cells: list[str]) -> list[str]:
        head = "  " + "".join(cell.ljust(widths[c] + 2) for c, cell in zip(columns[:-1], cells, strict=False))
        wrapped = textwrap.wrap(cells[-1], room, break_long_words=False, break_on_hyphens=False) or [""]
        return [(head + wrapped[0]).rstrip()] + [" " * indent + more for more in wrapped[1:]]

    out = [title]
    sections: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        sections.setdefault(row["section"], []).append(row)
    for section, members in sections.items():
        out += ["", output.visible(section), *lines(list(columns))]
        for row in members:
            out += lines([_cell(row, c) for c in columns])
    out.append("")
    for priority in dict.fromkeys(row["priority"] for row in rows):
        out += textwrap.wrap(f"{priority} alerts go to {output.visible(receivers(compiled, priority))}", width,
                             subsequent_indent="  ", break_long_words=False, break_on_hyphens=False)
    return "\n".join(out) + "\n"


def _csv(rows: list[dict[str, Any]]) -> str:
    from monplan.formats.spreadsheet import to_csv

    return to_csv(rows, list(rows[0]) if rows else ["alert"])


def _write(out: Path | None, text: str, what: str, plan: Path) -> None:
    """Standard output, or the file --out names, replaced in one step (never half written);
    never the plan nor a file monplan did not write (monplan.output.outfile)."""
    if out is None:
        typer.echo(text, nl=False)
        return
    from monplan.output import outfile

    why = outfile.refusal(out, plan, "--out")
    if why is not None:
        output.console(stderr=True).print(f"{output.shown(out)}: error: {why}; nothing was written")
        raise typer.Exit(1)
    try:
        outfile.write(out, text)
    except OSError as err:
        output.console(stderr=True).print(f"{output.shown(out)}: error: cannot write: {err.strerror}")
        raise typer.Exit(1) from None
    output.say(f"Wrote {what} to {output.shown(out)}.")


@app.command("list")
def list_alerts(
    plan: Path = PlanOption,
    fmt: ListFormat = typer.Option(ListFormat.table, "--format", help="table for people (fits the terminal, "
                                   "80 columns when piped), json or csv for programs and spreadsheets."),
    out: Path | None = typer.Option(None, "--out", "-o", help="File to write; default: standard output."),
) -> None:
    """A table of every alert: section, threshold, priority, receivers, runbook."""
    compiled = _load(plan)
    rows = _alert_rows(compiled)
    if fmt is ListFormat.json:
        text = json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    elif fmt is ListFormat.csv:
        text = _csv(rows)
    else:
        # a file gets what a pipe gets: 80 columns unless COLUMNS says otherwise
        width = output.console().width if out is None else output.console(stderr=True).width
        text = _table(compiled, plan, rows, width)
    _write(out, text, f"{len(rows)} alerts", plan)


def _find(compiled: Plan, name: str) -> str | None:
    """The alert's exact name: as given, or the one alert whose name matches it in any case."""
    burns = {burn: a.name for a in compiled.alerts for burn in a.alert_names if a.slo is not None}
    names = {a.name for a in compiled.alerts} | {w.name for w in compiled.watches} | set(burns)
    if name in names:
        return burns.get(name, name)  # an SLO row's burn alert is explained by its row
    folded = [n for n in sorted(names) if n.casefold() == name.casefold()]
    return burns.get(folded[0], folded[0]) if len(folded) == 1 else None


@app.command()
def explain(name: str = typer.Argument(..., help="The alert name, e.g. APIEndpointAvailability (any case)."),
            plan: Path = PlanOption,
            out: Path | None = typer.Option(None, "--out", "-o", help="File to write; default: standard output.")) -> None:
    """Everything about one alert: its plan row and line, rule, tests, route, panels, target objects, runbook."""
    import difflib

    escape = output.shown

    from monplan.app.explain import explain as run_explain
    from monplan.app.pipeline import render
    from monplan.formats.render import to_yaml
    from monplan.model.plan import Watch

    compiled = _load(plan)
    exact = _find(compiled, name)
    found = None if exact is None else run_explain(compiled, render(compiled), plan.read_text(encoding="utf-8"), exact)
    if found is None:
        names = sorted({a.name for a in compiled.alerts} | {w.name for w in compiled.watches})
        by_fold = {n.casefold(): n for n in names}
        close = [by_fold[n] for n in difflib.get_close_matches(name.casefold(), list(by_fold), n=3, cutoff=0.6)]
        hint = f"; did you mean {', '.join(close)}?" if close else "; `monplan list` shows every alert"
        output.console(stderr=True).print(f"error: no alert named {escape(name)} in {escape(plan)}{escape(hint)}")
        raise typer.Exit(1)
    if out is None:
        console = output.console()
    else:  # the file gets plain text, as a pipe does
        from rich.console import Console

        console = Console(file=io.StringIO(), color_system=None, highlight=False, soft_wrap=True, record=True)
    say = console.print
    alert = found.alert
    if isinstance(alert, Watch):  # a missing-data or target alert (found.watch)
        say(f"[bold]{escape(alert.name)}[/bold]: {escape(found.about)} ({escape(alert.group)})")
    else:
        say(f"[bold]{escape(alert.name)}[/bold]: {escape(alert.metric)} ({escape(alert.group)})")
    place = "Plan job" if found.watch is not None and found.watch.job else "Plan row"
    say(f"\n[bold]{place}[/bold] {escape(plan)}:{alert.line}")
    for line in found.plan_lines:
        say("  " + escape(line))
    say(f"\n[bold]Rules[/bold] {found.rule_file}")
    say(escape(to_yaml(found.rules).decode()).rstrip())
    say(f"\n[bold]Unit tests[/bold] {found.test_file}")
    for test in found.tests:
        say(f"  - {escape(test)}")
    say(f"\n[bold]Route[/bold] {alert.priority} -> {escape(found.receivers)}")
    if found.critical_period:
        say(f"  {escape(found.critical_period)}")
    if found.inhibited_by:
        say(f"  held back while any of these fire: {escape(', '.join(found.inhibited_by))}")
    say("\n[bold]Panels[/bold]" + ("" if found.panels else " none"))
    for board, title in found.panels:
        say(f"  - {escape(board)}: {escape(title)}")
    if found.targets:
        say("\n[bold]Targets[/bold]")
        for file, where in found.targets:
            say(f"  - {escape(file)}: {escape(where)}")
    if found.runbook or alert.runbook_url:
        say(f"\n[bold]Runbook[/bold] {escape(found.runbook or '')} {escape(alert.runbook_url or '')}".rstrip())
    if out is not None:
        _write(out, console.export_text(), f"the explanation of {alert.name}", plan)
