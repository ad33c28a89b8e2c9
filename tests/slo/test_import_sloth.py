"""`monplan import --from sloth`: Sloth's own test spec becomes SLO rows that build and test."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import run_monplan

SPEC = Path(__file__).resolve().parent / "sloth" / "in-base.yaml"


def test_a_sloth_spec_becomes_slo_rows_that_build(tmp_path: Path) -> None:
    result = run_monplan("import", "--from", "sloth", str(SPEC), "--out", "plan.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'in-base.yaml:27: warning: SLO "slo02": its SLI is a raw error ratio' in result.stderr
    plan = yaml.safe_load((tmp_path / "plan.yaml").read_text())
    [row] = plan["sections"][0]["metrics"]
    assert row["metric"] == "slo1" and row["threshold"] == "<99.9%" and row["alert"] == "MyServiceAlert"
    assert row["slo"] == {
        "window": "30d",
        "errors": 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[${window}]))',
        "total": 'sum(rate(http_request_duration_seconds_count{job="myservice"}[${window}]))',
    }
    assert row["labels"] == {"global01k1": "global01v1", "global02k1": "global02v1", "alert01k1": "alert01v1"}
    built = run_monplan("-q", "build", "--plan", "plan.yaml", "--out", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    rules = (tmp_path / "out/prometheus/rules/service-level-objectives-svc01.yml").read_text()
    assert "alert: MyServiceAlertFastBurn" in rules and "alert: MyServiceAlertSlowBurn" in rules


def test_the_period_is_sloths_default_slo_period(tmp_path: Path) -> None:
    result = run_monplan("import", "--from", "sloth", str(SPEC), "--period", "28d", "--out", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert yaml.safe_load(result.stdout)["sections"][0]["metrics"][0]["slo"]["window"] == "28d"


def test_a_file_that_is_no_sloth_spec_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("version: prometheus/v2\nslos: []\n")
    result = run_monplan("import", "--from", "sloth", "x.yaml", "--out", "plan.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert 'expected a Sloth spec with version: "prometheus/v1"' in result.stderr
    assert not (tmp_path / "plan.yaml").exists()
