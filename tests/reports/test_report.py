"""`monplan report` against a real Prometheus holding the synthetic history: every figure is
recomputed here from the samples and incidents the history was written from."""

from __future__ import annotations

import base64
import datetime as dt
import io
import math
import re
from typing import Any

import pytest

from conftest import run_monplan
from reports import synthetic
from reports.conftest import PLAN, Rule, Server, at, monplan_json
from reports.synthetic import DAY, END, TZ, WEEK

pytestmark = pytest.mark.e2e
AT = dt.datetime.fromtimestamp(END, TZ).isoformat()
Series = dict[str, dict[tuple[tuple[str, str], ...], list[tuple[int, float]]]]


_REPORTS: dict[tuple[str, str], Any] = {}


def report(server: Server, period: str = "day") -> dict[str, Any]:
    """The JSON report (asked once per period and server: every figure in it is checked here)."""
    key = (server.url, period)
    if key not in _REPORTS:
        _REPORTS[key] = monplan_json("report", "--plan", str(PLAN), "--prometheus", server.url, "--at", AT,
                                     "--period", period)
    return _REPORTS[key]


def markdown(server: Server) -> str:
    key = (server.url, "markdown")
    if key not in _REPORTS:
        result = run_monplan("report", "--plan", str(PLAN), "--prometheus", server.url, "--at", AT)
        assert result.returncode == 0, result.stderr
        _REPORTS[key] = result.stdout
    return _REPORTS[key]


def item(data: dict[str, Any], kind: str) -> dict[str, Any]:
    return next(part for part in data["items"] if part["kind"] == kind)


def row(part: dict[str, Any], alert: str) -> dict[str, Any]:
    return next(r for r in part["rows"] if r["alert"] == alert)


def frames(series: Series, name: str, lo: int, hi: int) -> dict[int, dict[Any, float]]:
    """time -> series labels -> value, for the samples of `name` in [lo, hi)."""
    out: dict[int, dict[Any, float]] = {}
    for labels, points in series.get(name, {}).items():
        for t, value in points:
            if lo <= t < hi:
                out.setdefault(t, {})[labels] = value
    return out


def baseline(rule: Rule, series: Series, labels: Any, t: int) -> float | None:
    """What the rule compares with: its recorded baseline, else (none recorded) the value a week before."""
    if rule.baseline in series:
        return at(series, rule.baseline, labels).get(t)
    return at(series, rule.record, labels).get(t - WEEK)


def expected_row(rule: Rule, series: Series, lo: int, hi: int) -> dict[str, float]:
    by_time = frames(series, rule.record, lo, hi)
    high_is_bad = rule.op in (">", ">=")
    worst = [max(v.values()) if high_is_bad else min(v.values()) for _, v in sorted(by_time.items())]
    breached = sum(1 for t, v in by_time.items()
                   if any(rule.holds(x, baseline(rule, series, labels, t) if rule.baseline else None)
                          for labels, x in v.items()))
    return {"points": len(by_time), "breached": breached, "within": 1 - breached / len(by_time),
            "mean": math.fsum(worst) / len(worst), "worst": max(worst) if high_is_bad else min(worst)}


def test_uptime_of_each_availability_row_is_its_share_of_minutes_within_the_threshold(
        prometheus: Server, rules: dict[str, Rule], series: Series) -> None:
    data = report(prometheus)
    part = item(data, "uptime")
    assert [r["section"] for r in part["rows"]] == ["System Availability"] * 4
    for alert in ("APIEndpointAvailability", "DatabaseConnectivity", "AuthenticationService"):
        expected = expected_row(rules[alert], series, END - DAY, END)
        got = row(part, alert)
        assert got["points"] == expected["points"] == 1440
        assert got["breached"] == expected["breached"]
        assert got["within"] == pytest.approx(expected["within"], abs=1e-12)
        assert got["mean"] == pytest.approx(expected["mean"], rel=1e-9)
        assert got["worst"] == pytest.approx(expected["worst"], rel=1e-9)
    # The markdown a person reads shows the same figure.
    text = markdown(prometheus)
    uptime = expected_row(rules["APIEndpointAvailability"], series, END - DAY, END)["within"]
    shown = f"{uptime * 100:.3f}".rstrip("0").rstrip(".") + "%"
    line = next(line for line in text.splitlines() if line.startswith("| API Endpoint Availability |"))
    assert f"| {shown} |" in line and "breached" in line


