"""The generated rules and unit tests under the real promtool, and proof that the generated
tests catch broken alerts: each mutation of the rules must make every mutated alert's test fail."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from conftest import CASES, ROOT, run_monplan

pytestmark = pytest.mark.promtool

PLANS = [ROOT / "plan.yaml", *sorted((CASES / "valid").glob("*/plan.yaml"))]


def _ids(path: Path) -> str:
    return "repo" if path.parent == ROOT else path.parent.name


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[Path, Path]:
    outputs = {}
    for plan in PLANS:
        out = tmp_path_factory.mktemp(_ids(plan))
        result = run_monplan("-q", "build", "--plan", str(plan), "--out", str(out))
        assert result.returncode == 0, result.stderr
        outputs[plan] = out
    return outputs


def promtool_run(promtool: str, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([promtool, *args], cwd=cwd, capture_output=True, text=True, timeout=300, check=False)


@pytest.mark.parametrize("plan", PLANS, ids=_ids)
def test_generated_rules_pass_promtool_lint_with_every_check_fatal(plan: Path, built, promtool: str) -> None:
    out = built[plan]
    rules = sorted(str(p.relative_to(out)) for p in out.glob("prometheus/rules/**/*.yml"))
    assert rules
    result = promtool_run(promtool, out, "check", "rules", "--lint=all", "--lint-fatal", *rules)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("plan", PLANS, ids=_ids)
def test_generated_unit_tests_pass_under_promtool(plan: Path, built, promtool: str) -> None:
    out = built[plan]
    tests = sorted(str(p.relative_to(out)) for p in out.glob("prometheus/tests/**/*.yml"))
    assert tests
    result = promtool_run(promtool, out, "test", "rules", *tests)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_of_the_repo_plan_has_a_firing_and_a_quiet_test(built) -> None:
    out = built[ROOT / "plan.yaml"]
    alerts = {rule["alert"] for f in out.glob("prometheus/rules/**/*.yml")
              for group in yaml.safe_load(f.read_text())["groups"] for rule in group["rules"] if "alert" in rule}
    firing, quiet = set(), set()
    for f in out.glob("prometheus/tests/**/*.yml"):
        for test in yaml.safe_load(f.read_text())["tests"]:
            for check in test.get("alert_rule_test", []):  # raw-series groups check values instead
                (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    assert alerts and firing == alerts and quiet == alerts


# --- mutation: the tests must fail when an alert is wrong ----------------------------------

def _flip_strictness(rule: dict) -> None:
    rule["expr"] = re.sub(r" (<=|>=|<|>) ", lambda m: {"<": " <= ", ">": " >= ", "<=": " < ", ">=": " > "}[m.group(1)], rule["expr"], count=1)


def _flip_direction(rule: dict) -> None:
    rule["expr"] = re.sub(r" (<=|>=|<|>) ", lambda m: {"<": " > ", ">": " < ", "<=": " >= ", ">=": " <= "}[m.group(1)], rule["expr"], count=1)


def _shorten_or_add_for(rule: dict) -> None:
    if "for" in rule:
        minutes = int(re.fullmatch(r"(\d+)m", rule["for"]).group(1)) if re.fullmatch(r"\d+m", rule["for"]) else None
        rule["for"] = f"{minutes - 1}m" if minutes and minutes > 1 else "0s"
    else:
        rule["for"] = "2m"


def _change_severity(rule: dict) -> None:
    rule["labels"]["severity"] = "info"


def _drop_value_from_description(rule: dict) -> None:
    rule["annotations"]["description"] = re.sub(r"\{\{ \$value[^}]*\}\}", "unknown", rule["annotations"]["description"])


def _watch_other_series(rule: dict) -> None:
    """A NoData alert reading a misspelt series, a TargetDown alert testing the wrong value."""
    rule["expr"] = re.sub(r"^absent\(([a-zA-Z_:][a-zA-Z0-9_:]*)", r"absent(\1_renamed", rule["expr"])
    rule["expr"] = re.sub(r" == 0$", " < 0", rule["expr"])


def _copy_as(out: Path, path: Path, into: Path, data: bytes) -> None:
    """`data` at the path `path` has in `out`, under `into`: test files name their rule files
    by relative paths (prometheus/tests/day-two/x.yml reads ../../rules/x.yml)."""
    target = into / path.relative_to(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)


MUTATIONS: dict[str, Callable[[dict], None]] = {
    "watched series or value": _watch_other_series,
    "strict vs inclusive comparison": _flip_strictness,
    "comparison direction": _flip_direction,
    "for duration": _shorten_or_add_for,
    "severity label": _change_severity,
    "value in the description": _drop_value_from_description,
}


@pytest.mark.parametrize("mutation", MUTATIONS, ids=str)
@pytest.mark.parametrize("plan", [ROOT / "plan.yaml", CASES / "valid" / "threshold-forms" / "plan.yaml"], ids=_ids)
def test_generated_tests_fail_for_every_alert_whose_rule_is_mutated(plan: Path, mutation: str, built, promtool: str, tmp_path: Path) -> None:
    out = built[plan]
    mutated = tmp_path / "prometheus"
    (mutated / "rules").mkdir(parents=True)
    (mutated / "tests").mkdir()
    names = set()
    for rule_file in sorted(out.glob("prometheus/rules/**/*.yml")):
        document = yaml.safe_load(rule_file.read_text())
        for group in document["groups"]:
            for rule in group["rules"]:
                if "alert" in rule:
                    before = repr(rule)
                    MUTATIONS[mutation](rule)
                    if repr(rule) != before:  # a mutation that does not apply to a rule leaves it alone
                        names.add(rule["alert"])
        _copy_as(out, rule_file, tmp_path, yaml.safe_dump(document, sort_keys=False).encode())
    for test_file in out.glob("prometheus/tests/**/*.yml"):
        _copy_as(out, test_file, tmp_path, test_file.read_bytes())
    assert names, f"the {mutation} mutation applies to no alert"
    tests = sorted(str(p.relative_to(tmp_path)) for p in mutated.glob("tests/**/*.yml"))
    result = promtool_run(promtool, tmp_path, "test", "rules", *tests)
    assert result.returncode != 0
    caught = set(re.findall(r"alertname: (\w+)", result.stdout + result.stderr))
    assert names - caught == set(), f"alerts whose tests did not notice the mutated {mutation}"


# --- default baselines: the rules alert from their second day (first hour with a start) --

def _baseline_rules_mutated(out: Path, tmp_path: Path, promtool: str, mutate: Callable[[str], str]) -> tuple[set[str], str]:
    """Copies the built rules with every default-baseline recording rule's expression
    mutated; returns the alerts that read a mutated baseline and promtool's output."""
    (tmp_path / "prometheus" / "rules").mkdir(parents=True)
    (tmp_path / "prometheus" / "tests").mkdir()
    names = set()
    for rule_file in sorted(out.glob("prometheus/rules/**/*.yml")):
        document = yaml.safe_load(rule_file.read_text())
        for group in document["groups"]:
            mutated = set()
            for rule in group["rules"]:
                if rule.get("record", "").endswith(":baseline") and " offset 1w or " in rule["expr"]:
                    rule["expr"] = mutate(rule["expr"])
                    mutated.add(rule["record"])
            names |= {rule["alert"] for rule in group["rules"]
                      if "alert" in rule and any(record in rule["expr"] for record in mutated)}
        _copy_as(out, rule_file, tmp_path, yaml.safe_dump(document, sort_keys=False).encode())
    for test_file in out.glob("prometheus/tests/**/*.yml"):
        _copy_as(out, test_file, tmp_path, test_file.read_bytes())
    tests = sorted(str(p.relative_to(tmp_path)) for p in (tmp_path / "prometheus" / "tests").glob("**/*.yml"))
    result = promtool_run(promtool, tmp_path, "test", "rules", *tests)
    return names, result.stdout + result.stderr


