"""generated/PLAN.md shows a row's slo: (columns "SLO window", "SLO errors"...), and `monplan
import` reads them back: build -> import PLAN.md -> build gives the same SLO rules and tests."""

from __future__ import annotations

from pathlib import Path

from conftest import CASES, run_monplan

PLAN = (CASES / "valid" / "slo" / "plan.yaml").read_text().replace('code=~"5.."', 'code=~"5..|429"')
SLO_FILES = ("prometheus/rules/service-level-objectives.yml", "prometheus/tests/service-level-objectives.yml")


def _build(folder: Path) -> None:
    result = run_monplan("-q", "build", "--plan", "plan.yaml", "--out", "out", cwd=folder)
    assert result.returncode == 0, result.stderr


def test_plan_md_shows_each_slo_field(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_text(PLAN)
    _build(tmp_path)
    text = (tmp_path / "out/PLAN.md").read_text()
    assert "| SLO window | SLO errors | SLO good | SLO total | SLO ratio | SLO latency | SLO buckets | SLO bool_gauge |" in text
    # A | of the query is escaped in its cell, as GitHub reads tables.
    assert '`sum(rate(http_requests_total{job="api",code=~"5..\\|429"}[${window}]))`' in text
    assert "| 28d |  |  |  |  | 500ms | `http_request_duration_seconds_bucket{job=\"checkout\"}` |  |" in text


def test_build_import_build_gives_the_same_slo_rules(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    (first / "plan.yaml").write_text(PLAN)
    _build(first)
    result = run_monplan("-q", "import", str(first / "out/PLAN.md"), "--out", str(second / "plan.yaml"))
    assert result.returncode == 0, result.stderr
    imported = (second / "plan.yaml").read_text()
    assert "    query:" not in imported.split("- title: Resources")[0]  # SLO rows get no query
    _build(second)
    for path in SLO_FILES:
        assert (second / "out" / path).read_text() == (first / "out" / path).read_text(), path
