"""The collection part of the plan format: what it accepts, what it refuses (at the plan's
line, saying what is expected), and the warnings about queries without a source."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from monplan.diagnostics import Diagnostic, PlanError

from .conftest import plan_data, write_plan


def _load(tmp_path: Path, change: Callable[[dict[str, Any]], None]):
    from monplan.app.pipeline import load_plan

    data = plan_data()
    change(data)
    return load_plan(write_plan(tmp_path, data))


def _errors(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> list[Diagnostic]:
    with pytest.raises(PlanError) as caught:
        _load(tmp_path, change)
    return caught.value.diagnostics


def _line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_the_repository_plan_has_a_source_for_every_metric_its_queries_read(tmp_path: Path) -> None:
    from conftest import ROOT
    from monplan.app.pipeline import load_plan

    plan = load_plan(ROOT / "plan.yaml")
    assert plan.collection is not None
    assert [w for w in plan.warnings if "collection" in w.message] == []


def test_a_misspelt_prober_is_refused_at_its_line_with_the_real_probers_named(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["blackbox"]["probes"][0]["prober"] = "htttp"

    errors = _errors(tmp_path, change)
    assert len(errors) == 1
    assert errors[0].line == _line_of(tmp_path / "plan.yaml", "prober: htttp")
    assert 'unknown prober "htttp" (did you mean "http"?)' in errors[0].message
    assert "http, tcp, icmp, grpc" in errors[0].message


def test_a_probe_that_requires_tls_refuses_a_plain_http_url(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["blackbox"]["probes"][0]["urls"] = ["http://api.uws.example.com/status"]

    [error] = _errors(tmp_path, change)
    assert "not https but the probe requires TLS" in error.message


def test_a_probe_timeout_must_fit_in_the_scrape_timeout(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["blackbox"]["probes"][1]["timeout"] = "10s"

    [error] = _errors(tmp_path, change)
    assert 'probe "blackbox-frontend" has timeout 10s' in error.message and "scrape_timeout 10s" in error.message


@pytest.mark.parametrize("sql, refused", [
    ("DELETE FROM audit.rls_violations", "single SELECT"),
    ("SELECT count(*) AS total FROM a; DROP TABLE a", "one statement"),
    ("WITH gone AS (DELETE FROM a RETURNING 1) SELECT count(*) AS total FROM gone", "DELETE writes"),
    ("SELECT nextval('customers_customer_code_seq') AS total", '"nextval" can change'),
    ("SELECT count(*) AS total FROM a FOR UPDATE", "row locks"),
])
def test_collection_sql_that_could_write_or_lock_is_refused(tmp_path: Path, sql: str, refused: str) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["postgres_exporter"]["queries"][1]["sql"] = sql

    [error] = _errors(tmp_path, change)
    assert refused in error.message
    assert error.field == "collection.postgres_exporter.queries[1].sql"


def test_words_that_only_look_like_writes_inside_strings_and_comments_are_fine(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["postgres_exporter"]["queries"][1]["sql"] = (
            "SELECT count(*) AS total -- never DELETE here\nFROM audit.rls_violations WHERE kind <> 'update; drop'")

    assert _load(tmp_path, change).collection is not None


def test_a_dsn_written_into_the_plan_is_refused_and_never_echoed(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["postgres_exporter"]["dsn_file"] = "postgresql://exporter:hunter2@db:5432/uws"

    errors = _errors(tmp_path, change)
    assert errors and all("hunter2" not in str(e) for e in errors)
    assert any("secret" in e.message or "DSN" in e.message for e in errors)


def test_a_log_pattern_must_capture_the_groups_its_format_counts_by(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["mtail"]["logs"][0]["pattern"] = r"login (?P<outcome>\w+)"

    [error] = _errors(tmp_path, change)
    assert "(?P<result>...)" in error.message


def test_a_lookahead_is_refused_because_mtail_runs_re2(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["mtail"]["logs"][2]["counters"][0]["match"] = "duplicate key(?= value)"

    [error] = _errors(tmp_path, change)
    assert "RE2" in error.message


def test_two_jobs_with_one_name_are_refused(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["mtail"]["job"] = "node"

    [error] = _errors(tmp_path, change)
    assert 'job "node" is defined twice' in error.message


def test_a_query_whose_metric_has_no_source_gets_a_warning_at_its_line(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["applications"][1]["metrics"] = ["rum_page_*"]  # no longer rum_app_load_seconds

    plan = _load(tmp_path, change)
    warnings = [w for w in plan.warnings if "no source" in w.message]
    assert {w.field for w in warnings} >= {"sections[0].metrics[3].query"}
    assert all("rum_page" not in w.message for w in warnings)
    assert warnings[0].line == _line_of(tmp_path / "plan.yaml", "rum_app_load_seconds_bucket")


def test_a_query_selecting_a_job_the_collection_does_not_define_gets_a_warning(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["collection"]["blackbox"]["probes"][2]["job"] = "health"

    plan = _load(tmp_path, change)
    [warning] = [w for w in plan.warnings if 'job="healthcheck"' in w.message]
    assert warning.field == "sections[0].metrics[1].query"


def test_a_metric_served_by_another_job_than_the_query_selects_gets_a_warning(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["sections"][1]["metrics"][0]["query"] = (
            'sum(rate(http_server_request_duration_seconds_sum{job="uws-rum"}[5m]))')

    plan = _load(tmp_path, change)
    assert any('served by job uws-api, not by job="uws-rum"' in w.message for w in plan.warnings)


def test_a_plan_without_collection_builds_no_collection_outputs(tmp_path: Path) -> None:
    from monplan.app.pipeline import render

    plan = _load(tmp_path, lambda data: data.pop("collection"))
    files = render(plan)
    assert not [p for p in files if p.startswith("exporters/") or p == "prometheus/prometheus.yml"]
    assert [p for p in files if p.startswith("prometheus/rules/")]


def test_a_per_service_query_is_checked_as_each_service_makes_it(tmp_path: Path) -> None:
    def change(data: dict[str, Any]) -> None:
        data["services"] = [{"name": "api", "vars": {"job": "uws-api"}}, {"name": "rum", "vars": {"job": "uws-rum"}}]
        data["sections"].append({"title": "Per service", "per_service": True, "metrics": [{
            "metric": "Service latency", "threshold": ">500ms avg", "priority": "High",
            "query": 'sum(rate(http_server_request_duration_seconds_sum{job="${job}"}[5m]))'}]})

    plan = _load(tmp_path, change)
    field = f"sections[{len(plan.document.sections) - 1}].metrics[0].query"
    mine = [w.message for w in plan.warnings if w.field == field]
    assert not any("${job}" in message for message in mine)  # the template itself is never "a job"
    assert mine == ['for service rum: "http_server_request_duration_seconds_sum" is served by job uws-api, not by job="uws-rum"']
