"""The daily report's error budgets, read from a fake Prometheus that answers the SLO series."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import CASES
from monplan.app.pipeline import load_plan
from monplan.live.prometheus_api import Series
from monplan.live.report.build import build_report
from monplan.live.report.render import as_dict, render
from monplan.live.report.window import make_window

REPORTING = """
reporting:
  daily_report:
    time: "08:00"
    contents:
      - {item: Error count by severity, kind: errors_by_severity}
  weekly_review: {day: Monday, time: "10:00", duration: 1h, participants: [Operations], agenda: [Review]}
"""


class FakePrometheus:
    """The API Endpoint Availability SLO at a quarter of its budget over 30d, half a percent of
    it spent during the day; every other query has no data."""

    url = "http://fake"

    def __init__(self) -> None:
        self.asked: list[str] = []

    def query(self, expr: str, at: float) -> list[Series]:
        self.asked.append(expr)
        answers = {
            "monplan:api_endpoint_availability:error_ratio_rate30d": 0.00025,
            "avg_over_time(monplan:api_endpoint_availability:error_ratio_rate5m[86400s])": 0.00015,
        }
        if expr in answers:
            return [Series((), ((at, answers[expr]),))]
        return []

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        return []


def test_the_report_says_how_much_of_each_budget_is_consumed(tmp_path: Path) -> None:
    plan_file = tmp_path / "plan.yaml"
    plan_file.write_text((CASES / "valid" / "slo" / "plan.yaml").read_text() + REPORTING)
    plan = load_plan(plan_file)
    window = make_window(86_400, 1_780_000_000, 60, ZoneInfo("UTC"))
    report, problems = build_report(plan, FakePrometheus(), "day", window)  # type: ignore[arg-type]
    assert report is not None and not problems
    budgets = {b.alert.name: b for b in report.budgets}
    assert list(budgets) == ["APIEndpointAvailability", "CheckoutLatency", "LoginSuccess", "SearchErrors", "ProbeSuccess"]
    api = budgets["APIEndpointAvailability"]
    assert api.consumed is not None and abs(api.consumed - 0.25) < 1e-9
    assert api.consumed_in_window is not None and abs(api.consumed_in_window - 0.005) < 1e-9
    assert api.status == "ok"
    assert budgets["CheckoutLatency"].status == "missing"
    markdown = render(report, "markdown")
    assert "## Error budgets" in markdown
    assert "| API Endpoint Availability | \\<99.9% | 30d | 25% | 0.5% | 75% | ok |" in markdown  # escaped Markdown
    assert as_dict(report)["error_budgets"][0]["remaining"] == api.remaining
    assert "<td>API Endpoint Availability</td><td>&lt;99.9%</td><td>30d</td><td>25%</td>" in render(report, "html")


class FakeWithSli(FakePrometheus):
    """Also the row's value (the good share over 5m), far below its objective at times."""

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        if expr == "monplan:api_endpoint_availability:ratio":
            points = tuple((start + i * step, 0.99 if i % 10 == 0 else 1.0) for i in range(int((end - start) / step) + 1))
            return [Series((), points)]
        return []


def test_tune_reports_slo_rows_without_suggesting_a_looser_objective(tmp_path: Path) -> None:
    from monplan.live.report.rows import Fetcher
    from monplan.live.tune import tune

    plan = load_plan(CASES / "valid" / "slo" / "plan.yaml")
    window = make_window(86_400, 1_780_000_000, 60, ZoneInfo("UTC"))
    findings = {f.alert.name: f for f in tune(plan, Fetcher(FakeWithSli()), window)}  # type: ignore[arg-type]
    api = findings["APIEndpointAvailability"]
    assert api.status == "slo" and api.suggestions == []
    assert api.percentiles["min"] == 0.99
    assert "the window spent 0.5% of the 30d error budget" in api.notes[0]
    assert findings["CheckoutLatency"].status == "missing"
    assert findings["CPUUtilization"].status == "missing"
