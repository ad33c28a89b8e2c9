"""Run the real tools (promtool, amtool, exporters' checkers) over generated output."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field

from monplan.diagnostics import Diagnostic


@dataclass
class CheckResult:
    """One external check: which tool ran on which files, and what it found."""

    tool: str
    target: str
    status: str  # "passed", "failed", "missing" (tool not installed), "skipped"
    detail: str = ""
    diagnostics: list[Diagnostic] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status == "failed"


def find_tool(name: str, env_var: str | None = None) -> str | None:
    import os

    override = os.environ.get(env_var or f"MONPLAN_{name.upper().replace('-', '_')}")
    # An override that is no executable file (a typo, a folder) is a missing tool, reported as
    # such, not a traceback when the check runs it.
    return shutil.which(override) if override else shutil.which(name)
