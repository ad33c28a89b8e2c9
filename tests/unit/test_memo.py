"""Rows a per-row check found clean are remembered between builds (monplan/output/memo.py):
a rebuild after one row's edit analyses that row only, and never reports anything else than
a check of the whole plan would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import CASES
from monplan.app.pipeline import load_plan
from monplan.checks import units
from monplan.diagnostics import PlanError
from monplan.output import cache, memo

MISMATCH = CASES / "invalid" / "units-mismatch" / "plan.yaml"

CLEAN_PLAN = """\
version: 1
system: Shop
sections:
  - title: Checkout
    metrics:
"""


def _rows(count: int) -> str:
    return "".join(f'      - {{metric: Latency {i}, threshold: ">{i + 1}00ms avg", priority: High, '
                   f"query: 'histogram_quantile(0.9, sum by (le) (rate(l{i}_seconds_bucket[5m])))'}}\n"
                   for i in range(count))


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[str]:
    """The queries the units analysis looks at, in a cache folder of the test's own."""
    monkeypatch.setenv("MONPLAN_CACHE_DIR", str(tmp_path / "cache"))
    seen: list[str] = []
    real = units.check_alert

    def counting(alert):  # type: ignore[no-untyped-def]
        seen.append(alert.query)
        return real(alert)

    monkeypatch.setattr(units, "check_alert", counting)
    return seen


def _errors(plan: Path) -> list[str]:
    try:
        load_plan(plan)
    except PlanError as err:
        return sorted(f"{d.line}:{d.column} {d.message}" for d in err.diagnostics)
    return []


def test_a_second_check_analyses_only_the_rows_that_changed(analysed: list[str], tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(CLEAN_PLAN + _rows(30))
    load_plan(plan)
    assert len(analysed) == 30
    analysed.clear()
    load_plan(plan)
    assert analysed == []
    plan.write_text(CLEAN_PLAN + _rows(30).replace('">400ms avg"', '">450ms avg"'))
    load_plan(plan)
    assert analysed == ["histogram_quantile(0.9, sum by (le) (rate(l3_seconds_bucket[5m])))"]


def test_rows_with_findings_are_reported_every_time(analysed: list[str], tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(MISMATCH.read_bytes())
    first = _errors(plan)
    assert any("units/mismatch" in e or "unit" in e for e in first), first
    analysed_first = len(analysed)
    analysed.clear()
    assert _errors(plan) == first
    assert 0 < len(analysed) < analysed_first  # the mismatched rows again, not the clean ones


@pytest.mark.parametrize("damage", ["random bytes", "cut short", "other code", "empty"])
def test_a_damaged_or_foreign_memo_counts_as_empty(analysed: list[str], tmp_path: Path, damage: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(MISMATCH.read_bytes())
    first = _errors(plan)
    analysed_first = len(analysed)
    store = cache._cache_dir() / "memo-units.bin"
    data = store.read_bytes()
    if damage == "random bytes":
        store.write_bytes(bytes(range(256)) * 3)
    elif damage == "cut short":
        store.write_bytes(data[:-5])
    elif damage == "empty":
        store.write_bytes(b"")
    else:  # the store of another monplan: its digests are not this code's
        monkeypatch.setattr(memo.cache, "code_print", lambda extra=(): "0" * 64)
    analysed.clear()
    assert _errors(plan) == first
    assert len(analysed) == analysed_first


def test_a_store_that_cannot_be_written_only_costs_time(analysed: list[str], tmp_path: Path) -> None:
    (tmp_path / "cache").write_text("a file where the cache folder would be")
    plan = tmp_path / "plan.yaml"
    plan.write_text(CLEAN_PLAN + _rows(3))
    load_plan(plan)
    load_plan(plan)
    assert len(analysed) == 6
    assert not re.search("memo", " ".join(p.name for p in tmp_path.iterdir()))


def test_good_queries_are_parsed_once_and_a_bad_one_is_refused_every_time(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import promql_parser

    monkeypatch.setenv("MONPLAN_CACHE_DIR", str(tmp_path / "cache"))
    parsed: list[str] = []
    real = promql_parser.parse

    def counting(query: str) -> object:
        parsed.append(query)
        return real(query)

    monkeypatch.setattr(promql_parser, "parse", counting)
    plan = tmp_path / "plan.yaml"
    plan.write_text(CLEAN_PLAN + _rows(5))
    load_plan(plan)
    assert sum("l3_seconds_bucket" in q for q in parsed) >= 1
    parsed.clear()
    broken = (CLEAN_PLAN + _rows(5)).replace("rate(l3_seconds_bucket[5m])", "rate(l3_seconds_bucket[5m]")
    plan.write_text(broken)
    for _ in range(2):  # a query that does not parse is never remembered as good
        with pytest.raises(PlanError) as err:
            load_plan(plan)
        assert any("PromQL does not parse" in d.message for d in err.value.diagnostics)
    assert not any("l1_seconds_bucket" in q for q in parsed)  # the unchanged rows were not parsed again
