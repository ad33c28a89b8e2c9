"""Prometheus recording and alerting rules: one file per plan section or focus area.

Each row's query is recorded as `level:metric:operations`, and its alert compares that
series with the threshold. Recording first keeps alert expressions short, gives the
dashboards and reports a stable series, lets 'of baseline' rows look one week back, and
lets the generated unit tests drive every alert through the series it reads.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from decimal import Decimal
from typing import Any

from monplan.formats.render import header, to_yaml
from monplan.generators import collector
from monplan.lang import naming
from monplan.lang.first_event import recorded_query
from monplan.lang.thresholds import format_decimal
from monplan.model.plan import Alert, Plan, Watch
from monplan.model.resolve import go_literal
from monplan.model.slo import WINDOWS, BurnAlert, Slo, consumed_expr
from monplan.output.unitcache import unit

RULES_DIR = "prometheus/rules"


def _record(name: str, expr: str, labels: dict[str, str]) -> dict[str, Any]:
    rule: dict[str, Any] = {"record": name, "expr": expr}
    if labels:
        rule["labels"] = dict(labels)
    return rule


def rules_for(alert: Alert) -> list[dict[str, Any]]:
    """The rules of one row, in evaluation order: value, baseline, alert."""
    if alert.slo is not None:
        return slo_rules(alert, alert.slo)
    # "Any" rows also count counter series that appear above zero, so the first event is
    # never missed (monplan/lang/first_event.py explains how and why).
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


def slo_rules(alert: Alert, slo: Slo) -> list[dict[str, Any]]:
    """An SLO row's rules: the error ratio per window and over the period, the objective, the
    budget, the budget remaining, the row's value (good share over 5m), FastBurn, SlowBurn
    and the NoData alert (monplan/model/slo.py says why these shapes; they are Sloth's)."""
    stamp = alert.record_labels
    rules = [_record(slo.ratio_series(window), slo.ratio_expr(window), stamp) for window in WINDOWS]
    total = slo.total_expr()
    if total is not None:
        rules.append(_record(slo.total_series, total, stamp))
    rules.append(_record(slo.period_series, period_ratio_expr(slo), stamp))
    rules.append(_record(slo.objective_series, f"vector({format_decimal(slo.objective)})", stamp))
    rules.append(_record(slo.budget_series, f"vector({format_decimal(slo.budget)})", stamp))
    rules.append(_record(slo.burn_rate_series, f"{slo.read(slo.ratio_series(WINDOWS[0]))} / {format_decimal(slo.budget)}",
                         stamp))
    rules.append(_record(slo.remaining_series, f"1 - {consumed_expr(slo)}", stamp))
    rules.append(_record(alert.record, alert.query, stamp))
    rules.extend(burn_rule(alert, slo, burn) for burn in slo.alerts)
    if alert.no_data is not None:
        rules.append(watch_rule(alert.no_data))
    return rules


def period_ratio_expr(slo: Slo) -> str:
    """The error ratio over the whole period: the mean of the 5m ratio, as Sloth records it
    (a rate over 30 days of raw counters would read a month of samples at every evaluation)."""
    short = slo.read(slo.ratio_series(WINDOWS[0]))
    return f"sum_over_time({short}[{slo.period}]) / count_over_time({short}[{slo.period}])"


def burn_expr(slo: Slo, burn: BurnAlert) -> str:
    """Both windows of either condition above factor x budget (Sloth's alert shape)."""
    def above(window: str, factor: Decimal) -> str:
        return f"{slo.read(slo.ratio_series(window))} > {format_decimal(factor * slo.budget)}"

    parts = [f"(\n  {above(w.short, w.factor)}\nand\n  {above(w.long, w.factor)}\n)" for w in burn.windows]
    return "\nor\n".join(parts) + "\n"


def burn_rule(alert: Alert, slo: Slo, burn: BurnAlert) -> dict[str, Any]:
    labels = dict(alert.labels)
    labels["severity"] = burn.severity
    return {"alert": burn.name, "expr": burn_expr(slo, burn), "labels": labels,
            "annotations": burn_annotations(alert, slo, burn)}


def burn_annotations(alert: Alert, slo: Slo, burn: BurnAlert) -> dict[str, str]:
    """The row's annotations, with a summary and description saying how fast the budget burns."""
    out = dict(alert.annotations)
    budget = f"{format_decimal(slo.budget * 100)}%"
    conditions = " or ".join(
        f"{format_decimal(w.factor)}x over {w.long} and {w.short} ({format_decimal(w.budget_percent)}% of the "
        f"budget in {w.long})" for w in burn.windows)
    words = go_literal(alert.metric)
    out["summary"] = f"{words} is burning its error budget {'fast' if burn.speed == 'fast' else 'slowly but steadily'}"
    out["description"] = (
        f"{words}: {{{{ $value | humanizePercentage }}}} of events failed over the short window "
        f"({' or '.join(w.short for w in burn.windows)}); "
        f"the objective {go_literal(alert.threshold.text)} over {slo.period} allows {budget}. The burn rate "
        f"is above {conditions}. {burn.severity.capitalize()} priority.")
    return out


def watch_rule(watch: Watch) -> dict[str, Any]:
    """The alerting rule of a NoData or target alert (monplan/model/watches.py says why these exprs)."""
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
    limit = plan.settings.rules_per_group
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


def generate(plan: Plan) -> MutableMapping[str, bytes]:
    files = collector()
    source = plan.source
    for slug, title in plan.rule_files():
        def render(slug: str = slug, title: str = title) -> dict[str, bytes]:
            comment = header(source, f"Rules for {title}")
            return {rule_file_path(slug): to_yaml({"groups": rule_groups(plan, slug, title)}, comment)}

        files.update(unit(plan, "rules",
                          lambda cache: (slug, title, *map(cache.alert, plan.alerts_in(slug))),  # noqa: B023 - unit() calls it at once
                          render))
    return files
