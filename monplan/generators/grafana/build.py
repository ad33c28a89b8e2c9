"""One dashboard of the plan, assembled with grafanalib and normalised to current Grafana JSON.

Layout, top to bottom: the firing alerts, then a row per plan section or focus area the
dashboard shows (a panel per row with a query), then a row per custom view.
"""

from __future__ import annotations

from typing import Any

import attr
from grafanalib import core as g

from monplan.generators.grafana import layout
from monplan.generators.grafana.normalise import normalise, plain
from monplan.generators.grafana.panels import (
    Context,
    firing_panels,
    firing_selector,
    focus_panel,
    row_panels,
    view_panel,
)
from monplan.lang import naming
from monplan.model.boards import Board, row_items
from monplan.model.plan import Alert, Panel, Plan

SCHEMA_VERSION = 42  # Grafana 12's; Grafana 10 and 11 read it as it is
DATASOURCE_VARIABLE = "datasource"
DATASOURCE = {"type": "prometheus", "uid": f"${{{DATASOURCE_VARIABLE}}}"}


def _variables(plan: Plan, board: Board, datasource_uid: str, datasource_name: str) -> list[g.Template]:
    source = g.Template(name=DATASOURCE_VARIABLE, label="Data source", query="prometheus", type="datasource",
                        default=datasource_uid, refresh=1, regex="")
    source._current = {"selected": True, "text": datasource_name, "value": datasource_uid}
    out = [source]
    for variable in board.variables:
        of = variable.values or "{__name__=~\".+\"}"
        query = f"label_values({of}, {variable.name})"
        template = g.Template(name=variable.name, label=variable.label or variable.name.capitalize(), query=query,
                              dataSource=DATASOURCE, includeAll=True, multi=True, allValue=".*",
                              refresh=g.REFRESH_ON_TIME_RANGE_CHANGE, default="$__all", regex="")
        template._current = {"selected": True, "text": ["All"], "value": ["$__all"]}
        out.append(template)
    return out


def _prometheus_target(expr: str, step: str) -> dict[str, str]:
    """A Prometheus annotation's query in the shape Grafana saves since 9.x (`target`, its
    step as `interval`); Grafana migrates the legacy top-level `expr` and `step` on load."""
    return {"expr": expr, "interval": step, "refId": "Anno"}


def _annotations(plan: Plan, names: list[str], service: str | None) -> list[dict[str, Any]]:
    """Grafana's own annotations, the plan's alerts while they fire, and the deployment."""
    out: list[dict[str, Any]] = [{
        "builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"}, "enable": True, "hide": True,
        "iconColor": "rgba(0, 211, 255, 1)", "name": "Annotations & Alerts", "type": "dashboard",
        "target": {"limit": 100, "matchAny": False, "tags": [], "type": "dashboard"},
    }]
    if names:
        out.append({"name": "Firing alerts", "datasource": DATASOURCE, "enable": True, "iconColor": "red",
                    "target": _prometheus_target(firing_selector(names, service), "1m"), "titleFormat": "{{alertname}}",
                    "textFormat": "{{severity}}: {{component}}", "tagKeys": "severity,component"})
    deployment = plan.settings.deployment
    if deployment is not None:
        # A series whose value is the deployment time in ms: Grafana puts the annotation
        # there (useValueForTime), whatever the step, and only one, as all samples agree.
        millis = int(deployment.time.timestamp() * 1000)
        out.append({"name": "Deployment", "datasource": DATASOURCE, "enable": True, "iconColor": "blue",
                    "target": _prometheus_target(f"vector({millis})", "1h"), "useValueForTime": True,
                    "titleFormat": f"Deployment of {plan.settings.system}",
                    "textFormat": f"Deployed {deployment.time.isoformat()}"})
    return out


SERVICE_TAG = "monplan-service"
# Up to this many other dashboards of the plan are linked one by one; beyond, one menu lists
# them by a tag they carry: a link to every other dashboard from each made the output grow
# with the square of the dashboards (20,000 of them, from a plan of 3 MB, never finished).
MAX_LINKED = 10
PLAN_TAG = "monplan-dashboards"


