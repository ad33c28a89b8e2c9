"""Unit tests of the pieces behind the dashboards: names, assignment, queries, normalisation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from monplan.generators.grafana.normalise import normalise
from monplan.lang.promql import check, filter_by, grouped_by
from monplan.model.boards import stable_uid
from tests.conftest import ROOT
from tests.dashboards.conftest import build_files


def plan_without(tmp_path: Path, *keys: str, **changes) -> Path:
    plan = yaml.safe_load((ROOT / "plan.yaml").read_text(encoding="utf-8"))
    for key in keys:
        plan.pop(key, None)
    plan.update(changes)
    target = tmp_path / "plan.yaml"
    target.write_text(yaml.safe_dump(plan, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return target


def test_a_uid_is_the_system_and_title_in_words_when_it_fits():
    assert stable_uid("Unified Workflow System", "Operations") == "unified-workflow-system-operations"


def test_a_long_uid_keeps_its_start_and_ends_with_a_hash_so_similar_titles_differ():
    first = stable_uid("A Very Long System Name For Testing", "Business Metrics Overview One")
    second = stable_uid("A Very Long System Name For Testing", "Business Metrics Overview Two")
    assert len(first) <= 40 and len(second) <= 40
    assert first != second
    assert first.startswith("a-very-long-system-name")


def test_without_dashboards_in_the_plan_the_documents_three_are_made_by_section(tmp_path):
    files = build_files(plan_without(tmp_path, "dashboards"))
    boards = {json.loads(data)["title"]: json.loads(data) for path, data in files.items()
              if path.startswith("grafana/dashboards/")}
    rows = {title: [p["title"] for p in board["panels"] if p["type"] == "row"] for title, board in boards.items()}
    assert rows["Operations Dashboard"] == ["System Availability", "Performance Metrics", "Error Rates", "Multi-tenant Isolation"]
    assert rows["Business Metrics Dashboard"] == ["Business Metrics"]
    assert "Realtime Events System" in rows["Development Dashboard"]
    assert "New Features / Commission Tracking" in rows["Development Dashboard"]


def test_without_deployment_time_there_is_no_deployment_annotation(tmp_path):
    files = build_files(plan_without(tmp_path, "deployment", "alert_routing", "oncall", "escalation_path"))
    for path, data in files.items():
        if path.startswith("grafana/dashboards/"):
            names = [a["name"] for a in json.loads(data)["annotations"]["list"]]
            assert "Deployment" not in names and "Firing alerts" in names


def test_the_outermost_aggregation_decides_which_labels_a_query_keeps():
    assert grouped_by("max by (instance) (1 - a / b)") == ["instance"]
    assert grouped_by("histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))") == []
    assert grouped_by("sum(rate(x[5m]))") == []


def test_a_variable_filter_reaches_every_selector_and_keeps_offsets():
    out = filter_by("sum by (instance) (rate(a{job=\"n\"}[5m] offset 1w)) / sum by (instance) (b)", "instance", "instance")
    assert out.count('instance=~"$instance"') == 2
    assert "offset 1w" in out
    assert 'job="n"' in out


def test_a_variable_filter_replaces_a_matcher_on_the_same_label():
    out = filter_by('max by (instance) (a{instance="x"})', "instance", "instance")
    assert 'instance="x"' not in out and 'instance=~"$instance"' in out


def test_dashboard_queries_may_use_grafana_macros_but_must_still_be_promql():
    assert check("rate(x[$__rate_interval])") == "rate(x[$__rate_interval])"
    with pytest.raises(ValueError, match="does not parse"):
        check("rate(x[$__rate_interval]")


def test_a_view_query_that_does_not_parse_is_a_plan_error_at_its_line(tmp_path):
    from monplan.app.pipeline import load_plan
    from monplan.diagnostics import PlanError

    plan = yaml.safe_load((ROOT / "plan.yaml").read_text(encoding="utf-8"))
    plan["dashboards"][1]["views"][0]["panels"][0]["query"] = "sum(rate(x[$__rate_interval])"
    target = tmp_path / "plan.yaml"
    target.write_text(yaml.safe_dump(plan, sort_keys=False), encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        load_plan(target)
    assert any("dashboards[1].views[0].panels[0].query" in str(d) and "does not parse" in str(d)
               for d in caught.value.diagnostics)


def test_normalise_removes_grafanalib_legacy_and_nulls_but_keeps_minus_infinity():
    raw = {
        "__inputs": [], "rows": [], "style": "dark", "sharedCrosshair": False, "hideControls": False, "id": None,
        "gnetId": None, "timepicker": {"time_options": ["5m"], "refresh_intervals": ["1m"]},
        "templating": {"list": [{"name": "x", "type": "query", "useTags": False, "auto": False, "regex": None,
                                 "current": {"text": None, "value": None, "tags": []}}]},
        "panels": [{"type": "timeseries", "span": None, "height": None, "editable": True, "error": False,
                    "repeat": None, "maxPerRow": None, "repeatDirection": "h", "title": "t",
                    "fieldConfig": {"defaults": {"thresholds": {"mode": "absolute", "steps": [
                        {"op": "gt", "yaxis": "left", "color": "green", "line": True, "index": 0, "value": "null"},
                        {"op": "gt", "yaxis": "left", "color": "red", "line": True, "index": 1, "value": 0.5}]}}},
                    "targets": [{"expr": "up", "query": "up", "target": "", "metric": "", "step": 10,
                                 "intervalFactor": 2, "interval": "", "refId": "A"}]}],
    }
    out = normalise(raw)
    assert set(out) == {"timepicker", "templating", "panels"}
    assert out["timepicker"] == {"refresh_intervals": ["1m"]}
    assert out["templating"]["list"] == [{"name": "x", "type": "query"}]
    panel = out["panels"][0]
    assert set(panel) == {"type", "title", "fieldConfig", "targets"}
    assert panel["fieldConfig"]["defaults"]["thresholds"]["steps"] == [{"color": "green", "value": None},
                                                                       {"color": "red", "value": 0.5}]
    assert panel["fieldConfig"]["overrides"] == []
    assert panel["targets"] == [{"expr": "up", "refId": "A", "editorMode": "code"}]
