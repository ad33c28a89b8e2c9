"""people/references: the rotation, escalation path and team name people of the plan."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic, Path
from monplan.spec.types import PLACEHOLDER


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    spec = ctx.spec
    for index, level in enumerate(spec.escalation_path):
        if not level.rotation and not level.people:
            problem(("escalation_path", index), f'escalation level "{level.level}" names nobody; give people or rotation: true')
    for index, shift in enumerate(spec.oncall.rotation if spec.oncall else []):  # with or without people:
        if shift.primary == shift.secondary and not PLACEHOLDER.fullmatch(shift.primary):
            problem(("oncall", "rotation", index, "secondary"),
                    f'"{shift.secondary}" is both primary and secondary of {shift.day}; the secondary backs up the primary')
    if not spec.people:
        return problem.items
    names = [p.name for p in spec.people]

    def check(path: Path, name: str) -> None:
        if name not in names and not PLACEHOLDER.fullmatch(name):
            problem.unknown(path, name, names, "person")

    if spec.oncall:
        for index, shift in enumerate(spec.oncall.rotation):
            check(("oncall", "rotation", index, "primary"), shift.primary)
            check(("oncall", "rotation", index, "secondary"), shift.secondary)
    for index, level in enumerate(spec.escalation_path):
        for i, name in enumerate(level.people):
            check(("escalation_path", index, "people", i), name)
    if spec.deployment:
        for i, name in enumerate(spec.deployment.team):
            check(("deployment", "team", i), name)
    return problem.items


CHECK = Check("people/references", "the rotation, escalation path and team name people of the plan; "
              "a shift's secondary is not its primary", "error", run)
