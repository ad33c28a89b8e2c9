"""Ordinary plans, as a new user writes them from the README, under promtool with input series
written by hand (not by monplan's own test generator): alerts that must page do, and those
that must resolve or stay quiet do."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from conftest import run_monplan
from monplan.lang.first_event import counts_failures_of_a_gauge

pytestmark = pytest.mark.promtool

HEAD = """\
version: 1
system: Shop
timezone: UTC
deployment:
  time: 2026-12-03T09:00:00+00:00
alert_routing:
  receivers:
    - {name: pager, webhook: {url: "http://pager:8080/"}}
  routes:
    critical: {receivers: [pager]}
    high: {receivers: [pager]}
    medium: {receivers: [pager]}
"""


def build(tmp_path: Path, sections: str) -> tuple[Path, dict[str, dict[str, Any]]]:
    """Build HEAD + sections; the output folder and every alerting rule by name."""
    (tmp_path / "plan.yaml").write_text(HEAD + sections)
    out = tmp_path / "gen"
    result = run_monplan("-q", "build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    rules = {rule["alert"]: rule for f in sorted(out.glob("prometheus/rules/**/*.yml"))
             for group in yaml.safe_load(f.read_text())["groups"] for rule in group["rules"] if "alert" in rule}
    return out, rules


def expected(rules: dict[str, dict[str, Any]], name: str) -> dict[str, Any]:
    """The one alert `name` as promtool reports it (annotations without templates only)."""
    rule = rules[name]
    assert not any("{{" in value for value in rule["annotations"].values()), "templated annotations: check labels only"
    return {"exp_labels": rule["labels"], "exp_annotations": rule["annotations"]}


def fired(rules: dict[str, dict[str, Any]], name: str, value: str) -> dict[str, Any]:
    """The one alert `name` as promtool reports it, its `{{ $value | ... }}` printed as `value`."""
    rule = rules[name]
    annotations = {key: re.sub(r"\{\{ \$value \| \w+ \}\}", value, text) for key, text in rule["annotations"].items()}
    return {"exp_labels": rule["labels"], "exp_annotations": annotations}


def promtool_test(promtool: str, out: Path, series: list[dict[str, str]], checks: list[dict[str, Any]],
                  evaluation: str = "1m") -> subprocess.CompletedProcess[str]:
    rules = sorted(str(p.relative_to(out)) for p in out.glob("prometheus/rules/**/*.yml"))
    test = {"rule_files": rules, "evaluation_interval": evaluation,
            "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": checks}]}
    (out / "behaviour-test.yml").write_text(yaml.safe_dump(test, sort_keys=False))
    return subprocess.run([promtool, "test", "rules", "behaviour-test.yml"], cwd=out, capture_output=True,
                          text=True, timeout=300, check=False)


# --- an "Any failure" row over a health gauge must say when its gauge is gone -------------------

@pytest.mark.parametrize(("query", "watched"), [
    ('sum(1 - pg_up{job="postgres"})', True),
    ('sum(1 - probe_success{job="healthcheck", check="database"})', True),
    ('max(1 - up{job="db"})', True),
    ("1 - min(avg_over_time(probe_success[5m]))", True),
    ("sum(1 - (up == bool 1))", True),
    ("sum(increase(errors_total[5m]))", False),  # a counter's series may appear at its first event
    ("sum(kube_pod_container_status_waiting_reason{reason=\"CrashLoopBackOff\"})", False),  # exists only while failing
    ("count(up == 0)", False),  # empty while healthy
    ("sum(1 - (up == 1))", False),
    ("sum(1 - rate(x_total[5m]))", False),
    ("sum(1 - (up and on (job) probe_success))", False),
])
def test_a_failure_count_of_a_health_gauge_is_told_from_event_counts(query: str, watched: bool) -> None:
    assert counts_failures_of_a_gauge(query) is watched


ANY_GAUGE = """\
sections:
  - title: System Availability
    metrics:
      - {metric: Database Connectivity, tool: Health Checks, threshold: Any failure, priority: Critical,
         query: 'sum(1 - pg_up{job="postgres"})'}
      - {metric: Checkout Errors, threshold: Any occurrence, priority: High,
         query: 'sum(increase(checkout_errors_total[5m]))'}
