"""SLO rows in per-service sections: each service's copy has its own SLI queries, series and
burn alerts, and its generated tests prove them from the service's raw counters."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import CASES, run_monplan

pytestmark = pytest.mark.promtool


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("slo-services")
    result = run_monplan("-q", "build", "--plan", str(CASES / "valid" / "slo-services" / "plan.yaml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _rules(out: Path, service: str) -> dict[str, dict]:
    groups = yaml.safe_load((out / f"prometheus/rules/services/{service}.yml").read_text())["groups"]
    return {rule.get("alert") or rule["record"]: rule for group in groups for rule in group["rules"]}


def test_each_service_copy_reads_its_own_job_and_its_own_series(built: Path) -> None:
    checkout, search = _rules(built, "checkout"), _rules(built, "search")
    assert 'job="checkout-api"' in checkout["monplan:availability:error_ratio_rate1h"]["expr"]
    assert 'job="search-api"' in search["monplan:availability:error_ratio_rate1h"]["expr"]
    assert 'error_ratio_rate1h{service="search"} > 0.0144' in search["AvailabilityFastBurn"]["expr"]
    assert search["AvailabilityFastBurn"]["labels"]["service"] == "search"
    # The service's override: checkout's objective is 99.95% and its FastBurn Critical.
    assert checkout["monplan:availability:objective"]["expr"] == "vector(0.9995)"
    assert checkout["AvailabilityFastBurn"]["labels"]["severity"] == "critical"
    assert "LatencyFastBurn" in checkout and "LatencyFastBurn" not in search  # skipped by search


def _promtool(promtool: str, out: Path, service: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, "test", "rules", f"prometheus/tests/services/{service}.yml"], cwd=out,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("service", ["checkout", "search"])
def test_the_generated_tests_pass_for_each_service(built: Path, promtool: str, service: str) -> None:
    result = _promtool(promtool, built, service)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_burn_alert_reading_another_services_series_fails_them(built: Path, promtool: str, tmp_path: Path) -> None:
    copy = tmp_path / "out"
    subprocess.run(["cp", "-r", str(built), str(copy)], check=True)
    rules = copy / "prometheus/rules/services/checkout.yml"
    text = rules.read_text()
    assert 'error_ratio_rate1h{service="checkout"} > 0.0072' in text
    rules.write_text(text.replace('error_ratio_rate1h{service="checkout"} > 0.0072',
                                  'error_ratio_rate1h{service="search"} > 0.0072'))
    assert _promtool(promtool, copy, "checkout").returncode != 0
