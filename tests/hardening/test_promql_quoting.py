"""PromQL monplan writes itself quotes the plan's label values so that real Prometheus reads
exactly them: the report's selector of the plan's alerts, and every dashboard query."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from tests.conftest import require_tool
from tests.hardening.conftest import HOSTILE, Built, run


def _series(name: str, labels: dict[str, str]) -> str:
    # JSON's string escapes are a subset of Go's, which PromQL's lexer uses: an encoding
    # independent of monplan's own, so the test does not grade monplan by itself.
    return name + "{" + ", ".join(f"{key}={json.dumps(value)}" for key, value in labels.items()) + "}"


def test_the_reports_selector_matches_exactly_the_alerts_of_the_plans_service(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    from monplan.app.pipeline import load_plan
    from monplan.live.report.episodes import alert_selector

    plan = load_plan(HOSTILE)
    service = plan.settings.labels["service"]
    assert any(c in service for c in '"\\{$'), "the plan's service label must be hostile for this test to mean anything"
    selector = alert_selector(plan)
    mine = {"alertname": "A", "alertstate": "firing", "service": service}
    # Near misses: the value without its backslash, with a line break added, and with the quote unescaped.
    others = [service.replace("\\", ""), service + "\n", service.replace('"', "")]
    series = [{"series": _series("ALERTS", mine), "values": "1"}]
    series += [{"series": _series("ALERTS", {**mine, "service": other, "alertname": f"B{i}"}), "values": "1"}
               for i, other in enumerate(others)]
    test = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m", "input_series": series,
        "promql_expr_test": [{"expr": f"ALERTS{{{selector}}}", "eval_time": "0m",
                              "exp_samples": [{"labels": _series("ALERTS", mine), "value": 1}]}],
    }]}
    (tmp_path / "test.yml").write_text(yaml.safe_dump(test, allow_unicode=True))
    result = run(promtool, "test", "rules", "test.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_dashboard_query_of_the_hostile_plan_is_promql_prometheus_reads(hostile: Built, tmp_path: Path) -> None:
    """Panels keep the plan's label values and Grafana's macros; with the macros substituted as
    Grafana does, real Prometheus parses every query."""
    promtool = require_tool("promtool")
    from monplan.lang.promql import substitute

    exprs: list[str] = []
    for path in hostile.paths("grafana/dashboards/"):
        board = json.loads(hostile.files[path])
        panels = [p for panel in board["panels"] for p in [panel, *panel.get("panels", [])]]
        exprs += [target["expr"] for panel in panels for target in panel.get("targets", [])]
        exprs += [a["target"]["expr"] for a in board["annotations"]["list"] if "expr" in a.get("target", {})]
    view = next(e for e in exprs if "view_total" in e)
    # The variable filter was added to the view's query, and its macro and label value kept.
    assert 'instance=~"$instance"' in view and "[$__rate_interval]" in view and 'x="{{y}}"' in view
    rules = {"groups": [{"name": "panels", "rules": [{"record": f"panel:{i}", "expr": substitute(expr)}
                                                     for i, expr in enumerate(exprs)]}]}
    (tmp_path / "panels.yml").write_text(yaml.safe_dump(rules, allow_unicode=True))
    result = run(promtool, "check", "rules", "panels.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
