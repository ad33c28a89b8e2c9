"""The arithmetic of SLO rows: exact budgets, Sloth's burn factors, severities, SLI queries."""

from __future__ import annotations

from decimal import Decimal

import pytest

from monplan.lang.thresholds import parse_threshold
from monplan.model.slo import (
    bucket_problem,
    bucket_selector,
    burn_alerts,
    burn_factor,
    le_matcher,
    sli_templates,
)


def test_the_budget_of_99_9_percent_is_exactly_one_thousandth() -> None:
    objective = parse_threshold("<99.9%").value
    assert 1 - objective == Decimal("0.001")
    assert str(1 - objective) == "0.001"


@pytest.mark.parametrize(("period", "expected"), [
    # Sloth's windows (internal/alert/windows/google-30d.yaml, google-28d.yaml) and factors.
    ("30d", ["14.4", "6", "3", "1"]),
    ("28d", ["13.44", "5.6", "2.8", "0.933333333333333"]),
    ("7d", ["3.36", "1.4", "0.7", "0.233333333333333"]),
])
def test_burn_factors_follow_sloths_budget_share_times_period_over_long_window(period: str, expected: list[str]) -> None:
    fast, slow = burn_alerts("X", "critical", period)
    factors = [str(window.factor) for alert in (fast, slow) for window in alert.windows]
    assert factors == expected
    assert [(w.long, w.short) for a in (fast, slow) for w in a.windows] == [("1h", "5m"), ("6h", "30m"),
                                                                            ("1d", "2h"), ("3d", "6h")]


def test_a_factor_is_the_speed_that_spends_the_budget_share_in_the_long_window() -> None:
    assert burn_factor(Decimal(2), "30d", "1h") == Decimal("14.4")
    assert burn_factor(Decimal(100), "30d", "30d") == Decimal(1)


@pytest.mark.parametrize(("priority", "slow"), [("critical", "high"), ("high", "medium"), ("medium", "medium")])
def test_fast_burn_keeps_the_priority_and_slow_burn_is_one_lower(priority: str, slow: str) -> None:
    fast_alert, slow_alert = burn_alerts("Api", priority, "30d")
    assert (fast_alert.name, fast_alert.severity) == ("ApiFastBurn", priority)
    assert (slow_alert.name, slow_alert.severity) == ("ApiSlowBurn", slow)


def test_errors_without_series_count_as_zero_and_no_traffic_leaves_no_ratio() -> None:
    templates = sli_templates("sum(rate(e[${window}]))", None, "sum(rate(t[${window}]))")
    ratio = "((sum(rate(e[${window}]))) or (0 * (sum(rate(t[${window}]))))) / ((sum(rate(t[${window}]))) > 0)"
    assert templates == (ratio, "sum(rate(t[${window}]))")
    assert sli_templates(None, None, "t") is None
    assert sli_templates("e", None, None) is None


def test_a_latency_sli_counts_requests_above_the_bound_as_errors() -> None:
    ratio, total = sli_templates(None, None, None, Decimal("0.5"), 'x_bucket{job="a"}') or ("", "")
    assert ratio == ('1 - (sum(rate(x_bucket{job="a",le="0.5"}[${window}]))) / '
                     '((sum(rate(x_bucket{job="a",le="+Inf"}[${window}]))) > 0)')
    assert total == 'sum(rate(x_bucket{job="a",le="+Inf"}[${window}]))'


def test_a_whole_second_bound_matches_go_and_python_clients() -> None:
    assert le_matcher(Decimal(1)) == 'le=~"1(\\\\.0)?"'
    assert bucket_selector("x_bucket", 'le="0.25"') == 'x_bucket{le="0.25"}'


@pytest.mark.parametrize(("selector", "problem"), [
    ('x_bucket{job="a"}', None),
    ("x_seconds", "is not a histogram bucket series"),
    ('x_bucket{le="1"}', "must not match le"),
    ("rate(x_bucket[5m])", "expected a series selector"),
])
def test_buckets_must_be_a_plain_bucket_selector(selector: str, problem: str | None) -> None:
    found = bucket_problem(selector)
    assert (found is None) if problem is None else (found is not None and problem in found)
