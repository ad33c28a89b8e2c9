"""Checks have stable ids: every diagnostic carries one, a warning's can be silenced for the
plan or at one line, an error's cannot, and README lists them all."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from conftest import CASES, ROOT, run_monplan
from monplan.app.pipeline import load_plan
from monplan.checks import _MODULES, checks, inline_disables, known_ids

INVALID = sorted(p for p in (CASES / "invalid").iterdir() if (p / "plan.yaml").exists())

# Two rows with the default baseline ([BASELINE] placeholder, no baseline_start): each gives a
# plan/placeholders warning at its baseline line and an alerts/first-day one at its threshold.
PLAN = """\
version: 1
system: Shop
defaults:
  disable_checks: {disabled}
sections:
  - title: Traffic
    metrics:
      - metric: Order Rate
        threshold: "<50% of baseline"
        baseline: "[BASELINE]"{comment_a}
        priority: high
        query: sum(rate(orders_total[5m]))
      - metric: Signup Rate
        threshold: "<50% of baseline"
        baseline: "[BASELINE]"
        priority: high
        query: sum(rate(signups_total[5m]))
"""


def _plan(tmp_path: Path, disabled: str = "[]", comment_a: str = "") -> Path:
    path = tmp_path / "plan.yaml"
    path.write_text(PLAN.format(disabled=disabled, comment_a=comment_a))
    return path


def _warnings(plan: Path) -> list[tuple[int, str]]:
    return sorted((d.line, d.check) for d in load_plan(plan).warnings)


def test_check_ids_are_unique_and_one_module_holds_each_check() -> None:
    ids = [check.id for check in checks()]
    assert len(ids) == len(set(ids)) == len(_MODULES)
    for name, check in zip(_MODULES, checks(), strict=True):
        module = importlib.import_module(f"monplan.checks.{name}")
        assert module.__doc__ and module.__doc__.startswith(check.id.split("/")[0]), name


@pytest.mark.parametrize("case", INVALID, ids=lambda p: p.name)
def test_every_diagnostic_of_an_invalid_plan_carries_a_known_check_id(case: Path) -> None:
    """What the CLI prints for the case (tests/test_cases.py holds expected.txt to it)."""
    known = known_ids()
    lines = [line for line in (case / "expected.txt").read_text().splitlines() if ": error: " in line]
    assert lines
    for line in lines:
        if "... and " in line and "more problems not shown" in line:  # the count closing a flood
            continue
        assert line.endswith("]") and line.rsplit(" [", 1)[1][:-1] in known, line


def test_a_plan_without_silencing_reports_each_warning_with_its_id(tmp_path: Path) -> None:
    found = _warnings(_plan(tmp_path))
    assert [check for _, check in found].count("plan/placeholders") == 2
    assert [check for _, check in found].count("alerts/first-day") == 2


def test_disable_checks_silences_a_warning_check_for_the_whole_plan(tmp_path: Path) -> None:
    found = _warnings(_plan(tmp_path, disabled="[plan/placeholders]"))
    assert [check for _, check in found] == ["alerts/first-day", "alerts/first-day"]


def test_a_family_id_silences_every_check_of_the_family(tmp_path: Path) -> None:
    found = _warnings(_plan(tmp_path, disabled="[plan, alerts]"))
    assert found == []


def test_an_inline_comment_silences_only_its_own_line(tmp_path: Path) -> None:
    plan = _plan(tmp_path, comment_a="  # monplan: disable=plan/placeholders")
    found = _warnings(plan)
    placeholders = [line for line, check in found if check == "plan/placeholders"]
    assert placeholders == [15], "the second row's warning stays; the first row's (line 10) is silenced"
    assert [check for _, check in found].count("alerts/first-day") == 2


def test_a_comment_line_above_silences_the_next_line() -> None:
    disables = inline_disables("a: 1\n  # monplan: disable=units, plan/placeholders\nb: 2\nc: 3\n")
    assert disables == {2: {"units", "plan/placeholders"}, 3: {"units", "plan/placeholders"}}


def test_an_error_check_cannot_be_disabled_and_an_unknown_id_gets_a_suggestion(tmp_path: Path) -> None:
    result = run_monplan("validate", "--plan", str(_plan(tmp_path, disabled="[routing/receivers, plan/placeholder]")))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "plan.yaml:4:" in result.stderr and "defaults.disable_checks" in result.stderr
    assert '"routing/receivers" reports errors, which cannot be silenced' in result.stderr
    assert 'unknown check "plan/placeholder" (did you mean "plan/placeholders"?)' in result.stderr


def test_monplan_checks_lists_every_id_and_readme_documents_each() -> None:
    result = run_monplan("checks")
    assert result.returncode == 0, result.stderr
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == list(known_ids())
    readme = (ROOT / "README.md").read_text()
    missing = [id_ for id_ in listed if f"`{id_}`" not in readme]
    assert not missing, f"README does not document {missing}"


def test_every_error_check_has_an_invalid_golden_case_that_trips_it() -> None:
    """pint's snapshot per check: each error id appears in some tests/cases/invalid/*/expected.txt
    (rotation/coverage is validate's: tests/delivery/test_oncall_cli.py trips it)."""
    seen = set()
    for case in INVALID:
        for line in (case / "expected.txt").read_text().splitlines():
            if line.endswith("]") and " [" in line:
                seen.add(line.rsplit(" [", 1)[1][:-1])
    families = {check.id for check in checks() if check.also}  # reported by their finer ids only
    wanted = {id_ for id_, (_, severity) in known_ids().items() if severity == "error"} - families - {"rotation/coverage"}
    assert wanted - seen == set(), "error checks no invalid case trips"


ROTATION = """\
version: 1
system: Shop
sections:
  - title: Checkout
    metrics:
      - {{metric: Orders, threshold: "<99%", priority: High, query: 'avg(up{{job="shop"}})'}}
oncall:
  start: {start}
  handoff: "09:00"
  rotation:
    - {{day: Monday, primary: Ana, secondary: Ben}}
    - {{day: Tue-Thu, primary: Ben, secondary: Ana, days: 3}}
    - {{day: Fri, primary: Ana, secondary: Ben}}
    - {{day: Weekend, primary: Ben, secondary: Ana, days: 2}}
"""


@pytest.mark.parametrize(("start", "warned"), [
    ("2026-11-30", []),  # a Monday: every named day is right
    ("2026-11-29", ["Monday", "Tue-Thu", "Fri"]),  # a Sunday: "Shift Monday" would be shown on a Sunday
])
def test_a_shift_named_after_a_weekday_must_start_on_it(start: str, warned: list[str], tmp_path: Path) -> None:
    from conftest import warnings_of

    found = warnings_of(tmp_path, ROTATION.format(start=start), "rotation/day-names")
    assert [message.split('"')[1] for _line, _column, message in found] == warned
    assert all("starts on Sunday" in m or "starts on Monday" in m or "starts on Thursday" in m
               for _line, _column, m in found)
