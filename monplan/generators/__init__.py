"""Generators: each module's `generate(plan) -> {relative path: bytes}` is a pure function."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping

from monplan.model.plan import Plan
from monplan.output.spill import Files

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


def generator(name: str) -> Callable[[Plan], Mapping[str, bytes]]:
    generate: Callable[[Plan], Mapping[str, bytes]] = importlib.import_module(f"monplan.generators.{name}").generate
    return generate


# From this many alerts the files are collected in a spill.Files that keeps them all in a
# temporary file (spill_from=0): a 100,000-row plan's near gigabyte of output would otherwise
# stay in memory from its generation until the build ends, and even the 64 MB a spill.Files
# holds by default were the build process's largest holding while generating.
SPILL_FROM = 20_000


def _merge(files: MutableMapping[str, bytes], produced: Mapping[str, bytes]) -> None:
    clash = [path for path in produced if path in files]
    if clash:
        raise RuntimeError(f"generators disagree about {sorted(clash)}")
    if isinstance(produced, Files):  # a kept file moves as it is, unread (monplan/output/unitcache.py)
        for path in produced:
            files[path] = produced.kept(path) or produced[path]  # type: ignore[assignment]
    else:
        files.update(produced)


class _Collector(MutableMapping[str, bytes]):
    """Where a generator run by `_run` puts its files: straight into the build's mapping (a
    spill.Files writes each to its temporary file at once), not into a dict of its own that
    would hold all of them (a hundred megabytes and more at 100,000 rows) until merged."""

    def __init__(self, into: MutableMapping[str, bytes]) -> None:
        self.into = into

    def __setitem__(self, path: str, data: bytes) -> None:
        if path in self.into:
            raise RuntimeError(f"generators disagree about {[path]}")
        self.into[path] = data

    def __getitem__(self, path: str) -> bytes:
        return self.into[path]

    def __delitem__(self, path: str) -> None:
        raise TypeError("a generator's files are added, never taken back")

    def __iter__(self) -> Iterator[str]:
        raise TypeError("a generator's collector holds the files of others too: it is not read")

    def __len__(self) -> int:
        raise TypeError("a generator's collector holds the files of others too: it is not read")


_collecting: list[_Collector] = []  # the collector of the generator `_run` is running


def collector() -> MutableMapping[str, bytes]:
    """The mapping a generator with many files adds them to, and returns: the build's own
    when `_run` runs it, else a new dict (a generator called on its own returns its files).
    Only for a generator that never reads back, lists or counts what it added."""
    return _collecting[-1] if _collecting else {}


def _run(plan: Plan, names: Iterable[str], part: tuple[int, int] | None = None,
         into: MutableMapping[str, bytes] | None = None) -> MutableMapping[str, bytes]:
    """The files of these generators, added to `into` (a new dict by default) as each finishes."""
    files: MutableMapping[str, bytes] = {} if into is None else into
    for name in names:
        make = generator(name)
        collecting = _Collector(files)
        _collecting.append(collecting)
        try:
            produced = make(plan) if part is None else make(plan, part)  # type: ignore[call-arg]
        finally:
            _collecting.pop()
        if produced is not collecting:
            _merge(files, produced)
    return files


def _worker_share(plan: Plan, into: MutableMapping[str, bytes] | None = None) -> MutableMapping[str, bytes]:
    files = _run(plan, FORKED, into=into)
    return _run(plan, SHARED, (0, 2), into=files)


def _units_seen(plan: Plan) -> dict[str, list[str]] | None:
    from monplan.output import unitcache

    cache = unitcache.of(plan)
    return None if cache is None else cache.units


def _dict_share(plan: Plan) -> object:
    files = _worker_share(plan)
    return files, _units_seen(plan)


def _spilled_share(plan: Plan, shared: Files) -> object:
    """In the worker of a large plan: its files written to `shared`'s temporary file (opened
    before the fork, so the parent reads the same file), and only where they are sent back."""
    _worker_share(plan, into=shared)
    return shared.index(), _units_seen(plan)


def _parallel(plan: Plan) -> bool:
    from monplan.generators import forked

    return (len(plan.alerts) >= PARALLEL_FROM and forked.available()
            and os.environ.get("MONPLAN_PARALLEL", "1") != "0")


def generate_all(plan: Plan) -> MutableMapping[str, bytes]:
    """Every generator's files, sorted by path; the same bytes however the work is split and
    wherever they are held (a dict, or a spill.Files for a large plan)."""
    from monplan.generators import forked
    from monplan.output import unitcache

    parallel = _parallel(plan)
    reusing = unitcache.of(plan) is not None  # files may be kept from the last build: a Files holds them
    large = len(plan.alerts) >= SPILL_FROM
    files: MutableMapping[str, bytes] = Files(spill_from=0 if large else None) if large or reusing else {}
    shared = Files(spill_from=0).opened() if parallel and large else None
    worker: forked.Worker | None = None
    if shared is not None:
        worker = forked.start(lambda: _spilled_share(plan, shared))
    elif parallel:
        worker = forked.start(lambda: _dict_share(plan))
    produced = None
    try:
        if worker is None:
            _run(plan, GENERATORS, into=files)
        else:
            _run(plan, (name for name in GENERATORS if name not in FORKED + SHARED), into=files)
            _run(plan, SHARED, (1, 2), into=files)
            produced = worker.result()
            if produced is not None:
                produced, units = produced
                if units is not None:
                    unitcache.of(plan).adopt(units)  # type: ignore[union-attr]
    except BaseException:  # an error or a stop signal: the worker's result is not wanted
        if worker is not None:
            worker.abandon()  # also reaps a worker whose result was cut short
        raise
    if produced is not None and shared is not None:
        shared.adopt_index(produced)  # the worker's files, in the temporary file both had open
        _merge(files, shared)
    elif produced is not None:
        _merge(files, produced)
    elif parallel:  # the worker died without a result: do its share here
        _merge(files, _worker_share(plan))
    del produced
    for name in INDEXES:
        _merge(files, importlib.import_module(f"monplan.generators.{name}").generate(plan, files))
    if isinstance(files, Files):
        files.sort()
        return files
    return dict(sorted(files.items()))
