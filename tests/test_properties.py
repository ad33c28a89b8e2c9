"""Property tests: any plan the strategy can produce builds, and its rules and generated tests
pass the real promtool; any mutation of a valid plan builds or fails with located messages,
never a traceback.

CI runs a bounded number of examples; for a longer local run:
    HYPOTHESIS_PROFILE=long pytest tests/test_properties.py
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from conftest import ROOT, require_tool
from monplan.app.pipeline import load_plan, render
from monplan.diagnostics import PlanError
from monplan.lang.naming import alert_name
from monplan.lang.thresholds import parse_threshold
from monplan.spec.loader import load_text

settings.register_profile("ci", max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

WORDS = ["API", "Latency", "Errors", "Checkout", "CPU", "Queue", "Ünïcode", "{{ x }}", '"quoted"', "O'Brien",
         "$HOME", "back\\slash", "a: b", "#hash", "[LINK]", "5xx", "-dash", "ratio%"]
QUERIES = ["avg(up)", "sum(rate(http_requests_total[5m]))", 'max by (instance) (node_load1{job="node"})',
           "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))", "1 - avg(rate(cpu_idle_seconds_total[5m]))"]
# Queries of a unit a threshold may compare with (monplan refuses a "%" threshold on a latency);
# queries of no known unit may compare with anything, and take the edge values (<0, >=0).
UNKNOWN_UNIT = ['max by (instance) (node_load1{job="node"})', "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))"]
BY_KIND = {"ratio": ["1 - avg(rate(cpu_idle_seconds_total[5m]))"],
           "seconds": ["histogram_quantile(0.9, sum by (le) (rate(x_seconds_bucket[5m])))"],
           "number": ["sum(rate(http_requests_total[5m]))"]}


def queries_for(threshold) -> list[str]:
    """A query in the threshold's unit (avg(up) only where a 0-1 ratio can cross it)."""
    kind = threshold.kind.value
    if kind in ("any", "relative"):
        return QUERIES
    if threshold.value == 0:
        return UNKNOWN_UNIT
    extra = ["avg(up)"] if kind == "ratio" and threshold.value < 1 else []
    return BY_KIND[kind] + extra + UNKNOWN_UNIT


DESCRIPTIONS = ["", " avg", " failure rate", " per query", " load time", " sustained"]


@st.composite
def thresholds(draw) -> str:
    if draw(st.booleans()) and draw(st.booleans()):
        return "Any" + draw(st.sampled_from(["", " failure", " occurrence"]))
    op = draw(st.sampled_from(["<", ">", "<=", ">="]))
    unit = draw(st.sampled_from(["%", "ms", "s", "m", "h", ""]))
    whole = draw(st.integers(0, 999))
    decimals = draw(st.sampled_from(["", ".5", ".25", ".9", ".125", ".001"]))
    number = f"{whole}{decimals}"
    if unit == "%" and draw(st.booleans()):
        return f"{op}{number}% of baseline"
    return f"{op}{number}{unit}{draw(st.sampled_from(DESCRIPTIONS))}"


@st.composite
def rows(draw) -> dict:
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=4))
    row: dict = {
        "metric": " ".join(words) + f" {draw(st.integers(0, 10**6))}",
        "threshold": draw(thresholds()),
        "priority": draw(st.sampled_from(["Critical", "high", "MEDIUM"])),
        "query": "",
    }
    row["query"] = draw(st.sampled_from(queries_for(parse_threshold(row["threshold"]))))
    if draw(st.booleans()):
        row["tool"] = " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=2)))
    if draw(st.booleans()):
        row["for"] = draw(st.sampled_from(["0s", "30s", "1m", "2m30s", "10m"]))
    if parse_threshold(row["threshold"]).kind.value == "relative" and draw(st.booleans()):
        row["baseline"] = draw(st.sampled_from([64, 100.5, "[BASELINE]"]))
    return row


@st.composite
def plans(draw) -> dict:
    sections = []
    for index in range(draw(st.integers(1, 3))):
        metrics = draw(st.lists(rows(), min_size=1, max_size=6, unique_by=lambda r: alert_name(r["metric"])))
        sections.append({"title": f"{draw(st.sampled_from(WORDS))} section {index}", "metrics": metrics})
    names = [alert_name(r["metric"]) for s in sections for r in s["metrics"]]
    if len(set(names)) != len(names):
        from hypothesis import reject

        reject()
    return {
        "version": 1,
        "system": " ".join(draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3))),
        "defaults": {"evaluation_interval": draw(st.sampled_from(["30s", "1m", "2m"])),
                     "rules_per_group": draw(st.integers(2, 20))},
        "sections": sections,
    }


def _build(document: dict, root: Path) -> dict[str, bytes]:
    plan_file = root / "plan.yaml"
    plan_file.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False))
    files = render(load_plan(plan_file))
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return files


@pytest.mark.promtool
@given(plans())
def test_any_valid_plan_builds_rules_that_promtool_lints_and_tests_that_pass(document: dict) -> None:
    promtool = require_tool("promtool")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = _build(document, root)
        rules = sorted(p for p in files if p.startswith("prometheus/rules/"))
        tests = sorted(p for p in files if p.startswith("prometheus/tests/"))
        for args in (["check", "rules", "--lint=all", "--lint-fatal", *rules], ["test", "rules", *tests]):
            result = subprocess.run([promtool, *args], cwd=root, capture_output=True, text=True, timeout=120)
            assert result.returncode == 0, result.stdout + result.stderr


@given(plans())
def test_building_a_plan_twice_gives_identical_bytes(document: dict) -> None:
    with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
        assert _build(document, Path(a)) == _build(document, Path(b))


REPO_PLAN = (ROOT / "plan.yaml").read_text()


@st.composite
def mutated_plans(draw) -> str:
    lines = REPO_PLAN.split("\n")
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(lines) - 1))
        action = draw(st.sampled_from(["delete", "duplicate", "truncate", "insert", "indent", "swap"]))
        line = lines[index]
        if action == "delete":
            del lines[index]
        elif action == "duplicate":
            lines.insert(index, line)
        elif action == "truncate":
            lines[index] = line[: draw(st.integers(0, len(line)))]
        elif action == "insert":
            at = draw(st.integers(0, len(line)))
            lines[index] = line[:at] + draw(st.sampled_from(['"', "'", ":", "{", "[", "- ", "\t", "&a", "*a", "%", "x"])) + line[at:]
        elif action == "indent":
            lines[index] = " " + line
        else:
            other = draw(st.integers(0, len(lines) - 1))
            lines[index], lines[other] = lines[other], lines[index]
    return "\n".join(lines)


@settings(max_examples=int(os.environ.get("MONPLAN_MUTATIONS", "150")))
@given(mutated_plans())
def test_any_mutation_of_the_repo_plan_builds_or_fails_with_located_messages(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plan_file = Path(tmp) / "plan.yaml"
        plan_file.write_text(text)
        try:
            plan = load_plan(plan_file)
        except PlanError as err:
            assert err.diagnostics
            for diagnostic in err.diagnostics:
                assert diagnostic.file == str(plan_file)
                assert diagnostic.line >= 1 and diagnostic.message
            return
        render(plan)


def test_the_loader_never_raises_anything_but_plan_errors_on_arbitrary_text() -> None:
    @settings(max_examples=300)
    @given(st.text(max_size=300))
    def check(text: str) -> None:
        try:
            load_text(text, "plan.yaml")
        except PlanError:
            pass

    check()
