"""Everything monplan makes of one alert, found in the files it generates."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from monplan.app.diff import receivers
from monplan.model.plan import Alert, Plan, Watch


@dataclass
class Explanation:
    alert: Alert | Watch  # the alert, or the missing-data alert, explained
    plan_lines: list[str]
    rule_file: str = ""
    rules: list[dict[str, Any]] = field(default_factory=list)
    test_file: str = ""
    tests: list[str] = field(default_factory=list)
    receivers: str = ""
    panels: list[tuple[str, str]] = field(default_factory=list)  # (dashboard file, panel title)
    runbook: str = ""
    targets: list[tuple[str, str]] = field(default_factory=list)  # (file, the object or group holding its rules)
    watch: Watch | None = None  # set when a NoData or target alert is explained
    about: str = ""  # what a watch reports, in words
    inhibited_by: list[str] = field(default_factory=list)  # alerts whose firing holds this one back
    critical_period: str = ""  # when the critical period's extra receivers get it, in the plan's zone


def _critical_period(plan: Plan, priority: str) -> str:
    """'Critical Period: 2026-11-25 09:00 to 2026-11-26 09:00 (Europe/Berlin)' when the critical
    period adds receivers to `priority`, else ''."""
    from zoneinfo import ZoneInfo

    routing = plan.routing
    period = routing.critical_period if routing else None
    if routing is None or period is None or not routing.during_critical_period(priority):
        return ""
    zone = ZoneInfo(plan.settings.timezone)
    begin, end = period.start.astimezone(zone), period.end.astimezone(zone)
    return f"{period.period}: {begin:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({plan.settings.timezone})"


def _row_text(plan_text: str, line: int) -> list[str]:
    """The row's lines in the plan: from its first line while indentation stays deeper."""
    lines = plan_text.splitlines()
    if not 0 < line <= len(lines):
        return []
    first = lines[line - 1]
    indent = len(first) - len(first.lstrip(" -"))
    out = [first]
    for text in lines[line:]:
        if text.strip() and (len(text) - len(text.lstrip(" ")) < indent or text.lstrip().startswith("- ")):
            break
        out.append(text)
    while out and not out[-1].strip():
        out.pop()
    return out


def _panels(files: Mapping[str, bytes], alert: Alert) -> list[tuple[str, str]]:
    found = []
    for path, data in files.items():
        if not (path.startswith("grafana/dashboards/") and path.endswith(".json")):
            continue
        board = json.loads(data)
        for panel in _walk_panels(board.get("panels", [])):
            text = json.dumps(panel)
            exprs = " ".join(str(t.get("expr", "")) for t in panel.get("targets", []))
            if panel.get("title") == alert.metric or alert.query in exprs or alert.record in exprs or f'"{alert.name}"' in text:
                found.append((path, panel.get("title", "")))
    return found


def _walk_panels(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for panel in panels:
        yield panel
        yield from _walk_panels(panel.get("panels", []))


def _target_objects(path: str, data: bytes, names: set[str]) -> list[str]:
    """The PrometheusRule objects or Mimir rule groups of one target file that hold the alert's rules."""
    found = []
    for doc in yaml.safe_load_all(data):
        if not isinstance(doc, dict):
            continue
        if doc.get("kind") == "PrometheusRule":
            meta = doc.get("metadata", {})
            groups, where = doc.get("spec", {}).get("groups", []), f"PrometheusRule {meta.get('namespace')}/{meta.get('name')}"
        elif "namespace" in doc and "groups" in doc:
            groups, where = doc["groups"], f"Mimir namespace {doc['namespace']}"
        else:
            continue
        for group in groups:
            if any(r.get("alert") in names or r.get("record") in names for r in group.get("rules", [])):
                found.append(f"{where}, group {group.get('name')}")
    return found


def _watch_about(plan: Plan, watch: Watch) -> tuple[str, list[str]]:
    """What a watch reports, and the target alerts that inhibit it (for NoData alerts)."""
    from monplan.model.watches import NO_DATA, condition

    if watch.kind != NO_DATA:
        return f"scrape job {watch.job}: {condition(watch)}", []
    held = [t.name for t in plan.target_watches if t.job in watch.jobs]
    return f"{watch.subject}: {condition(watch)}, so {watch.row} cannot fire", held


def _slo_names(alert: Alert) -> set[str]:
    """The burn alerts and the series an SLO row's rules record."""
    slo = alert.slo
    if slo is None:
        return set()
    from monplan.model.slo import WINDOWS

    return {*alert.alert_names, *(slo.ratio_series(w) for w in WINDOWS), slo.period_series, slo.watched_series,
            slo.objective_series, slo.budget_series, slo.burn_rate_series, slo.remaining_series}


def explain(plan: Plan, files: Mapping[str, bytes], plan_text: str, name: str) -> Explanation | None:
    alert: Alert | Watch | None = plan.alert(name)
    watch = plan.watch(name) if alert is None else None
    if alert is None and watch is None:
        return None
    if watch is not None:
        about, held = _watch_about(plan, watch)
        result = Explanation(watch, _row_text(plan_text, watch.line), receivers=receivers(plan, watch.priority),
                             watch=watch, about=about, inhibited_by=held,
                             critical_period=_critical_period(plan, watch.priority))
        names = {watch.name}
    else:
        assert isinstance(alert, Alert)
        result = Explanation(alert, _row_text(plan_text, alert.line), receivers=receivers(plan, alert.priority),
                             critical_period=_critical_period(plan, alert.priority))
        names = {n for n in (alert.name, alert.record, alert.baseline_record) if n} | _slo_names(alert)
    name = result.alert.name
    alerting = set(result.alert.alert_names) if isinstance(result.alert, Alert) else {name}
    for path, data in sorted(files.items()):
        if path.startswith("prometheus/rules/"):
            for group in yaml.safe_load(data).get("groups", []):
                rules = [r for r in group["rules"] if r.get("alert") in names or r.get("record") in names]
                if rules:
                    result.rule_file, result.rules = path, rules
        elif path.startswith("prometheus/tests/"):
            for test in yaml.safe_load(data).get("tests", []):
                if any(check.get("alertname") in alerting for check in test.get("alert_rule_test", [])):
                    result.test_file = path
                    result.tests.append(test.get("name", ""))
        elif path == f"runbooks/{name}.md":
            result.runbook = path
        elif path.startswith(("kubernetes/prometheus-rules/", "mimir/rules/")):
            result.targets += [(path, where) for where in _target_objects(path, data, names)]
    result.panels = _panels(files, result.alert) if isinstance(result.alert, Alert) else _watch_panels(files, name)
    return result


def _watch_panels(files: Mapping[str, bytes], name: str) -> list[tuple[str, str]]:
    """The panels listing a watch among the alerts they show firing."""
    found = []
    for path, data in files.items():
        if path.startswith("grafana/dashboards/") and path.endswith(".json"):
            for panel in _walk_panels(json.loads(data).get("panels", [])):
                exprs = " ".join(str(t.get("expr", "")) for t in panel.get("targets", []))
                if "ALERTS{" in exprs and re.search(rf"[=~|\"]{name}[|\"]", exprs):
                    found.append((path, panel.get("title", "")))
    return found
