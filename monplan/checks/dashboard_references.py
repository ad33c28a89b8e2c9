"""dashboards/references: dashboards name sections and focus areas of the plan, titles once."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic
from monplan.spec.metrics import FocusArea
from monplan.spec.plan import Plan as Spec


def focus_titles(spec: Spec) -> list[str]:
    """Every focus area's title as dashboards name it: "Parent / Child"."""
    titles: list[str] = []
    _titles_into(titles, spec.focus_areas, "")
    return titles


def _titles_into(titles: list[str], areas: list[FocusArea], prefix: str) -> None:
    for area in areas:
        titles.append(prefix + area.title)
        _titles_into(titles, area.areas, f"{prefix}{area.title} / ")


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    spec = ctx.spec
    sections = [s.title for s in spec.sections]
    areas = focus_titles(spec)
    known_sections, known_areas = set(sections), set(areas)  # thousands of names, looked up per reference
    seen: dict[str, int] = {}
    for index, board in enumerate(spec.dashboards):
        path = ("dashboards", index)
        if board.title in seen:
            problem(path + ("title",), f'dashboard title "{board.title}" is used twice; titles must be unique in a folder')
        seen[board.title] = index
        for i, title in enumerate(board.sections):
            if title not in known_sections:
                problem.unknown(path + ("sections", i), title, sections, "section")
        for i, title in enumerate(board.focus_areas):
            if title not in known_areas:
                problem.unknown(path + ("focus_areas", i), title, areas, "focus area")
    return problem.items


CHECK = Check("dashboards/references", "dashboards name sections and focus areas of the plan; titles are unique",
              "error", run)
