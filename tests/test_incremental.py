"""A rebuild after a change of the plan writes exactly what a clean build of the changed plan
writes: every file, byte for byte, and no file more (the manifest included). Whatever a
rebuild reuses from the last build (the output tree, the build record), it must never show."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import BinaryIO

import pytest

from conftest import CASES, tree
from monplan.app.pipeline import build
from monplan.model.boards import MAX_PANELS
from monplan.output import unitcache

ROWS = MAX_PANELS + 30  # enough rows for a dashboard split in two parts
KINDS = [('"<99.9%"', 'avg(avg_over_time(probe_success{{job="svc{i}"}}[5m]))', "Critical"),
         ('">1% failure rate"', 'sum(rate(errors_total{{svc="s{i}"}}[5m])) / sum(rate(requests_total{{svc="s{i}"}}[5m]))', "High"),
         ('">500ms avg"', 'histogram_quantile(0.95, sum by (le) (rate(latency_seconds_bucket{{svc="s{i}"}}[5m])))', "Medium"),
         ('"<80% of baseline"', 'sum(rate(orders_total{{svc="s{i}"}}[1h]))', "Medium")]


def _plan(rows: int = ROWS) -> str:
    lines = ["version: 1", "system: Rebuilt", "sections:"]
    for i in range(rows):
        if i % 20 == 0:
            lines += [f"  - title: Section {i // 20:03d}", "    metrics:"]
        threshold, query, priority = KINDS[i % len(KINDS)]
        lines.append(f"      - {{metric: Metric {i:04d} Rate, threshold: {threshold}, priority: {priority}, "
                     f"query: '{query.format(i=i)}'}}")
    return "\n".join(lines) + "\n"


def _row(text: str, number: int) -> str:
    return next(line for line in text.splitlines() if f"Metric {number:04d} Rate" in line)


CHANGES = {
    "threshold": lambda text: text.replace(_row(text, 41), _row(text, 41).replace(">1% failure rate", ">2% failure rate")),
    "priority": lambda text: text.replace(_row(text, 7), _row(text, 7).replace("priority: Medium", "priority: Critical")),
    "query": lambda text: text.replace(_row(text, 64), _row(text, 64).replace("[5m]", "[10m]")),
    "metric name": lambda text: text.replace("Metric 0099 Rate", "Metric 0099 Renamed"),
    "row removed": lambda text: text.replace(_row(text, 12) + "\n", ""),
    "row added": lambda text: text.replace(_row(text, 12) + "\n", _row(text, 12) + "\n" + _row(text, 12).replace(
        "Metric 0012 Rate", "Metric 0012 Twin").replace('svc="s12"', 'svc="s12b"') + "\n"),
    "section title": lambda text: text.replace("title: Section 003", "title: Section Three"),
    "section description": lambda text: text.replace("  - title: Section 002\n",
                                                     "  - title: Section 002\n    description: New words\n"),
    "row annotation": lambda text: text.replace(_row(text, 45), _row(text, 45).replace(
        "priority:", "annotations: {team: payments}, priority:")),
    "row moved to the next part": lambda text: text.replace(_row(text, 5) + "\n", "") + re.sub(
        r"^ *- ", "      - ", _row(text, 5)) + "\n",
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_a_rebuild_after_one_change_is_byte_for_byte_a_clean_build(change: str, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan())
    out = tmp_path / "out"
    assert build(plan, out).ok
    before = tree(out)

    plan.write_text(CHANGES[change](plan.read_text()))
    rebuilt = build(plan, out)
    assert plan.read_text() != _plan() and rebuilt.ok, rebuilt.problems[:3]
    assert not rebuilt.cached
    reuse = unitcache.of(rebuilt.plan)
    assert reuse is not None and reuse.reused > 0  # the last build's unchanged files were kept, not rendered
    if change in ("threshold", "priority", "query", "metric name"):  # one row's edit renders its few units only
        assert reuse.rendered < 10, reuse.rendered
    clean_plan = tmp_path / "clean" / "plan.yaml"  # the same file name: headers cite it
    clean_plan.parent.mkdir()
    clean_plan.write_bytes(plan.read_bytes())
    assert build(clean_plan, tmp_path / "clean-out", use_cache=False).ok
    after, clean = tree(out), tree(tmp_path / "clean-out")
    assert after.keys() == clean.keys()
    assert [rel for rel in after if after[rel] != clean[rel]] == []
    assert after != before  # the change did change the output
    assert build(plan, out, check=True).changes.clean


def test_a_rebuild_of_a_golden_plan_changed_and_changed_back_is_its_clean_build(tmp_path: Path) -> None:
    source = CASES / "valid" / "services" / "plan.yaml"
    plan = tmp_path / "plan.yaml"
    plan.write_bytes(source.read_bytes())
    out = tmp_path / "out"
    assert build(plan, out).ok
    first = tree(out)
    plan.write_text(source.read_text().replace('threshold: ">1%"', 'threshold: ">3%"'))
    assert build(plan, out).ok
    assert tree(out) != first
    plan.write_bytes(source.read_bytes())
    assert build(plan, out).ok
    assert tree(out) == first


def _same_as_clean_build(plan: Path, out: Path, tmp_path: Path) -> None:
    clean_plan = tmp_path / "clean" / "plan.yaml"
    clean_plan.parent.mkdir(parents=True, exist_ok=True)
    clean_plan.write_bytes(plan.read_bytes())
    clean_out = tmp_path / "clean" / "out"
    assert build(clean_plan, clean_out, use_cache=False).ok
    after, clean = tree(out), tree(clean_out)
    assert after.keys() == clean.keys()
    assert [rel for rel in after if after[rel] != clean[rel]] == []


SERVICE_CHANGES = {
    "per-service row threshold": lambda text: text.replace('threshold: ">1%"', 'threshold: ">2%"'),
    "per-service row removed": lambda text: text.replace(
        """      - metric: Latency
        threshold: ">500ms avg"
        priority: Medium
        query: sum(rate(duration_seconds_sum{job="${job}"}[5m])) / sum(rate(duration_seconds_count{job="${job}"}[5m]))