def test_a_row_without_data_is_reported_missing_not_zero(prometheus: Server) -> None:
    data = report(prometheus)
    frontend = row(item(data, "uptime"), "FrontendLoading")
    assert frontend["status"] == "missing" and "within" not in frontend
    cpu = row(item(data, "performance_vs_baseline"), "CPUUsage")
    assert cpu["status"] == "missing"
    text = markdown(prometheus)
    line = next(line for line in text.splitlines() if line.startswith("| Frontend Loading |"))
    assert "missing" in line and "0%" not in line and "| 0 |" not in line


def _incidents(lo: int, hi: int) -> list[synthetic.Incident]:
    """The plan's incidents firing at some point in [lo, hi) (the other team's alert is not the plan's)."""
    return [i for i in synthetic.INCIDENTS if i.firing < hi and (i.resolved or synthetic.STOP) > lo]


@pytest.mark.parametrize("period, seconds", [("day", DAY), ("week", WEEK)])
def test_alert_firings_by_severity(prometheus: Server, rules: dict[str, Rule], period: str, seconds: int) -> None:
    lo, hi = END - seconds, END
    got = {s["severity"]: s for s in item(report(prometheus, period), "errors_by_severity")["severities"]}
    assert list(got) == ["critical", "high", "medium"]
    for severity in got:
        mine = [i for i in _incidents(lo, hi) if rules[i.alert].labels["severity"] == severity]
        assert got[severity]["firings"] == len(mine)
        assert got[severity]["alerts"] == sorted({i.alert for i in mine})
        assert got[severity]["ongoing"] == sum(1 for i in mine if i.resolved is None or i.resolved > hi)
        inside = sum(min(i.resolved or hi, hi) - max(i.firing, lo) for i in mine)
        assert got[severity]["seconds_firing"] == pytest.approx(inside)


def test_incidents_say_when_they_fired_for_how_long_and_whether_they_resolved(prometheus: Server) -> None:
    lo, hi = END - DAY, END
    got = item(report(prometheus), "incidents")["incidents"]
    expected = sorted(_incidents(lo, hi), key=lambda i: max(i.firing, lo))
    assert [(e["alert"], e["labels"].get("instance")) for e in got] == [(i.alert, i.labels.get("instance")) for i in expected]
    for incident, entry in zip(expected, got, strict=True):
        ongoing = incident.resolved is None or incident.resolved > hi
        assert entry["started"] == dt.datetime.fromtimestamp(incident.firing, TZ).isoformat()
        assert entry["carried_over"] == (incident.firing < lo)
        assert entry["ongoing"] == ongoing
        assert entry["resolved"] == (None if ongoing else dt.datetime.fromtimestamp(incident.resolved, TZ).isoformat())
        assert entry["duration_seconds"] == ((hi if ongoing else incident.resolved) - incident.firing)
        assert entry["active_since"] == dt.datetime.fromtimestamp(incident.pending, TZ).isoformat()
    assert all(e["alert"] != synthetic.FOREIGN.alert for e in got)


