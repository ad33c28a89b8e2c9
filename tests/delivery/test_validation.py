"""Plans whose delivery cannot work are refused, each problem at its plan line, all in one run."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import run_monplan
from tests.delivery.conftest import PLAN, line_of, plan_problems


def errors_at(tmp_path: Path, text: str) -> dict[int, str]:
    return {d.line: d.message for d in plan_problems(tmp_path, text) if d.severity == "error"}


def test_the_test_plan_itself_is_valid(tmp_path: Path) -> None:
    assert errors_at(tmp_path, PLAN) == {}


def test_a_gap_in_the_rotation_is_an_error_at_the_shift_that_starts_late(tmp_path: Path) -> None:
    text = PLAN.replace("{day: Day 2, primary: Ben, secondary: Cy}",
                        "{day: Day 2, primary: Ben, secondary: Cy, start: 2026-11-26T12:00}")
    errors = errors_at(tmp_path, text)
    assert "nobody is on call in between" in errors[line_of(text, "day: Day 2")]


def test_overlapping_shifts_are_an_error_at_the_shift_that_starts_early(tmp_path: Path) -> None:
    text = PLAN.replace("{day: Day 3, primary: Cy, secondary: Ana}",
                        "{day: Day 3, primary: Cy, secondary: Ana, start: 2026-11-27T06:00}")
    errors = errors_at(tmp_path, text)
    assert "shifts overlap" in errors[line_of(text, "day: Day 3")]


def test_a_priority_whose_route_lists_no_receiver_is_an_error_at_its_line(tmp_path: Path) -> None:
    text = PLAN.replace("high: {receivers: [oncall-pager]}", "high: {receivers: []}")
    errors = errors_at(tmp_path, text)
    assert "must not be empty" in errors[line_of(text, "high: {receivers: []}")]


def test_a_priority_the_alerts_use_without_any_route_is_an_error_at_the_routes(tmp_path: Path) -> None:
    text = PLAN.replace("    medium: {receivers: [tickets], business_hours_only: true}\n", "")
    errors = errors_at(tmp_path, text)
    assert 'no route for priority "medium"' in errors[line_of(text, "  routes:")]


def test_an_escalation_level_with_nobody_is_an_error_at_the_level(tmp_path: Path) -> None:
    text = PLAN.replace("{level: Team Lead, people: [Lead], after: 15m}", "{level: Team Lead, after: 15m}")
    errors = errors_at(tmp_path, text)
    assert 'escalation level "Team Lead" names nobody' in errors[line_of(text, "level: Team Lead")]


@pytest.mark.parametrize("old, new, needle", [
    ("timezone: Europe/Berlin", "timezone: Europe/Berln", "timezone: Europe/Berln"),
    ("business_hours: {weekdays", "business_hours: {timezone: Mars/Olympus, weekdays", "Mars/Olympus"),
    ('  handoff: "09:00"', '  handoff: "09:00"\n  timezone: CEST', "timezone: CEST"),
])
def test_an_unknown_time_zone_is_an_error_at_its_line(tmp_path: Path, old: str, new: str, needle: str) -> None:
    text = PLAN.replace(old, new, 1)
    errors = errors_at(tmp_path, text)
    assert "unknown time zone" in errors[line_of(text, needle)]


def test_a_webhook_url_file_is_refused_because_alertmanager_025_cannot_load_it(tmp_path: Path) -> None:
    text = PLAN.replace('webhook: {url: "http://tickets.example.com/hook",', "webhook: {url_file: /etc/am/tickets.url,")
    message = errors_at(tmp_path, text)[line_of(text, "url_file: /etc/am/tickets.url")]
    assert "url_file needs Alertmanager 0.26" in message and "0.25" in message and "credentials_file" in message


@pytest.mark.parametrize("old, new, needle, expected", [
    ("slack: {channel: \"#ops\", api_url_file: /etc/am/slack.url}",
     "slack: {channel: \"#ops\", api_url: 'https://hooks.slack.com/services/T0/B0/XXXXXXXXXXXX'}",
     "api_url:", '"api_url" would hold a secret'),
    ('webhook: {url: "http://tickets.example.com/hook",', 'webhook: {url: "https://t.example.com/hook?token=s3cr3t",',
     "?token=", "credential in a URL (\"token=...\")"),
    ("pagerduty: {routing_key_file: /etc/am/team.key}", "pagerduty: {routing_key: 0123456789abcdef0123456789abcdef}",
     "routing_key: 0123", '"routing_key" would hold a secret'),
])
def test_a_literal_secret_in_the_plan_is_refused_at_its_line(tmp_path: Path, old: str, new: str, needle: str,
                                                             expected: str) -> None:
    text = PLAN.replace(old, new)
    errors = errors_at(tmp_path, text)
    assert expected in errors[line_of(text, needle)]
    assert "s3cr3t" not in str(errors) and "0123456789abcdef" not in str(errors)  # never echo the secret


def test_business_hours_that_end_before_they_start_are_an_error(tmp_path: Path) -> None:
    text = PLAN.replace('start: "09:00", end: "17:00"', 'start: "17:00", end: "09:00"')
    assert "end at 09:00, not after they start at 17:00" in errors_at(tmp_path, text)[line_of(text, "business_hours:")]


def test_escalation_levels_must_come_one_after_another(tmp_path: Path) -> None:
    text = PLAN.replace("people: [Lead], after: 15m", "people: [Lead], after: 0m")
    assert "not later than" in errors_at(tmp_path, text)[line_of(text, "level: Team Lead")]


def test_the_secondary_must_be_engaged_before_the_next_level(tmp_path: Path) -> None:
    text = PLAN.replace("secondary_after: 5m", "secondary_after: 20m")
    assert 'not before the next level "Team Lead"' in errors_at(tmp_path, text)[line_of(text, "secondary_after: 20m")]


def test_critical_period_routing_to_an_unknown_receiver_is_an_error(tmp_path: Path) -> None:
    text = PLAN.replace("receivers: [deploy-watch]}", "receivers: [deploy-wach]}")
    assert 'did you mean "deploy-watch"' in errors_at(tmp_path, text)[line_of(text, "deploy-wach")]


def test_every_delivery_problem_is_reported_in_one_run_by_the_cli_without_a_traceback(tmp_path: Path) -> None:
    text = (PLAN.replace("high: {receivers: [oncall-pager]}", "high: {receivers: [oncall-pagr]}")
            .replace("{level: Team Lead, people: [Lead], after: 15m}", "{level: Team Lead, after: 15m}")
            .replace("{day: Day 2, primary: Ben, secondary: Cy}", "{day: Day 2, primary: Ben, secondary: Cy, start: 2026-11-26T12:00}"))
    (tmp_path / "plan.yaml").write_text(text)
    result = run_monplan("build", "--plan", str(tmp_path / "plan.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr + result.stdout
    for needle in ("oncall-pagr", "level: Team Lead", "day: Day 2"):
        assert f"plan.yaml:{line_of(text, needle)}:" in result.stderr
    assert not (tmp_path / "out").exists()
