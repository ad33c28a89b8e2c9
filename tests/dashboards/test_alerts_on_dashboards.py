"""Every alert of the generated rules has a panel, showing its query, at exactly its threshold.

Read from the generated files only: an alert's panel is the one linking to the alert's
runbook (its `runbook_url` annotation); the alert's threshold is the right-hand side of
its expression in the rule file (`monplan:x:ratio < 0.999`, `... < 0.8 * monplan:x:baseline`).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import promql_parser as pp
import pytest

from tests.dashboards.conftest import every_panel

_CONDITION = re.compile(r"^(?P<record>[a-zA-Z_:][a-zA-Z0-9_:]*) (?P<op><=|>=|<|>) (?P<rhs>.+)$")
_VARIABLE_MATCHER = re.compile(r',?\s*[a-zA-Z_]\w*=~"\$\w+"')


def panels_for(alert: dict[str, Any], dashboards) -> list[tuple[str, dict[str, Any]]]:
    url = alert["annotations"]["runbook_url"]
    return [(name, panel) for name, panel in every_panel(dashboards)
            if any(link.get("url") == url for link in panel.get("links", []))]


def condition(alert: dict[str, Any]) -> tuple[str, str, str]:
    match = _CONDITION.match(alert["expr"])
    assert match, f'{alert["alert"]}: cannot read the condition {alert["expr"]!r}'
    return match["record"], match["op"], match["rhs"]


def without_variables(expr: str) -> str:
    """The query with the dashboard variables' matchers taken out, printed canonically."""
    return str(pp.parse(_VARIABLE_MATCHER.sub("", expr).replace("{,", "{")))


def canonical(expr: str) -> str:
    return str(pp.parse(expr))


def test_every_alert_of_the_rules_has_a_panel_on_some_dashboard(alert_rules, dashboards):
    assert alert_rules, "the build produced no alerting rules"
    missing = [alert["alert"] for alert in alert_rules if not panels_for(alert, dashboards)]
    assert not missing, f"alerts without a panel: {missing}"


def test_each_alert_panel_shows_the_query_the_alert_is_recorded_from(alert_rules, dashboards):
    wrong = []
    for alert in alert_rules:
        record, _op, _rhs = condition(alert)
        query = alert["records"][record]
        for name, panel in panels_for(alert, dashboards):
            shown = [without_variables(target["expr"]) for target in panel["targets"]]
            if canonical(query) not in shown:
                wrong.append(f'{name}: panel "{panel["title"]}" for {alert["alert"]} shows {shown}, not {query!r}')
    assert not wrong, "\n".join(wrong)


def _steps(panel: dict[str, Any]) -> list[tuple[Decimal | None, str]]:
    steps = panel["fieldConfig"]["defaults"]["thresholds"]["steps"]
    return [(None if step["value"] is None else Decimal(str(step["value"])), step["color"]) for step in steps]


def test_each_alert_panel_threshold_equals_the_alert_threshold(alert_rules, dashboards):
    wrong = []
    for alert in alert_rules:
        _record, op, rhs = condition(alert)
        for name, panel in panels_for(alert, dashboards):
            where = f'{name}: panel "{panel["title"]}" for {alert["alert"]} ({alert["expr"]})'
            try:
                limit = Decimal(rhs)
            except ArithmeticError:
                limit = None
            if limit is None:  # compares with a series: the panel must plot that very series
                exprs = [canonical(target["expr"]) for target in panel["targets"]]
                if canonical(rhs) not in exprs:
                    wrong.append(f"{where}: no target plots the threshold series {rhs!r}; targets {exprs}")
                continue
            values = [value for value, _ in _steps(panel) if value is not None]
            if values != [limit]:
                wrong.append(f"{where}: threshold steps at {values}, the alert's threshold is {limit}")
                continue
            base, past = _steps(panel)
            quiet_colour = base[1] if op in (">", ">=") else past[1]
            if quiet_colour != "green":
                wrong.append(f"{where}: the side where the alert is quiet is {quiet_colour}, not green")
    assert not wrong, "\n".join(wrong)


def test_time_series_draw_the_threshold_as_a_dashed_line(alert_rules, dashboards):
    wrong = []
    for alert in alert_rules:
        _record, _op, rhs = condition(alert)
        for name, panel in panels_for(alert, dashboards):
            if panel["type"] != "timeseries":
                continue
            custom = panel["fieldConfig"]["defaults"]["custom"]
            try:
                Decimal(rhs)
            except ArithmeticError:  # a threshold series: dashed by an override on its name
                dashed = [o for o in panel["fieldConfig"]["overrides"]
                          if {"id": "custom.lineStyle", "value": {"fill": "dash", "dash": [10, 10]}} in o["properties"]]
                if not dashed:
                    wrong.append(f'{name}: "{panel["title"]}": the threshold series is not dashed')
                continue
            if custom["thresholdsStyle"]["mode"] != "dashed":
                wrong.append(f'{name}: "{panel["title"]}" draws its threshold as {custom["thresholdsStyle"]["mode"]}')
    assert not wrong, "\n".join(wrong)


def test_baseline_rows_plot_their_recorded_baseline(alert_rules, dashboards):
    baselines = [(alert, record) for alert in alert_rules for record in alert["records"]
                 if record.endswith(":baseline") and record in alert["expr"]]
    assert baselines, "the plan has 'of baseline' rows; their alerts should compare with a recorded baseline"
    for alert, record in baselines:
        for name, panel in panels_for(alert, dashboards):
            assert record in [target["expr"] for target in panel["targets"]], f'{name}: "{panel["title"]}" lacks {record}'


@pytest.mark.parametrize("kind, unit", [("ratio", "percentunit"), ("seconds", "s"), ("count", "short")])
def test_the_unit_fits_the_threshold(alert_rules, dashboards, kind, unit):
    """Recorded as monplan:<metric>:ratio, :seconds or :count: percentages, durations, counts."""
    chosen = [alert for alert in alert_rules if condition(alert)[0].endswith(f":{kind}")]
    assert chosen
    for alert in chosen:
        for name, panel in panels_for(alert, dashboards):
            assert panel["fieldConfig"]["defaults"]["unit"] == unit, f'{name}: "{panel["title"]}"'