@pytest.mark.parametrize("plan", [ROOT / "plan.yaml", CASES / "valid" / "threshold-forms" / "plan.yaml"], ids=_ids)
def test_default_baselines_that_only_look_a_week_back_fail_the_day_two_test(plan: Path, built, promtool: str, tmp_path: Path) -> None:
    """Each default-baseline row's test drops its value on day two; with the old baseline (the
    value one week earlier only) nothing is compared on day two and the test must fail."""
    names, output = _baseline_rules_mutated(built[plan], tmp_path, promtool, lambda expr: expr.split(" or ")[0])
    assert names, "the plan has rows with the default baseline"
    caught = set(re.findall(r"alertname: (\w+)", output))
    assert names - caught == set(), "alerts whose day-two test did not notice a baseline that only looks a week back"


def test_a_baseline_start_is_what_the_first_hours_compare_with(built, promtool: str, tmp_path: Path) -> None:
    """Without its start, a row with baseline_start cannot fire in the first day: its test fails."""
    plan = CASES / "valid" / "threshold-forms" / "plan.yaml"
    names, output = _baseline_rules_mutated(built[plan], tmp_path, promtool, lambda expr: " or ".join(expr.split(" or ")[:2]))
    started = {name for name in names if name == "CheckoutRate"}
    assert started and started <= set(re.findall(r"alertname: (\w+)", output))


