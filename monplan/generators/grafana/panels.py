"""One grafanalib panel per plan row, focus-area item, view panel, and the firing alerts.

A row's panel shows the row's query, in the unit its threshold is written in, with
threshold steps at exactly the alert's threshold: green on the quiet side, the priority's
colour past it (a dashed line on time series). 'Of baseline' rows plot the value, the
recorded baseline and the threshold series the alert compares with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from grafanalib import core as g

from monplan.lang.first_event import recorded_query
from monplan.lang.promql import filter_by, grouped_by
from monplan.lang.thresholds import Kind, format_decimal
from monplan.model.plan import Alert, Panel
from monplan.model.settings import ViewPanel
from monplan.model.slo import Slo

OK = "green"
BREACH = {"critical": "red", "high": "orange", "medium": "yellow"}
UNIT = {Kind.RATIO: "percentunit", Kind.SECONDS: "s"}
DASHED = {"fill": "dash", "dash": [10, 10]}
OK_STEP = {"color": OK, "value": None}


@dataclass(frozen=True)
class Context:
    """What every panel of one dashboard shares."""

    datasource: dict[str, str]  # {"type": "prometheus", "uid": "${datasource}"}
    variables: tuple[str, ...]  # label variables that filter the panels grouping by them


def panel_kind(alert: Alert) -> str:
    """Stat for availability and counts of occurrences, time series for rates and latencies."""
    if alert.panel:
        return alert.panel
    if alert.kind is Kind.ANY or (alert.kind is Kind.RATIO and alert.threshold.op in ("<", "<=")):
        return "stat"
    return "timeseries"


def unit_of(alert: Alert) -> str:
    return alert.unit or UNIT.get(alert.kind, "short")


def steps_for(alert: Alert) -> list[g.Threshold]:
    """Colour steps: Grafana colours a value with the last step at or below it."""
    value = alert.fixed_limit
    breach = BREACH[alert.priority]
    if value is None:
        return [g.Threshold(OK, 0, 0.0)]
    if alert.threshold.op in (">", ">="):
        return [g.Threshold(OK, 0, 0.0), g.Threshold(breach, 1, float(value))]
    return [g.Threshold(breach, 0, 0.0), g.Threshold(OK, 1, float(value))]


def _query(expr: str, ctx: Context) -> str:
    """The query as the panel runs it: filtered by the variables whose label it groups by."""
    keeps = grouped_by(expr) if ctx.variables else []
    for name in ctx.variables:
        if name in keeps:
            expr = filter_by(expr, name, name)
    return expr


def _legend(expr: str, fallback: str) -> str:
    labels = grouped_by(expr)
    return " ".join(f"{{{{{label}}}}}" for label in labels) if labels else fallback


def _target(expr: str, legend: str, ref: str, ctx: Context, **extra: Any) -> g.Target:
    return g.Target(expr=expr, legendFormat=legend, refId=ref, datasource=ctx.datasource, **extra)


def _runbook(alert: Alert) -> list[g.DashboardLink]:
    if not alert.runbook_url:
        return []
    return [g.DashboardLink(type="link", title=f"Runbook: {alert.name}", uri=alert.runbook_url, icon="doc",
                            tooltip=f"What to do when {alert.name} fires", targetBlank=True, keepTime=False)]


def _alert_description(alert: Alert) -> str:
    wait = "at once" if alert.for_ == "0s" else f"after {alert.for_}"
    parts = [alert.description] if alert.description else []
    parts.append(f"Alert {alert.name} ({alert.priority.capitalize()}) fires {wait} when the value is "
                 f"{alert.threshold.text}.")
    if alert.no_data is not None:
        parts.append(f"No data here for {alert.no_data.for_} fires {alert.no_data.name} "
                     f"({alert.no_data.priority.capitalize()}).")
    if alert.tool:
        parts.append(f"Tool: {alert.tool}.")
    return " ".join(parts)


def _stat(title: str, targets: list[g.Target], unit: str, steps: list[g.Threshold], ctx: Context, *,
          description: str | None = None, links: list[g.DashboardLink] | None = None,
          mappings: list[dict[str, Any]] | None = None,
          background: bool = False) -> g.Stat:
    return g.Stat(
        maxDataPoints=None, title=title, dataSource=ctx.datasource, targets=targets, format=unit, description=description,
        links=links or [], thresholds=steps, mappings=mappings or [], reduceCalc="lastNotNull",
        graphMode="area", colorMode="background" if background else "value", noValue="No data",
        color={"mode": "thresholds"},
        extraJson={"options": {"wideLayout": True, "showPercentChange": False, "percentChangeColorMode": "standard"},
                   "fieldConfig": {"defaults": {"thresholds": {"mode": "absolute"}}}},
    )


def _timeseries(title: str, targets: list[g.Target], unit: str, steps: list[g.Threshold], ctx: Context, *,
                description: str | None = None, links: list[g.DashboardLink] | None = None,
                overrides: list[dict[str, Any]] | None = None,
                dashed: bool = False) -> g.TimeSeries:
    return g.TimeSeries(
        maxDataPoints=None, title=title, dataSource=ctx.datasource, targets=targets, unit=unit, description=description,
        links=links or [], thresholds=steps, thresholdsStyleMode="dashed" if dashed else "off",
        overrides=overrides or [], lineWidth=2, fillOpacity=10, gradientMode="opacity", showPoints="never",
        tooltipMode="multi", tooltipSort="desc", legendDisplayMode="list", legendPlacement="bottom",
        extraJson={"options": {"legend": {"showLegend": True}},
                   "fieldConfig": {"defaults": {"color": {"mode": "palette-classic"}}}},
    )


def _gauge(title: str, targets: list[g.Target], unit: str, steps: list[g.Threshold], ctx: Context, *,
           description: str | None = None, links: list[g.DashboardLink] | None = None) -> g.GaugePanel:
    top = 1 if unit == "percentunit" else None
    return g.GaugePanel(
        maxDataPoints=None, title=title, dataSource=ctx.datasource, targets=targets, format=unit, description=description,
        links=links or [], thresholds=steps, max=top, min=0,
        extraJson={
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "showThresholdLabels": False, "showThresholdMarkers": True, "sizing": "auto",
                        "minVizWidth": 75, "minVizHeight": 75, "orientation": "auto"},
            "fieldConfig": {"defaults": {"thresholds": {"mode": "absolute"}, "color": {"mode": "thresholds"}}},
        },
    )


def _bargauge(title: str, targets: list[g.Target], unit: str, steps: list[g.Threshold], ctx: Context, *,
              description: str | None = None) -> g.BarGauge:
    return g.BarGauge(
        maxDataPoints=None, title=title, dataSource=ctx.datasource, targets=targets, format=unit, description=description,
        thresholds=steps, displayMode="gradient", orientation="horizontal", min=0, max=None,
        extraJson={
            "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                        "valueMode": "color", "namePlacement": "auto", "showUnfilled": True, "sizing": "auto",
                        "minVizWidth": 8, "minVizHeight": 16, "maxVizHeight": 300,
                        "legend": {"displayMode": "list", "placement": "bottom", "showLegend": False, "calcs": []}},
            "fieldConfig": {"defaults": {"thresholds": {"mode": "absolute"}, "color": {"mode": "thresholds"}}},
        },
    )


def _table(title: str, targets: list[g.Target], ctx: Context, *, description: str | None = None,
           transformations: list[dict[str, Any]] | None = None, sort_by: list[dict[str, Any]] | None = None,
           unit: str = "") -> g.Table:
    return g.Table(
        title=title, dataSource=ctx.datasource, targets=targets, description=description, unit=unit,
        transformations=transformations or [], maxDataPoints=None,
        extraJson={"options": {"frameIndex": 0, "showHeader": True, "cellHeight": "sm",
                               "sortBy": sort_by or []},  # no `footer`: Grafana 12.2 dropped it (off by default before)
                   "fieldConfig": {"defaults": {"custom": {"inspect": False, "cellOptions": {"type": "auto"}},
                                                "thresholds": {"mode": "absolute", "steps": [OK_STEP]}}}},
    )


def _by_name(name: str, *properties: dict[str, Any]) -> dict[str, Any]:
    """An override for one series; `byNames` because its options are an object, as the schema wants."""
    return {"matcher": {"id": "byNames", "options": {"mode": "include", "names": [name], "readOnly": True}},
            "properties": list(properties)}


def alert_panel(alert: Alert, ctx: Context) -> tuple[str, Any]:
    """The panel of an alerting row, and its kind."""
    kind = panel_kind(alert)
    unit = unit_of(alert)
    # Exactly what the row's recording rule computes, so the panel shows what the alert sees.
    expr = _query(recorded_query(alert), ctx)
    targets = [_target(expr, _legend(alert.query, alert.metric), "A", ctx)]
    description, links = _alert_description(alert), _runbook(alert)
    if alert.kind is Kind.RELATIVE and alert.baseline_record:
        factor = alert.threshold.promql_value
        limit_name = f"Alert threshold: {alert.threshold.text}"
        # The series the alert compares with: a per-service row's own service's copy.
        baseline = alert.baseline_series
        assert baseline is not None  # set with baseline_record
        targets += [_target(baseline, "Baseline", "B", ctx),
                    _target(f"{factor} * {baseline}", limit_name, "C", ctx)]
        overrides = [
            _by_name("Baseline", {"id": "color", "value": {"mode": "fixed", "fixedColor": "text"}}),
            _by_name(limit_name, {"id": "color", "value": {"mode": "fixed", "fixedColor": BREACH[alert.priority]}},
                     {"id": "custom.lineStyle", "value": DASHED}),
        ]
        return "timeseries", _timeseries(alert.metric, targets, unit, steps_for(alert), ctx,
                                         overrides=overrides, description=description, links=links)
    steps = steps_for(alert)
    if kind == "stat":
        mappings: list[dict[str, Any]] = []
        if alert.kind is Kind.ANY:  # 0 is the quiet value, though Grafana colours "at or above"
            mappings = [{"type": "value", "options": {"0": {"text": "None", "color": OK, "index": 0}}}]
        return kind, _stat(alert.metric, targets, unit, steps, ctx, mappings=mappings, background=True,
                           description=description, links=links)
    if kind == "gauge":
        return kind, _gauge(alert.metric, targets, unit, steps, ctx, description=description, links=links)
    return "timeseries", _timeseries(alert.metric, targets, unit, steps, ctx, dashed=True, description=description,
                                     links=links)


def focus_panel(panel: Panel, ctx: Context) -> tuple[str, Any]:
    """A focus-area item with a query and no threshold."""
    targets = [_target(_query(panel.query, ctx), _legend(panel.query, panel.title), "A", ctx)]
    steps = [g.Threshold(OK, 0, 0.0)]
    if panel.panel == "stat":
        return "stat", _stat(panel.title, targets, panel.unit, steps, ctx, description=panel.description)
    if panel.panel == "gauge":
        return "gauge", _gauge(panel.title, targets, panel.unit, steps, ctx, description=panel.description)
    return "timeseries", _timeseries(panel.title, targets, panel.unit, steps, ctx, description=panel.description)


def view_panel(view: ViewPanel, ctx: Context) -> tuple[str, Any]:
    """A panel of a custom view, such as error rates by component."""
    legend = view.legend or _legend(view.query, view.title)
    steps = [g.Threshold(OK, 0, 0.0)]
    if view.panel == "table":
        target = _target(_query(view.query, ctx), legend, "A", ctx, instant=True, format="table")
        return "table", _table(view.title, [target], ctx, unit=view.unit)
    targets = [_target(_query(view.query, ctx), legend, "A", ctx)]
    if view.panel == "stat":
        return "stat", _stat(view.title, targets, view.unit, steps, ctx)
    if view.panel == "gauge":
        return "gauge", _gauge(view.title, targets, view.unit, steps, ctx)
    if view.panel == "bargauge":
        return "bargauge", _bargauge(view.title, targets, view.unit, steps, ctx)
    return "timeseries", _timeseries(view.title, targets, view.unit, steps, ctx)


def firing_selector(names: list[str], service: str | None = None) -> str:
    """The plan's firing alerts of these names; on a service's dashboard only that service's
    (the copies of a per-service row share their names and differ in the service label)."""
    narrowed = f', service="{service}"' if service else ""
    return f'ALERTS{{alertstate="firing", alertname=~"{"|".join(sorted(names))}"{narrowed}}}'


def firing_panels(names: list[str], ctx: Context, service: str | None = None) -> list[tuple[str, Any]]:
    """How many of the plan's alerts fire, and which: the first thing on every dashboard."""
    selector = firing_selector(names, service)
    count = _stat("Firing alerts", [_target(f"count({selector}) or vector(0)", "firing", "A", ctx)], "short",
                  [g.Threshold(OK, 0, 0.0), g.Threshold("red", 1, 1.0)], ctx, background=True,
                  description=f"How many of the plan's {len(names)} alerts are firing now.")
    organize = {"id": "organize", "options": {
        "excludeByName": {"Time": True, "Value": True, "__name__": True, "alertstate": True},
        "indexByName": {"alertname": 0, "severity": 1, "component": 2},
        "renameByName": {"alertname": "Alert", "severity": "Severity", "component": "Component"},
    }}
    table = _table("Firing alerts by severity", [_target(selector, "", "A", ctx, instant=True, format="table")], ctx,
                   description="The plan's alerts firing now, from Prometheus' ALERTS series.",
                   transformations=[organize], sort_by=[{"displayName": "Severity", "desc": False}])
    return [("stat", count), ("table", table)]


