"""An SLO whose objective is low leaves a budget that the burn factors multiply past 100%:
with <80% (20% budget) FastBurn waits for error ratios above 288% (14.4x) or 120% (6x), which
no service reaches, so it can never fire while its generated tests, dashboard and runbook say
it pages. slo/burn-never-fires (monplan/checks/slo_burn.py) warns at the objective; promtool
shows the warning true (every event failing for hours does not fire it) and its bound right
(at the objective it names, the same failure fires it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import warnings_of

PLAN = """\
version: 1
system: Burns
timezone: UTC
sections:
  - title: Objectives
    metrics:
      - metric: Low Objective
        threshold: "<80%"
        priority: Critical
        slo: {errors: 'sum(rate(low_total{code=~"5.."}[${window}]))', total: 'sum(rate(low_total[${window}]))'}
      - metric: Just Enough
        threshold: "<83.34%"
        priority: Critical
        slo: {errors: 'sum(rate(enough_total{code=~"5.."}[${window}]))', total: 'sum(rate(enough_total[${window}]))'}
      - metric: Usual
        threshold: "<99.9%"
        priority: Critical
        slo: {errors: 'sum(rate(usual_total{code=~"5.."}[${window}]))', total: 'sum(rate(usual_total[${window}]))'}
      - metric: Weekly Half
        threshold: "<50%"
        priority: High
        slo: {window: 7d, errors: 'sum(rate(half_total{code=~"5.."}[${window}]))', total: 'sum(rate(half_total[${window}]))'}
"""


def _warnings(tmp_path: Path, text: str) -> list[tuple[int, int, str]]:
    return warnings_of(tmp_path, text, "slo/burn-never-fires")


def test_burn_conditions_no_error_ratio_meets_are_warned_at_the_objective(tmp_path: Path) -> None:
    found = _warnings(tmp_path, PLAN)
    assert [(line, column) for line, column, _ in found] == [(8, 20), (12, 20), (20, 20)]
    low, enough, half = (message for _, _, message in found)
    assert low == (
        "the objective <80% over 30d leaves an error budget of 20%, and LowObjectiveFastBurn asks for a burn rate of "
        "14.4x over 1h and 5m (an error ratio above 288%) and 6x over 6h and 30m (an error ratio above 120%): no more "
        "than 100% of events can fail, so LowObjectiveFastBurn can never fire; an objective of at least 83.34% lets it "
        "fire, or alert on the ratio with a plain row (query: and threshold:)")
    # SlowBurn's 3x and 1x of a 20% budget (60%, 20%) can be met: not warned.
    assert "JustEnoughFastBurn asks for a burn rate of 14.4x over 1h and 5m (an error ratio above 239.904%):" in enough
    assert "JustEnoughFastBurn fires only on its other condition; an objective of at least 93.06% lets both fire" in enough
    # 7d scales the factors (3.36, 1.4, 0.7, 0.2333...): of a 50% budget only 3.36x is out of reach.
    assert "WeeklyHalfFastBurn asks for a burn rate of 3.36x over 1h and 5m (an error ratio above 168%):" in half
    assert "an objective of at least 70.24% lets both fire" in half


def test_the_warning_can_be_silenced_at_the_objective(tmp_path: Path) -> None:
    silenced = PLAN.replace('threshold: "<80%"', 'threshold: "<80%"  # monplan: disable=slo/burn-never-fires')
    assert [line for line, _, _ in _warnings(tmp_path, silenced)] == [12, 20]


@pytest.mark.promtool
def test_promtool_every_event_failing_never_fires_the_warned_alert_and_fires_at_the_named_objective(
        tmp_path: Path, promtool: str) -> None:
    from conftest import run_monplan

    (tmp_path / "plan.yaml").write_text(PLAN)
    result = run_monplan("-q", "build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "gen"))
    assert result.returncode == 0, result.stderr
    # Eight hours in which every request of every SLO fails: 60 a minute, all code="500".
    series = [{"series": f'{name}_total{{code="500"}}', "values": "0+60x480"} for name in ("low", "enough", "usual", "half")]
    fired = [{"labels": f'{{alertname="{name}"}}', "value": 1} for name in (
        "JustEnoughFastBurn", "JustEnoughSlowBurn", "LowObjectiveSlowBurn", "UsualFastBurn", "UsualSlowBurn",
        "WeeklyHalfFastBurn", "WeeklyHalfSlowBurn")]
    tests = {"rule_files": ["gen/prometheus/rules/objectives.yml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series,
        "promql_expr_test": [
            # Whatever fired at any time in those hours: every burn alert but LowObjectiveFastBurn.
            {"expr": 'count by (alertname) (max_over_time(ALERTS{alertstate="firing"}[480m]))', "eval_time": "480m",
             "exp_samples": fired},
        ],
    }]}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    proc = subprocess.run([promtool, "test", "rules", "test.yml"], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
