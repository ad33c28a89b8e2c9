"""The one way checks report: a located Diagnostic carrying the check's id."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import TYPE_CHECKING

from monplan.diagnostics import Diagnostic, Path, Severity, format_path

if TYPE_CHECKING:
    from monplan.spec.loader import Located


MAX_CHOICES = 20


class Reporter:
    """Collects one check's findings at their plan paths."""

    def __init__(self, located: Located, check: str, severity: Severity = "error"):
        self.located = located
        self.check = check
        self.severity: Severity = severity
        self.items: list[Diagnostic] = []

    def __call__(self, path: Path, message: str, *, key: bool = False) -> None:
        line, column = self.located.where(path, key=key)
        self.items.append(Diagnostic(self.located.file, line, column, message, format_path(path), self.severity,
                                     check=self.check))

    def unknown(self, path: Path, value: str, known: Iterable[str], what: str) -> None:
        """A name that refers to nothing: the close match, if any, and the names there are."""
        known = list(dict.fromkeys(known))
        close = difflib.get_close_matches(value, known, n=1, cutoff=0.6)
        hint = f' (did you mean "{close[0]}"?)' if close else ""
        if known:
            # a few names, not thousands: one such message per wrong reference must stay readable
            choices = ", ".join(f'"{k}"' for k in known[:MAX_CHOICES])
            if len(known) > MAX_CHOICES:
                choices += f" and {len(known) - MAX_CHOICES:,} more"
            self(path, f'unknown {what} "{value}"{hint}; expected one of: {choices}')
        else:
            self(path, f'unknown {what} "{value}"; the plan defines no {what}s')
