"""Problems found in a plan or its output, as data until the CLI prints them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
Path = tuple[str | int, ...]


def format_path(path: Path) -> str:
    """('sections', 0, 'metrics', 2, 'threshold') -> 'sections[0].metrics[2].threshold'."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


@dataclass(frozen=True, slots=True, order=True)
class Diagnostic:
    """One problem, located in a file: `plan.yaml:13:9: error: field: message`."""

    file: str
    line: int  # 1-based; 0 when the problem concerns the whole file
    column: int  # 1-based; 0 when unknown
    message: str
    field: str = ""
    severity: Severity = "error"
    check: str = ""  # a stable id of the check that found it (units/mismatch, live/series-missing), if any
    hidden: int = 0  # on the line closing a flood: how many problems it stands for (not shown)

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        subject = f"{self.field}: " if self.field else ""
        tag = f" [{self.check}]" if self.check else ""
        return f"{where}: {self.severity}: {subject}{self.message}{tag}"

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "severity": self.severity,
            "message": self.message,
            **({"check": self.check} if self.check else {}),
        }


MORE = "report/more"  # the check id of the line standing for the problems a flood leaves unshown


def more(last: Diagnostic, count: int) -> Diagnostic:
    """The line after the first problems shown: "... and N more problems not shown"."""
    return Diagnostic(last.file, last.line, last.column, f"... and {count:,} more problems not shown", check=MORE,
                      hidden=count)


def error_count(diagnostics: list[Diagnostic]) -> int:
    """Errors found, those not shown included."""
    return sum(d.hidden if d.check == MORE else d.severity == "error" for d in diagnostics)


class PlanError(Exception):
    """Raised with every problem found when a plan cannot be compiled."""

    def __init__(self, diagnostics: list[Diagnostic]):
        super().__init__("\n".join(str(d) for d in diagnostics))
        self.diagnostics = diagnostics
