"""`monplan import --from sloth`: Sloth's own test spec becomes SLO rows that build and test."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import run_monplan

SPEC = Path(__file__).resolve().parent / "sloth" / "in-base.yaml"


def test_a_sloth_spec_becomes_slo_rows_that_build(tmp_path: Path) -> None:
    result = run_monplan("import", "--from", "sloth", str(SPEC), "--out", "plan.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert 'in-base.yaml:27: warning: SLO "slo02": its page_alert is disabled' in result.stderr
    plan = yaml.safe_load((tmp_path / "plan.yaml").read_text())
    row, raw = plan["sections"][0]["metrics"]
    assert row["metric"] == "slo1" and row["threshold"] == "<99.9%" and row["alert"] == "MyServiceAlert"
    assert row["slo"] == {
        "window": "30d",
        "errors": 'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[${window}]))',
        "total": 'sum(rate(http_request_duration_seconds_count{job="myservice"}[${window}]))',
    }
    assert row["labels"] == {"global01k1": "global01v1", "global02k1": "global02v1", "alert01k1": "alert01v1"}
    # Sloth's raw SLI is a ratio SLI.
    assert raw["metric"] == "slo02" and raw["threshold"] == "<95%"
    assert raw["slo"] == {"window": "30d", "ratio": (
        'sum(rate(http_request_duration_seconds_count{job="myservice",code=~"(5..|429)"}[${window}])) / '
        'sum(rate(http_request_duration_seconds_count{job="myservice"}[${window}]))')}
    built = run_monplan("-q", "build", "--plan", "plan.yaml", "--out", "out", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    rules = (tmp_path / "out/prometheus/rules/service-level-objectives-svc01.yml").read_text()
    assert "alert: MyServiceAlertFastBurn" in rules and "alert: MyServiceAlertSlowBurn" in rules
    assert "alert: Slo02FastBurn" in rules
    assert "record: monplan:slo02:error_ratio_rate1h\n    expr: sum(rate(http_request_duration_seconds_count" in rules


PLUGIN = """\
version: "prometheus/v1"
service: "svc"
slos:
  - name: "http-availability"
    objective: 99.5
    sli:
      plugin:
        id: "sloth-common/kubernetes/apiserver/availability"
  - name: "requests"
    objective: 99
    sli:
      events:
        error_query: sum(rate(e_total[{{.window}}]))
        total_query: sum(rate(t_total[{{.window}}]))
"""


def test_a_plugin_sli_is_reported_at_its_slo_with_what_to_write_instead(tmp_path: Path) -> None:
    (tmp_path / "plugin.yaml").write_text(PLUGIN)
    result = run_monplan("import", "--from", "sloth", "plugin.yaml", "--out", "plan.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert ('plugin.yaml:4: warning: SLO "http-availability": its SLI is the Sloth plugin '
            '"sloth-common/kubernetes/apiserver/availability", whose queries only Sloth can generate; left out: '
            "write the queries the plugin makes as the row's slo: errors: and total:") in result.stderr
    [row] = yaml.safe_load((tmp_path / "plan.yaml").read_text())["sections"][0]["metrics"]
    assert row["metric"] == "requests"


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
