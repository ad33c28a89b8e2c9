"""The build, as a script: load the plan, check it, resolve it, generate, write."""

from __future__ import annotations

import dataclasses
import functools
import gc
import os
import sys
from collections.abc import Callable, Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from monplan.diagnostics import Diagnostic, PlanError

if TYPE_CHECKING:
    from monplan.model.plan import Plan
    from monplan.spec.loader import Located
    from monplan.spec.plan import Plan as Spec
    from monplan.timing import Lap
from monplan.output.writer import Changes


def load_plan(plan_path: Path, lap: Lap | None = None) -> Plan:
    """Read and compile a plan; raises PlanError with every problem found. `lap` is told
    each step's end (validate --timings)."""
    from monplan.spec.check import check_plan
    from monplan.spec.loader import load_file
    from monplan.spec.types import remembering_good_queries

    with _no_cycle_collection(), remembering_good_queries():  # also for validate, report, tune...: see there
        located = load_file(plan_path)
        if lap is not None:
            lap("load: read and parse the YAML")
        return compile_plan(check_plan(located, lap), located, lap)


def load_spec(plan_path: Path) -> Spec:
    """The checked spec of a plan that compiles, as written (the model holds no spec): for
    tools and tests that compare plans by their words. Raises PlanError like load_plan."""
    from monplan.spec.check import check_plan
    from monplan.spec.loader import load_file

    located = load_file(plan_path)
    spec = check_plan(located)
    compile_plan(spec, located)
    return spec


def compile_plan(spec: Spec, located: Located, lap: Lap | None = None) -> Plan:
    """The model of a checked spec, after every check (monplan/checks) in one pass: raises
    PlanError with all errors; keeps the warnings the plan did not silence."""
    from monplan.checks import Context, run_checks, silence
    from monplan.model.resolve import resolve

    plan, problems = resolve(spec, located)
    if lap is not None:
        lap("resolve: the model of the plan")
    found = problems + run_checks(Context(spec, located, plan), valid_so_far=not problems, lap=lap)
    found = silence(found, spec.defaults.disable_checks, located.disables)
    errors = [d for d in found if d.severity == "error"]
    if errors:
        from monplan.spec.check import reported

        raise PlanError(reported(errors))  # in plan order; a flood (20,000 bad rows) cut short with a count
    validate_only = run_checks(Context(spec, located, plan), valid_so_far=True, stage="validate", lap=lap)
    return dataclasses.replace(plan, warnings=tuple(found),
                               validate_only=tuple(silence(validate_only, spec.defaults.disable_checks,
                                                           located.disables)))


def render(plan: Plan) -> MutableMapping[str, bytes]:
    from monplan.generators import generate_all

    return generate_all(plan)


@dataclass
class BuildResult:
    plan: Plan | None = None
    files: MutableMapping[str, bytes] = field(default_factory=dict)  # a spill.Files for a large plan
    changes: Changes = field(default_factory=Changes)
    problems: list[Diagnostic] = field(default_factory=list)
    unplanned_targets: list[str] = field(default_factory=list)  # added by the caller, not in the plan's targets:
    cached: bool = False  # recognised as up to date from the last build's record, without rendering
    write_warnings: list[Diagnostic] = field(default_factory=list)  # how the output was written (e.g. file by file)

    @property
    def ok(self) -> bool:
        return not self.problems


def build(plan_path: Path, out: Path, *, check: bool = False, targets: Sequence[str] = (),
          use_cache: bool = True, on_wait: Callable[[], None] | None = None) -> BuildResult:
    """Compile the plan into `out`; with check=True only report what differs. `targets` adds
    outputs (prometheus-operator, mimir) to those the plan's `targets:` turns on. `on_wait`
    is called if another build of the same folder is writing (this one then waits for it)."""
    from monplan.output import cache

    result = BuildResult()
    print_ = cache.fingerprint(plan_path, extra=tuple(sorted(targets)))
    if use_cache and not targets and cache.unchanged(out, print_):
        if not check:  # a build killed after its switch leaves the old tree beside an up-to-date one
            from monplan.output.writer import clean_leftovers

            clean_leftovers(out)
        result.cached = True
        return result
    with _no_cycle_collection():
        return _compile(plan_path, out, check, targets, print_, result, on_wait, reuse=use_cache)


