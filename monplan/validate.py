"""Validation as one function: plan checks, then every external checker on the built output."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from monplan.diagnostics import Diagnostic, PlanError
from monplan.verify import CheckResult


@dataclass
class ValidationReport:
    plan: str
    alerts: int = 0
    diagnostics: list[Diagnostic] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(d.severity == "error" for d in self.diagnostics) and not any(c.failed for c in self.checks)

    def as_dict(self) -> dict[str, object]:
        return {
            "plan": self.plan,
            "ok": self.ok,
            "alerts": self.alerts,
            "diagnostics": [d.as_dict() for d in self.diagnostics],
            "checks": [
                {"tool": c.tool, "target": c.target, "status": c.status, "detail": c.detail,
                 "diagnostics": [d.as_dict() for d in c.diagnostics]}
                for c in self.checks
            ],
        }


def validate(plan_path: Path, out: Path, *, run_tools: bool = True) -> ValidationReport:
    from monplan.build import load_plan, render

    report = ValidationReport(str(plan_path))
    try:
        plan = load_plan(plan_path)
    except PlanError as err:
        report.diagnostics = err.diagnostics
        return report
    report.alerts = len(plan.alerts)
    report.diagnostics = list(plan.warnings)
    if not run_tools:
        return report
    files = render(plan)
    from monplan.verify import promtool

    report.checks.extend(promtool.check(plan, files))
    from monplan.verify import blackbox, mtail, promtool_config  # the collection outputs

    for checker in (promtool_config, blackbox, mtail):
        report.checks.extend(checker.check(plan, files))
    from monplan.verify import amtool  # the Alertmanager config and its routing cases

    report.checks.extend(amtool.check(plan, files))
    for check in report.checks:
        report.diagnostics.extend(check.diagnostics)
    return report