""", "").replace("""    overrides:
      Latency: {threshold: ">300ms avg", priority: Critical}
""", ""),
    "service override": lambda text: text.replace('Latency: {threshold: ">300ms avg"', 'Latency: {threshold: ">250ms avg"'),
    "service added": lambda text: text.replace("  - name: search\n", "  - name: billing\n    vars: {job: billing-api}\n"
                                                 "  - name: search\n"),
}


@pytest.mark.parametrize("change", sorted(SERVICE_CHANGES))
def test_a_rebuild_after_a_change_of_a_per_service_row_is_its_clean_build(change: str, tmp_path: Path) -> None:
    source = (CASES / "valid" / "services" / "plan.yaml").read_text()
    plan = tmp_path / "plan.yaml"
    plan.write_text(source)
    out = tmp_path / "out"
    assert build(plan, out).ok
    changed = SERVICE_CHANGES[change](source)
    assert changed != source
    plan.write_text(changed)
    rebuilt = build(plan, out)
    assert rebuilt.ok, rebuilt.problems[:3]
    _same_as_clean_build(plan, out, tmp_path)


def test_a_file_edited_by_hand_is_rendered_again_not_kept(tmp_path: Path) -> None:
    """A kept file must be the last build's own: one edited (or merely touched) since is rendered
    again, even when its inputs did not change."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan())
    out = tmp_path / "out"
    assert build(plan, out).ok
    runbook = out / "runbooks" / "Metric0003Rate.md"
    runbook.write_text(runbook.read_text().replace("Metric 0003 Rate", "Metric 0003 Edited"))
    rules = out / "prometheus" / "rules" / "section-001.yml"
    text = rules.read_bytes()
    rules.write_bytes(text)  # the same bytes, a new modification time
    plan.write_text(CHANGES["threshold"](plan.read_text()))
    rebuilt = build(plan, out)
    assert rebuilt.ok
    assert "runbooks/Metric0003Rate.md" in rebuilt.changes.changed
    _same_as_clean_build(plan, out, tmp_path)
    assert build(plan, out, check=True).changes.clean