# --- the raw-series tests: a wrong query fails them -----------------------------------------

QUERY_MUTATIONS: dict[str, Callable[[str], str]] = {
    "numerator and denominator swapped": lambda q: _swapped(q),
    "a label value misspelt": lambda q: re.sub(r'="([^"]+)"', r'="\1x"', q, count=1),
    "another metric": lambda q: _rename_first_metric(q),
}


def _swapped(query: str) -> str:
    """N / D as D / N; inside an event ratio's guard `(N / D or 0 * (D) / (D))` too (the guard
    then reads 0 times the new denominator over itself)."""
    guarded = re.fullmatch(r"\((.*?) / (.*?) or 0 \* \((.*)\) / \((.*)\)\)", query, flags=re.S)
    if guarded:
        return f"({guarded[2]} / {guarded[1]} or 0 * ({guarded[1]}) / ({guarded[1]}))"
    return re.sub(r"^(.*?) / (.*)$", r"\2 / \1", query, flags=re.S)


def _rename_first_metric(query: str) -> str:
    """Every use of the query's first raw metric renamed (an Any row's recorded query reads it thrice)."""
    found = re.search(r"\b([a-z_]+_(total|bucket|success|sum))\b", query)
    return query if found is None else re.sub(rf"\b{found.group(1)}\b", f"{found.group(1)}_old", query)


@pytest.mark.parametrize("mutation", QUERY_MUTATIONS, ids=str)
def test_generated_tests_fail_for_every_raw_tested_row_whose_query_is_mutated(mutation: str, built, promtool: str,
                                                                           tmp_path: Path) -> None:
    from monplan.app.pipeline import load_plan
    from monplan.lang.query_shapes import recorded_only

    out = built[ROOT / "plan.yaml"]
    plan = load_plan(ROOT / "plan.yaml")
    raw, _ = recorded_only(plan.alerts, 60.0)
    records = {alert.record: alert.name for alert in raw}
    mutated = tmp_path / "prometheus"
    (mutated / "rules").mkdir(parents=True)
    (mutated / "tests").mkdir()
    changed = set()
    for rule_file in sorted(out.glob("prometheus/rules/*.yml")):
        document = yaml.safe_load(rule_file.read_text())
        for group in document["groups"]:
            for rule in group["rules"]:
                if rule.get("record") in records:
                    new = QUERY_MUTATIONS[mutation](rule["expr"])
                    if new != rule["expr"]:
                        rule["expr"] = new
                        changed.add(rule["record"])
        (mutated / "rules" / rule_file.name).write_text(yaml.safe_dump(document, sort_keys=False))
    for test_file in out.glob("prometheus/tests/*.yml"):
        (mutated / "tests" / test_file.name).write_bytes(test_file.read_bytes())
    assert changed, f"the {mutation} mutation applies to no row"
    tests = sorted(str(p.relative_to(tmp_path)) for p in mutated.glob("tests/*.yml"))
    result = promtool_run(promtool, tmp_path, "test", "rules", *tests)
    caught = set(re.findall(r"abs\((monplan:[a-z0-9_:]+)", result.stdout + result.stderr))
    assert changed - caught == set(), f"rows whose raw-series test did not notice the {mutation}"