def _parts_tag(board: Board) -> str:
    """The tag every part of a split dashboard carries: Grafana lists them by it."""
    return f"monplan-parts-{board.stem.rsplit('/', 1)[-1]}"[:50]


class LinkIndex:
    """What every dashboard's links are made of, gathered in one pass over the dashboards: a
    100,000-row plan has a thousand dashboard parts, and looking through all of them again for
    each one made the links grow with the square of the plan."""

    def __init__(self, boards: list[Board], system_tag: str) -> None:
        # Grafana's tags are one namespace for all its dashboards: a menu asks for its own tag
        # and the system's (dashboards carrying both), or another plan's would show in it.
        self.system_tag = system_tag
        self.plan_boards = [other for other in boards if other.service is None and other.part <= 1]
        self.parts: dict[tuple[str, str | None, int], Board] = {
            (other.stem, other.service, other.part): other for other in boards}
        self.has_services = any(other.service for other in boards)
        self.as_menu = len(self.plan_boards) > MAX_LINKED + 1  # the others of each: more than MAX_LINKED

    def in_menu(self, board: Board) -> bool:
        """Whether the plan's dashboards menu lists `board` (then it carries PLAN_TAG)."""
        return self.as_menu and board.service is None and board.part <= 1


def _links(board: Board, index: LinkIndex) -> list[g.DashboardLink]:
    """Links to the plan's own dashboards (the first part of a split one), and one menu of the
    service dashboards (however many); a part also links its neighbours and all its parts."""
    if index.as_menu:
        links = [g.DashboardLink(type="dashboards", title=f"Dashboards ({len(index.plan_boards)})", tags=[PLAN_TAG, index.system_tag],
                                 asDropdown=True, keepTime=True, includeVars=True)]
    else:
        links = [g.DashboardLink(type="link", title=other.title, uri=other.link, icon="dashboard", keepTime=True,
                                 includeVars=True, tooltip=other.description or other.title)
                 for other in index.plan_boards if other.uid != board.uid]
    if board.part:
        for number, word in ((board.part - 1, "Previous part"), (board.part + 1, "Next part")):
            other = index.parts.get((board.stem, board.service, number))
            if other is not None and (number != 1 or board.service):  # part 1 of a plan dashboard is linked above
                links.append(g.DashboardLink(type="link", title=f"{word}: {other.title}", uri=other.link,
                                             icon="dashboard", keepTime=True, includeVars=True, tooltip=other.title))
        links.append(g.DashboardLink(type="dashboards", title=f"All {board.parts} parts", tags=[_parts_tag(board), index.system_tag],
                                     asDropdown=True, keepTime=True, includeVars=True))
    if index.has_services:
        links.append(g.DashboardLink(type="dashboards", title="Services", tags=[SERVICE_TAG, index.system_tag], asDropdown=True,
                                     keepTime=True, includeVars=True))
    return links


def _panels(item: Alert | Panel, ctx: Context) -> list[tuple[str, Any]]:
    """The panels of a row item: an alerting row's (with an SLO row's budget and burn rate), or a focus item's."""
    return row_panels(item, ctx) if isinstance(item, Alert) else [focus_panel(item, ctx)]


def _rows(plan: Plan, board: Board, ctx: Context) -> list[tuple[str, list[tuple[str, Any]]]]:
    """(title, [(kind, panel)]) of each row, in plan order; rows without panels are left out.
    A part of a split dashboard shows its slices of the rows."""
    rows = []
    if board.slices:
        for kind, number, first, end in board.slices:
            if kind == "group":
                title = board.groups[number]
                rows.append((title, [panel for item in row_items(plan, board, title)[first:end]
                                     for panel in _panels(item, ctx)]))
            else:
                view = board.views[number]
                rows.append((view.title, [view_panel(p, ctx) for p in view.panels[first:end]]))
        return rows
    for title in board.groups:
        panels = [panel for item in row_items(plan, board, title) for panel in _panels(item, ctx)]
        if panels:
            rows.append((title, panels))
    for view in board.views:
        rows.append((view.title, [view_panel(p, ctx) for p in view.panels]))
    return rows


