"""`monplan report` as a function: plan in, report text (or the problems) out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from monplan.diagnostics import Diagnostic, PlanError


@dataclass
class Outcome:
    text: str | None = None
    problems: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)


def make_report(plan_path: Path, prometheus: str | None, period: str, at: str | None, form: str,
                timeout: float = 30.0, now: float | None = None) -> Outcome:
    from monplan.app.pipeline import load_plan
    from monplan.live.prometheus_api import Prometheus, PrometheusError
    from monplan.live.report.build import build_report
    from monplan.live.report.render import render
    from monplan.live.report.window import PERIODS, make_window, parse_at, step_for
    from monplan.model.schedule import zone

    try:
        plan = load_plan(plan_path)
    except PlanError as err:
        return Outcome(problems=err.diagnostics)
    tz = zone(plan.settings)
    daily = plan.settings.reporting.daily_report.time if plan.settings.reporting else None
    try:
        end = parse_at(at, tz, daily, time.time() if now is None else now)
    except ValueError as err:
        return Outcome(problems=[Diagnostic("--at", 0, 0, str(err))])
    url = prometheus or plan.settings.endpoints.prometheus_url
    try:
        client = Prometheus(url, timeout)
    except PrometheusError as err:
        return Outcome(problems=[Diagnostic(getattr(err, "where", "--prometheus"), 0, 0, str(err))])
    seconds = PERIODS[period]
    window = make_window(seconds, end, step_for(plan.evaluation_interval, seconds), tz)
    report, diagnostics = build_report(plan, client, period, window)
    if report is None:
        return Outcome(problems=diagnostics)
    return Outcome(text=render(report, form), warnings=diagnostics)
