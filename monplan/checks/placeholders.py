"""plan/placeholders: placeholders such as [NAME] or [BASELINE] still to be filled in."""

from __future__ import annotations

from typing import Any

from monplan.checks import Check, Context
from monplan.diagnostics import Diagnostic, Path, format_path
from monplan.spec.check import strings
from monplan.spec.types import PLACEHOLDER


def _baseline_comparison(data: Any, path: Path) -> str:
    """What a [BASELINE] row really compares with: its baseline_query when it has one (that
    wins), else the default, ending at its baseline_start when one is set."""
    row: Any = data
    for part in path[:-1]:
        try:
            row = row[part]
        except (KeyError, IndexError, TypeError):
            row = None
            break
    row = row if isinstance(row, dict) and path and path[-1] == "baseline" else {}
    if row.get("baseline_query") is not None:
        query = " ".join(str(row["baseline_query"]).split())
        return f"compared with its baseline_query, {query if len(query) <= 60 else query[:57] + '...'}"
    words = "compared with the value one week earlier, else one day earlier"
    if row.get("baseline_start") is not None:
        words += f", else baseline_start ({row['baseline_start']})"
    return words


def run(ctx: Context) -> list[Diagnostic]:
    located = ctx.located
    warnings = []
    for path, text in strings(located):
        if "[" not in text:
            continue
        for match in PLACEHOLDER.finditer(text):
            if match.group() == "[BASELINE]":
                message = f"baseline not known yet ([BASELINE]): {_baseline_comparison(located.data, path)}"
            else:
                message = f"placeholder {match.group()} is still to be filled in"
            line, column = located.where(path)
            warnings.append(Diagnostic(located.file, line, column, message, format_path(path), "warning",
                                       check=CHECK.id))
    return warnings


CHECK = Check("plan/placeholders", "placeholders such as [NAME] or [BASELINE] are still to be filled in", "warning", run)
