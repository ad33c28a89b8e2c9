"""An SLO row whose SLI metrics vanish gets its NoData alert (as Pyrra alerts on absent
metrics): from raw counters that stop, through the row's own total query, under promtool."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import CASES, run_monplan

pytestmark = pytest.mark.promtool

FIRING = 'count(ALERTS{alertname="APIEndpointAvailabilityNoData", alertstate="firing"}) or vector(0)'


def test_the_no_data_alert_fires_once_the_slis_counters_have_been_gone_an_hour_and_its_for(
        tmp_path: Path, promtool: str) -> None:
    result = run_monplan("-q", "build", "--plan", str(CASES / "valid" / "slo" / "plan.yaml"), "--out", "out",
                         cwd=tmp_path)
    assert result.returncode == 0, result.stderr

    def firing(minute: int, count: int) -> dict:
        return {"expr": FIRING, "eval_time": f"{minute}m", "exp_samples": [{"labels": "{}", "value": count}]}

    # Requests every minute up to 30m, then none: rate(...[1h]) has two samples until 89m, so the
    # recorded total is absent from 90m; the NoData alert waits its 15m and fires at 105m.
    test = {"rule_files": ["out/prometheus/rules/service-level-objectives.yml"], "evaluation_interval": "1m",
            "tests": [{"interval": "1m", "input_series": [
                {"series": 'http_requests_total{job="api",code="200"}', "values": "0+100x30"},
                {"series": 'http_requests_total{job="api",code="500"}', "values": "0+0x30"}],
                "promql_expr_test": [firing(60, 0), firing(104, 0), firing(105, 1)]}]}
    (tmp_path / "t.yml").write_text(yaml.safe_dump(test))
    run = subprocess.run([promtool, "test", "rules", "t.yml"], cwd=tmp_path, capture_output=True, text=True,
                         timeout=300, check=False)
    assert run.returncode == 0, run.stdout + run.stderr
