"""Generators: each module's `generate(plan) -> {relative path: bytes}` is a pure function."""

from __future__ import annotations

import importlib
from typing import Callable

from monplan.model import Plan

# Module names under monplan.generators, in the order their files are listed.
GENERATORS: tuple[str, ...] = ("schema", "rules", "rule_tests", "prometheus_config", "blackbox", "postgres_queries", "mtail",
                              "dashboards", "alertmanager", "oncall",
                              "runbooks", "schedules", "kubernetes", "mimir")


# Generators that describe the others' output: `generate(plan, files) -> {path: bytes}`,
# run last with everything the others produced, so nothing is generated twice.
INDEXES: tuple[str, ...] = ("readme",)


def generator(name: str) -> Callable[[Plan], dict[str, bytes]]:
    return importlib.import_module(f"monplan.generators.{name}").generate


def generate_all(plan: Plan) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for name in GENERATORS:
        produced = generator(name)(plan)
        clash = files.keys() & produced.keys()
        if clash:
            raise RuntimeError(f"generators disagree about {sorted(clash)}")
        files.update(produced)
    for name in INDEXES:
        produced = importlib.import_module(f"monplan.generators.{name}").generate(plan, files)
        clash = files.keys() & produced.keys()
        if clash:
            raise RuntimeError(f"generators disagree about {sorted(clash)}")
        files.update(produced)
    return dict(sorted(files.items()))
