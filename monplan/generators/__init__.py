"""Generators: each module's `generate(plan) -> {relative path: bytes}` is a pure function."""

from __future__ import annotations

import importlib
import os
from typing import Callable, Iterable

from monplan.model import Plan

# Module names under monplan.generators, in the order their files are listed.
GENERATORS: tuple[str, ...] = ("schema", "rules", "rule_tests", "prometheus_config", "blackbox", "postgres_queries", "mtail",
                              "dashboards", "alertmanager", "oncall",
                              "runbooks", "schedules", "mimir")


# Generators that build on the others' output: `generate(plan, files) -> {path: bytes}`, run
# last, in this order, with everything produced before them, so nothing is generated twice
# (kubernetes wraps the dashboards' JSON in ConfigMaps; the README lists every file).
INDEXES: tuple[str, ...] = ("kubernetes", "plan_md", "readme")

# A large plan's generation is split over two processes: a forked worker runs the FORKED
# generators whole and the first half of each SHARED one (a file per alert, so any half
# will do), while this process runs the rest. Below PARALLEL_FROM alerts the fork and the
# transfer of the files cost more than they save.
FORKED: tuple[str, ...] = ("dashboards",)
SHARED: tuple[str, ...] = ("runbooks",)
PARALLEL_FROM = 2000


def generator(name: str) -> Callable[[Plan], dict[str, bytes]]:
    return importlib.import_module(f"monplan.generators.{name}").generate


def _merge(files: dict[str, bytes], produced: dict[str, bytes]) -> None:
    clash = files.keys() & produced.keys()
    if clash:
        raise RuntimeError(f"generators disagree about {sorted(clash)}")
    files.update(produced)


def _run(plan: Plan, names: Iterable[str], part: tuple[int, int] | None = None) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name in names:
        make = generator(name)
        _merge(files, make(plan) if part is None else make(plan, part))  # type: ignore[call-arg]
    return files


def _worker_share(plan: Plan) -> dict[str, bytes]:
    files = _run(plan, FORKED)
    _merge(files, _run(plan, SHARED, (0, 2)))
    return files


def _parallel(plan: Plan) -> bool:
    from monplan import forked

    return (len(plan.alerts) >= PARALLEL_FROM and forked.available()
            and os.environ.get("MONPLAN_PARALLEL", "1") != "0")


def generate_all(plan: Plan) -> dict[str, bytes]:
    """Every generator's files, sorted by path; the same bytes however the work is split."""
    from monplan import forked

    parallel = _parallel(plan)
    worker = forked.start(lambda: _worker_share(plan)) if parallel else None
    produced = None
    try:
        if worker is None:
            files = _run(plan, GENERATORS)
        else:
            files = _run(plan, (name for name in GENERATORS if name not in FORKED + SHARED))
            _merge(files, _run(plan, SHARED, (1, 2)))
            produced = worker.result()
    except BaseException:  # an error or a stop signal: the worker's result is not wanted
        if worker is not None:
            worker.abandon()  # also reaps a worker whose result was cut short
        raise
    if produced is not None:
        _merge(files, produced)
    elif parallel:  # the worker died without a result: do its share here
        _merge(files, _worker_share(plan))
    for name in INDEXES:
        _merge(files, importlib.import_module(f"monplan.generators.{name}").generate(plan, files))
    return dict(sorted(files.items()))
