"""The first event of an "Any occurrence" row is never missed: the recorded query counts a
counter series that appears above zero, proven by promtool evaluating the generated
expression next to the plain increase() that misses it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from monplan.lang.first_event import catch_new_series

from .conftest import build_files

PLAIN = 'sum(increase(errors_total{severity="ERROR"}[5m]))'


def test_only_increase_of_a_plain_selector_is_rewritten() -> None:
    assert catch_new_series("max(uws_customer_code_duplicates)") == "max(uws_customer_code_duplicates)"
    assert catch_new_series("sum(rate(x_total[5m]))") == "sum(rate(x_total[5m]))"
    rewritten = catch_new_series('sum(increase(a_total{k="}"}[10m])) + sum(increase(b_total[1h]))')
    assert rewritten.count(" or increase(") == 2
    assert '(a_total{k="}"} unless a_total{k="}"} offset 10m)' in rewritten
    assert "(up offset 1h == 1)" in rewritten


def test_every_any_row_of_the_plan_records_the_first_event_safe_query() -> None:
    from conftest import ROOT
    from monplan.app.pipeline import load_plan

    plan = load_plan(ROOT / "plan.yaml")
    files = build_files(ROOT / "plan.yaml")
    records = {rule["record"]: rule["expr"] for path, data in files.items() if path.startswith("prometheus/rules/")
               for group in yaml.safe_load(data)["groups"] for rule in group["rules"] if "record" in rule}
    any_rows = [a for a in plan.alerts if a.kind.name == "ANY" and "increase(" in a.query]
    assert {a.name for a in any_rows} >= {"CrossTenantDataAccess", "RLSPolicyViolations", "DatabaseErrors"}
    for alert in any_rows:
        assert records[alert.record] == catch_new_series(alert.query)
        assert "unless" in records[alert.record]
    others = [a for a in plan.alerts if a.kind.name != "ANY"]
    from monplan.lang.no_events import guard_event_counts, guard_event_ratios

    # event ratios and sums of events read 0, see no_events.py
    assert all(records[a.record] == guard_event_counts(guard_event_ratios(a.query)) for a in others)
    assert any(records[a.record] != a.query for a in others)


def test_promtool_shows_the_plain_query_missing_the_first_event_and_the_generated_one_catching_it(
        promtool: str, tmp_path: Path) -> None:
    rules = {"groups": [{"name": "t", "rules": [{"record": "plain", "expr": PLAIN},
                                                {"record": "safe", "expr": catch_new_series(PLAIN)}]}]}
    (tmp_path / "rules.yml").write_text(yaml.safe_dump(rules))
    series = [
        # A target scraped all along; its ERROR series appears at 10m, already at 1.
        {"series": 'up{job="app", instance="a"}', "values": "1x30"},
        {"series": 'errors_total{job="app", instance="a", severity="ERROR"}', "values": "_x9 1x20"},
        # A target first scraped at 10m, whose counter already holds 7 old events: not new.
        {"series": 'up{job="new", instance="b"}', "values": "_x9 1x20"},
        {"series": 'errors_total{job="new", instance="b", severity="ERROR"}', "values": "_x9 7x20"},
        # A target with a steadily increasing counter: both count the increase.
        {"series": 'up{job="app", instance="c"}', "values": "1x30"},
        {"series": 'errors_total{job="app", instance="c", severity="ERROR"}', "values": "0x19 0+2x10"},
    ]

    def at(minute: int, plain: list, safe: list) -> list[dict]:
        return [{"expr": "plain", "eval_time": f"{minute}m", "exp_samples": plain},
                {"expr": "safe", "eval_time": f"{minute}m", "exp_samples": safe}]

    zero = [{"labels": "plain", "value": 0}]
    tests = {"rule_files": ["rules.yml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series,
        "promql_expr_test": [
            # At the first event only the generated query sees it...
            *at(10, zero, [{"labels": "safe", "value": 1}]),
            *at(12, zero, [{"labels": "safe", "value": 1}]),
            # ...for the row's window (5m), then both read increase() again.
            *at(16, zero, [{"labels": "safe", "value": 0}]),
            # A steady counter counts the same in both (2 per minute over 5m).
            *at(25, [{"labels": "plain", "value": 10}], [{"labels": "safe", "value": 10}]),
        ],
    }]}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    proc = subprocess.run([promtool, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
