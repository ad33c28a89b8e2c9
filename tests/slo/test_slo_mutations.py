"""The generated SLO tests catch broken burn alerts: a factor 0.1% off, a window swapped, a
strict comparison made inclusive at the objective, a wrong severity, a wrong budget; and,
as they feed the SLI's raw counters, a wrong SLI query: another status code, another
latency bound, another job in the total, good events counted as errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import CASES, run_monplan

pytestmark = pytest.mark.promtool

RULES = "prometheus/rules/service-level-objectives.yml"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("slo")
    result = run_monplan("-q", "build", "--plan", str(CASES / "valid" / "slo" / "plan.yaml"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _promtool_test(promtool: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, "test", "rules", "prometheus/tests/service-level-objectives.yml"], cwd=out,
                          capture_output=True, text=True, timeout=300, check=False)


MUTATIONS = {
    "fast factor 0.1% higher": (r"error_ratio_rate5m > 0\.0144\n", "error_ratio_rate5m > 0.0144144\n"),
    "fast short window swapped": (r"api_endpoint_availability:error_ratio_rate5m > 0\.0144",
                                  "api_endpoint_availability:error_ratio_rate30m > 0.0144"),
    "slow 1x pair inclusive": (r"(api_endpoint_availability:error_ratio_rate6h) > 0\.001\n(\s+and\n\s+\S+rate3d) > 0\.001\n",
                               r"\1 >= 0.001\n\2 >= 0.001\n"),
    "slow burn at the row's priority": (r"(alert: APIEndpointAvailabilitySlowBurn[\s\S]*?severity:) high", r"\1 critical"),
    "28d factor of 30d": (r"checkout_latency:error_ratio_rate2h > 0\.028", "checkout_latency:error_ratio_rate2h > 0.03"),
    "errors query reads 4xx": (r'code=~"5\.\."', 'code=~"4.."'),
    "latency bound halved": (r'le="0\.5"', 'le="0.25"'),
    "good query's total reads another job": (r'login_attempts_total\{job="auth"\}', 'login_attempts_total{job="authn"}'),
    "good events read as errors": (r"1 - \(sum\(rate\(login_attempts_total", "(sum(rate(login_attempts_total"),
    "ratio's numerator reads another job": (r'search_errors_total\{job="search"\}', 'search_errors_total{job="web"}'),
    "budget off": (r"vector\(0\.001\)", "vector(0.0011)"),
    "remaining off": (r"1 - monplan:api_endpoint_availability:error_ratio_rate30d / 0\.001",
                      "1 - monplan:api_endpoint_availability:error_ratio_rate30d / 0.0011"),
}


def test_the_generated_slo_tests_pass(built: Path, promtool: str) -> None:
    result = _promtool_test(promtool, built)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("mutation", list(MUTATIONS))
def test_the_generated_slo_tests_fail_for_a_mutated_rule(mutation: str, built: Path, promtool: str,
                                                         tmp_path: Path) -> None:
    pattern, replacement = MUTATIONS[mutation]
    copy = tmp_path / "out"
    subprocess.run(["cp", "-r", str(built), str(copy)], check=True)
    rules = copy / RULES
    text, count = re.subn(pattern, replacement, rules.read_text(), count=1)
    assert count == 1, f"the mutation {mutation} matches nothing"
    rules.write_text(text)
    result = _promtool_test(promtool, copy)
    assert result.returncode != 0, f"the tests missed: {mutation}"