def release_free_memory() -> None:
    """Give the C heap's free pages back to the operating system (glibc's malloc_trim): freed
    Python objects leave them in the process, counted in its resident memory. Nothing elsewhere."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    import ctypes

    try:
        if sys.platform != "linux" or not os.confstr("CS_GNU_LIBC_VERSION"):  # musl has no malloc_trim
            return None
        trim: Callable[[int], int] = ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, ValueError, AttributeError):
        return None
    return trim


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A build makes millions of short-lived containers and almost no reference cycles, yet
    the cycle collector would walk every live object again and again (a third of a large
    dashboard's time); whatever cycles there are, it collects once the build is over."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _compile(plan_path: Path, out: Path, check: bool, targets: Sequence[str], print_: str | None,
             result: BuildResult, on_wait: Callable[[], None] | None, reuse: bool = True) -> BuildResult:
    from monplan.model.targets import not_in_plan, with_targets
    from monplan.output import cache, writer
    from monplan.output.spill import StaleOutput

    try:
        planned = load_plan(plan_path)
        result.unplanned_targets = not_in_plan(planned, targets)
        result.plan = with_targets(planned, targets)
    except PlanError as err:
        result.problems = err.diagnostics
        return result
    # Loading and checking a large plan frees more than the model keeps (the parsed tree, the
    # validated spec): handed back before generating, that memory is neither kept to the end of
    # the build nor copied into the forked generator worker as it touches its pages.
    release_free_memory()
    units = None
    if reuse and print_ is not None:  # files of the last build whose inputs did not change are kept
        from monplan.output.unitcache import UnitCache

        units = UnitCache(out, result.plan, cache.code_print(tuple(sorted(targets))))
        result.plan = dataclasses.replace(result.plan, unit_cache=units)
    try:
        result.files = render(result.plan)
        if units is not None:
            result.changes = writer.compare(out, result.files) if check else result.changes
    except StaleOutput:  # a file meant to be kept changed meanwhile: everything rendered anew
        result.plan = dataclasses.replace(result.plan, unit_cache=None)
        units = None
        result.files = render(result.plan)
    except RuntimeError:  # e.g. a damaged or crafted store of units listing a file twice
        if units is None:
            raise  # without the store: a bug of monplan's, reported as such
        result.plan = dataclasses.replace(result.plan, unit_cache=None)  # any doubt: everything rendered anew
        units = None
        result.files = render(result.plan)
    from monplan.checks.file_names import file_name_problems

    result.problems = file_name_problems(result.files, plan_path)
    if result.problems:  # a name no file system takes: refused at its plan value, nothing written
        return result
    if check:
        if units is None:
            result.changes = writer.compare(out, result.files)
        if result.changes.clean and not result.changes.conflicts and not result.changes.links:
            _remember(out, print_, result.files, units)
        return result
    try:
        result.changes, found = writer.write(out, result.files, on_wait=on_wait)
    except StaleOutput:  # changed by hand while this build ran: rendered anew and written
        result.plan = dataclasses.replace(result.plan, unit_cache=None)
        units = None
        result.files = render(result.plan)
        result.changes, found = writer.write(out, result.files, on_wait=on_wait)
    result.problems = [d for d in found if d.severity == "error"]
    result.write_warnings = [d for d in found if d.severity != "error"]
    if result.ok:
        _remember(out, print_, result.files, units)
    return result


def _remember(out: Path, print_: str | None, files: MutableMapping[str, bytes], units: object) -> None:
    """The build record, and the units this build went through (monplan/output/unitcache.py)."""
    from monplan.output import cache
    from monplan.output.spill import StaleOutput

    try:
        record = cache.remember(out, print_, files)
    except StaleOutput:
        cache.forget(out)
        return
    if record is not None and units is not None:
        units.save(record)  # type: ignore[attr-defined]
