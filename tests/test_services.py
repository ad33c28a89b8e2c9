"""Plan reuse: sections applied to many services, each service in files of its own."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

from conftest import CASES, run_monplan, tree

PLAN = CASES / "valid" / "services" / "plan.yaml"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("services")
    result = run_monplan("-q", "build", "--plan", str(PLAN), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


def _alerts(out: Path, service: str) -> dict[str, dict]:
    document = yaml.safe_load((out / "prometheus" / "rules" / "services" / f"{service}.yml").read_text())
    return {rule["alert"]: rule for group in document["groups"] for rule in group["rules"] if "alert" in rule}


def test_each_service_gets_its_rules_tests_and_dashboard_in_predictable_files(out: Path) -> None:
    files = set(tree(out))
    for service in ("checkout", "search", "accounts"):
        assert f"prometheus/rules/services/{service}.yml" in files
        assert f"prometheus/tests/services/{service}.yml" in files
        assert f"grafana/dashboards/services/{service}.json" in files
    assert "prometheus/rules/platform.yml" in files


def test_each_service_alert_reads_only_its_own_series(out: Path) -> None:
    for service in ("checkout", "search", "accounts"):
        for name, rule in _alerts(out, service).items():
            assert f'{{service="{service}"}}' in rule["expr"], (service, name)
            assert rule["labels"]["service"] == service


def test_variables_are_substituted_and_overrides_applied(out: Path) -> None:
    checkout, search, accounts = (_alerts(out, s) for s in ("checkout", "search", "accounts"))
    assert checkout["Latency"]["expr"].endswith("> 0.3") and checkout["Latency"]["labels"]["severity"] == "critical"
    assert search["Latency"]["expr"].endswith("> 0.5") and search["Latency"]["labels"]["severity"] == "medium"
    assert "OrdersRate" not in search and "OrdersRate" in checkout
    assert accounts["ErrorRatio"]["for"] == "10m"
    assert checkout["ErrorRatio"]["labels"]["team"] == "payments" and search["ErrorRatio"]["labels"]["team"] == "platform"
    records = yaml.safe_load((out / "prometheus" / "rules" / "services" / "accounts.yml").read_text())
    exprs = [r["expr"] for g in records["groups"] for r in g["rules"] if r.get("record") == "monplan:error_ratio:ratio"]
    ratio = 'sum(rate(errors_total{job="accounts-api",kind!="client"}[5m])) / sum(rate(requests_total{job="accounts-api"}[5m]))'
    total = 'sum(rate(requests_total{job="accounts-api"}[5m]))'
    assert exprs == [f"({ratio} or 0 * ({total}) / ({total}))"]  # no_events.py


def test_the_service_rules_and_their_tests_pass_promtool_together(out: Path, promtool: str) -> None:
    rules = sorted(str(p.relative_to(out)) for p in out.glob("prometheus/rules/**/*.yml"))
    tests = sorted(str(p.relative_to(out)) for p in out.glob("prometheus/tests/**/*.yml"))
    for args in (["check", "rules", "--lint=all", "--lint-fatal", *rules], ["test", "rules", *tests]):
        result = subprocess.run([promtool, *args], cwd=out, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr


def test_service_dashboards_show_that_services_panels_and_a_menu_of_the_others(out: Path) -> None:
    board = json.loads((out / "grafana" / "dashboards" / "services" / "search.json").read_text())
    titles = [p["title"] for p in board["panels"]]
    assert "Error Ratio" in titles and "Latency" in titles and "Orders Rate" not in titles
    assert "monplan-service" in board["tags"]
    assert any(link["type"] == "dashboards" and link["tags"][0] == "monplan-service" and set(link["tags"]) <= set(board["tags"]) for link in board["links"])
    operations = json.loads((out / "grafana" / "dashboards" / "operations-dashboard.json").read_text())
    assert "Error Ratio" not in [p["title"] for p in operations["panels"]]


def _selectors(expr: str) -> list[tuple[str, dict[str, str]]]:
    """(metric name, equality matchers) of every vector selector of a PromQL expression."""
    import promql_parser as pp

    found: list[tuple[str, dict[str, str]]] = []

    def visit(node: object) -> bool:
        if isinstance(node, pp.VectorSelector):
            equal = {m.name: m.value for m in node.matchers.matchers if m.op == pp.MatchOp.Equal}
            found.append((node.name or equal.get("__name__", ""), equal))
        return True

    pp.walk(pp.parse(expr), visit)
    return found


def test_service_dashboards_plot_the_series_their_alerts_compare_with(out: Path) -> None:
    """Each per-service row's panel reads that service's copy of every recorded series (the
    value and the baseline of an "of baseline" row), never the series of all services together,
    and shows exactly the series the alert compares with."""
    checked = 0
    for service in ("checkout", "search", "accounts"):
        document = yaml.safe_load((out / "prometheus" / "rules" / "services" / f"{service}.yml").read_text())
        recorded = {rule["record"] for group in document["groups"] for rule in group["rules"] if "record" in rule}
        board = json.loads((out / "grafana" / "dashboards" / "services" / f"{service}.json").read_text())
        panels = [p for p in board["panels"] if p["type"] != "row"]
        for panel in panels:
            for target in panel["targets"]:
                for name, matchers in _selectors(target["expr"]):
                    if name in recorded:
                        assert matchers.get("service") == service, (service, panel["title"], target["expr"])
        for name, rule in _alerts(out, service).items():
            if "alert_kind" in rule["labels"]:
                continue
            compared = {(metric, tuple(sorted(m.items()))) for metric, m in _selectors(rule["expr"])}
            (panel,) = [p for p in panels if f"Alert {name} (" in (p.get("description") or "")]
            shown = {(metric, tuple(sorted(m.items()))) for t in panel["targets"] for metric, m in _selectors(t["expr"])}
            baselines = {c for c in compared if c[0].endswith(":baseline")}
            assert baselines <= shown, (service, name, baselines - shown)
            checked += len(baselines)
    assert checked == 2  # OrdersRate of checkout and accounts (search skips it)


def test_one_runbook_per_alert_lists_every_service(out: Path) -> None:
    text = (out / "runbooks" / "ErrorRatio.md").read_text()
    for service in ("checkout", "search", "accounts"):
        assert f'`monplan:error_ratio:ratio{{service="{service}"}} > 0.01`' in text


def test_two_hundred_services_take_a_plan_of_a_few_hundred_lines(tmp_path: Path) -> None:
    services = "".join(f"  - {{name: svc{i:03d}, vars: {{job: api-{i:03d}}}}}\n" for i in range(200))
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.read_text().split("services:\n")[0] + "services:\n" + services
                    + "sections:\n" + PLAN.read_text().split("\nsections:\n")[1])
    assert len(plan.read_text().splitlines()) < 300
    result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    rules = sorted((tmp_path / "out" / "prometheus" / "rules" / "services").glob("*.yml"))
    assert [p.stem for p in rules] == [f"svc{i:03d}" for i in range(200)]


def test_a_service_dashboards_firing_panels_count_only_that_services_alerts(out: Path, promtool: str,
                                                                            tmp_path: Path) -> None:
    """The copies of a per-service row share their alert name: the firing count and table of
    checkout's dashboard, evaluated by promtool, count checkout's alert and not search's."""
    board = json.loads((out / "grafana" / "dashboards" / "services" / "checkout.json").read_text())
    (count,) = [p["targets"][0]["expr"] for p in board["panels"] if p["title"] == "Firing alerts"]
    (table,) = [p["targets"][0]["expr"] for p in board["panels"] if p["title"] == "Firing alerts by severity"]
    (annotation,) = [a["target"]["expr"] for a in board["annotations"]["list"] if a["name"] == "Firing alerts"]
    assert table == annotation
    name = next(iter(_alerts(out, "checkout")))
    assert name in _alerts(out, "search"), "the test needs an alert name both services share"
    series = [f'ALERTS{{alertname="{name}", alertstate="firing", service="{svc}", severity="high"}}'
              for svc in ("search", "checkout")]
    tests = {"rule_files": [], "evaluation_interval": "1m", "tests": [{
        "interval": "1m",
        "input_series": [{"series": series[0], "values": "1x10"}, {"series": series[1], "values": "_x5 1x5"}],
        "promql_expr_test": [
            {"expr": count, "eval_time": "2m", "exp_samples": [{"labels": "{}", "value": 0}]},
            {"expr": count, "eval_time": "8m", "exp_samples": [{"labels": "{}", "value": 1}]},
            {"expr": table, "eval_time": "8m", "exp_samples": [{"labels": series[1], "value": 1}]},
        ]}]}
    (tmp_path / "firing.yml").write_text(yaml.safe_dump(tests, sort_keys=False))
    result = subprocess.run([promtool, "test", "rules", "firing.yml"], cwd=tmp_path, capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
