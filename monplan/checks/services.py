"""services/references: per-service sections have services, overrides name their rows, ${variables} stay in them."""

from __future__ import annotations

import difflib

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic, Path
from monplan.model.services import Problem
from monplan.spec.metrics import FocusArea
from monplan.spec.plan import Plan as Spec
from monplan.spec.services import VARIABLE_REFERENCE


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    check_services(ctx.spec, problem)
    return problem.items


def check_services(spec: Spec, problem: Problem) -> None:
    """Per-service sections need services; overrides must name their rows; variables stay in them."""
    templated = [(i, s) for i, s in enumerate(spec.sections) if s.per_service]
    if templated and not spec.services:
        index = templated[0][0]
        problem(("sections", index, "per_service"), "a per_service section needs services: listing the services", key=True)
    names = [row.metric for _, s in templated for row in s.metrics]
    names += [row.alert for _, s in templated for row in s.metrics if row.alert]
    seen: set[str] = set()
    for i, service in enumerate(spec.services):
        if service.name in seen:
            problem(("services", i, "name"), f'service "{service.name}" is listed twice')
        seen.add(service.name)
        for key in service.overrides:
            if key not in names:
                close = difflib.get_close_matches(key, names, n=1, cutoff=0.6)
                hint = f' (did you mean "{close[0]}"?)' if close else ""
                problem(("services", i, "overrides", key), f'no row "{key}" in the per_service sections{hint}', key=True)
    rows: list[tuple[Path, object]] = [
        (("sections", i, "metrics", j), row)
        for i, section in enumerate(spec.sections) if not section.per_service
        for j, row in enumerate(section.metrics)]
    _area_rows(rows, spec.focus_areas, ("focus_areas",))
    for path, row in rows:
        for field in ("query", "baseline_query"):
            text = getattr(row, field)
            if text and VARIABLE_REFERENCE.search(text):
                problem(path + (field,), "variables such as ${service} work only in sections with per_service: true")



def _area_rows(rows: list[tuple[Path, object]], areas: list[FocusArea], path: Path) -> None:
    """The items of these focus areas and of those under them, added to `rows`."""
    for i, area in enumerate(areas):
        rows.extend((path + (i, "items", j), item) for j, item in enumerate(area.items))
        _area_rows(rows, area.areas, path + (i, "areas"))


CHECK = Check("services/references", "per-service sections have services; overrides name their rows; "
              "${variables} are used only in per-service sections", "error", run)
