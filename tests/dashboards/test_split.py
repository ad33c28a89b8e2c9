"""A dashboard never grows past what Grafana can show: beyond MAX_PANELS panels its rows
continue on linked parts. Checked on the files a build writes, as Grafana would read them."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator

from monplan.generators.grafana.build import MAX_LINKED
from monplan.model.boards import MAX_PANELS
from tests.dashboards.conftest import DASHBOARDS, build_files, panels_of
from tests.dashboards.test_schema import definition, problems, schema

FIRING = {"Firing alerts", "Firing alerts by severity"}
KINDS = [('"<99.9%"', 'avg(avg_over_time(probe_success{{job="svc{i}"}}[5m]))'),
         ('">1% failure rate"', 'sum(rate(errors_total{{svc="s{i}"}}[5m])) / sum(rate(requests_total{{svc="s{i}"}}[5m]))'),
         ('">500ms avg"', 'histogram_quantile(0.95, sum by (le) (rate(latency_seconds_bucket{{svc="s{i}"}}[5m])))')]
# Rows: 60 + 60 (a part holds one), 250 (more than a part: cut over three), 5 (joins the last).
SECTIONS = {"Edge": 60, "Payments": 60, "Search": 250, "Admin": 5}


def _plan(path: Path) -> Path:
    lines = ["version: 1", "system: Big Shop", "sections:"]
    row = 0
    for title, count in SECTIONS.items():
        lines += [f"  - title: {title}", "    metrics:"]
        for _ in range(count):
            threshold, query = KINDS[row % len(KINDS)]
            lines.append(f"      - {{metric: {title} Metric {row:04d}, threshold: {threshold}, priority: High, "
                         f"query: '{query.format(i=row)}'}}")
            row += 1
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    return build_files(_plan(tmp_path_factory.mktemp("big") / "plan.yaml"))


@pytest.fixture(scope="module")
def parts(built: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    return {path.removeprefix(DASHBOARDS): json.loads(data) for path, data in built.items()
            if path.startswith(DASHBOARDS) and path.endswith(".json")}


def _row_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    return [panel for panel in panels_of(dashboard) if panel["title"] not in FIRING]


def test_a_dashboard_past_the_limit_is_split_into_parts_each_within_it(parts):
    total = sum(SECTIONS.values())
    assert total > MAX_PANELS
    assert sorted(parts) == ["operations-dashboard-2.json", "operations-dashboard-3.json", "operations-dashboard-4.json",
                             "operations-dashboard-5.json", "operations-dashboard.json"]
    assert all(len(_row_panels(dashboard)) <= MAX_PANELS for dashboard in parts.values())
    titles = Counter(panel["title"] for dashboard in parts.values() for panel in _row_panels(dashboard))
    assert len(titles) == total and set(titles.values()) == {1}  # every row's panel once, on one part
    assert [parts[name]["title"] for name in sorted(parts, key=lambda n: int(re.sub(r"\D", "", n) or 1))] == [
        f"Operations Dashboard ({n} of 5)" for n in range(1, 6)]


def test_rows_stay_whole_where_they_fit_and_a_long_row_continues_under_its_header(parts):
    def rows(name: str) -> list[tuple[str, int]]:
        out: list[tuple[str, int]] = []
        for panel in parts[name]["panels"]:
            if panel["type"] == "row":
                out.append((panel["title"], 0))
            elif panel["title"] not in FIRING:
                out[-1] = (out[-1][0], out[-1][1] + 1)
        return out

    assert rows("operations-dashboard.json") == [("Edge", 60)]
    assert rows("operations-dashboard-2.json") == [("Payments", 60)]
    assert rows("operations-dashboard-3.json") == [("Search", 100)]
    assert rows("operations-dashboard-4.json") == [("Search", 100)]
    assert rows("operations-dashboard-5.json") == [("Search", 50), ("Admin", 5)]


def test_every_part_validates_against_grafanas_dashboard_schema(parts):
    found: list[str] = []
    for name, dashboard in sorted(parts.items()):
        found += problems(Draft7Validator(schema("dashboard")), {**dashboard, "panels": []}, name)
        for index, panel in enumerate(dashboard["panels"]):
            kind = "RowPanel" if panel.get("type") == "row" else "Panel"
            found += problems(definition("dashboard", kind), panel, f"{name}: panels/{index}")
        for panel in panels_of(dashboard):
            found += problems(definition(panel["type"], "Options"), panel.get("options", {}), f"{name}: {panel['title']}")
    assert not found, "\n".join(found)


def test_parts_have_unique_uids_and_panel_ids_and_link_to_each_other(parts):
    uids = [dashboard["uid"] for dashboard in parts.values()]
    assert len(set(uids)) == len(uids) and all(len(uid) <= 40 for uid in uids)
    assert parts["operations-dashboard.json"]["uid"] == "big-shop-operations"  # part 1 keeps the dashboard's uid
    for name, dashboard in parts.items():
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(set(ids)) == len(ids), name
        tag = next(tag for tag in dashboard["tags"] if tag.startswith("monplan-parts-"))
        menus = [link for link in dashboard["links"] if link["type"] == "dashboards"]
        # Grafana lists every part by the tag and the system's: tags are global to a Grafana
        assert menus == [{**menus[0], "tags": [tag, "big-shop"], "asDropdown": True}], name
    assert all(tag in d["tags"] for d in parts.values() for tag in parts["operations-dashboard.json"]["tags"])
    third = {link["title"]: link["url"] for link in parts["operations-dashboard-3.json"]["links"] if link["type"] == "link"}
    assert third == {"Operations Dashboard (1 of 5)": "/d/big-shop-operations",
                     "Previous part: Operations Dashboard (2 of 5)": f"/d/{parts['operations-dashboard-2.json']['uid']}",
                     "Next part: Operations Dashboard (4 of 5)": f"/d/{parts['operations-dashboard-4.json']['uid']}"}


def test_a_parts_firing_panels_name_the_alerts_of_its_own_panels(parts, built):
    for name, dashboard in parts.items():
        own = {panel["title"] for panel in _row_panels(dashboard)}
        table = next(panel for panel in panels_of(dashboard) if panel["title"] == "Firing alerts by severity")
        names = set(re.search(r'alertname=~"([^"]*)"', table["targets"][0]["expr"]).group(1).split("|"))
        rows = {n for n in names if not n.endswith("NoData")}
        assert len(rows) == len(own), name


def test_runbooks_and_plan_md_point_at_the_part_holding_the_rows_panel(parts, built):
    by_uid = {dashboard["uid"]: dashboard for dashboard in parts.values()}
    plan_md = built["PLAN.md"].decode()
    links = re.findall(r"\[([^\]]*)\]\(/d/([\w-]+)\?viewPanel=(\d+)\)", plan_md)
    assert len(links) == sum(SECTIONS.values())
    for _text, uid, panel in links:
        assert any(p["id"] == int(panel) for p in by_uid[uid]["panels"])
    runbook = built["runbooks/SearchMetric0300.md"].decode() if "runbooks/SearchMetric0300.md" in built else next(
        data.decode() for path, data in built.items() if path.startswith("runbooks/") and "Search Metric 0300" in data.decode())
    shown = [d for d in parts.values() if any(p["title"] == "Search Metric 0300" for p in panels_of(d))]
    assert len(shown) == 1 and f"/d/{shown[0]['uid']}" in runbook
    others = [d["uid"] for d in parts.values() if d is not shown[0]]
    assert not any(f"/d/{uid})" in runbook for uid in others)


def test_a_dashboard_within_the_limit_is_not_split(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text("version: 1\nsystem: Small\nsections:\n  - title: Edge\n    metrics:\n" + "".join(
        f"      - {{metric: M{i:03d}, threshold: \">1%\", priority: High, query: 'sum(rate(e_total{{s=\"{i}\"}}[5m])) / "
        f"sum(rate(r_total{{s=\"{i}\"}}[5m]))'}}\n" for i in range(MAX_PANELS)))
    files = build_files(plan)
    dashboards = [path for path in files if path.startswith(DASHBOARDS) and path.endswith(".json")]
    assert dashboards == [f"{DASHBOARDS}operations-dashboard.json"]
    dashboard = json.loads(files[dashboards[0]])
    assert dashboard["title"] == "Operations Dashboard" and len(_row_panels(dashboard)) == MAX_PANELS
    assert not any(tag.startswith("monplan-parts-") for tag in dashboard["tags"])


def test_an_slo_row_counts_the_three_panels_it_draws(tmp_path: Path) -> None:
    """45 SLO rows draw 135 panels (value, budget remaining, burn rates): two parts, each at
    most MAX_PANELS drawn panels, an SLO row's three always on one part."""
    rows = "".join(
        f"      - metric: Objective {i:02d}\n        threshold: \"<99.9%\"\n        priority: High\n        slo:\n"
        f"          errors: sum(rate(e_total{{s=\"{i}\"}}[${{window}}]))\n"
        f"          total: sum(rate(t_total{{s=\"{i}\"}}[${{window}}]))\n" for i in range(45))
    plan = tmp_path / "plan.yaml"
    plan.write_text("version: 1\nsystem: Shop\nsections:\n  - title: Objectives\n    metrics:\n" + rows)
    boards = {path: json.loads(data) for path, data in build_files(plan).items()
              if path.startswith(DASHBOARDS) and path.endswith(".json")}
    assert len(boards) == 2
    counts = [len(_row_panels(board)) for board in boards.values()]
    assert sorted(counts) == [36, 99] and all(count <= MAX_PANELS for count in counts)
    for board in boards.values():
        titles = Counter(p["title"].split(":")[0] for p in _row_panels(board))
        assert set(titles.values()) == {3}  # each row's value, budget and burn-rate panels together


