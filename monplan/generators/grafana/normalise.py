"""The one place where grafanalib's JSON becomes the JSON model of current Grafana.

grafanalib (0.7) still writes fields of Grafana 5-7: `span`, `height`, `error` and
`editable` on panels, `rows`, `style` and `sharedCrosshair` on the dashboard, Graphite
fields on targets, legacy threshold steps (`op`, `yaxis`, `index`, the string 'null'),
and gauge/bar gauge options in their pre-8 shape. It also writes None for everything
unset. This module turns that into what Grafana 10-12 save themselves, and nothing else
in monplan edits grafanalib's output.

One null stays: the first threshold step's value, which is how Grafana writes -Infinity.
"""

from __future__ import annotations

from typing import Any

# Keys Grafana no longer reads, by the object they sit on.
_LEGACY_DASHBOARD = ("__inputs", "hideControls", "rows", "sharedCrosshair", "style", "gnetId", "id")
_LEGACY_PANEL = ("span", "minSpan", "height", "error", "editable", "columns", "fontSize", "color", "mappings",
                 "styles", "thresholds")
_LEGACY_TARGET = ("query", "target", "metric", "step", "intervalFactor")
_LEGACY_VARIABLE = ("useTags", "tagsQuery", "tagValuesQuery", "tags")
_INTERVAL_ONLY = ("auto", "auto_min", "auto_count")  # meaningful on interval variables only
_LEGACY_GAUGE_DEFAULTS = ("calcs", "title", "limit", "override", "values")


_SCALARS = (str, int, float, bool)


def plain(value: Any) -> Any:
    """grafanalib's objects as JSON data with every null left out, in one pass.

    Objects become their `to_json_data()` (what grafanalib's own encoder does); tuples
    become lists. Each container is a fresh copy, so the steps below may edit in place.
    """
    kind = type(value)
    if kind is dict:
        return {key: item if type(item) in _SCALARS else plain(item)
                for key, item in value.items() if item is not None}
    if kind is list or kind is tuple:
        return [item if type(item) in _SCALARS else plain(item) for item in value if item is not None]
    if kind in _SCALARS:
        return value
    return plain(value.to_json_data())


def _steps(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for index, step in enumerate(steps):
        value = step.get("value")
        clean = {"color": step["color"], "value": None if index == 0 or value == "null" else value}
        out.append(clean)
    return out


def _field_config(panel: dict[str, Any]) -> None:
    config = panel.setdefault("fieldConfig", {})
    defaults = config.setdefault("defaults", {})
    config.setdefault("overrides", [])
    for key in ("showThresholdLabels", "showThresholdMarkers"):
        config.pop(key, None)
    thresholds = defaults.get("thresholds")
    if thresholds is not None:
        thresholds["steps"] = _steps(thresholds.get("steps", []))
    if defaults.get("custom") == {}:
        del defaults["custom"]


def _gauges(panel: dict[str, Any]) -> None:
    """Gauge and bar gauge: grafanalib writes their Grafana 6 shape; the options come from extraJson."""
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    for key in _LEGACY_GAUGE_DEFAULTS:
        defaults.pop(key, None)
    options = panel.get("options", {})
    legacy = options.pop("fieldOptions", None)
    if legacy:
        for key in ("decimals", "max", "min", "unit", "links"):
            if legacy.get("defaults", {}).get(key) is not None:
                defaults.setdefault(key, legacy["defaults"][key])
    if panel["type"] == "bargauge":
        options.pop("showThresholdLabels", None)
        options.pop("showThresholdMarkers", None)


def _target(target: dict[str, Any]) -> dict[str, Any]:
    target = {key: value for key, value in target.items() if key not in _LEGACY_TARGET}
    if target.get("interval") == "":
        del target["interval"]
    target.setdefault("editorMode", "code")  # open the query as written, not in the builder
    return target


def _panel(panel: dict[str, Any]) -> dict[str, Any]:
    if panel.get("type") == "row":
        keep = ("type", "id", "title", "gridPos", "collapsed", "panels", "datasource", "repeat")
        return {key: value for key, value in panel.items() if key in keep}
    for key in _LEGACY_PANEL:
        panel.pop(key, None)
    if not panel.get("repeat"):
        for key in ("repeat", "repeatDirection", "maxPerRow"):
            panel.pop(key, None)
    if panel.get("hideTimeOverride") is False:
        del panel["hideTimeOverride"]
    if panel.get("transparent") is False:
        del panel["transparent"]
    if panel["type"] in ("gauge", "bargauge"):
        _gauges(panel)
    if panel["type"] == "table":  # cell display mode moved to cellOptions in Grafana 10
        custom = panel.get("fieldConfig", {}).get("defaults", {}).get("custom", {})
        custom.pop("displayMode", None)
    defaults = panel.get("fieldConfig", {}).get("defaults", {})
    if defaults.get("unit") == "":
        del defaults["unit"]
    _field_config(panel)
    panel["targets"] = [_target(target) for target in panel.get("targets", [])]
    return panel


def _variable(variable: dict[str, Any]) -> dict[str, Any]:
    for key in _LEGACY_VARIABLE:
        variable.pop(key, None)
    if variable.get("type") != "interval":
        for key in _INTERVAL_ONLY:
            variable.pop(key, None)
    current = variable.get("current")
    if current is not None:
        current.pop("tags", None)
        if current.get("value") is None:
            del variable["current"]
    if variable.get("regex") is None:
        variable.pop("regex", None)
    return variable


def normalise(dashboard: dict[str, Any]) -> dict[str, Any]:
    """grafanalib's dashboard, through `plain`, as current Grafana JSON."""
    for key in _LEGACY_DASHBOARD:
        dashboard.pop(key, None)
    dashboard.get("timepicker", {}).pop("time_options", None)
    # `plain` dropped the nulls; grafanalib writes the -Infinity step as the string 'null',
    # which _steps turns into the null Grafana writes.
    dashboard["panels"] = [_panel(panel) for panel in dashboard.get("panels", [])]
    dashboard["templating"]["list"] = [_variable(v) for v in dashboard["templating"]["list"]]
    return dashboard