def test_a_crafted_store_of_units_means_a_full_render_not_a_crash(tmp_path: Path) -> None:
    """A store listing one file under two units (damaged, or written by someone else) makes the
    generators disagree: the build renders everything instead, like any other doubt."""
    import json

    from monplan.output import cache

    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan())
    out = tmp_path / "out"
    assert build(plan, out).ok
    store = unitcache.store_path(cache._record_path(out))
    data = json.loads(store.read_bytes())
    units = data["units"]
    first, second = [key for key, paths in units.items() if paths and paths[0].startswith("prometheus/rules/")][:2]
    units[first] = units[first] + units[second]  # the first rule file's unit also claims the second's file
    store.write_text(json.dumps(data))
    plan.write_text(CHANGES["threshold"](plan.read_text()))
    rebuilt = build(plan, out)
    assert rebuilt.ok, rebuilt.problems[:3]
    _same_as_clean_build(plan, out, tmp_path)


def test_a_rebuild_of_edits_in_a_row_is_a_clean_build_each_time(tmp_path: Path) -> None:
    """Edits one after the other, each rebuilt from the last (the store of units carried on)."""
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan())
    out = tmp_path / "out"
    assert build(plan, out).ok
    for number, change in enumerate(["threshold", "row added", "metric name", "row removed", "priority"]):
        plan.write_text(CHANGES[change](plan.read_text()))
        assert build(plan, out).ok
        _same_as_clean_build(plan, out, tmp_path / str(number))


@pytest.mark.parametrize("spilled", [False, True], ids=["forked", "forked and spilled"])
def test_a_rebuild_split_over_two_processes_is_a_clean_build(spilled: bool, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Large plans render in a forked worker too (and keep files in a temporary file): kept files
    and the worker's units travel back to the build like rendered ones."""
    from monplan import generators
    from monplan.generators import forked
    from monplan.output import spill

    if not forked.available():
        pytest.skip("no fork on this system")
    monkeypatch.setattr(generators, "PARALLEL_FROM", 10)
    if spilled:
        monkeypatch.setattr(generators, "SPILL_FROM", 10)
        monkeypatch.setattr(spill, "SPILL_FROM", 1000)
    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan())
    out = tmp_path / "out"
    assert build(plan, out).ok
    for number, change in enumerate(["threshold", "row added"]):
        plan.write_text(CHANGES[change](plan.read_text()))
        rebuilt = build(plan, out)
        assert rebuilt.ok
        reuse = unitcache.of(rebuilt.plan)
        assert reuse is not None and reuse.reused > 100  # the worker's runbooks and dashboards too
        _same_as_clean_build(plan, out, tmp_path / str(number))


def test_the_cache_folder_keeps_no_temporary_file_of_a_failed_or_killed_write(tmp_path: Path) -> None:
    """A full disk (the write fails half-way) leaves no `.tmp` behind, and one a killed build
    left (its process gone) is removed by the next build's record; the build itself is fine."""
    import errno

    from monplan.output import cache

    plan = tmp_path / "plan.yaml"
    plan.write_text(_plan())
    out = tmp_path / "out"
    record = cache._record_path(out)
    record.parent.mkdir(parents=True, exist_ok=True)
    orphan = record.with_suffix(".4194304999.tmp")  # above any pid_max: that process cannot run
    orphan.write_bytes(b"half a record")
    alive = record.with_suffix(f".{os.getppid()}.tmp")  # a running process's: not touched
    alive.write_bytes(b"being written")

    def fills_the_disk(stream: BinaryIO) -> None:
        stream.write(b"x" * 4096)
        raise OSError(errno.ENOSPC, "No space left on device")

    assert not cache.replace_cache_file(record, fills_the_disk)
    assert not record.exists() and orphan.exists()
    assert sorted(p.name for p in record.parent.glob(f"{record.stem}.*.tmp")) == sorted([orphan.name, alive.name])
    assert build(plan, out).ok
    assert record.exists() and unitcache.store_path(record).exists()
    assert not orphan.exists() and alive.exists()
    assert build(plan, out).cached  # the record written is the one the next build trusts