def test_performance_rows_against_threshold_and_baseline(prometheus: Server, rules: dict[str, Rule], series: Series) -> None:
    part = item(report(prometheus), "performance_vs_baseline")
    lo, hi = END - DAY, END
    # A row without a baseline column compares with the same day one week earlier.
    api = row(part, "APIResponseTime")
    now = expected_row(rules["APIResponseTime"], series, lo, hi)
    before = expected_row(rules["APIResponseTime"], series, lo - WEEK, hi - WEEK)
    assert api["mean"] == pytest.approx(now["mean"], rel=1e-9)
    assert api["reference"] == pytest.approx(before["mean"], rel=1e-9)
    assert api["limit"] == rules["APIResponseTime"].value
    assert api["status"] == "breached" and api["breached"] == now["breached"] > 0
    # "Of baseline" rows compare with the recorded baseline series ...
    workflows = row(part, "WorkflowCreationRate")
    base = frames(series, "monplan:workflow_creation_rate:baseline", lo, hi)
    base_mean = math.fsum(v[()] for v in base.values()) / len(base)
    assert workflows["reference_source"] == "recorded"
    assert workflows["reference"] == pytest.approx(base_mean, rel=1e-9)
    assert workflows["limit"] == pytest.approx(rules["WorkflowCreationRate"].value * base_mean, rel=1e-9)
    assert workflows["breached"] == expected_row(rules["WorkflowCreationRate"], series, lo, hi)["breached"] > 0
    # ... or, where none was recorded, with the baseline the rule would record (one week earlier).
    customers = row(part, "CustomerCreationRate")
    earlier = frames(series, "monplan:customer_creation_rate:value", lo - WEEK, hi - WEEK)
    assert customers["reference_source"] == "query"
    assert customers["reference"] == pytest.approx(math.fsum(v[()] for v in earlier.values()) / len(earlier), rel=1e-9)
    # Several series (one per instance): the row's value is the worst one.
    memory = row(part, "MemoryUsage")
    assert memory["worst"] == pytest.approx(expected_row(rules["MemoryUsage"], series, lo, hi)["worst"], rel=1e-9)


def test_user_activity_against_the_previous_period(prometheus: Server, rules: dict[str, Rule], series: Series) -> None:
    part = item(report(prometheus), "user_activity")
    assert [r["section"] for r in part["rows"]] == ["Business Metrics"] * 4
    got = row(part, "LoginSuccessRate")
    now = frames(series, "monplan:login_success_rate:ratio", END - DAY, END)
    before = frames(series, "monplan:login_success_rate:ratio", END - 2 * DAY, END - DAY)
    values = [v[()] for _, v in sorted(now.items())]
    assert got["mean"] == pytest.approx(math.fsum(values) / len(values), rel=1e-9)
    assert (got["min"], got["max"], got["last"]) == pytest.approx((min(values), max(values), values[-1]), rel=1e-9)
    assert got["reference"] == pytest.approx(math.fsum(v[()] for v in before.values()) / len(before), rel=1e-9)
    assert row(part, "UserSessionDuration")["status"] == "missing"


def test_html_report_embeds_a_valid_png_plot_per_row_with_data(prometheus: Server, tmp_path) -> None:
    from PIL import Image

    out = tmp_path / "report.html"
    result = run_monplan("report", "--plan", str(PLAN), "--prometheus", prometheus.url, "--at", AT,
                         "--format", "html", "--out", str(out))
    assert result.returncode == 0, result.stderr
    html = out.read_text()
    images = re.findall(r'<img alt="([^"]+)" src="data:image/png;base64,([A-Za-z0-9+/=]+)">', html)
    # One plot per row with data in each item that lists rows, in the report's order.
    with_data = [r["metric"] for p in report(prometheus)["items"] for r in p.get("rows", []) if r["status"] != "missing"]
    assert [alt.split(" over the period")[0] for alt, _ in images] == with_data
    for _, encoded in images:
        raw = base64.b64decode(encoded, validate=True)
        assert raw.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(raw)) as image:
            image.verify()
        with Image.open(io.BytesIO(raw)) as image:
            assert image.format == "PNG" and image.width > 200 and image.height > 100
    assert "Frontend Loading" in html and html.count('class="missing"') > 0
