"""What monplan prints about a plan cannot drive the terminal of whoever runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import run_monplan

PLAN = """\
version: 1
system: "Evil \\x1b[31mRed\\x1b[0m [bold]Shop"
oncall:
  start: 2026-11-27
  handoff: "09:00"
  rotation:
    - {day: "Day \\x1b]0;retitled\\x07 1", primary: "Ann [blink]", secondary: Bob}
people:
  - {name: "Ann [blink]", role: "SRE \\x1b[2J"}
  - {name: Bob}
escalation_path:
  - {level: "On-call \\x1b[8m engineer", people: ["Ann [blink]"], after: 0m}
sections:
  - title: "Errors [red] \\x1b[5m"
    metrics:
      - metric: "Checkout \\x1b]0;retitled\\x07"
        threshold: "<99%"
        priority: High
        query: up
"""


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    path = tmp_path / "plan [1].yaml"
    path.write_text(PLAN)
    return path


def _alert_name(plan: Path) -> str:
    from monplan.app.pipeline import load_plan

    return load_plan(plan).alerts[0].name


@pytest.mark.parametrize("command", ["list", "explain", "oncall"])
def test_plan_text_is_printed_with_control_characters_as_escapes(command: str, plan: Path) -> None:
    args = [command, "--plan", str(plan)] + ([_alert_name(plan)] if command == "explain" else [])
    if command == "oncall":
        args += ["--at", "2026-11-27 12:00"]
    result = run_monplan(*args)
    assert result.returncode == 0, result.stderr
    printed = result.stdout + result.stderr
    assert "\x1b" not in printed and "\x07" not in printed
    assert "\\x1b" in printed  # shown, as an escape, rather than dropped


def test_square_brackets_in_plan_text_are_printed_not_read_as_markup(plan: Path) -> None:
    result = run_monplan("list", "--plan", str(plan))
    assert result.returncode == 0, result.stderr
    assert "Errors [red]" in result.stdout
    assert "plan [1].yaml" in result.stdout
    result = run_monplan("oncall", "--plan", str(plan), "--at", "2026-11-27 12:00")
    assert "Ann [blink]" in result.stdout and "[bold]Shop" in result.stdout
