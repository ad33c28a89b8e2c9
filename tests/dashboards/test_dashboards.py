"""What a user of the generated dashboards and provisioning relies on, read from the files."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import yaml

from tests.conftest import ROOT
from tests.dashboards.conftest import build_files, every_panel, panels_of

PLAN = yaml.safe_load((ROOT / "plan.yaml").read_text(encoding="utf-8"))
PROVISIONING = "grafana/provisioning/"


def test_there_is_one_dashboard_per_dashboard_of_the_plan(dashboards):
    assert sorted(d["title"] for d in dashboards.values()) == sorted(d["title"] for d in PLAN["dashboards"])


def test_uids_are_unique_grafana_sized_and_the_same_on_every_build(dashboards):
    uids = [d["uid"] for d in dashboards.values()]
    assert len(set(uids)) == len(uids)
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{1,40}", uid) for uid in uids), uids
    again = {path: json.loads(data)["uid"] for path, data in build_files().items() if path.endswith(".json") and "dashboards" in path}
    assert sorted(again.values()) == sorted(uids)


def test_a_build_is_byte_identical_to_the_one_before(built):
    assert build_files() == built


def test_titles_are_unique_in_the_folder_and_panel_ids_in_each_dashboard(dashboards):
    titles = [d["title"] for d in dashboards.values()]
    assert len(set(titles)) == len(titles)
    for name, dashboard in dashboards.items():
        ids = [panel["id"] for panel in dashboard["panels"]] + [
            child["id"] for panel in dashboard["panels"] for child in panel.get("panels", [])]
        assert len(set(ids)) == len(ids), f"{name}: repeated panel ids"


def test_dashboards_use_a_current_schema_version(dashboards):
    schema = json.loads((Path(__file__).parent / "schemas" / "dashboard.jsonschema.json").read_text())
    current = schema["definitions"]["Dashboard"]["properties"]["schemaVersion"]["default"]
    assert {d["schemaVersion"] for d in dashboards.values()} == {current}


def _nulls(value, path=""):
    if value is None:
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nulls(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nulls(item, f"{path}/{index}")


def test_no_nulls_but_the_first_threshold_step_which_is_how_grafana_writes_minus_infinity(dashboards):
    for name, dashboard in dashboards.items():
        nulls = [p for p in _nulls(dashboard) if not re.fullmatch(r".*/thresholds/steps/0/value", p)]
        assert not nulls, f"{name}: nulls at {nulls[:5]}"


def test_no_legacy_fields_of_grafana_5_to_7(dashboards):
    legacy_dashboard = {"rows", "style", "sharedCrosshair", "hideControls", "__inputs", "gnetId", "id"}
    legacy_panel = {"span", "minSpan", "height", "error", "editable", "styles", "columns", "fontSize"}
    legacy_target = {"query", "target", "metric", "step", "intervalFactor"}
    for name, dashboard in dashboards.items():
        assert not legacy_dashboard & dashboard.keys(), name
        for panel in panels_of(dashboard):
            assert not legacy_panel & panel.keys(), f'{name}: {panel["title"]}'
            for target in panel.get("targets", []):
                assert not legacy_target & target.keys(), f'{name}: {panel["title"]}'
            for step in panel["fieldConfig"]["defaults"].get("thresholds", {}).get("steps", []):
                assert set(step) == {"color", "value"}, f'{name}: {panel["title"]}: {step}'


def test_every_panel_queries_prometheus_through_the_datasource_variable(dashboards):
    for name, dashboard in dashboards.items():
        variables = {v["name"]: v for v in dashboard["templating"]["list"]}
        assert variables["datasource"]["type"] == "datasource" and variables["datasource"]["query"] == "prometheus"
        for panel in panels_of(dashboard):
            assert panel["datasource"] == {"type": "prometheus", "uid": "${datasource}"}, f'{name}: {panel["title"]}'


def test_the_datasource_variable_starts_on_the_provisioned_prometheus(dashboards, built):
    sources = yaml.safe_load(built[PROVISIONING + "datasources/monplan.yml"])["datasources"]
    prometheus = next(s for s in sources if s["type"] == "prometheus")
    for dashboard in dashboards.values():
        source = next(v for v in dashboard["templating"]["list"] if v["name"] == "datasource")
        assert source["current"]["value"] == prometheus["uid"]


def test_the_instance_variable_filters_exactly_the_panels_that_group_by_instance(dashboards):
    for board in PLAN["dashboards"]:
        dashboard = next(d for d in dashboards.values() if d["title"] == board["title"])
        names = [v["name"] for v in dashboard["templating"]["list"]]
        wanted = [v["name"] for v in board.get("variables", [])]
        assert names == ["datasource", *wanted]
        for panel in panels_of(dashboard):
            for target in panel.get("targets", []):
                groups = re.search(r"by \(([^)]*)\)", target["expr"])
                by_instance = bool(groups) and "instance" in groups[1].split(",")
                filtered = '"$instance"' in target["expr"]
                assert filtered == (by_instance and "instance" in wanted), f'{board["title"]}: {panel["title"]}'


def test_the_deployment_annotation_marks_the_plans_deployment_time(dashboards):
    deployed = PLAN["deployment"]["time"]
    if isinstance(deployed, str):
        deployed = datetime.fromisoformat(deployed)
    for name, dashboard in dashboards.items():
        annotation = next(a for a in dashboard["annotations"]["list"] if a["name"] == "Deployment")
        assert annotation["useValueForTime"] is True
        millis = int(re.fullmatch(r"vector\((\d+)\)", annotation["target"]["expr"])[1])
        assert datetime.fromtimestamp(millis / 1000, deployed.tzinfo) == deployed, name


def _listed(expr: str) -> set[str]:
    return set(re.search(r'alertname=~"([^"]*)"', expr)[1].split("|"))


def test_each_dashboard_lists_and_annotates_the_firing_alerts_of_its_rows_and_every_alert_is_on_one(
        dashboards, every_alert_name, alert_rules):
    """A dashboard's firing panels and annotations list the alerts of the rows it shows, their
    NoData alerts and the scrape jobs' target alerts (the plan's alerts on every dashboard made
    the output grow with dashboards x alerts); each alert of the plan is on some dashboard."""
    runbooks = {rule["annotations"]["runbook_url"]: rule["alert"] for rule in alert_rules}
    seen: set[str] = set()
    for name, dashboard in dashboards.items():
        annotation = next(a for a in dashboard["annotations"]["list"] if a["name"] == "Firing alerts")
        listed = _listed(annotation["target"]["expr"])
        firing = [p for p in panels_of(dashboard) if p["title"].startswith("Firing alerts")]
        assert {p["type"] for p in firing} == {"stat", "table"}, name
        assert all(_listed(panel["targets"][0]["expr"]) == listed for panel in firing), name
        shown = {runbooks[link["url"]] for panel in panels_of(dashboard) for link in panel.get("links", [])
                 if link["url"] in runbooks}
        assert shown and shown <= listed <= every_alert_name, name
        assert {f"{alert}NoData" for alert in shown} & every_alert_name <= listed, name
        seen |= listed
    assert seen == every_alert_name


def test_prometheus_annotations_have_the_current_shape_not_the_legacy_top_level_expr(dashboards):
    """Grafana saves a Prometheus annotation's query in `target` (expr, refId, interval) since
    9.x; the legacy top-level `expr`/`step` only works through its migration on load."""
    for name, dashboard in dashboards.items():
        prometheus = [a for a in dashboard["annotations"]["list"] if a["datasource"].get("type") == "prometheus"]
        assert {a["name"] for a in prometheus} >= {"Deployment", "Firing alerts"}, name
        for annotation in prometheus:
            assert "expr" not in annotation and "step" not in annotation, name
            assert annotation["target"]["expr"] and annotation["target"]["refId"] == "Anno", name
            assert annotation["target"]["interval"] in ("1m", "1h"), name


def test_each_dashboard_links_to_all_the_others(dashboards):
    for name, dashboard in dashboards.items():
        linked = {link["url"].rsplit("/d/", 1)[-1] for link in dashboard["links"]}
        others = {d["uid"] for d in dashboards.values() if d is not dashboard}
        assert linked == others, name


def test_each_alert_panel_links_to_its_runbook(dashboards, alert_rules):
    runbooks = {rule["annotations"]["runbook_url"] for rule in alert_rules}
    linked = {link["url"] for _, panel in every_panel(dashboards) for link in panel.get("links", [])}
    assert runbooks <= linked


def test_rows_follow_the_plans_sections_focus_areas_and_views(dashboards):
    for board in PLAN["dashboards"]:
        dashboard = next(d for d in dashboards.values() if d["title"] == board["title"])
        rows = [p["title"] for p in dashboard["panels"] if p["type"] == "row"]
        for section in board.get("sections", []):
            assert section in rows, f'{board["title"]}: no row for {section}'
        for area in board.get("focus_areas", []):
            assert any(row == area or row.startswith(f"{area} / ") for row in rows), f'{board["title"]}: {area}'
        assert rows[-len(board.get("views", [])) or len(rows):] == [v["title"] for v in board.get("views", [])]


def test_the_focus_area_items_and_view_panels_are_on_their_dashboards(dashboards):
    titles = {p["title"] for _, p in every_panel(dashboards)}
    items = ["Event delivery latency", "Failed deliveries", "Channel subscription counts",
             "Fallback mechanism activation rate", "Login attempt count", "Success/failure ratio",
             "Token validation rate", "Session duration", "Monitor sequence usage", "Check for any collisions",
             "Track role assignment", "Track commission events"]
    views = [panel["title"] for board in PLAN["dashboards"] for view in board.get("views", []) for panel in view["panels"]]
    assert not [title for title in items + views if title not in titles]


def test_provisioning_loads_the_dashboards_into_the_plans_folder(built):
    provider = yaml.safe_load(built[PROVISIONING + "dashboards/monplan.yml"])["providers"][0]
    assert provider["type"] == "file"
    assert provider["folder"] == PLAN["endpoints"]["grafana_folder"]
    assert provider["options"]["path"]


def test_provisioning_points_the_data_sources_at_the_plans_endpoints(built):
    sources = {s["type"]: s for s in yaml.safe_load(built[PROVISIONING + "datasources/monplan.yml"])["datasources"]}
    assert sources["prometheus"]["url"] == PLAN["endpoints"]["prometheus_url"]
    assert sources["alertmanager"]["url"] == PLAN["endpoints"]["alertmanager_url"]
    assert sources["prometheus"]["jsonData"]["alertmanagerUid"] == sources["alertmanager"]["uid"]


def test_the_generated_readme_lists_the_dashboard_links_and_every_generated_file(built, dashboards):
    readme = built["README.md"].decode()
    for dashboard in dashboards.values():
        link = f'{PLAN["endpoints"]["grafana_url"]}/d/{dashboard["uid"]}'
        assert f'**{dashboard["title"]}**: <{link}>' in readme
    for path in built:
        if path != "README.md":
            assert f"[`{path}`]({path})" in readme, path
