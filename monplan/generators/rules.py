"""Prometheus recording and alerting rules: one file per plan section or focus area.

Each row's query is recorded as `level:metric:operations`, and its alert compares that
series with the threshold. Recording first keeps alert expressions short, gives the
dashboards and reports a stable series, lets 'of baseline' rows look one week back, and
lets the generated unit tests drive every alert through the series it reads.
"""

from __future__ import annotations

from typing import Any

from monplan import naming
from monplan.first_event import recorded_query
from monplan.model import Alert, Plan, Watch
from monplan.render import header, to_yaml

RULES_DIR = "prometheus/rules"


def _record(name: str, expr: str, labels: dict[str, str]) -> dict[str, Any]:
    rule: dict[str, Any] = {"record": name, "expr": expr}
    if labels:
        rule["labels"] = dict(labels)
    return rule


def rules_for(alert: Alert) -> list[dict[str, Any]]:
    """The rules of one row, in evaluation order: value, baseline, alert."""
    # "Any" rows also count counter series that appear above zero, so the first event is
    # never missed (monplan/first_event.py explains how and why).
    stamp = alert.record_labels  # a per-service row's series carry its service
    rules: list[dict[str, Any]] = [_record(alert.record, recorded_query(alert), stamp)]
    if alert.baseline_record and alert.baseline_expr:
        rules.append(_record(alert.baseline_record, alert.baseline_expr, stamp))
    rule: dict[str, Any] = {"alert": alert.name, "expr": alert.expr}
    if alert.for_ != "0s":
        rule["for"] = alert.for_
    rule["labels"] = dict(alert.labels)
    rule["annotations"] = dict(alert.annotations)
    rules.append(rule)
    if alert.no_data is not None:
        rules.append(watch_rule(alert.no_data))
    return rules


def watch_rule(watch: Watch) -> dict[str, Any]:
    """The alerting rule of a NoData or target alert (monplan/watches.py says why these exprs)."""
    return {"alert": watch.name, "expr": watch.expr, "for": watch.for_, "labels": dict(watch.labels),
            "annotations": dict(watch.annotations)}


def _chunked(limit: int, units: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Consecutive units of rules packed into lists of at most `limit` rules; a unit is never split."""
    chunks: list[list[dict[str, Any]]] = [[]]
    for rules in units:
        if chunks[-1] and len(chunks[-1]) + len(rules) > limit:
            chunks.append([])
        chunks[-1].extend(rules)
    return chunks


def _named(base: str, chunks: list[list[dict[str, Any]]], interval: str) -> list[dict[str, Any]]:
    return [{"name": base if len(chunks) == 1 else f"{base}-{index + 1}", "interval": interval, "rules": rules}
            for index, rules in enumerate(chunks)]


def rule_groups(plan: Plan, slug: str, title: str) -> list[dict[str, Any]]:
    """Groups of at most `rules_per_group` rules, never splitting one row's rules.

    A file holds one section (or focus area), or, for a service, each of its sections in
    turn; a group never mixes sections."""
    limit = plan.spec.defaults.rules_per_group
    if plan.targets_group is not None and slug == plan.targets_group[0]:
        by_job: dict[str | None, list[dict[str, Any]]] = {}
        for watch in plan.target_watches:  # a job's alerts stay together
            by_job.setdefault(watch.job, []).append(watch_rule(watch))
        return _named(slug, _chunked(limit, list(by_job.values())), plan.evaluation_interval)
    by_section: dict[str, list[Alert]] = {}
    for alert in plan.alerts_in(slug):
        by_section.setdefault(alert.group, []).append(alert)
    out = []
    for section, alerts in by_section.items():
        base = f"{alerts[0].service}-{naming.slug(section)}" if alerts[0].service else slug
        out.extend(_named(base, _chunked(limit, [rules_for(alert) for alert in alerts]), plan.evaluation_interval))
    return out


def rule_file_paths(plan: Plan) -> list[str]:
    """The rule files a build writes, without rendering them."""
    return [rule_file_path(slug) for slug, _ in plan.rule_files()]


def rule_file_path(slug: str) -> str:
    return f"{RULES_DIR}/{slug}.yml"


def generate(plan: Plan) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    source = plan.source
    for slug, title in plan.rule_files():
        comment = header(source, f"Rules for {title}")
        files[rule_file_path(slug)] = to_yaml({"groups": rule_groups(plan, slug, title)}, comment)
    return files