def row_panels(alert: Alert, ctx: Context) -> list[tuple[str, Any]]:
    """The panels of an alerting row: its value, and for an SLO row its budget and burn rates."""
    panels = [alert_panel(alert, ctx)]
    if alert.slo is not None:
        panels += [budget_panel(alert, alert.slo, ctx), burn_rate_panel(alert, alert.slo, ctx)]
    return panels


def budget_panel(alert: Alert, slo: Slo, ctx: Context) -> tuple[str, Any]:
    """The share of the period's error budget left: red once spent, the priority's colour below a quarter."""
    target = _target(slo.read(slo.remaining_series), "Budget remaining", "A", ctx)
    steps = [g.Threshold("red", 0, 0.0), g.Threshold(BREACH[slo.slow.severity], 1, 0.0),
             g.Threshold(OK, 2, 0.25)]
    description = (f"The share of the error budget of {alert.metric} left over the last {slo.period}: the "
                   f"objective {alert.threshold.text} allows {format_decimal(slo.budget * 100)}% bad events; "
                   "below 0 the objective is missed.")
    return "stat", _stat(f"{alert.metric}: error budget remaining", [target], "percentunit", steps, ctx,
                         description=description, links=_runbook(alert), background=True)


def burn_rate_panel(alert: Alert, slo: Slo, ctx: Context) -> tuple[str, Any]:
    """The burn rate over each alert window, with the alerts' factors as dashed thresholds."""
    budget = format_decimal(slo.budget)
    windows = [w for burn in slo.alerts for pair in burn.windows for w in (pair.short, pair.long)]
    targets = [_target(f"{slo.read(slo.ratio_series(window))} / {budget}", f"burn rate {window}", chr(ord("A") + index), ctx)
               for index, window in enumerate(dict.fromkeys(windows))]
    factors = sorted({pair.factor for burn in slo.alerts for pair in burn.windows})
    colours = {pair.factor: BREACH[burn.severity] for burn in reversed(slo.alerts) for pair in burn.windows}
    steps = [g.Threshold(OK, 0, 0.0)] + [g.Threshold(colours[f], i + 1, float(f)) for i, f in enumerate(factors)]
    description = (f"How fast {alert.metric} spends its error budget: 1 spends it exactly over {slo.period}. "
                   + " ".join(f"{burn.name} ({burn.severity}) fires above "
                              + " or ".join(f"{format_decimal(p.factor)}x over {p.long} and {p.short}" for p in burn.windows)
                              + "." for burn in slo.alerts))
    return "timeseries", _timeseries(f"{alert.metric}: burn rate", targets, "short", steps, ctx,
                                     description=description, links=_runbook(alert), dashed=True)
