"""Prometheus recording and alerting rules: one file per plan section or focus area.

Each row's query is recorded as `level:metric:operations`, and its alert compares that
series with the threshold. Recording first keeps alert expressions short, gives the
dashboards and reports a stable series, lets 'of baseline' rows look one week back, and
lets the generated unit tests drive every alert through the series it reads.
"""

from __future__ import annotations

from typing import Any

from monplan.first_event import recorded_query
from monplan.model import Alert, Plan
from monplan.render import header, to_yaml

RULES_DIR = "prometheus/rules"


def rules_for(alert: Alert) -> list[dict[str, Any]]:
    """The rules of one row, in evaluation order: value, baseline, alert."""
    # "Any" rows also count counter series that appear above zero, so the first event is
    # never missed (monplan/first_event.py explains how and why).
    rules: list[dict[str, Any]] = [{"record": alert.record, "expr": recorded_query(alert)}]
    if alert.baseline_record and alert.baseline_expr:
        rules.append({"record": alert.baseline_record, "expr": alert.baseline_expr})
    rule: dict[str, Any] = {"alert": alert.name, "expr": alert.expr}
    if alert.for_ != "0s":
        rule["for"] = alert.for_
    rule["labels"] = dict(alert.labels)
    rule["annotations"] = dict(alert.annotations)
    rules.append(rule)
    return rules


def rule_groups(plan: Plan, slug: str, title: str) -> list[dict[str, Any]]:
    """Groups of at most `rules_per_group` rules, never splitting one row's rules."""
    limit = plan.spec.defaults.rules_per_group
    groups: list[list[dict[str, Any]]] = [[]]
    for alert in plan.alerts_in(slug):
        rules = rules_for(alert)
        if groups[-1] and len(groups[-1]) + len(rules) > limit:
            groups.append([])
        groups[-1].extend(rules)
    out = []
    for index, rules in enumerate(groups):
        name = slug if len(groups) == 1 else f"{slug}-{index + 1}"
        out.append({"name": name, "interval": plan.evaluation_interval, "rules": rules})
    return out


def rule_file_path(slug: str) -> str:
    return f"{RULES_DIR}/{slug}.yml"


def generate(plan: Plan) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    source = plan.file.rsplit("/", 1)[-1]
    for slug, title in plan.groups:
        if not plan.alerts_in(slug):
            continue
        comment = header(source, f"Rules for {title}")
        files[rule_file_path(slug)] = to_yaml({"groups": rule_groups(plan, slug, title)}, comment)
    return files
