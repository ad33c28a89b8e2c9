"""escalation/order: levels are engaged one after another; an on-call level needs a rotation."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.checks.reporter import Reporter
from monplan.diagnostics import Diagnostic
from monplan.lang import durations


def run(ctx: Context) -> list[Diagnostic]:
    problem = Reporter(ctx.located, CHECK.id)
    spec = ctx.spec
    previous: tuple[str, int] | None = None
    for index, level in enumerate(spec.escalation_path):
        path = ("escalation_path", index)
        after = durations.parse_ms(level.after)
        if previous is not None and after <= previous[1]:
            given = "after" in level.model_fields_set
            problem(path + ("after",), (f'"{level.level}" is engaged after {level.after}' if given else
                                        f'"{level.level}" has no after:, so it is engaged at once ({level.after})')
                    + f', not later than "{previous[0]}"; each level must come after the one before it'
                    + ("" if given else f", such as after: {durations.format_ms(previous[1] + 15 * 60_000)}"))
        if level.rotation and spec.oncall is None:
            problem(path + ("rotation",), f'"{level.level}" pages whoever is on call, but the plan has no oncall rotation')
        if level.secondary_after is not None:
            second = durations.parse_ms(level.secondary_after)
            following = spec.escalation_path[index + 1] if index + 1 < len(spec.escalation_path) else None
            if not level.rotation:
                problem(path + ("secondary_after",), "secondary_after applies only to a level with rotation: true", key=True)
            elif second <= after:
                problem(path + ("secondary_after",), f"the secondary is engaged after {level.secondary_after}, not later "
                        f"than the primary ({level.after})")
            elif following is not None and second >= durations.parse_ms(following.after):
                problem(path + ("secondary_after",), f"the secondary is engaged after {level.secondary_after}, not before "
                        f'the next level "{following.level}" ({following.after})')
        previous = (level.level, after)
    return problem.items


CHECK = Check("escalation/order", "escalation levels are engaged one after another; an on-call level needs a rotation",
              "error", run)