@pytest.mark.parametrize("count", [MAX_LINKED + 1, 40])
def test_many_dashboards_link_each_other_through_one_menu(tmp_path: Path, count: int) -> None:
    """A link to every other dashboard from each grew with the square of the dashboards (20,000
    from a 3 MB plan never finished building). Up to MAX_LINKED others are linked one by one;
    beyond, one menu lists exactly the plan's dashboards by a tag, with the same links however
    many there are, and every dashboard still validates against Grafana's schema."""
    sections = "".join(f"  - title: S{i}\n    metrics:\n      - {{metric: M{i}, threshold: \">1%\", priority: High, "
                       f"query: 'sum(rate(e_total{{s=\"{i}\"}}[5m])) / sum(rate(r_total{{s=\"{i}\"}}[5m]))'}}\n"
                       for i in range(count))
    listed = "".join(f"  - {{title: Board {i}, sections: [S{i}]}}\n" for i in range(count))
    plan = tmp_path / "plan.yaml"
    plan.write_text(f"version: 1\nsystem: Many\nsections:\n{sections}dashboards:\n{listed}")
    files = build_files(plan)
    boards = {path: json.loads(data) for path, data in files.items() if path.startswith(DASHBOARDS) and path.endswith(".json")}
    assert len(boards) == count
    if count <= MAX_LINKED + 1:  # each has count - 1 others to link
        for dashboard in boards.values():
            titles = {link["title"] for link in dashboard["links"] if link["type"] == "link"}
            assert titles == {d["title"] for d in boards.values()} - {dashboard["title"]}
        return
    menu_tags = set()
    for name, dashboard in boards.items():
        assert [link["type"] for link in dashboard["links"]] == ["dashboards"], name
        menu = dashboard["links"][0]
        assert menu["asDropdown"] is True and menu["title"] == f"Dashboards ({count})"
        menu_tags.add(tuple(menu["tags"]))
        found = problems(Draft7Validator(schema("dashboard")), {**dashboard, "panels": []}, name)
        assert not found, found
    (tags,) = menu_tags
    assert "many" in tags  # the system's tag: another plan's dashboards in the same Grafana stay out
    assert all(set(tags) <= set(d["tags"]) for d in boards.values())  # the menu lists every one of them