"""


def test_an_any_failure_row_over_a_health_gauge_pages_when_the_gauge_vanishes(tmp_path: Path, promtool: str) -> None:
    # The starter plan's Database Connectivity: `sum(1 - pg_up)` is 0 while the database is up.
    # When postgres_exporter stops exposing pg_up the sum is empty, the Critical alert can never
    # fire again, and nothing said so: "Any" rows got no NoData alert at all.
    out, rules = build(tmp_path, ANY_GAUGE)
    assert "DatabaseConnectivityNoData" in rules
    assert "CheckoutErrorsNoData" not in rules  # a counter's series may rightly be absent until its first event
    result = promtool_test(promtool, out, [{"series": 'pg_up{job="postgres",instance="db:9187"}', "values": "1x30 stale"}], [
        {"eval_time": "30m", "alertname": "DatabaseConnectivityNoData", "exp_alerts": []},
        {"eval_time": "30m", "alertname": "DatabaseConnectivity", "exp_alerts": []},
        {"eval_time": "50m", "alertname": "DatabaseConnectivityNoData", "exp_alerts": [expected(rules, "DatabaseConnectivityNoData")]},
    ])
    assert result.returncode == 0, result.stdout + result.stderr


# --- an event ratio while no event at all comes ---------------------------------------------------

RATIOS = """\
sections:
  - title: Checkout
    metrics:
      - {metric: Checkout Success Rate, threshold: "<99%", priority: High,
         query: 'sum(rate(http_requests_total{job="checkout",code="200"}[5m])) / sum(rate(http_requests_total{job="checkout"}[5m]))'}
      - {metric: Checkout Failure Rate, threshold: ">1%", priority: High,
         query: '1 - sum(rate(http_requests_total{job="checkout",code="200"}[5m])) / sum(rate(http_requests_total{job="checkout"}[5m]))'}
      - {metric: Checkout Error Rate, threshold: ">1%", priority: High,
         query: 'sum(rate(http_requests_total{job="checkout",code="503"}[5m])) / sum(rate(http_requests_total{job="checkout"}[5m]))'}
"""


def test_an_idle_service_neither_reads_a_zero_success_ratio_nor_pages_for_no_data(tmp_path: Path, promtool: str) -> None:
    # Three 503s at start-up, then an idle night. No 200 since the restart, so the numerator
    # `code="200"` has no series: the rule's `or 0 * D` read 0% success (and 100% failure) with
    # D = 0, and both alerts paged all night. N / D with the 200 series present is 0 / 0 = NaN,
    # quiet; the fallback must be the same.
    out, rules = build(tmp_path, RATIOS)
    idle = "0 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3 3"
    quiet = [{"eval_time": "40m", "alertname": name, "exp_alerts": []}
             for name in ("CheckoutSuccessRate", "CheckoutFailureRate", "CheckoutErrorRate", "CheckoutSuccessRateNoData",
                          "CheckoutFailureRateNoData", "CheckoutErrorRateNoData")]
    result = promtool_test(promtool, out, [{"series": 'http_requests_total{job="checkout",instance="a:8080",code="503"}',
                                            "values": idle}], quiet)
    assert result.returncode == 0, result.stdout + result.stderr

    # Traffic that never succeeds still reads 0% success, 100% failure and 100% errors: all fire.
    failing = " ".join(str(3 + 10 * i) for i in range(46))
    result = promtool_test(promtool, out, [{"series": 'http_requests_total{job="checkout",instance="a:8080",code="503"}',
                                            "values": failing}], [
        {"eval_time": "40m", "alertname": "CheckoutSuccessRate", "exp_alerts": [fired(rules, "CheckoutSuccessRate", "0%")]},
        {"eval_time": "40m", "alertname": "CheckoutFailureRate", "exp_alerts": [fired(rules, "CheckoutFailureRate", "100%")]},
        {"eval_time": "40m", "alertname": "CheckoutErrorRate", "exp_alerts": [fired(rules, "CheckoutErrorRate", "100%")]},
    ])
    assert result.returncode == 0, result.stdout + result.stderr


# --- an "Any" counter whose series was missing for a while ------------------------------------

ANY_COUNTER = """\
sections:
  - title: Security
    metrics:
      - {metric: RLS Violations, threshold: Any occurrence, priority: Critical,
         query: 'sum(increase(uws_rls_policy_violations_total[5m]))'}
