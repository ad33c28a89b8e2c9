"""An "Any" row's `for:` longer than one event keeps its query above zero can never fire on a
single event: alerts/any-for-window warns at the `for:` (monplan/checks/any_for.py), and
promtool shows the longest `for:` it allows firing on one event where a longer one never does,
for a counter that was at 0 and for one that appears at its first event."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import warnings_of
from monplan.lang.first_event import longest_window_ms, single_event_wait_ms

MINUTE = 60_000


@pytest.mark.parametrize(("query", "window"), [
    ("sum(increase(errors_total[5m]))", 5 * MINUTE),
    ("sum(rate(errors_total[10m])) * 600", 10 * MINUTE),
    ("sum(increase(a_total[5m])) + sum(increase(b_total[1h]))", 60 * MINUTE),  # the longest keeps it up longest
    ("changes(process_start_time_seconds[15m])", 15 * MINUTE),
    ("sum(1 - probe_success)", None),  # a gauge: no window, stays up as long as it fails
    ("max(max_over_time(queue_errors[5m]))", None),  # a gauge's window does not end an event
    ("sum(irate(errors_total[5m]))", None),  # one scrape interval: not this check's
    ("max_over_time(sum(increase(errors_total[5m]))[1h:1m])", None),  # subqueries are left alone
    ("not promql (", None),
])
def test_the_window_that_ends_an_event_is_the_longest_counting_range(query: str, window: int | None) -> None:
    assert longest_window_ms(query) == window


@pytest.mark.parametrize(("window", "scrape", "evaluation", "expected"), [
    (5 * MINUTE, MINUTE, MINUTE, (3 * MINUTE, 4 * MINUTE)),  # seen for 4m: 4 or 5 evaluations
    (5 * MINUTE, 15_000, MINUTE, (3 * MINUTE, 4 * MINUTE)),  # 4m45s: still 4 or 5
    (5 * MINUTE, 15_000, 30_000, (4 * MINUTE, 4 * MINUTE + 30_000)),
    (MINUTE, MINUTE, MINUTE, (-1, -1)),  # the window is one scrape: not even seen
    (2 * MINUTE, MINUTE, MINUTE, (0, MINUTE)),  # only at once
])
def test_the_longest_wait_one_event_fires_whatever_the_timing(window: int, scrape: int, evaluation: int,
                                                              expected: tuple[int, int]) -> None:
    assert single_event_wait_ms(window, scrape, evaluation) == expected


PLAN = """\
version: 1
system: Fors
timezone: UTC
deployment:
  time: 2026-12-03T09:00:00+00:00
defaults:
  evaluation_interval: 1m
sections:
  - title: Fors
    metrics:
      - {metric: Allowed Wait, threshold: Any occurrence, priority: Critical, for: 3m, query: "sum(increase(allowed_total[5m]))"}
      - {metric: Too Long Wait, threshold: Any occurrence, priority: Critical, for: 5m, query: "sum(increase(too_long_total[5m]))"}
      - {metric: Lucky Wait, threshold: Any occurrence, priority: Critical, for: 4m, query: "sum(increase(lucky_total[5m]))"}
      - {metric: Hour Wait, threshold: Any occurrence, priority: Critical, for: 1h, query: "sum(increase(hour_total[5m]))"}
      - {metric: Widened Wait, threshold: Any occurrence, priority: Critical, for: 5m, query: "sum(increase(wide_total[7m]))"}
      - {metric: Failing Probe, threshold: Any failure, priority: Critical, for: 1h, query: "sum(1 - probe_success)"}
      - {metric: No Wait, threshold: Any occurrence, priority: Critical, query: "sum(increase(none_total[5m]))"}
      - {metric: Sustained Count, threshold: ">3", priority: High, for: 1h, query: "sum(increase(count_total[5m]))"}
