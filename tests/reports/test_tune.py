"""`monplan tune` against a real Prometheus holding the synthetic week: firing counts and
percentiles are recomputed here by replaying each generated rule over the samples, and every
suggestion is checked by replaying the rule with it applied."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any

import numpy
import pytest
import yaml

from conftest import run_monplan
from reports.conftest import PLAN, Rule, Server, at, monplan_json
from reports.synthetic import END, TZ, WEEK

pytestmark = pytest.mark.e2e
AT = dt.datetime.fromtimestamp(END, TZ).isoformat()
LO, HI = END - WEEK, END
BUDGET = 7  # the default: more than one firing a day on average is noisy
Series = dict[str, dict[tuple[tuple[str, str], ...], list[tuple[int, float]]]]


@pytest.fixture(scope="module")
def tuned_copy(prometheus: Server, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict[str, Any]], Path]:
    """One run of tune over the week: its findings, and the copy of the plan it wrote."""
    copy = tmp_path_factory.mktemp("tune") / "plan.tuned.yaml"
    data = monplan_json("tune", "--plan", str(PLAN), "--prometheus", prometheus.url, "--at", AT, "--since", "7d",
                        "--write-plan", str(copy))
    return {entry["alert"]: entry for entry in data["alerts"]}, copy


@pytest.fixture(scope="module")
def tuned(tuned_copy: tuple[dict[str, dict[str, Any]], Path]) -> dict[str, dict[str, Any]]:
    return tuned_copy[0]


def reference(rule: Rule, series: Series, labels: Any, t: int) -> float | None:
    if rule.baseline in series:
        return at(series, rule.baseline, labels).get(t)
    return at(series, rule.record, labels).get(t - WEEK)


def replay(rule: Rule, series: Series, fixed_baseline: float | None = None) -> int:
    """Firings of the rule over the window: per series, a run of consecutive minutes at which
    its condition holds fires once it has held for the rule's `for`."""
    count = 0
    for labels, points in series.get(rule.record, {}).items():
        start: int | None = None
        fired = False
        for t, value in sorted(points):
            if not LO <= t < HI:
                continue
            base = fixed_baseline if fixed_baseline is not None else \
                reference(rule, series, labels, t) if rule.baseline else None
            if rule.holds(value, base) if (base is not None or not rule.baseline) else False:
                if start is None:
                    start, fired = t, False
                if not fired and t - start >= rule.wait:
                    fired, count = True, count + 1
            else:
                start = None
    return count


def values(rule: Rule, series: Series) -> list[float]:
    return [v for points in series.get(rule.record, {}).values() for t, v in points if LO <= t < HI]


def threshold_value(text: str) -> float:
    """The number of a threshold cell in base units: '>650ms avg' -> 0.65, '<90.6% of baseline' -> 0.906."""
    match = re.match(r"^\s*(<=|>=|<|>)\s*([0-9.]+)\s*(%|ms|s)?", text)
    assert match, text
    return float(match[2]) * {"%": 0.01, "ms": 0.001, "s": 1.0, None: 1.0}[match[3]]


def test_firings_and_percentiles_match_a_replay_of_each_rule(tuned: dict[str, dict[str, Any]], rules: dict[str, Rule],
                                                             series: Series) -> None:
    with_data = [name for name, rule in rules.items() if rule.record in series]
    assert len(with_data) >= 7
    for name in with_data:
        got, rule = tuned[name], rules[name]
        assert got["firings"] == replay(rule, series), name
        pooled = values(rule, series)
        for q in (50, 90, 95, 99):
            assert got["percentiles"][f"p{q}"] == pytest.approx(numpy.percentile(pooled, q), rel=1e-9, abs=1e-12), name
        assert (got["percentiles"]["min"], got["percentiles"]["max"]) == pytest.approx((min(pooled), max(pooled)))
    for name in set(rules) - set(with_data):
        assert tuned[name]["status"] == "missing" and tuned[name]["suggestions"] == []


def test_a_noisy_alert_gets_a_longer_for_or_threshold_that_would_have_kept_it_quiet(
        tuned: dict[str, dict[str, Any]], rules: dict[str, Rule], series: Series, prometheus: Server) -> None:
    rule, got = rules["APIResponseTime"], tuned["APIResponseTime"]
    assert got["status"] == "noisy" and replay(rule, series) > BUDGET
    [suggestion] = got["suggestions"]
    if suggestion["kind"] == "for":
        minutes = int(re.fullmatch(r"(\d+)m", suggestion["value"])[1])  # type: ignore[index]
        changed = dataclasses.replace(rule, wait=minutes * 60.0)
        assert minutes * 60 > rule.wait
    else:
        changed = dataclasses.replace(rule, value=threshold_value(suggestion["value"]))
        assert changed.value > rule.value
    assert replay(changed, series) == suggestion["would_fire"] <= BUDGET
    # The table a person reads says so too.
    table = run_monplan("tune", "--plan", str(PLAN), "--prometheus", prometheus.url, "--at", AT).stdout
    line = next(line for line in table.splitlines() if "APIResponseTime" in line)
    assert "noisy" in line and suggestion["value"] in line