"""
COUNTER = 'uws_rls_policy_violations_total{job="postgres",instance="db:9187"}'
UP = {"series": 'up{job="postgres",instance="db:9187"}', "values": "1x240"}  # the target answers every scrape


def _scraped_every_15s(promtool: str, out: Path, values: str, checks: list[dict[str, Any]]) -> subprocess.CompletedProcess[str]:
    rules = sorted(str(p.relative_to(out)) for p in out.glob("prometheus/rules/**/*.yml"))
    test = {"rule_files": rules, "evaluation_interval": "1m",
            "tests": [{"interval": "15s", "input_series": [{"series": COUNTER, "values": values}, UP], **checks_by_kind(checks)}]}
    (out / "behaviour-test.yml").write_text(yaml.safe_dump(test, sort_keys=False))
    return subprocess.run([promtool, "test", "rules", "behaviour-test.yml"], cwd=out, capture_output=True,
                          text=True, timeout=300, check=False)


def checks_by_kind(checks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    return {"alert_rule_test": [c for c in checks if "alertname" in c], "promql_expr_test": [c for c in checks if "expr" in c]}


def test_an_any_counter_back_from_a_gap_at_its_old_total_is_no_new_event(tmp_path: Path, promtool: str) -> None:
    # `SELECT count(*) FROM audit.rls_violations` (3 rows, long ago) times out: postgres_exporter
    # leaves the series out for two minutes while `up` stays 1, then reads 3 again. The
    # first-event guard took the series, missing 5m earlier, for a new one and counted all 3:
    # a Critical page for violations that never happened.
    out, rules = build(tmp_path, ANY_COUNTER)
    back = "3x120 stale _x7 3x100"
    quiet = [{"eval_time": f"{minute}m", "alertname": "RLSViolations", "exp_alerts": []} for minute in range(31, 45)]
    result = _scraped_every_15s(promtool, out, back, quiet)
    assert result.returncode == 0, result.stdout + result.stderr

    # Two violations while the query was failing are counted when it reads again ...
    gained = [{"expr": "monplan:rls_violations:count", "eval_time": "36m",
               "exp_samples": [{"labels": "monplan:rls_violations:count", "value": 2}]}]
    result = _scraped_every_15s(promtool, out, "3x120 stale _x7 5x100", gained)
    assert result.returncode == 0, result.stdout + result.stderr
    # ... and a counter that starts again from 0 (a restart) and comes back at its first event, 1.
    restarted = [{"expr": "monplan:rls_violations:count", "eval_time": "37m",
                  "exp_samples": [{"labels": "monplan:rls_violations:count", "value": 1}]},
                 {"eval_time": "37m", "alertname": "RLSViolations", "exp_alerts": [fired(rules, "RLSViolations", "1")]}]
    result = _scraped_every_15s(promtool, out, "3x120 stale _x20 1x100", restarted)
    assert result.returncode == 0, result.stdout + result.stderr


# --- a row comparing with last week, in its first week --------------------------------------------

OFFSETS = """\
sections:
  - title: Traffic
    metrics:
      - {metric: Traffic vs Last Week, threshold: "<50%", priority: High,
         query: 'sum(rate(http_requests_total[5m])) / sum(rate(http_requests_total[5m] offset 1w))'}
      - {metric: Orders vs Yesterday, threshold: "<50%", priority: High,
         query: 'sum(increase(orders_total[1h])) / sum(increase(orders_total[1h] offset 1d))'}
"""


def test_a_row_reading_last_week_does_not_page_no_data_through_its_first_week(tmp_path: Path, promtool: str) -> None:
    # A fresh Prometheus holds no week (no day) of history: the ratios have no value, and their
    # NoData alerts paged the on-call every 4 hours of the first week ("check that its targets
    # are up") while traffic and orders flowed. Once the data itself goes, they must still page.
    out, rules = build(tmp_path, OFFSETS)
    series = [{"series": 'http_requests_total{job="shop",instance="a:8080"}', "values": "0+100x60 stale"},
              {"series": 'orders_total{job="shop",instance="a:8080"}', "values": "0+5x60 stale"}]
    names = ("TrafficVsLastWeekNoData", "OrdersVsYesterdayNoData")
    result = promtool_test(promtool, out, series, [
        *({"eval_time": "59m", "alertname": name, "exp_alerts": []} for name in names),
        # the data gone at 61m: rate() has none from 66m, orders' 1h increase() none from 2h1m
        {"eval_time": "90m", "alertname": "TrafficVsLastWeekNoData", "exp_alerts": [expected(rules, names[0])]},
        {"eval_time": "136m", "alertname": "OrdersVsYesterdayNoData", "exp_alerts": [expected(rules, names[1])]},
    ])
    assert result.returncode == 0, result.stdout + result.stderr


# --- a count of events whose labelled series appear at the first event ---------------------------

COUNTS = """\
sections:
  - title: Checkout
    metrics:
      - {metric: Checkout 5xx Errors, threshold: "> 10", priority: High,
         query: 'sum(increase(http_requests_total{job="checkout",code=~"5.."}[5m]))'}
"""


def test_a_healthy_service_that_never_answered_a_5xx_does_not_page_for_no_data(tmp_path: Path, promtool: str) -> None:
    # Client libraries create http_requests_total{code="500"} at the first 500: the sum had no
    # value at all, and Checkout5xxErrorsNoData paged the on-call 15 minutes after every start,
    # then every 4 hours, until the first 5xx ever.
    out, rules = build(tmp_path, COUNTS)
    ok = {"series": 'http_requests_total{job="checkout",instance="a:8080",code="200"}', "values": "0+100x40 stale"}
    errors = {"series": 'http_requests_total{job="checkout",instance="a:8080",code="503"}', "values": "_x20 0+5x10 stale"}
    result = promtool_test(promtool, out, [ok, errors], [
        {"eval_time": "19m", "alertname": "Checkout5xxErrorsNoData", "exp_alerts": []},
        {"eval_time": "19m", "alertname": "Checkout5xxErrors", "exp_alerts": []},
        # 5 a minute for 10 minutes: 25 in 5m
        {"eval_time": "31m", "alertname": "Checkout5xxErrors", "exp_alerts": [{"exp_labels": rules["Checkout5xxErrors"]["labels"],
                                                                            "exp_annotations": fired(rules, "Checkout5xxErrors", "25")["exp_annotations"]}]},
        {"eval_time": "39m", "alertname": "Checkout5xxErrorsNoData", "exp_alerts": []},
        # the whole metric gone from the job (renamed, not scraped): no data, said so
        {"eval_time": "60m", "alertname": "Checkout5xxErrorsNoData", "exp_alerts": [expected(rules, "Checkout5xxErrorsNoData")]},
    ])
    assert result.returncode == 0, result.stdout + result.stderr
