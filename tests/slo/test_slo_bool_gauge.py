"""A bool_gauge SLI (Pyrra's bool gauge, e.g. probe_success): the share of its samples at 0 is
the error ratio, computed by the rules monplan writes, under promtool."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import run_monplan

pytestmark = pytest.mark.promtool

PLAN = """\
version: 1
system: Shop
sections:
  - title: Probes
    metrics:
      - metric: Probe Success
        threshold: "<99.5%"
        priority: High
        slo:
          bool_gauge: probe_success{job="blackbox"}
"""


def test_the_error_ratio_is_the_share_of_samples_at_zero(tmp_path: Path, promtool: str) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    result = run_monplan("-q", "build", "--plan", "plan.yaml", "--out", "out", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rules = (tmp_path / "out/prometheus/rules/probes.yml").read_text()
    assert 'sum(count_over_time(probe_success{job="blackbox"}[5m])) - sum(sum_over_time(' in rules
    test = {"rule_files": ["out/prometheus/rules/probes.yml"], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        # up, down, up, down...: a [5m] range holds six samples, three at 0; then the gauge is always 1.
        "input_series": [{"series": 'probe_success{job="blackbox",instance="a"}', "values": "1 0 " * 10 + "1x20"}],
        "promql_expr_test": [
            {"expr": "monplan:probe_success:error_ratio_rate5m", "eval_time": "10m",
             "exp_samples": [{"labels": "monplan:probe_success:error_ratio_rate5m", "value": 0.5}]},
            {"expr": "monplan:probe_success:error_ratio_rate5m", "eval_time": "30m",
             "exp_samples": [{"labels": "monplan:probe_success:error_ratio_rate5m", "value": 0}]},
            {"expr": "monplan:probe_success:total_rate1h", "eval_time": "30m",
             "exp_samples": [{"labels": "monplan:probe_success:total_rate1h", "value": 31}]},
        ]}]}
    (tmp_path / "t.yml").write_text(yaml.safe_dump(test))
    run = subprocess.run([promtool, "test", "rules", "t.yml"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
    generated = subprocess.run([promtool, "test", "rules", "prometheus/tests/probes.yml"], cwd=tmp_path / "out",
                               capture_output=True, text=True, timeout=300, check=False)
    assert generated.returncode == 0, generated.stdout + generated.stderr
