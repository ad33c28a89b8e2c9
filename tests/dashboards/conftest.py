"""Fixtures of the dashboard tests: the files `monplan build` produces from plan.yaml, parsed.

Tests read the generated files (dashboard JSON, rule YAML) the way Grafana and Prometheus
would, never the generator's internals.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import ROOT

SCHEMAS = Path(__file__).parent / "schemas"
DASHBOARDS = "grafana/dashboards/"


def build_files(plan: Path = ROOT / "plan.yaml") -> dict[str, bytes]:
    from monplan.app.pipeline import load_plan, render

    return render(load_plan(plan))


@pytest.fixture(scope="session")
def built() -> dict[str, bytes]:
    return build_files()


@pytest.fixture(scope="session")
def dashboards(built: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    """Every generated dashboard, by file name."""
    return {path.removeprefix(DASHBOARDS): json.loads(data) for path, data in built.items()
            if path.startswith(DASHBOARDS) and path.endswith(".json")}


@pytest.fixture(scope="session")
def alert_rules(built: dict[str, bytes]) -> list[dict[str, Any]]:
    """Every alerting rule of a row (not the missing-data alerts, which have no panel of their
    own) of the generated rule files, with the recording rules of its file."""
    out = []
    for path, data in built.items():
        if not (path.startswith("prometheus/rules/") and path.endswith(".yml")):
            continue
        rules = [rule for group in yaml.safe_load(data)["groups"] for rule in group["rules"]]
        records = {rule["record"]: rule["expr"] for rule in rules if "record" in rule}
        out += [{**rule, "records": records, "file": path} for rule in rules
                if "alert" in rule and "alert_kind" not in rule["labels"]]
    return out


@pytest.fixture(scope="session")
def every_alert_name(built: dict[str, bytes]) -> set[str]:
    """The names of every alerting rule generated, the missing-data alerts included."""
    return {rule["alert"] for path, data in built.items() if path.startswith("prometheus/rules/")
            for group in yaml.safe_load(data)["groups"] for rule in group["rules"] if "alert" in rule}


def panels_of(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel that is not a row header, collapsed rows included."""
    for panel in dashboard["panels"]:
        if panel["type"] == "row":
            yield from panel.get("panels", [])
        else:
            yield panel


def every_panel(dashboards: dict[str, dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, dashboard in sorted(dashboards.items()):
        for panel in panels_of(dashboard):
            yield name, panel
