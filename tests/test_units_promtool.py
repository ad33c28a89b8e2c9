"""Queries in microseconds, milliseconds or minutes: an unscaled one is refused at its
threshold (units/mismatch, see monplan/lang/units.py), and one scaled back to seconds
(`/ 1e6`, `* 0.001`, `* 60`) builds without a word and alerts on what its threshold says,
proven by promtool on the raw series."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import run_monplan

HEAD = """version: 1
system: Units
timezone: UTC
deployment:
  time: 2026-12-03T09:00:00+00:00
sections:
  - title: Units
    metrics:
"""
SCALED = [  # (metric, threshold, query)
    ("Job Duration", ">2s", "max(job_duration_microseconds) / 1e6"),
    ("Cache Latency", ">500ms", "max(cache_latency_milliseconds) * 0.001"),
    ("Backlog Age", ">10m", "max(backlog_age_minutes) * 60"),
]


def _plan(rows: list[tuple[str, str, str]]) -> str:
    return HEAD + "".join(f'      - {{metric: {m}, threshold: "{t}", priority: High, query: "{q}"}}\n'
                          for m, t, q in rows)


def test_unscaled_queries_are_refused_at_their_threshold(tmp_path: Path) -> None:
    unscaled = [(m, t, q.rsplit(" ", 2)[0]) for m, t, q in SCALED]  # the same rows without their scaling
    (tmp_path / "plan.yaml").write_text(_plan(unscaled))
    result = run_monplan("-q", "build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "gen"))
    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if "[units/mismatch]" in line]
    assert [line.split(":")[1] for line in lines] == ["9", "10", "11"]  # each row's line
    assert "microseconds" in lines[0] and "milliseconds" in lines[1] and "minutes" in lines[2]


@pytest.mark.promtool
def test_scaled_queries_build_quietly_and_fire_on_their_threshold(tmp_path: Path, promtool: str) -> None:
    (tmp_path / "plan.yaml").write_text(_plan(SCALED))
    result = run_monplan("build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "gen"))
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr and "error" not in result.stderr, result.stderr
    # Below the threshold for 30 minutes (1.5 ms, 400 ms, 9 minutes), then above it (2.5 s, 600 ms, 11 minutes).
    series = [
        {"series": 'job_duration_microseconds{instance="a"}', "values": "1500x29 2500000x30"},
        {"series": 'cache_latency_milliseconds{instance="a"}', "values": "400x29 600x30"},
        {"series": 'backlog_age_minutes{instance="a"}', "values": "9x29 11x30"},
    ]
    labels = {"component": "units", "service": "units", "severity": "high"}
    checks = []
    for (metric, threshold, _), name, value in zip(SCALED, ("JobDuration", "CacheLatency", "BacklogAge"),
                                                   ("2.5s", "600ms", "11m 0s"), strict=True):
        # The alert's description reads the value in seconds, as its threshold does.
        annotations = {"description": f"{metric} is {value}; the plan's threshold is {threshold} (High priority). "
                                      "Section: Units.",
                       "section": "Units", "summary": f"{metric} is above {threshold[1:]}", "threshold": threshold}
        checks += [{"eval_time": "29m", "alertname": name, "exp_alerts": []},
                   {"eval_time": "33m", "alertname": name, "exp_alerts": []},  # within its for: 5m
                   {"eval_time": "36m", "alertname": name,
                    "exp_alerts": [{"exp_labels": labels, "exp_annotations": annotations}]}]
    tests = {"rule_files": ["gen/prometheus/rules/units.yml"], "evaluation_interval": "1m",
             "tests": [{"interval": "1m", "input_series": series, "alert_rule_test": checks}]}
    (tmp_path / "units-test.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    proc = subprocess.run([promtool, "test", "rules", "units-test.yml"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
