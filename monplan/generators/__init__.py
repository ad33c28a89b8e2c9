"""Generators: each module's `generate(plan) -> {relative path: bytes}` is a pure function."""

from __future__ import annotations

import importlib
import os
from typing import Callable, Iterable

from monplan.model import Plan

# Module names under monplan.generators, in the order their files are listed.
GENERATORS: tuple[str, ...] = ("schema", "rules", "rule_tests", "prometheus_config", "blackbox", "postgres_queries", "mtail",
                              "dashboards", "alertmanager", "oncall",
                              "runbooks", "schedules", "kubernetes", "mimir")


# Generators that describe the others' output: `generate(plan, files) -> {path: bytes}`,
# run last with everything the others produced, so nothing is generated twice.
INDEXES: tuple[str, ...] = ("readme",)

# A large plan's generation is split over two processes: these generators (about half of
# the time) run in a forked worker while the rest run here. Below PARALLEL_FROM alerts the
# fork and the transfer of the files cost more than they save.
FORKED: tuple[str, ...] = ("dashboards", "runbooks")
PARALLEL_FROM = 2000


def generator(name: str) -> Callable[[Plan], dict[str, bytes]]:
    return importlib.import_module(f"monplan.generators.{name}").generate


def _merge(files: dict[str, bytes], produced: dict[str, bytes]) -> None:
    clash = files.keys() & produced.keys()
    if clash:
        raise RuntimeError(f"generators disagree about {sorted(clash)}")
    files.update(produced)


def _run(plan: Plan, names: Iterable[str]) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name in names:
        _merge(files, generator(name)(plan))
    return files


def _parallel(plan: Plan) -> bool:
    from monplan import forked

    return (len(plan.alerts) >= PARALLEL_FROM and forked.available()
            and os.environ.get("MONPLAN_PARALLEL", "1") != "0")


def generate_all(plan: Plan) -> dict[str, bytes]:
    """Every generator's files, sorted by path; the same bytes however the work is split."""
    from monplan import forked

    worker = forked.start(lambda: _run(plan, FORKED)) if _parallel(plan) else None
    try:
        files = _run(plan, (name for name in GENERATORS if worker is None or name not in FORKED))
    except BaseException:
        if worker is not None:
            worker.abandon()
        raise
    if worker is not None:
        produced = worker.result()
        _merge(files, produced if produced is not None else _run(plan, FORKED))
    for name in INDEXES:
        _merge(files, importlib.import_module(f"monplan.generators.{name}").generate(plan, files))
    return dict(sorted(files.items()))
