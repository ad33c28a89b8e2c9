"""Everything monplan makes of one alert, found in the files it generates."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import yaml

from monplan.diff import receivers
from monplan.model import Alert, Plan


@dataclass
class Explanation:
    alert: Alert
    plan_lines: list[str]
    rule_file: str = ""
    rules: list[dict[str, Any]] = field(default_factory=list)
    test_file: str = ""
    tests: list[str] = field(default_factory=list)
    receivers: str = ""
    panels: list[tuple[str, str]] = field(default_factory=list)  # (dashboard file, panel title)
    runbook: str = ""
    targets: list[tuple[str, str]] = field(default_factory=list)  # (file, the object or group holding its rules)


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


def _panels(files: dict[str, bytes], alert: Alert) -> list[tuple[str, str]]:
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


def _walk_panels(panels: list[dict[str, Any]]):
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


def explain(plan: Plan, files: dict[str, bytes], plan_text: str, name: str) -> Explanation | None:
    alert = plan.alert(name)
    if alert is None:
        return None
    result = Explanation(alert, _row_text(plan_text, alert.line), receivers=receivers(plan, alert.priority))
    names = {n for n in (alert.name, alert.record, alert.baseline_record) if n}
    for path, data in sorted(files.items()):
        if path.startswith("prometheus/rules/"):
            for group in yaml.safe_load(data).get("groups", []):
                rules = [r for r in group["rules"] if r.get("alert") in names or r.get("record") in names]
                if rules:
                    result.rule_file, result.rules = path, rules
        elif path.startswith("prometheus/tests/"):
            for test in yaml.safe_load(data).get("tests", []):
                if any(check.get("alertname") == alert.name for check in test.get("alert_rule_test", [])):
                    result.test_file = path
                    result.tests.append(test.get("name", ""))
        elif path == f"runbooks/{alert.name}.md":
            result.runbook = path
        elif path.startswith(("kubernetes/prometheus-rules/", "mimir/rules/")):
            result.targets += [(path, where) for where in _target_objects(path, data, names)]
    result.panels = _panels(files, alert)
    return result
