"""reporting/unknown-section: the daily report's contents name sections of the plan."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    reporting = ctx.spec.reporting
    if reporting is None:
        return []
    sections = [s.title for s in ctx.spec.sections]
    for index, item in enumerate(reporting.daily_report.contents):
        for i, title in enumerate(item.sections):
            if title not in sections:
                problem.unknown(("reporting", "daily_report", "contents", index, "sections", i), title, sections, "section")
    return problem.items


CHECK = Check("reporting/unknown-section", "the daily report's contents name sections of the plan", "error", run)
