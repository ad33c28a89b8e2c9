"""`monplan tune` as a function: plan in, findings (and the written copy) out."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from monplan.diagnostics import Diagnostic, PlanError
from monplan.live.tune import Finding


@dataclass
class Tuning:
    findings: list[Finding] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # lines of the written copy that changed
    problems: list[Diagnostic] = field(default_factory=list)
    start: str = ""
    end: str = ""
    since: str = ""
    ok: bool = False


def run_tune(plan_path: Path, prometheus: str | None, since: str, at: str | None, write_plan: Path | None,
             noisy_per_day: float = 1.0, timeout: float = 30.0, now: float | None = None) -> Tuning:
    from monplan.app.pipeline import load_plan
    from monplan.live.prometheus_api import Prometheus, PrometheusError
    from monplan.live.report.fmt import iso
    from monplan.live.report.rows import Fetcher
    from monplan.live.report.window import make_window, parse_at, parse_since, step_for
    from monplan.live.tune import tune
    from monplan.model.schedule import zone

    try:
        plan = load_plan(plan_path)
    except PlanError as err:
        return Tuning(problems=err.diagnostics)
    tz = zone(plan.settings)
    try:
        seconds = parse_since(since)
        end = parse_at(at, tz, None, time.time() if now is None else now)
    except ValueError as err:
        return Tuning(problems=[Diagnostic("--since/--at", 0, 0, str(err))])
    url = prometheus or plan.settings.endpoints.prometheus_url
    window = make_window(seconds, end, step_for(plan.evaluation_interval, seconds), tz)
    result = Tuning(start=iso(window.start, tz) or "", end=iso(window.end, tz) or "", since=since)
    try:
        client = Prometheus(url, timeout)
    except PrometheusError as err:
        result.problems = [Diagnostic(getattr(err, "where", "--prometheus"), 0, 0, str(err))]
        return result
    try:
        result.findings = tune(plan, Fetcher(client), window, noisy_per_day)
    except PrometheusError as err:
        result.problems = [Diagnostic(client.url, 0, 0, str(err))]
        return result
    if write_plan is not None:
        from monplan.live.tune_plan import write_plan as write

        evidence = f"{since} to {window.local(window.end):%Y-%m-%d %H:%M}"
        result.changed, result.problems = write(plan_path, write_plan, result.findings, evidence)
        if result.problems:
            return result
    result.ok = True
    return result


def as_dict(tuning: Tuning) -> dict[str, Any]:
    return {
        "start": tuning.start, "end": tuning.end, "since": tuning.since, "changed": tuning.changed,
        "alerts": [{
            "alert": f.alert.name, "metric": f.alert.metric, "priority": f.alert.priority,
            "threshold": f.alert.threshold.text, "for": f.alert.for_, "status": f.status, "points": f.points,
            "expected": f.expected, "firings": f.firings, "firing_seconds": f.firing_seconds,
            "percentiles": f.percentiles, "worst": f.worst, "closeness": f.closeness,
            "measured_baseline": f.measured_baseline, "error": f.error, "notes": f.notes,
            "suggestions": [{"kind": s.kind, "value": s.value, "reason": s.reason, "would_fire": s.would_fire}
                            for s in f.suggestions],
        } for f in tuning.findings],
    }