def test_an_alert_never_close_to_its_threshold_gets_a_tighter_one_it_would_not_have_crossed(
        tuned: dict[str, dict[str, Any]], rules: dict[str, Rule], series: Series) -> None:
    rule, got = rules["AuthenticationService"], tuned["AuthenticationService"]
    worst = max(values(rule, series))
    assert got["status"] == "never close" and worst < rule.value / 2
    [suggestion] = got["suggestions"]
    new = threshold_value(suggestion["value"])
    assert suggestion["kind"] == "threshold" and worst < new < rule.value
    assert suggestion["value"].endswith("failure rate")  # the cell keeps its words
    assert replay(dataclasses.replace(rule, value=new), series) == suggestion["would_fire"] == 0


def test_baseline_rows_get_their_measured_baseline_where_a_fixed_one_would_not_be_noisy(
        tuned: dict[str, dict[str, Any]], rules: dict[str, Rule], series: Series) -> None:
    # A flat series: its median becomes the baseline.
    rule, got = rules["CustomerCreationRate"], tuned["CustomerCreationRate"]
    median = float(numpy.median(values(rule, series)))
    assert got["measured_baseline"] == pytest.approx(median, rel=1e-12)
    suggestion = next(s for s in got["suggestions"] if s["kind"] == "baseline")
    assert float(suggestion["value"]) == pytest.approx(median, rel=5e-3)
    assert replay(rule, series, fixed_baseline=float(suggestion["value"])) == suggestion["would_fire"] <= BUDGET
    # A daily cycle: a fixed baseline would fire every night, so the week-earlier comparison stays.
    rule, got = rules["WorkflowCreationRate"], tuned["WorkflowCreationRate"]
    median = float(numpy.median(values(rule, series)))
    assert got["measured_baseline"] == pytest.approx(median, rel=1e-12)
    assert not any(s["kind"] == "baseline" for s in got["suggestions"])
    assert replay(rule, series, fixed_baseline=median) > BUDGET
    assert any("not suggested" in note for note in got["notes"])


def _comments(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.lstrip().startswith("#")]


def _row(data: dict[str, Any], metric: str) -> dict[str, Any]:
    return next(row for section in data["sections"] for row in section["metrics"] if row["metric"] == metric)


def test_write_plan_puts_the_suggestions_into_a_copy_keeping_comments_and_order(
        tuned_copy: tuple[dict[str, dict[str, Any]], Path], tmp_path: Path) -> None:
    tuned, copy = tuned_copy
    before, after = PLAN.read_text(), copy.read_text()
    assert _comments(before) == _comments(after)
    # Only the suggested rows' lines change, and each change says where it came from.
    old, new = before.splitlines(), after.splitlines()
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        assert tag in ("replace", "insert"), (tag, old[i1:i2])
        keys = [line.split(":")[0].strip() for line in new[j1:j2]]
        if tag == "replace":  # the same keys, new values
            assert keys == [line.split(":")[0].strip() for line in old[i1:i2]]
        else:  # a `for:` the row did not have
            assert set(keys) == {"for"}
        assert all("# monplan tune (7d to " in line for line in new[j1:j2])
    plan, written = yaml.safe_load(before), yaml.safe_load(after)
    suggested = {name: {s["kind"]: s["value"] for s in entry["suggestions"]} for name, entry in tuned.items()}
    for name, metric in (("AuthenticationService", "Authentication Service"), ("APIResponseTime", "API Response Time"),
                         ("CustomerCreationRate", "Customer Creation Rate"), ("WorkflowCreationRate", "Workflow Creation Rate")):
        row, original = _row(written, metric), _row(plan, metric)
        for key in ("threshold", "for", "baseline"):
            if key in suggested[name]:
                assert str(row[key]) == suggested[name][key] if key != "baseline" else row[key] == float(suggested[name][key])
            else:
                assert row.get(key) == original.get(key)
    assert list(written) == list(plan) and [s["title"] for s in written["sections"]] == [s["title"] for s in plan["sections"]]
    # The copy is a valid plan that builds.
    built = run_monplan("build", "--plan", str(copy), "--out", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr


def test_write_plan_never_overwrites_the_plan(prometheus: Server, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(PLAN.read_bytes())
    result = run_monplan("tune", "--plan", str(plan), "--prometheus", prometheus.url, "--at", AT, "--write-plan", str(plan))
    assert result.returncode == 1 and "--write-plan must name a new file" in result.stderr
    assert plan.read_bytes() == PLAN.read_bytes()