"""


def _warnings(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    return warnings_of(tmp_path, text, "alerts/any-for-window")


def test_any_rows_whose_for_outlasts_one_event_are_warned_at_their_for(tmp_path: Path) -> None:
    found = _warnings(tmp_path, PLAN)
    assert [(line, column) for line, column, _ in found] == [(12, 85), (13, 82), (14, 81)]
    too_long, lucky, hour = (message for _, _, message in found)
    assert too_long.startswith('"for: 5m" on an "Any" row: one event keeps the query above zero for 4m (its [5m] '
                               "window less a 1m scrape interval, Prometheus' default without collection:), so one "
                               "event can never fire TooLongWait")
    assert 'write "for: 3m" or less' in too_long and "widen the window to [7m]" in too_long
    assert "only when the rule evaluations (every 1m) happen to fall right" in lucky
    assert "widen the window to [1h2m]" in hour


def test_the_scrape_interval_of_the_collection_and_the_evaluation_interval_count(tmp_path: Path) -> None:
    plan = PLAN.replace("evaluation_interval: 1m", "evaluation_interval: 30s") + (
        "collection:\n  scrape_interval: 15s\n  applications:\n    - {job: app, targets: [\"app:9100\"]}\n")
    found = _warnings(tmp_path, plan)
    # Seen for 4m45s, evaluated every 30s: 4m always fires, 4m30s at best; 5m and 1h are too long.
    assert [line for line, _, _ in found] == [12, 14]
    assert "above zero for 4m45s (its [5m] window less the 15s scrape interval)" in found[0][2]
    assert 'write "for: 4m" or less' in found[0][2]


def test_a_service_override_of_for_is_warned_at_the_override(tmp_path: Path) -> None:
    plan = """\
version: 1
system: Fors
services:
  - name: billing
    overrides:
      Breaches: {for: 30m}
  - name: shop
sections:
  - title: Fors
    per_service: true
    metrics:
      - {metric: Breaches, threshold: Any occurrence, priority: Critical, for: 2m, query: 'sum(increase(b_total{service="${service}"}[5m]))'}
"""
    found = _warnings(tmp_path, plan)
    assert [(line, column) for line, column, _ in found] == [(6, 23)]


@pytest.mark.promtool
@pytest.mark.parametrize("first", ["0x9 1x50", "_x10 1x50"], ids=["counter-at-zero", "series-appearing-at-1"])
def test_promtool_the_allowed_for_fires_on_one_event_and_the_warned_one_never(
        tmp_path: Path, promtool: str, first: str) -> None:
    from conftest import run_monplan

    (tmp_path / "plan.yaml").write_text(PLAN)
    result = run_monplan("-q", "build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "gen"))
    assert result.returncode == 0, result.stderr
    counters = ("allowed", "too_long", "lucky", "hour", "wide")
    # One event at minute 10 on each counter (0x9 is ten zeros, _x10 ten gaps), on a target scraped all along, every minute.
    series = [{"series": 'up{job="app", instance="a"}', "values": "1x60"},
              *({"series": f'{name}_total{{job="app", instance="a"}}', "values": first} for name in counters)]
    labels = 'alertstate="firing",component="fors",service="fors",severity="critical"'
    fired = [{"labels": f'{{alertname="{name}",{labels}}}', "value": 1}
             # promtool evaluates on the scrape grid, the luckiest timing: the 4m row fires there.
             for name in ("AllowedWait", "LuckyWait", "WidenedWait")]
    tests = {"rule_files": ["gen/prometheus/rules/fors.yml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series,
        "promql_expr_test": [
            # Whatever fired at any time in the hour after the event: never TooLongWait nor HourWait.
            {"expr": 'max_over_time(ALERTS{alertstate="firing", severity="critical"}[55m])', "eval_time": "60m", "exp_samples": fired},
        ],
        "alert_rule_test": [{"eval_time": "12m", "alertname": "AllowedWait", "exp_alerts": []},  # pending
                            {"eval_time": "15m", "alertname": "TooLongWait", "exp_alerts": []}],
    }]}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    proc = subprocess.run([promtool, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
