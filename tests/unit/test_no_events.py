"""Event ratios read 0 while only the denominator has series (monplan/lang/no_events.py)."""

from __future__ import annotations

import promql_parser
import pytest

from monplan.lang.no_events import guard_event_ratios

ERRORS = 'sum(rate(http_requests_total{code=~"5.."}[5m]))'
TOTAL = "sum(rate(http_requests_total[5m]))"


@pytest.mark.parametrize(("query", "expected"), [
    (f"{ERRORS} / {TOTAL}", f"({ERRORS} / {TOTAL} or 0 * ({TOTAL}) / ({TOTAL}))"),
    (f"1 - {ERRORS} / {TOTAL}", f"1 - ({ERRORS} / {TOTAL} or 0 * ({TOTAL}) / ({TOTAL}))"),
    (f"100 * ({ERRORS} / {TOTAL})", f"100 * (({ERRORS} / {TOTAL} or 0 * ({TOTAL}) / ({TOTAL})))"),
    (f"({ERRORS} / {TOTAL}) * 100", f"(({ERRORS} / {TOTAL} or 0 * ({TOTAL}) / ({TOTAL}))) * 100"),
    ("sum by (route) (increase(e[1h])) / sum by (route) (increase(t[1h]))",
     "(sum by (route) (increase(e[1h])) / sum by (route) (increase(t[1h])) or 0 * (sum by (route) (increase(t[1h]))) / (sum by (route) (increase(t[1h]))))"),
    ('sum(rate(a{path="/x/y"}[5m]) + rate(b[5m])) / sum(rate(c[5m]))',
     '(sum(rate(a{path="/x/y"}[5m]) + rate(b[5m])) / sum(rate(c[5m])) or 0 * (sum(rate(c[5m]))) / (sum(rate(c[5m]))))'),
])
def test_event_ratios_fall_back_to_zero_times_the_denominator_over_itself(query: str, expected: str) -> None:
    guarded = guard_event_ratios(query)
    assert guarded == expected
    promql_parser.parse(guarded)  # still PromQL


@pytest.mark.parametrize("query", [
    "node_filesystem_avail_bytes / node_filesystem_size_bytes",  # a gauge gone is data gone
    "sum(avg_over_time(queue_depth[5m])) / sum(rate(jobs_total[5m]))",
    "rate(errors_total[5m]) / rate(requests_total[5m])",  # bare series: labels may not match at all
    "sum by (a) (rate(e[5m])) / sum by (b) (rate(t[5m]))",  # different groupings
    "sum(rate(e[5m])) / on (job) group_left sum by (job) (rate(t[5m]))",  # vector matching
    "avg(rate(e[5m])) / avg(rate(t[5m]))",
    "rate(e[5m]) / 60",
    "histogram_quantile(0.95, sum by (le) (rate(latency_bucket[5m])))",
    "sum(rate(e[5m])) / sum(rate(t[5m])) > 0.1",  # a comparison: its own filter, left alone
    "not promql (",
])
def test_other_queries_stay_as_written(query: str) -> None:
    assert guard_event_ratios(query) == query


def test_a_slash_inside_strings_and_brackets_is_not_the_division() -> None:
    query = 'sum(rate(a{path="/a/b", q=~"x/y"}[5m])) / sum(rate(a{path=~"/.*"}[5m]))'
    guarded = guard_event_ratios(query)
    assert guarded.endswith('or 0 * (sum(rate(a{path=~"/.*"}[5m]))) / (sum(rate(a{path=~"/.*"}[5m]))))')
    assert str(promql_parser.parse(guarded).expr.lhs) == str(promql_parser.parse(query))


@pytest.mark.parametrize(("query", "expected"), [
    ('sum(increase(http_requests_total{job="checkout",code=~"5.."}[5m]))',
     '(sum(increase(http_requests_total{job="checkout",code=~"5.."}[5m])) or 0 * group(http_requests_total{job="checkout"}))'),
    ('sum(rate(orders_total{service="checkout",kind="gift"}[1h]))',  # a per-service row: that service's metric
     '(sum(rate(orders_total{service="checkout",kind="gift"}[1h])) or 0 * group(orders_total{service="checkout"}))'),
    ("sum(rate(a_total[5m]) + rate(b_total[5m]))", "(sum(rate(a_total[5m]) + rate(b_total[5m])) or 0 * group(a_total or b_total))"),
])
def test_sums_of_events_read_zero_while_their_metric_has_series(query: str, expected: str) -> None:
    from monplan.lang.no_events import guard_event_counts

    assert guard_event_counts(query) == expected
    promql_parser.parse(expected)


@pytest.mark.parametrize("query", [
    "sum by (code) (increase(x_total[5m]))",  # one series per group: which would be 0 is unknown
    "sum(queue_depth)", "max(increase(x_total[5m]))", "sum(increase(x_total[5m] offset 1d))",
    f"({ERRORS} / {TOTAL} or 0 * ({TOTAL}) / ({TOTAL}))",
])
def test_other_sums_stay_as_written(query: str) -> None:
    from monplan.lang.no_events import guard_event_counts

    assert guard_event_counts(query) == query
