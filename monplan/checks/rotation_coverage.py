"""rotation/coverage: somebody is on call at every moment from the deployment on.

Reported by `monplan validate` only: a build of a plan whose rotation still has holes goes
on (the rotation is often filled in last), validate says where the holes are."""

from __future__ import annotations

from monplan.checks import Check, Context
from monplan.diagnostics import Diagnostic
from monplan.model.oncall_status import coverage_problems


def run(ctx: Context) -> list[Diagnostic]:
    return coverage_problems(ctx.plan.settings, ctx.located)


CHECK = Check("rotation/coverage", "somebody is on call at every moment from the deployment on", "error", run,
              needs_valid_plan=True, only_in_validate=True)
