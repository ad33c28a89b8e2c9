"""The raw counters of the generated SLO tests: which series feed which SLI, the scenarios'
designed states for every period, and the fallback for an SLI monplan cannot feed."""

from __future__ import annotations

import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import run_monplan
from monplan.generators import slo_feed
from monplan.generators.slo_feed import _labels, counter_notation, just_above, just_below
from monplan.model.slo import Slo, burn_alerts, sli_templates


def _slo(kind: str = "errors", period: str = "30d", objective: str = "0.999", **sli: str) -> Slo:
    fast, slow = burn_alerts("X", "critical", period)
    latency = Decimal(sli["latency"]) if "latency" in sli else None
    ratio, total = sli_templates(sli.get("errors"), sli.get("good"), sli.get("total"), latency, sli.get("buckets"),
                                 sli.get("ratio"))
    return Slo(period, Decimal(objective), kind, ratio, total, "monplan:x", fast, slow, latency,
               sli=tuple(sli.items()))


def test_errors_and_total_of_one_metric_get_a_bad_series_and_one_the_errors_query_does_not_read() -> None:
    slo = _slo(errors='sum(rate(http_requests_total{job="api",code=~"(5..|429)"}[${window}]))',
               total='sum(rate(http_requests_total{job="api"}[${window}]))')
    assert slo_feed.raw_series(slo) == (
        slo_feed.Raw('http_requests_total{code="500", job="api"}', "bad"),
        slo_feed.Raw('http_requests_total{code="monplan_other", job="api"}', "good"))


def test_good_and_total_of_two_metrics_get_a_series_each() -> None:
    slo = _slo("good", good='sum(increase(logins_ok_total{env!="dev"}[${window}]))',
               total='sum(rate(logins_total[${window}]))')
    assert slo_feed.raw_series(slo) == (slo_feed.Raw('logins_ok_total{env="monplan_other"}', "good"),
                                        slo_feed.Raw("logins_total", "total"))


def test_a_latency_sli_gets_the_bound_bucket_and_the_inf_bucket() -> None:
    slo = _slo("latency", latency="1", buckets='rpc_seconds_bucket{job="rpc"}')
    assert slo_feed.raw_series(slo) == (slo_feed.Raw('rpc_seconds_bucket{job="rpc", le="1"}', "good"),
                                        slo_feed.Raw('rpc_seconds_bucket{job="rpc", le="+Inf"}', "total"))


def test_a_ratio_sli_of_two_sums_of_rates_is_fed_like_errors_and_total() -> None:
    slo = _slo("ratio", ratio='sum(rate(search_errors_total{job="s"}[${window}])) / '
                              'sum(rate(search_requests_total{job="s"}[${window}]))')
    assert slo_feed.raw_series(slo) == (slo_feed.Raw('search_errors_total{job="s"}', "bad"),
                                        slo_feed.Raw('search_requests_total{job="s"}', "total"))
    assert slo_feed.raw_series(_slo("ratio", ratio="1 - avg(probe_success[${window}])")) is None


@pytest.mark.parametrize("errors", [
    'sum(rate(a_total[${window}])) - sum(rate(b_total[${window}]))',  # no single selector
    'sum by (job) (rate(a_total[${window}]))',                         # grouped
    'sum(rate(a_total{job="x"}[${window}] offset 1h))',                # offset
])
def test_shapes_monplan_cannot_feed_are_none(errors: str) -> None:
    assert slo_feed.raw_series(_slo(errors=errors, total="sum(rate(a_total[${window}]))")) is None


def test_a_total_that_reads_no_series_beyond_the_errors_cannot_be_fed() -> None:
    slo = _slo(errors='sum(rate(r_total{job="a"}[${window}]))', total='sum(rate(r_total{job="b"}[${window}]))')
    assert slo_feed.raw_series(slo) is None


def test_labels_match_regexes_and_avoid_the_other_selector() -> None:
    assert _labels([("code", "=~", "5.."), ("job", "=", "api")]) == {"code": "500", "job": "api"}
    assert _labels([("job", "=", "api")], avoid=[("code", "=~", "5..")]) == {"code": "monplan_other", "job": "api"}
    assert _labels([("code", "!~", "2..|3..")]) == {"code": "monplan_other"}
    assert _labels([("job", "=", "a"), ("job", "=", "b")]) is None


def test_counter_notation_adds_each_step() -> None:
    assert counter_notation([5, 5, 5, 0, 0, 7]) == "0+5x3 15 15 22"  # 0 5 10 15, 15 15 22
    assert counter_notation([3]) == "0 3"


def test_levels_are_within_a_thousandth_of_the_limit() -> None:
    for limit in (Decimal("0.0144"), Decimal("0.00933333333333333"), Decimal("0.001")):
        assert limit < just_above(limit) <= limit * Decimal("1.001")
        assert limit * Decimal("0.999") <= just_below(limit) < limit


def designed(title: str) -> tuple[str, list[tuple[bool, bool]]]:
    """The scenario's kind and (FastBurn, SlowBurn) at each of its checks, by design."""
    if title.startswith("at the objective"):
        return "objective", [(False, False)] * 3
    if title.startswith("every window just below"):
        return "below fast", [(False, True)] * 2
    if title.startswith("every window just above") and "FastBurn fires" in title:
        return "above fast", [(True, True)] * 2
    if title.startswith("every window just above"):
        return "above slow", [(False, True)] * 2
    if title.startswith("a fast burst"):
        return "fast burst", [(False, False), (False, False), (True, False), (False, False)]
    assert title.startswith("a slow burn"), title
    return "slow burn", [(False, False), (False, True)]


@pytest.mark.parametrize("period", ["30d", "28d", "7d", "1d", "90d"])
@pytest.mark.parametrize("objective", ["0.999", "0.99", "0.99999", "0.95"])
def test_each_scenario_gives_its_designed_states_for_any_period(period: str, objective: str) -> None:
    slo = _slo(period=period, objective=objective, errors="sum(rate(e[${window}]))", total="sum(rate(t[${window}]))")
    seen = set()
    for scenario in slo_feed.scenarios(slo):
        kind, expected = designed(scenario.title)
        states = [(slo_feed.firing(slo, slo.fast, scenario, m) is not None,
                   slo_feed.firing(slo, slo.slow, scenario, m) is not None) for m in scenario.checks]
        assert states == expected, scenario.title
        assert slo_feed.fits(scenario)
        seen.add(kind)
    # Only a budget too large to burn at 14.4x (an error ratio above 1) loses scenarios.
    assert seen == {"objective", "below fast", "above fast", "above slow", "fast burst", "slow burn"} or \
        Decimal(objective) < Decimal("0.96")


PLAN = """\
version: 1
system: Shop
sections:
  - title: Objectives
    metrics:
      - metric: Odd SLI
        threshold: "<99.9%"
        priority: High
        slo:
          errors: sum(rate(a_total[${window}])) - sum(rate(b_total[${window}]))
          total: sum(rate(t_total[${window}]))
"""


@pytest.mark.promtool
def test_an_sli_monplan_cannot_feed_is_tested_on_its_recorded_ratios(tmp_path: Path, promtool: str) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    result = run_monplan("-q", "build", "--plan", "plan.yaml", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    tests = yaml.safe_load((tmp_path / "out/prometheus/tests/objectives.yml").read_text())["tests"]
    names = [group["name"] for group in tests]
    assert any("recorded ratios" in name for name in names)
    assert not any("raw counters" in name for name in names)
    run = subprocess.run([promtool, "test", "rules", "prometheus/tests/objectives.yml"], cwd=tmp_path / "out",
                         capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
