"""Every dashboard query parses and evaluates in Prometheus (promtool), over synthetic series.

Grafana substitutes its macros ($__rate_interval, ...) and the variables ($instance) before
Prometheus sees a query; the test does the same (variables at their All value), then asks
promtool whether each query returns at least one finite value over series of the plan's
metrics: every selector of the rules and dashboards gets series that satisfy its matchers,
counters that grow, histograms with buckets, and the ALERTS series of a firing alert.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import promql_parser as pp
import pytest
import yaml

from monplan.lang.promql import substitute
from tests.dashboards.conftest import panels_of
from tests.dashboards.test_schema import DASHBOARD_FILES

INTERVAL = "15s"
SAMPLES = 720  # three hours at 15s: long enough for every [1h] window
EVAL_TIME = "2h"


def queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every query a dashboard sends to Prometheus."""
    for panel in panels_of(dashboard):
        for target in panel.get("targets", []):
            yield f'panel {panel["id"]} "{panel["title"]}" {target["refId"]}', target["expr"]
    for annotation in dashboard["annotations"]["list"]:
        if "expr" in annotation.get("target", {}):
            yield f'annotation "{annotation["name"]}"', annotation["target"]["expr"]
    for variable in dashboard["templating"]["list"]:
        match = re.fullmatch(r"label_values\((.*),\s*(\w+)\)", variable.get("query", "") if variable["type"] == "query" else "")
        if match:  # what Grafana asks for the values: the series of the selector, by the label
            yield f'variable "{variable["name"]}"', f"group by ({match[2]}) ({match[1]})"


def _selectors(expr: str) -> list[Any]:
    found: list[Any] = []

    def visit(node: Any) -> bool:
        if isinstance(node, pp.VectorSelector):
            found.append(node)
        return True

    pp.walk(pp.parse(expr), visit)
    return found


def _value_for(matcher: Any) -> str | None:
    """A label value the matcher accepts (None: leave the label out)."""
    op, value = matcher.op, matcher.value
    if op == pp.MatchOp.Equal:
        return value or None
    if op == pp.MatchOp.NotEqual:
        return f"not_{value}" if value else "x"
    if op == pp.MatchOp.Re:
        first = value.split("|")[0]
        return first if re.fullmatch(r"[\w.:-]+", first) and re.fullmatch(value, first) else "x"
    return "x"  # !~: a value the usual patterns do not match


def synthetic_series(exprs: list[str]) -> list[dict[str, str]]:
    """Series satisfying every selector: a counter per selector, buckets for histograms."""
    wanted: dict[str, dict[str, str]] = {}
    for expr in exprs:
        for selector in _selectors(expr):
            labels = {}
            for matcher in selector.matchers.matchers:
                if matcher.name == "__name__":
                    continue
                value = _value_for(matcher)
                if value is not None:
                    labels[matcher.name] = value
            name = selector.name or ""
            buckets = ["0.25", "1", "+Inf"] if name.endswith("_bucket") else [None]
            for le in buckets:
                full = {**labels, **({"le": le} if le else {})}
                text = name + "{" + ", ".join(f'{k}="{v}"' for k, v in sorted(full.items())) + "}"
                # Each bucket grows faster than the one below it, so quantiles are finite.
                step = 1 + buckets.index(le) if le else 1
                wanted[text] = {"series": text, "values": f"1+{step}x{SAMPLES}"}
    wanted['ALERTS{alertname="APIEndpointAvailability", alertstate="firing", component="api", severity="critical"}'] = {
        "series": 'ALERTS{alertname="APIEndpointAvailability", alertstate="firing", component="api", severity="critical"}',
        "values": f"1x{SAMPLES}"}
    return sorted(wanted.values(), key=lambda s: s["series"])


def returns_finite(expr: str) -> str:
    """1 when the query returns at least one sample and no NaN, else 0 (NaN != NaN)."""
    return f"(count(({expr}) == ({expr})) == bool count({expr})) or vector(0)"


@pytest.fixture(scope="module")
def rule_exprs(built) -> list[str]:
    out = []
    for path, data in built.items():
        if path.startswith("prometheus/rules/"):
            out += [rule["expr"] for group in yaml.safe_load(data)["groups"] for rule in group["rules"]]
    return out


@pytest.mark.promtool
@pytest.mark.parametrize("name", DASHBOARD_FILES)
def test_every_query_of_the_dashboard_evaluates_to_finite_values_in_promtool(promtool, dashboards, rule_exprs, name,
                                                                            tmp_path: Path):
    found = list(queries(dashboards[name]))
    assert found, f"{name} sends no queries"
    substituted = [(where, substitute(expr)) for where, expr in found]
    tests = [{
        "interval": INTERVAL,
        "input_series": synthetic_series([expr for _, expr in substituted] + rule_exprs),
        "promql_expr_test": [
            {"expr": returns_finite(expr), "eval_time": EVAL_TIME, "exp_samples": [{"labels": "{}", "value": 1}]}
            for _, expr in substituted
        ],
    }]
    file = tmp_path / "queries_test.yml"
    file.write_text(yaml.safe_dump({"rule_files": [], "tests": tests}, sort_keys=False, width=10_000))
    run = subprocess.run([promtool, "test", "rules", str(file)], capture_output=True, text=True, timeout=300)
    if run.returncode != 0:
        failing = [where for where, expr in substituted if returns_finite(expr) in run.stdout + run.stderr]
        pytest.fail(f"{name}: queries that do not parse or return no finite value: {failing}\n{run.stdout}{run.stderr}")


def test_a_query_that_returns_nothing_is_caught(promtool, tmp_path: Path):
    """The check itself can fail: a query over a metric without series returns no value."""
    expr = "sum(rate(metric_nobody_exports_total[5m]))"
    tests = [{"interval": INTERVAL, "input_series": synthetic_series(["up"]),
              "promql_expr_test": [{"expr": returns_finite(expr), "eval_time": EVAL_TIME,
                                    "exp_samples": [{"labels": "{}", "value": 1}]}]}]
    file = tmp_path / "nothing_test.yml"
    file.write_text(yaml.safe_dump({"rule_files": [], "tests": tests}, sort_keys=False))
    run = subprocess.run([promtool, "test", "rules", str(file)], capture_output=True, text=True, timeout=60)
    assert run.returncode != 0


def test_grafana_macros_and_variables_become_plain_promql():
    expr = 'sum(rate(x{instance=~"$instance", env=~"${env}"}[$__rate_interval])) * $__range_s'
    assert substitute(expr) == 'sum(rate(x{instance=~".*", env=~".*"}[1m])) * 3600'
    pp.parse(substitute(expr))
