"""A build runs with the cycle collector off (monplan/app/pipeline.py `_no_cycle_collection`),
so whatever the loading, checking and resolving of a plan leave in a reference cycle stays in
memory until the build ends: a closure that calls itself (a nested `def walk` recursing) is
such a cycle, and it holds everything it refers to (a list of every string of the plan, or of
every row of the spec: a few hundred megabytes at 100,000 rows). These tests fail if a cycle
of that kind comes back."""

from __future__ import annotations

import gc
import weakref
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import CASES
from monplan.app.pipeline import compile_plan, load_plan, render

ROOT = Path(__file__).resolve().parents[2]
PLANS = [ROOT / "plan.yaml", CASES / "valid" / "services" / "plan.yaml", CASES / "valid" / "focus-areas" / "plan.yaml",
         CASES / "valid" / "hostile-text" / "plan.yaml"]


def _left_in_cycles(work: Callable[[], None]) -> list[object]:
    """The objects `work` left unreachable but alive (only the cycle collector would free them)."""
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        work()
        gc.set_debug(gc.DEBUG_SAVEALL)  # what the collection finds is kept in gc.garbage, for us to see
        gc.collect()
        return list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        if was_enabled:
            gc.enable()


def _ours(objects: list[object]) -> list[object]:
    """monplan's functions, and instances of monplan's classes (the spec's rows, the model)."""
    return [o for o in objects if (getattr(o, "__module__", None) or "").startswith("monplan")
            or type(o).__module__.startswith("monplan")]


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: "plan.yaml" if p.parent == ROOT else p.parent.name)
def test_loading_a_plan_leaves_nothing_to_the_cycle_collector(plan: Path) -> None:
    load_plan(plan)  # first-use caches (pydantic's, the checks' registry) are not the plan's
    left = _left_in_cycles(lambda: load_plan(plan) and None)
    assert left == [], f"{len(left)} objects in reference cycles, e.g. {_ours(left)[:5] or left[:5]}"


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: "plan.yaml" if p.parent == ROOT else p.parent.name)
def test_generating_leaves_none_of_monplan_to_the_cycle_collector(plan: Path) -> None:
    render(load_plan(plan))
    # (pydantic's JSON schema generation, for schema.json, leaves a cycle of its own: a few
    # hundred objects whatever the plan's size, none of them monplan's)
    left = _left_in_cycles(lambda: render(load_plan(plan)) and None)
    assert _ours(left) == []


@pytest.mark.parametrize("plan", PLANS, ids=lambda p: "plan.yaml" if p.parent == ROOT else p.parent.name)
def test_the_loaded_tree_and_the_spec_are_freed_by_reference_counting_alone(plan: Path) -> None:
    from monplan.spec.check import check_plan
    from monplan.spec.loader import load_file
    from monplan.spec.metrics import MetricRow

    load_plan(plan)
    was_enabled = gc.isenabled()
    gc.collect()
    gc.disable()
    try:
        before = _instances(MetricRow)
        located = load_file(plan)
        spec = check_plan(located)
        model = compile_plan(spec, located)
        assert _instances(MetricRow) > before
        tree = weakref.ref(located)
        del located, spec
        assert tree() is None, "the loader's located tree outlived the spec and the model"
        assert _instances(MetricRow) == before, "the spec's rows outlived the spec"
        assert model.alerts
    finally:
        if was_enabled:
            gc.enable()


def _instances(kind: type) -> int:
    return sum(1 for o in gc.get_objects() if type(o) is kind)


def test_equal_label_sets_and_short_annotations_are_one_object_in_the_model() -> None:
    # A 100,000-row plan's model lives to the end of the build (and in its forked worker):
    # its rows' repeated labels and section and threshold annotations are shared, not copied.
    plan = load_plan(ROOT / "plan.yaml")
    seen: dict[object, object] = {}
    uses: Counter[object] = Counter()
    for alert in plan.alerts:
        watch = alert.no_data
        shared = [alert.labels, *(pair for pair in alert.annotations if pair[0] in ("section", "threshold"))]
        if watch is not None:
            shared += [watch.labels, *(pair for pair in watch.annotations if pair[0] == "section")]
        for value in shared:
            first = seen.setdefault(value, value)
            assert first is value, f"an equal value, copied: {value}"
            uses[value] += 1
    assert max(uses.values()) > 1, "the test needs a plan that repeats label sets and sections"
