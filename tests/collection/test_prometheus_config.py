"""The generated prometheus.yml: what it points at, a job per source of the plan, clean under
`promtool check config`; and `monplan validate` running every collection checker."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, run_monplan

from .conftest import build_files, write_files


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return build_files(ROOT / "plan.yaml")


@pytest.fixture(scope="module")
def config(files: dict[str, bytes]) -> dict:
    return yaml.safe_load(files["prometheus/prometheus.yml"])


def test_the_config_passes_promtool_check_config_with_the_rules_it_names(
        promtool: str, files: dict[str, bytes], tmp_path: Path) -> None:
    write_files(files, tmp_path)
    proc = subprocess.run([promtool, "check", "config", "prometheus/prometheus.yml"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rule_files = [path for path in files if path.startswith("prometheus/rules/")]
    assert rule_files and f"SUCCESS: {len(rule_files)} rule files found" in proc.stdout


def test_rule_files_are_exactly_the_generated_rules(config: dict, files: dict[str, bytes]) -> None:
    rules = sorted(p.removeprefix("prometheus/") for p in files if p.startswith("prometheus/rules/"))
    assert config["rule_files"] == rules


def test_intervals_come_from_the_plan(config: dict) -> None:
    assert config["global"] == {"scrape_interval": "15s", "scrape_timeout": "10s", "evaluation_interval": "1m"}


def test_alerts_go_to_the_plans_alertmanager(config: dict) -> None:
    [manager] = config["alerting"]["alertmanagers"]
    assert manager["scheme"] == "http"
    assert manager["static_configs"] == [{"targets": ["alertmanager.monitoring.svc:9093"]}]


def test_every_source_of_the_plan_has_a_scrape_job(config: dict) -> None:
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    assert list(jobs) == ["uws-api", "uws-rum", "uws-realtime", "node", "postgres", "blackbox-api",
                          "blackbox-frontend", "healthcheck", "mtail"]
    assert jobs["uws-api"]["static_configs"][0]["labels"] == {"component": "api"}
    assert jobs["postgres"]["static_configs"][0]["targets"] == ["uws-db-1.example.internal:9187"]
    assert len(jobs["mtail"]["static_configs"][0]["targets"]) == 3


def test_probe_jobs_send_each_url_to_the_exporter_as_its_target(config: dict) -> None:
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "healthcheck")
    assert job["metrics_path"] == "/probe"
    assert job["params"] == {"module": ["http_2xx_health_database"]}
    assert job["static_configs"] == [{"targets": ["https://api.uws.example.com/health/database"],
                                      "labels": {"check": "database", "component": "database"}}]
    assert job["relabel_configs"] == [
        {"source_labels": ["__address__"], "target_label": "__param_target"},
        {"source_labels": ["__param_target"], "target_label": "instance"},
        {"target_label": "__address__", "replacement": "blackbox-exporter.example.internal:9115"},
    ]


def test_an_alertmanager_behind_a_path_keeps_its_path(tmp_path: Path) -> None:
    from monplan.generators.prometheus_config import alertmanager_config

    assert alertmanager_config("https://am.example.com/alertmanager") == {"alertmanagers": [
        {"scheme": "https", "path_prefix": "/alertmanager", "static_configs": [{"targets": ["am.example.com"]}]}]}


def test_building_the_plan_twice_gives_byte_identical_collection_outputs() -> None:
    first, second = build_files(ROOT / "plan.yaml"), build_files(ROOT / "plan.yaml")
    ours = [p for p in first if p.startswith("exporters/") or p == "prometheus/prometheus.yml"]
    assert len(ours) == 7
    assert all(first[p] == second[p] for p in ours)


def test_validate_runs_every_collection_checker_and_lists_them_in_its_table(promtool: str) -> None:
    from conftest import require_tool

    require_tool("mtail")
    require_tool("prometheus-blackbox-exporter")
    result = run_monplan("validate", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    checks = {c["tool"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["promtool check config"]["status"] == "passed"
    assert checks["prometheus-blackbox-exporter --config.check"]["status"] == "passed"
    assert checks["mtail --compile_only"]["status"] == "passed"
    table = run_monplan("validate").stdout
    assert "promtool check config" in table and "mtail --compile_only" in table and "passed" in table


def test_validate_names_the_debian_package_of_each_missing_checker(tmp_path: Path) -> None:
    # A PATH with none of the tools on it.
    result = run_monplan("validate", "--format", "json", env={"PATH": str(tmp_path)})
    checks = {c["tool"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["promtool check config"]["status"] == "missing"
    assert "apt-get install prometheus" in checks["promtool check config"]["detail"]
    assert "apt-get install prometheus-blackbox-exporter" in checks["prometheus-blackbox-exporter --config.check"]["detail"]
    assert "apt-get install mtail" in checks["mtail --compile_only"]["detail"]


def test_validate_reports_a_broken_mtail_program_at_its_line(tmp_path: Path) -> None:
    from conftest import require_tool
    from monplan.verify import mtail

    require_tool("mtail")
    files = build_files(ROOT / "plan.yaml")
    broken = files["exporters/mtail/auth.mtail"].replace(b"auth_login_attempts_total[$result]++", b"nosuch[$result]++")
    [result] = mtail.check(None, {**files, "exporters/mtail/auth.mtail": broken})  # type: ignore[arg-type]
    assert result.status == "failed"
    line = broken.decode().splitlines().index("    nosuch[$result]++") + 1
    assert any(d.file == "exporters/mtail/auth.mtail" and d.line == line for d in result.diagnostics), result.diagnostics


def test_validate_reports_a_config_promtool_refuses(promtool: str) -> None:
    from monplan.verify import promtool_config

    files = build_files(ROOT / "plan.yaml")
    broken = files["prometheus/prometheus.yml"].replace(b"scrape_timeout: 10s", b"scrape_timeout: 1m")
    [result] = promtool_config.check(None, {**files, "prometheus/prometheus.yml": broken})  # type: ignore[arg-type]
    assert result.status == "failed"
    assert any("scrape timeout greater than scrape interval" in d.message for d in result.diagnostics), result.diagnostics


def test_no_secret_reaches_the_output_only_the_dsn_files_path() -> None:
    files = build_files(ROOT / "plan.yaml")
    queries = files["exporters/postgres_exporter/queries.yaml"].decode()
    assert "/etc/prometheus-postgres-exporter/dsn.env" in queries
    assert "postgresql://" not in queries and "password" not in queries.lower()
