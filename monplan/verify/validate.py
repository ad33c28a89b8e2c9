"""Validation as one function: plan checks, then every external checker on the built output."""

from __future__ import annotations

from collections.abc import Callable, Sequence
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
    timings: list[tuple[str, float]] = field(default_factory=list)  # (step, seconds): loading, building, each checker

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


# What runs now, steps done, steps in all: for a progress display while the checkers run.
Progress = Callable[[str, int, int], None]

# The checkers under monplan.verify, in the order they run, and what a progress display says.
CHECKERS: tuple[tuple[str, str], ...] = (
    ("promtool", "promtool: rules and their unit tests"),
    ("promtool_config", "promtool check config"),  # the collection outputs
    ("blackbox", "blackbox_exporter --config.check"),
    ("mtail", "mtail --compile_only"),
    ("amtool", "amtool: the Alertmanager config and its routing cases"),
    ("targets", "targets: PrometheusRules, manifests, Mimir namespaces"),
)


@dataclass(frozen=True)
class LiveOptions:
    """Live checks against a Prometheus server (`--prometheus`); url None means endpoints.prometheus_url."""

    url: str | None = None
    since: str = "7d"
    at: str | None = None
    deadline: float = 120.0


def validate(plan_path: Path, out: Path, *, run_tools: bool = True, targets: Sequence[str] = (),
             progress: Progress | None = None, live: LiveOptions | None = None) -> ValidationReport:
    """Check the plan, then (run_tools) run every checker on what it builds; `targets` as for build;
    with `live`, check every row against a running Prometheus."""
    import importlib
    import time

    from monplan.app.pipeline import load_plan, render
    from monplan.model.targets import with_targets

    report = ValidationReport(str(plan_path))
    started = time.perf_counter()

    def timed(what: str) -> None:  # the time since the last step, charged to `what`
        nonlocal started
        now = time.perf_counter()
        report.timings.append((what, now - started))
        started = now

    from monplan.timing import Lap

    lap = Lap()
    try:
        plan = with_targets(load_plan(plan_path, lap), targets)
    except PlanError as err:
        report.diagnostics = err.diagnostics
        report.timings = lap.steps
        return report
    report.timings = lap.steps  # load, each plan check, resolve
    started = time.perf_counter()
    report.alerts = len(plan.alerts)
    report.diagnostics = list(plan.warnings) + list(plan.validate_only)
    if live is not None:
        from monplan.live.queries import run_live

        if progress:
            progress("live checks against Prometheus", 0, len(CHECKERS) + 1)
        report.diagnostics.extend(run_live(plan, plan_path, live.url, since=live.since, at=live.at,
                                           deadline=live.deadline))
        timed("live checks")
    if not run_tools:
        return report
    step = progress or (lambda what, done, total: None)
    step("building the output", 0, len(CHECKERS) + 1)
    files = render(plan)
    from monplan.checks.file_names import file_name_problems

    too_long = file_name_problems(files, plan_path)
    timed("building the output")
    if too_long:
        report.diagnostics.extend(too_long)
        return report
    for index, (module, what) in enumerate(CHECKERS, start=1):
        step(what, index, len(CHECKERS) + 1)
        report.checks.extend(importlib.import_module(f"monplan.verify.{module}").check(plan, files))
        timed(what)
    step("done", len(CHECKERS) + 1, len(CHECKERS) + 1)
    for check in report.checks:
        report.diagnostics.extend(_naming_the_check(check))
    return report


def _naming_the_check(check: CheckResult) -> list[Diagnostic]:
    """A failed check's problems, each saying which check failed (the tool and what it read),
    so that every line stands on its own with -q, in CI logs and in --format json."""
    from dataclasses import replace

    if not check.failed:
        return list(check.diagnostics)
    found = check.diagnostics or [Diagnostic(check.target, 0, 0, "failed")]
    tool = check.tool.split()[0]
    named = []
    for diagnostic in found:
        message = diagnostic.message
        for prefix in (f"{check.tool}: ", f"{tool}: "):
            message = message.removeprefix(prefix)
        named.append(replace(diagnostic, message=f"check {check.tool} on {check.target} failed: {message}"))
    return named