def _firing_names(plan: Plan, board: Board) -> list[str]:
    """The alerts the firing panels list: those of the rows the dashboard (or this part of it)
    shows, then their NoData alerts, then the target alerts of the scrape jobs (all of them on
    the plan's dashboards, those its rows read on a service's).
    Each dashboard lists its own: the whole plan's on every one made the output grow with
    dashboards x alerts (20,000 one-row dashboards never finished building)."""
    if board.slices:
        shown = [item for kind, number, first, end in board.slices if kind == "group"
                 for item in row_items(plan, board, board.groups[number])[first:end] if isinstance(item, Alert)]
    else:
        shown = [item for group in board.groups for item in row_items(plan, board, group) if isinstance(item, Alert)]
    names = dict.fromkeys(name for a in shown for name in a.alert_names)
    missing = [a.no_data for a in shown if a.no_data is not None]
    names.update(dict.fromkeys(w.name for w in missing))
    if board.service is None:  # the plan's dashboards: every scrape job's target alerts (a job no row reads too)
        names.update(dict.fromkeys(w.name for w in plan.target_watches))
    else:  # a service's: those of the jobs its rows read
        targets = plan.target_watches_by_job
        names.update(dict.fromkeys(w.name for job in dict.fromkeys(j for w in missing for j in w.jobs)
                                   for w in targets.get(job, ())))
    return list(names)


def _place(rows: list[tuple[str, list[tuple[str, Any]]]], top: list[tuple[str, Any]]) -> list[Any]:
    """Every panel with its gridPos and a unique id, rows as headers in between."""
    placed: list[Any] = []
    widths = (6, 18)
    x = 0
    for (_kind, panel), width in zip(top, widths, strict=False):  # top: the two firing panels, or none
        placed.append((panel, g.GridPos(h=6, w=width, x=x, y=0)))
        x += width
    y = 6 if top else 0
    for title, panels in rows:
        placed.append((g.RowPanel(title=title, collapsed=False), g.GridPos(h=1, w=24, x=0, y=y)))
        order, boxes, y = layout.place_row([kind for kind, _ in panels], y)
        for index, box in zip(order, boxes, strict=True):
            placed.append((panels[index][1], g.GridPos(h=box.h, w=box.w, x=box.x, y=box.y)))
    # one copy per panel with both its place and its id (attr.evolve re-runs every validator)
    return [attr.evolve(panel, gridPos=grid, id=number) for number, (panel, grid) in enumerate(placed, start=1)]


def dashboard(plan: Plan, board: Board, boards: list[Board] | LinkIndex, datasource: tuple[str, str]) -> dict[str, Any]:
    """The dashboard's JSON model, as Grafana 10-12 save it."""
    variables = tuple(v.name for v in board.variables)
    ctx = Context(datasource=DATASOURCE, variables=variables)
    # The firing list shows the missing-data alerts too: a row whose data vanished shows no
    # value at all, and its NoData alert (or its job's TargetDown) says why.
    names = _firing_names(plan, board)
    top = firing_panels(names, ctx, board.service) if names else []
    index = boards if isinstance(boards, LinkIndex) else LinkIndex(boards, naming.slug(plan.settings.system))
    built = g.Dashboard(
        title=board.title, uid=board.uid, description=board.description or "",
        tags=["monplan", naming.slug(plan.settings.system)] + ([SERVICE_TAG] if board.service else [])
        + ([_parts_tag(board)] if board.part else []) + ([PLAN_TAG] if index.in_menu(board) else []),
        timezone=plan.settings.timezone,
        time=g.Time("now-6h", "now"), refresh="1m", graphTooltip=g.GRAPH_TOOLTIP_MODE_SHARED_CROSSHAIR,
        editable=True, schemaVersion=SCHEMA_VERSION, version=1,
        templating=g.Templating(_variables(plan, board, *datasource)),
        annotations=g.Annotations(_annotations(plan, names, board.service)),
        links=_links(board, index),
        panels=_place(_rows(plan, board, ctx), top),
    )
    return normalise(plain(built))
