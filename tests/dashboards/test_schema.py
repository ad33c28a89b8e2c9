"""Every generated dashboard validates against Grafana's JSON Schemas (tests/dashboards/schemas)."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest
from jsonschema import Draft7Validator

from tests.dashboards.conftest import SCHEMAS, build_files, panels_of

DASHBOARD_FILES = sorted(p.removeprefix("grafana/dashboards/") for p in build_files() if p.startswith("grafana/dashboards/"))


@cache
def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / f"{name}.jsonschema.json").read_text(encoding="utf-8"))


def definition(kind: str, name: str) -> Draft7Validator:
    """A validator for one definition of a schema file, resolving its local $refs."""
    root = schema(kind)
    return Draft7Validator({**root, "$ref": f"#/definitions/{name}"})


def problems(validator: Draft7Validator, instance: Any, where: str) -> list[str]:
    return [f"{where}{'/' + '/'.join(map(str, error.absolute_path)) if error.absolute_path else ''}: {error.message}"
            for error in sorted(validator.iter_errors(instance), key=lambda e: list(map(str, e.absolute_path)))]


@pytest.mark.parametrize("name", DASHBOARD_FILES)
def test_the_dashboard_validates_against_the_dashboard_schema(dashboards, name):
    dashboard = dashboards[name]
    # The whole dashboard, then each panel on its own: a panel failing the schema's
    # oneOf(Panel, RowPanel) would otherwise be reported as a whole, not by field.
    found = problems(Draft7Validator(schema("dashboard")), {**dashboard, "panels": []}, name)
    for index, panel in enumerate(dashboard["panels"]):
        kind = "RowPanel" if panel.get("type") == "row" else "Panel"
        where = f'{name}: panel {panel.get("id")} "{panel.get("title")}" ({panel.get("type")}) at panels/{index}'
        found += problems(definition("dashboard", kind), panel, where)
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", DASHBOARD_FILES)
def test_each_panel_options_and_custom_field_config_validate_against_its_panel_type(dashboards, name):
    found: list[str] = []
    for panel in panels_of(dashboards[name]):
        where = f'{name}: panel {panel["id"]} "{panel.get("title")}" ({panel["type"]})'
        assert (SCHEMAS / f'{panel["type"]}.jsonschema.json').exists(), f"{where}: no schema for this panel type"
        found += problems(definition(panel["type"], "Options"), panel.get("options", {}), f"{where} options")
        custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom")
        if panel["type"] == "table" and custom:
            # v0.0.18's cellOptions is a oneOf whose variants all take any display mode as their
            # type, so every value matches several and none passes; Grafana 12.2's own types
            # check it instead (test_grafana_types.py), where it is required
            custom = {key: value for key, value in custom.items() if key != "cellOptions"}
        if "FieldConfig" in schema(panel["type"])["definitions"]:
            found += problems(definition(panel["type"], "FieldConfig"), custom or {}, f"{where} fieldConfig.defaults.custom")
        else:
            assert custom is None, f"{where}: {panel['type']} has no custom field config, yet sets {custom}"
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", DASHBOARD_FILES)
def test_each_prometheus_query_validates_against_the_prometheus_query_schema(dashboards, name):
    found: list[str] = []
    for panel in panels_of(dashboards[name]):
        for target in panel.get("targets", []):
            where = f'{name}: panel {panel["id"]} "{panel.get("title")}" target {target.get("refId")}'
            found += problems(Draft7Validator(schema("prometheus")), target, where)
    assert not found, "\n".join(found)


def test_a_schema_violation_names_the_panel_and_the_field():
    """The failure message a reviewer reads points at the panel and the field at fault."""
    panel = {"id": 7, "title": "API Response Time", "type": "timeseries",
             "options": {"legend": {"displayMode": "sideways", "placement": "bottom", "showLegend": True, "calcs": []},
                         "tooltip": {"mode": "multi", "sort": "none"}}}
    where = f'x.json: panel {panel["id"]} "{panel["title"]}" ({panel["type"]}) options'
    found = problems(definition("timeseries", "Options"), panel["options"], where)
    assert len(found) == 1
    assert found[0].startswith('x.json: panel 7 "API Response Time" (timeseries) options/legend/displayMode:')
